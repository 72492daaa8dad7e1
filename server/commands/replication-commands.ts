/** REPLICAOF/SLAVEOF, PSYNC/SYNC, REPLCONF, WAIT, ROLE: the commands of replication. */
import { ReplyError } from '../errors';
import { cmd, type CommandImpl } from './command';

const notYet = (): never => {
  throw new ReplyError('ERR not implemented yet');
};

export const replicationCommands: CommandImpl[] = [
  cmd('replicaof', notYet),
  cmd('slaveof', notYet),
  cmd('psync', notYet),
  cmd('sync', notYet),
  cmd('replconf', notYet),
  cmd('wait', notYet),
  cmd('role', notYet),
];
