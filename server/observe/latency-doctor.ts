/**
 * LATENCY DOCTOR's report, worded as redis-server 7.0.15 words it.
 *
 * The report has three parts:
 *
 *   Dave, I have observed latency spikes in this Redis instance. ...      (when any event)
 *
 *   1. expire-cycle: 3 latency spikes (average 21ms, ...). Worst all time event 25ms.
 *   2. aof-fsync-always: ...                                            one line per event
 *
 *   I have a few advices for you:                                        (when any advice)
 *
 *   - In order to make the Redis keys expiring process more incremental, ...
 *
 * Each kind of event calls for some pieces of advice (EVENT_ADVICE below: an expire-cycle spike
 * suggests raising hz and splitting large objects, an aof-write-alone spike suggests local disks,
 * SSDs and data=writeback...). A piece of advice is written once however many events asked for
 * it, and always in one fixed order (ADVICE_TEXT's), not the events' order. Two are written only
 * if still relevant when the report is made: relaxing the fsync policy (appendfsync is still
 * always) and raising hz (it is still under 100). Events no advice covers (aof-write, expire-del)
 * are listed but suggest nothing; with only those the report ends with "I'm not able to suggest
 * any easy fix" instead.
 *
 * Left out, as hashslot cannot have them: the fork event's "Fork rate is ... GB/sec" remark and
 * its advice about virtual machines (there is no fork), and the advice Redis adds when its own
 * process holds transparent huge pages (read from /proc/self/smaps; a JavaScript heap is not the
 * memory that advice is about).
 */

/** What the report says of one event (latency-monitor.ts's analysis of its samples). */
export interface EventStats {
  samples: number;
  avg: number;
  mad: number;
  /** Seconds from the oldest sample to now (at least 1); the report divides it by `samples`. */
  period: number;
  maxMs: number;
}

/** The settings some advice depends on, read when the report is made. */
export interface DoctorSettings {
  thresholdMs: number;
  slowlogThresholdUs: number;
  slowlogMaxLen: number;
  hz: number;
  appendfsync: string;
}

type Advice =
  | 'slowlogEnabled' | 'slowlogTuning' | 'slowlogInspect' | 'scheduler' | 'localDisk' | 'ssd'
  | 'dataWriteback' | 'diskContention' | 'noAppendfsync' | 'relaxFsyncPolicy' | 'writeLoadInfo'
  | 'hz' | 'largeObjects' | 'massEviction';

/** The pieces of advice each event calls for (`command` also depends on the slow log: below). */
const EVENT_ADVICE: ReadonlyMap<string, readonly Advice[]> = new Map<string, readonly Advice[]>([
  ['command', ['slowlogInspect', 'largeObjects']],
  ['fast-command', ['scheduler']],
  ['aof-write-pending-fsync', ['localDisk', 'diskContention', 'ssd', 'dataWriteback']],
  ['aof-write-active-child', ['noAppendfsync', 'dataWriteback', 'ssd']],
  ['aof-write-alone', ['localDisk', 'dataWriteback', 'ssd']],
  ['aof-fsync-always', ['relaxFsyncPolicy']],
  ['aof-fstat', ['diskContention', 'localDisk']],
  ['rdb-unlink-temp-file', ['diskContention', 'localDisk']],
  ['aof-rewrite-diff-write', ['writeLoadInfo', 'dataWriteback', 'ssd', 'localDisk']],
  ['aof-rename', ['writeLoadInfo', 'dataWriteback', 'ssd', 'localDisk']],
  ['expire-cycle', ['hz', 'largeObjects']],
  ['eviction-del', ['largeObjects']],
  ['eviction-cycle', ['massEviction']],
]);

const INTRO = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
const DISABLED =
  'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
const QUIET =
  'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
const NO_FIX =
  "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";

/** Every piece of advice, in the order the report writes them; a function where it quotes a figure. */
const ADVICE_TEXT: ReadonlyArray<[Advice, string | ((settings: DoctorSettings) => string)]> = [
  ['slowlogEnabled', (s) => `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${s.thresholdMs * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`],
  ['slowlogTuning', (s) => `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${s.thresholdMs * 1000}'.\n`],
  ['slowlogInspect', '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n'],
  ['scheduler', [
    '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:',
    '  1) Lower the system load.',
    '  2) Use a computer / VM just for Redis if you are running other software in the same system.',
    '  3) Check if you have a "noisy neighbour" problem.',
    "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.",
    '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.',
    '',
  ].join('\n')],
  ['localDisk', '- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n'],
  ['ssd', '- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n'],
  ['dataWriteback', '- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n'],
  ['diskContention', '- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n'],
  ['noAppendfsync', "- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n"],
  ['relaxFsyncPolicy', (s) => (s.appendfsync === 'always' ? "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n" : '')],
  ['writeLoadInfo', '- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very large. If possible try to send less commands to accomplish the same work, or use Lua scripts to group multiple operations into a single EVALSHA call.\n'],
  ['hz', (s) => (s.hz < 100 ? "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n" : '')],
  ['largeObjects', '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n'],
  ['massEviction', "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n"],
];

/** The report for `events` (in the order LATENCY LATEST lists them). */
export function latencyReport(events: ReadonlyArray<[string, EventStats]>, settings: DoctorSettings): string {
  if (events.length === 0 && settings.thresholdMs === 0) return DISABLED;
  let report = events.length > 0 ? INTRO : '';
  const advised = new Set<Advice>();
  // Counted per event, as Redis counts: only whether it is 0 matters (which ending is written),
  // and it can be positive with nothing left to write (relaxFsyncPolicy after appendfsync changed).
  let advices = 0;
  events.forEach(([event, stats], i) => {
    report += `${i + 1}. ${event}: ${stats.samples} latency spikes (average ${stats.avg}ms, mean deviation ${stats.mad}ms, period ${(stats.period / stats.samples).toFixed(2)} sec). Worst all time event ${stats.maxMs}ms.\n`;
    const name = event.toLowerCase();
    if (name === 'command') {
      if (settings.slowlogThresholdUs < 0 || settings.slowlogMaxLen === 0) {
        advised.add('slowlogEnabled');
        advices++;
      } else if (Math.trunc(settings.slowlogThresholdUs / 1000) > settings.thresholdMs) {
        advised.add('slowlogTuning');
        advices++;
      }
    }
    const eventAdvice = EVENT_ADVICE.get(name) ?? [];
    for (const advice of eventAdvice) advised.add(advice);
    advices += eventAdvice.length;
  });
  if (events.length === 0 && advices === 0) return report + QUIET;
  if (advices === 0) return report + NO_FIX;
  report += '\nI have a few advices for you:\n\n';
  for (const [advice, text] of ADVICE_TEXT) {
    if (advised.has(advice)) report += typeof text === 'string' ? text : text(settings);
  }
  return report;
}
