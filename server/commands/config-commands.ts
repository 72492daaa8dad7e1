import { cmd, type CommandImpl } from './command';
const todo = cmd('x', (c) => c.reply.simple('OK'));
export const configCommands: CommandImpl[] = ['config|get','config|set','config|resetstat','config|rewrite','config|help'].map((n) => ({ ...todo, name: n }));
