/**
 * CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO: a connection's side of client-side
 * caching (the mechanism is server/tracking/client-tracking.ts).
 *
 * CLIENT TRACKING reads all its options first (REDIRECT's target must exist), then checks them
 * against each other and against the connection's current mode in Redis's order, so the same
 * invalid call gets the same error as from Redis.
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';
import { ReplyError } from '../dispatch/errors';
import { cmd, type CommandImpl } from '../dispatch/command';
import type { TrackingRequest, TrackingState } from '../tracking/client-tracking';
import { at, int64Arg, isWord, syntaxError } from './args';

const OVERLAP = 'Prefixes for a single client must not overlap.';

function trackingCommand(ctx: CommandContext, argv: ByteString[]): void {
  const request: TrackingRequest = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, prefixes: [] };
  for (let j = 3; j < argv.length; j++) {
    const option = at(argv, j);
    const more = j + 1 < argv.length;
    if (isWord(option, 'redirect') && more) {
      if (request.redirect !== 0) throw new ReplyError('ERR A client can only redirect to a single other client');
      const id = int64Arg(at(argv, ++j));
      const target = ctx.server.clients.get(Number(id));
      if (id <= 0n || target === undefined || target.closed) throw new ReplyError('ERR The client ID you want redirect to does not exist');
      request.redirect = Number(id);
    } else if (isWord(option, 'bcast')) request.bcast = true;
    else if (isWord(option, 'optin')) request.optin = true;
    else if (isWord(option, 'optout')) request.optout = true;
    else if (isWord(option, 'noloop')) request.noloop = true;
    else if (isWord(option, 'prefix') && more) request.prefixes.push(at(argv, ++j));
    else syntaxError();
  }
  const mode = at(argv, 2);
  if (isWord(mode, 'on')) {
    checkCompatible(ctx.session.tracking, request);
    ctx.server.tracking.enable(ctx.session, request);
  } else if (isWord(mode, 'off')) {
    ctx.server.tracking.disable(ctx.session);
  } else {
    syntaxError();
  }
  ctx.reply.ok();
}

/** The checks before tracking is turned on, in Redis's order. */
function checkCompatible(current: TrackingState | null, request: TrackingRequest): void {
  if (!request.bcast && request.prefixes.length !== 0) throw new ReplyError('ERR PREFIX option requires BCAST mode to be enabled');
  if (current !== null && current.bcast !== request.bcast) {
    throw new ReplyError("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
  }
  if (request.bcast && (request.optin || request.optout)) throw new ReplyError('ERR OPTIN and OPTOUT are not compatible with BCAST');
  if (request.optin && request.optout) throw new ReplyError("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if (current !== null && ((request.optin && current.optout) || (request.optout && current.optin))) {
    throw new ReplyError("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
  }
  if (request.bcast) checkPrefixOverlaps(current?.prefixes ?? new Set(), request.prefixes);
}

/** No prefix may be a prefix of another: of one already held, or of one given later. */
function checkPrefixOverlaps(held: ReadonlySet<ByteString>, given: readonly ByteString[]): void {
  const existing = [...held].sort();
  given.forEach((prefix, i) => {
    for (const other of existing) {
      if (overlap(prefix, other)) throw new ReplyError(`ERR Prefix '${prefix}' overlaps with an existing prefix '${other}'. ${OVERLAP}`);
    }
    for (const other of given.slice(i + 1)) {
      if (overlap(prefix, other)) throw new ReplyError(`ERR Prefix '${prefix}' overlaps with another provided prefix '${other}'. ${OVERLAP}`);
    }
  });
}

function overlap(a: ByteString, b: ByteString): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

function cachingCommand(ctx: CommandContext, argv: ByteString[]): void {
  const state = ctx.session.tracking;
  if (state === null) {
    throw new ReplyError('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  }
  const answer = at(argv, 2);
  if (isWord(answer, 'yes')) {
    if (!state.optin) throw new ReplyError('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (isWord(answer, 'no')) {
    if (!state.optout) throw new ReplyError('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else {
    syntaxError();
  }
  // Holds for the next command (tracking/client-tracking.ts afterCommand).
  state.caching = true;
  ctx.reply.ok();
}

/** CLIENT GETREDIR and CLIENT LIST's redir=: -1 without tracking, 0 without a redirect. */
export function trackingRedirect(state: TrackingState | null): number {
  return state === null ? -1 : state.redirect;
}

/** CLIENT TRACKINGINFO's flags, in Redis's order. */
function trackingFlags(state: TrackingState | null): string[] {
  if (state === null) return ['off'];
  const flags = ['on'];
  if (state.bcast) flags.push('bcast');
  if (state.optin) flags.push('optin');
  if (state.optout) flags.push('optout');
  if (state.caching) flags.push(state.optin ? 'caching-yes' : 'caching-no');
  if (state.noloop) flags.push('noloop');
  if (state.brokenRedirect) flags.push('broken_redirect');
  return flags;
}

function trackingInfoCommand(ctx: CommandContext): void {
  const state = ctx.session.tracking;
  const reply = ctx.reply;
  reply.map(3);
  reply.bulk('flags');
  const flags = trackingFlags(state);
  reply.set(flags.length);
  for (const flag of flags) reply.bulk(flag);
  reply.bulk('redirect');
  reply.integer(trackingRedirect(state));
  reply.bulk('prefixes');
  const prefixes = state === null ? [] : [...state.prefixes].sort();
  reply.array(prefixes.length);
  for (const prefix of prefixes) reply.bulk(prefix);
}

export const clientTrackingCommands: CommandImpl[] = [
  cmd('client|tracking', trackingCommand),
  cmd('client|caching', cachingCommand),
  cmd('client|getredir', (ctx) => ctx.reply.integer(trackingRedirect(ctx.session.tracking))),
  cmd('client|trackinginfo', trackingInfoCommand),
];
