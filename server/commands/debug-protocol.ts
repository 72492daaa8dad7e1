/**
 * DEBUG PROTOCOL <type>: one sample reply of each RESP type, as Redis 7.0 answers it (RESP2
 * clients get the RESP2 fallback the reply writer picks, e.g. a double as a bulk string), and
 * DEBUG HELP: Redis's help text (captured into HELP_REPLIES) cut down to the subcommands
 * hashslot implements.
 */
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';

const TYPES = 'string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false';

export function debugProtocol(ctx: CommandContext, typeName: string): void {
  const reply = ctx.reply;
  const resp3 = ctx.session.resp === 3;
  switch (typeName.toLowerCase()) {
    case 'string': return reply.bulk('Hello World');
    case 'integer': return reply.integer(12345);
    case 'double': return reply.double('3.141');
    case 'bignum':
      if (resp3) reply.raw('(1234567999999999999999999999999999999\r\n');
      else reply.bulk('1234567999999999999999999999999999999');
      return;
    case 'null': return reply.null();
    case 'array':
    case 'set':
      if (typeName.toLowerCase() === 'set') reply.set(3);
      else reply.array(3);
      for (let j = 0; j < 3; j++) reply.integer(j);
      return;
    case 'map':
      // Integer keys, each mapped to whether it is odd.
      reply.map(3);
      for (let j = 0; j < 3; j++) {
        reply.integer(j);
        reply.boolean(j === 1);
      }
      return;
    case 'attrib':
      if (resp3) reply.raw('|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n');
      return reply.bulk('Some real reply following the attribute');
    case 'push':
      if (!resp3) throw new ReplyError('ERR RESP2 is not supported by this command');
      reply.push(2);
      reply.bulk('server-cpu-usage');
      reply.integer(42);
      return reply.bulk('Some real reply following the push reply');
    case 'verbatim': return reply.verbatim('This is a verbatim\nstring');
    case 'true': return reply.boolean(true);
    case 'false': return reply.boolean(false);
    default:
      throw new ReplyError(`ERR Wrong protocol type name. Please use one of the following: ${TYPES}`);
  }
}

/** One line of a captured HELP reply (a status string). */
export type DebugHelpLine = string | { '+': string };

/**
 * Redis's DEBUG HELP reply, keeping the first line and the blocks (an unindented line and the
 * indented lines under it) whose first word is implemented.
 */
export function replyDebugHelp(ctx: CommandContext, lines: readonly DebugHelpLine[], implemented: ReadonlySet<string>): void {
  const texts = lines.map((l) => (typeof l === 'string' ? l : l['+']));
  const kept: string[] = [];
  let keep = true;
  texts.forEach((line, i) => {
    if (i > 0 && !line.startsWith(' ')) keep = implemented.has(line.split(' ')[0] ?? '');
    if (i === 0 || keep) kept.push(line);
  });
  ctx.reply.array(kept.length);
  for (const line of kept) ctx.reply.simple(line);
}
