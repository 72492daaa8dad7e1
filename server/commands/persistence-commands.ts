/** SAVE, BGSAVE, DUMP, RESTORE: snapshots of the keyspace in RDB format (storage/rdb). */
import { ReplyError } from '../errors';
import { cmd, type CommandImpl } from './command';

const notYet = (): never => {
  throw new ReplyError('ERR not implemented yet');
};

export const persistenceCommands: CommandImpl[] = [cmd('save', notYet), cmd('bgsave', notYet), cmd('dump', notYet), cmd('restore', notYet)];
