/*
 * The captured HELP replies (command-meta.generated.ts) are lists of lines, one per container.
 * A capture from a redis-server that refuses the container (DEBUG without enable-debug-command,
 * CLUSTER without cluster mode) stores its error instead, and that container's HELP then breaks:
 * this catches such a capture before it ships.
 */
import t from 'tap';
import { HELP_REPLIES } from '../../server/dispatch/meta/command-meta.generated';

t.test('every captured HELP reply is a non-empty list of lines', async (tt) => {
  const names = Object.keys(HELP_REPLIES);
  tt.ok(names.includes('debug') && names.includes('cluster'), 'DEBUG and CLUSTER HELP are captured');
  for (const name of names) {
    const reply = HELP_REPLIES[name];
    tt.ok(Array.isArray(reply) && reply.length > 0 && reply.every((line) => typeof line === 'object' && line !== null && '+' in line), `${name} HELP is lines`);
  }
});
