/**
 * Codecs for the directives that take several words or have a format of their own: save, bind,
 * client-output-buffer-limit, oom-score-adj-values, latency-tracking-info-percentiles,
 * notify-keyspace-events and replicaof. Messages and printed forms were observed on
 * redis-server 7.0.15 (e.g. `CONFIG SET save "100"` -> "Invalid save parameters", and
 * notify-keyspace-events `KEA` printed back as `AKE`).
 *
 * Multi-word codecs receive the words of a config line; a single word holding spaces (the
 * command-line form `--save "900 1 300 10"` or any CONFIG SET) has been split on spaces
 * before it reaches them.
 */
import { type Codec, type RewriteLine, ConfigValueError, parseMemory, parseStrictInteger, LLONG_MAX, memoryWithUnit, quoteText } from './codecs';

// ---------------------------------------------------------------------------------------------
// save
// ---------------------------------------------------------------------------------------------

/** One `save <seconds> <changes>` point. */
export interface SavePoint {
  readonly seconds: number;
  readonly changes: number;
}

/**
 * In a config file the first `save` line replaces the built-in points and later ones append to
 * them (the loader resets the value before the first one); `save ""` clears. CONFIG SET always
 * replaces.
 */
export const saveCodec: Codec<readonly SavePoint[]> = {
  multiArg: true,
  parse(args, current, ctx) {
    if (args.length === 0 || (args.length === 1 && args[0] === '')) return [];
    if (args.length % 2 !== 0) throw new ConfigValueError('Invalid save parameters');
    const points: SavePoint[] = ctx.source === 'file' && current !== undefined ? [...current] : [];
    for (let i = 0; i < args.length; i += 2) {
      const seconds = parseStrictInteger(args[i] ?? '');
      const changes = parseStrictInteger(args[i + 1] ?? '');
      if (seconds === null || changes === null || seconds < 1n || changes < 0n) {
        throw new ConfigValueError('Invalid save parameters');
      }
      points.push({ seconds: Number(seconds), changes: Number(changes) });
    }
    return points;
  },
  format: (v) => v.map((p) => `${p.seconds} ${p.changes}`).join(' '),
  // One line per point, always written (even the defaults); no points is written `save ""` so
  // that reloading clears the built-in points.
  rewriteLines: (v) =>
    v.length === 0 ? [{ args: '""', force: true }] : v.map((p) => ({ args: `${p.seconds} ${p.changes}`, force: true })),
};

// ---------------------------------------------------------------------------------------------
// bind
// ---------------------------------------------------------------------------------------------

const MAX_BIND_ADDRESSES = 16;

export const bindCodec: Codec<readonly string[]> = {
  multiArg: true,
  parse(args) {
    const addrs = args.filter((a) => a !== '');
    if (addrs.length > MAX_BIND_ADDRESSES) throw new ConfigValueError('Too many bind addresses specified.');
    return addrs;
  },
  format: (v) => v.join(' '),
};

// ---------------------------------------------------------------------------------------------
// client-output-buffer-limit
// ---------------------------------------------------------------------------------------------

/** Hard limit, soft limit (bytes) and how long the soft limit may be exceeded (seconds). */
export interface BufferLimit {
  readonly hardBytes: number;
  readonly softBytes: number;
  readonly softSeconds: number;
}

export interface ClientBufferLimits {
  readonly normal: BufferLimit;
  readonly replica: BufferLimit;
  readonly pubsub: BufferLimit;
}

const NO_LIMIT: BufferLimit = { hardBytes: 0, softBytes: 0, softSeconds: 0 };

const CLASS_OF: Record<string, keyof ClientBufferLimits> = { normal: 'normal', replica: 'replica', slave: 'replica', pubsub: 'pubsub' };

/** Only the classes named change; the others keep their current limits. */
export const clientBufferLimitCodec: Codec<ClientBufferLimits> = {
  multiArg: true,
  parse(args, current) {
    if (args.length % 4 !== 0) throw new ConfigValueError('Wrong number of arguments in buffer limit configuration.');
    const base = current ?? { normal: NO_LIMIT, replica: NO_LIMIT, pubsub: NO_LIMIT };
    const next = { normal: base.normal, replica: base.replica, pubsub: base.pubsub };
    for (let i = 0; i < args.length; i += 4) {
      const cls = CLASS_OF[(args[i] ?? '').toLowerCase()];
      if (cls === undefined) throw new ConfigValueError('Invalid client class specified in buffer limit configuration.');
      const hard = parseMemory(args[i + 1] ?? '');
      const soft = parseMemory(args[i + 2] ?? '');
      const secs = parseStrictInteger(args[i + 3] ?? '');
      if (hard === null || soft === null || secs === null || secs < 0n || hard > LLONG_MAX || soft > LLONG_MAX) {
        throw new ConfigValueError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
      }
      next[cls] = { hardBytes: Number(hard), softBytes: Number(soft), softSeconds: Number(secs) };
    }
    return next;
  },
  format(v) {
    const one = (l: BufferLimit): string => `${l.hardBytes} ${l.softBytes} ${l.softSeconds}`;
    return `normal ${one(v.normal)} slave ${one(v.replica)} pubsub ${one(v.pubsub)}`;
  },
  // One line per class, sizes with units; a class still at its default is only written into a
  // line the old file already has for this directive.
  rewriteLines(v, dflt) {
    const lines: RewriteLine[] = [];
    for (const cls of ['normal', 'replica', 'pubsub'] as const) {
      const l = v[cls];
      const d = dflt[cls];
      const force = l.hardBytes !== d.hardBytes || l.softBytes !== d.softBytes || l.softSeconds !== d.softSeconds;
      const hard = memoryWithUnit(l.hardBytes, String(l.hardBytes));
      const soft = memoryWithUnit(l.softBytes, String(l.softBytes));
      lines.push({ args: `${cls} ${hard} ${soft} ${l.softSeconds}`, force });
    }
    return lines;
  },
};

// ---------------------------------------------------------------------------------------------
// oom-score-adj-values, latency-tracking-info-percentiles
// ---------------------------------------------------------------------------------------------

export const oomScoreAdjValuesCodec: Codec<readonly number[]> = {
  multiArg: true,
  parse(args) {
    if (args.length !== 3) throw new ConfigValueError('wrong number of arguments');
    return args.map((a) => {
      const n = parseStrictInteger(a);
      if (n === null || n < -2000n || n > 2000n) {
        throw new ConfigValueError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
      }
      return Number(n);
    });
  },
  format: (v) => v.join(' '),
};

const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

export const percentilesCodec: Codec<readonly number[]> = {
  multiArg: true,
  parse(args) {
    const words = args.filter((a) => a !== '');
    return words.map((a) => {
      if (!DECIMAL.test(a)) throw new ConfigValueError('Invalid latency-tracking-info-percentiles parameters');
      const n = Number(a);
      if (n < 0 || n > 100) {
        throw new ConfigValueError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      }
      return n;
    });
  },
  format: (v) => v.map((n) => String(n)).join(' '),
};

// ---------------------------------------------------------------------------------------------
// notify-keyspace-events
// ---------------------------------------------------------------------------------------------

/** Event classes of keyspace notifications (bit values are ours, not Redis's). */
export const NotifyFlag = {
  keyspace: 1 << 0, // K
  keyevent: 1 << 1, // E
  generic: 1 << 2, // g
  string: 1 << 3, // $
  list: 1 << 4, // l
  set: 1 << 5, // s
  hash: 1 << 6, // h
  zset: 1 << 7, // z
  expired: 1 << 8, // x
  evicted: 1 << 9, // e
  stream: 1 << 10, // t
  keyMiss: 1 << 11, // m
  module: 1 << 12, // d
  newKey: 1 << 13, // n
} as const;

/** `A`: every class except key-miss and new-key events. */
const ALL_CLASSES =
  NotifyFlag.generic | NotifyFlag.string | NotifyFlag.list | NotifyFlag.set | NotifyFlag.hash | NotifyFlag.zset |
  NotifyFlag.expired | NotifyFlag.evicted | NotifyFlag.stream | NotifyFlag.module;

const FLAG_OF_CHAR: Record<string, number> = {
  A: ALL_CLASSES, g: NotifyFlag.generic, $: NotifyFlag.string, l: NotifyFlag.list, s: NotifyFlag.set,
  h: NotifyFlag.hash, z: NotifyFlag.zset, x: NotifyFlag.expired, e: NotifyFlag.evicted, K: NotifyFlag.keyspace,
  E: NotifyFlag.keyevent, t: NotifyFlag.stream, m: NotifyFlag.keyMiss, d: NotifyFlag.module, n: NotifyFlag.newKey,
};

/** Print order when not every class is on; `n` is only printed in this branch (as 7.0 does). */
const CLASS_ORDER: ReadonlyArray<[string, number]> = [
  ['g', NotifyFlag.generic], ['$', NotifyFlag.string], ['l', NotifyFlag.list], ['s', NotifyFlag.set],
  ['h', NotifyFlag.hash], ['z', NotifyFlag.zset], ['x', NotifyFlag.expired], ['e', NotifyFlag.evicted],
  ['t', NotifyFlag.stream], ['d', NotifyFlag.module], ['n', NotifyFlag.newKey],
];

export const notifyKeyspaceEventsCodec: Codec<number> = {
  multiArg: false,
  parse(args) {
    let flags = 0;
    for (const ch of args[0] ?? '') {
      const f = FLAG_OF_CHAR[ch];
      if (f === undefined) throw new ConfigValueError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      flags |= f;
    }
    return flags;
  },
  format(flags) {
    let out = '';
    if ((flags & ALL_CLASSES) === ALL_CLASSES) out = 'A';
    else for (const [ch, f] of CLASS_ORDER) if (flags & f) out += ch;
    if (flags & NotifyFlag.keyspace) out += 'K';
    if (flags & NotifyFlag.keyevent) out += 'E';
    if (flags & NotifyFlag.keyMiss) out += 'm';
    return out;
  },
  rewriteArgs(flags) {
    return quoteText(this.format(flags));
  },
};

// ---------------------------------------------------------------------------------------------
// replicaof / slaveof
// ---------------------------------------------------------------------------------------------

export interface PrimaryAddress {
  readonly host: string;
  readonly port: number;
}

/** `replicaof <host> <port>` or `replicaof no one`; printed as "host port" or "". */
export const replicaofCodec: Codec<PrimaryAddress | null> = {
  multiArg: true,
  parse(args) {
    if (args.length === 1 && args[0] === '') return null; // the empty default
    if (args.length !== 2) throw new ConfigValueError('wrong number of arguments');
    const host = args[0] ?? '';
    const portText = args[1] ?? '';
    if (host.toLowerCase() === 'no' && portText.toLowerCase() === 'one') return null;
    const port = /^[0-9]+$/.test(portText) ? Number(portText) : 0;
    if (port < 1 || port > 65535) throw new ConfigValueError('Invalid master port');
    return { host, port };
  },
  format: (v) => (v === null ? '' : `${v.host} ${v.port}`),
  rewriteLines: (v) => (v === null ? [] : [{ args: `${v.host} ${v.port}`, force: true }]),
};

/**
 * cluster-announce-hostname: letters, digits, hyphens and dots only (or empty), as Redis checks
 * it. The hostname travels in the bus's ping extensions and is printed in CLUSTER NODES after a
 * comma; a space or other character there would break the line every peer prints.
 */
export const hostnameCodec: Codec<string> = {
  multiArg: false,
  parse(args) {
    // One word: the table layer hands single-word codecs exactly one.
    const text = args[0] ?? '';
    if (!/^[A-Za-z0-9.-]*$/.test(text)) throw new ConfigValueError('Hostnames may only contain alphanumeric characters, hyphens or dots');
    return text;
  },
  format: (v) => v,
  rewriteArgs: (v) => quoteText(v),
};
