/**
 * Where each node of a test cluster lives: its ports, its nodes.conf, its log.
 *
 *   default            free ports picked by the kernel, all of the cluster's at once so no two
 *                      nodes draw the same one (free-port.ts; client and bus apart, never
 *                      port+10000 blindly), nodes.conf kept in memory, the directory a
 *                      temporary one that close() removes, the log silent unless the test
 *                      passes a sink
 *   basePort: 7000     node i on 7000+i, its bus on 17000+i: the ports redis-cli users expect
 *   dir: 'state'       nodes.conf as files there (nodes-<port>.conf), kept after close(), so a
 *                      later start with the same dir rejoins the same cluster instead of forming
 *                      a new one (formation.ts decides which); each node's log in node-<port>.log
 *
 * `hashslot-cluster` (cluster-command.ts) uses the last two; tests use the first.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodesConfFile, type NodesConfStore } from '../cluster/nodes-conf-file';
import { fileSink, type LogSink } from '../log';
import { freePorts } from './free-port';
import { memoryNodesConf } from './formation';

export interface PlacementOptions {
  /** Node i listens on basePort + i and its bus on basePort + i + 10000. */
  basePort?: number;
  /** A directory for nodes.conf files and logs, kept after close(). */
  dir?: string;
  logSink?: LogSink;
}

export interface NodePlacement {
  readonly port: number;
  readonly busPort: number;
  readonly nodesConf: NodesConfStore;
  readonly logSink: LogSink;
  /** The suffix of the node's files in the directory (its index, or its port with a dir). */
  readonly fileTag: string;
}

/** The highest base port for `count` nodes: their bus ports must stay below 65536. */
export function maxBasePort(count: number): number {
  return 65535 - 10000 - (count - 1);
}

export class Placement {
  /** The free ports still to hand out, client and bus in turn (drawn at the first place()). */
  private freePool: number[] | null = null;

  private constructor(
    /** The cluster's directory. */
    readonly dir: string,
    /** Whether close() removes it (a temporary one). */
    readonly temporary: boolean,
    private readonly options: PlacementOptions,
    private readonly host: string,
    private readonly count: number,
  ) {}

  static create(options: PlacementOptions, host: string, count: number): Placement {
    if (options.basePort !== undefined && !(Number.isInteger(options.basePort) && options.basePort >= 1 && options.basePort <= maxBasePort(count))) {
      throw new Error(`basePort must be an integer 1-${maxBasePort(count)} for ${count} nodes (their bus ports are +10000), not ${options.basePort}`);
    }
    if (options.dir === undefined) return new Placement(fs.mkdtempSync(path.join(os.tmpdir(), 'hashslot-cluster-')), true, options, host, count);
    const dir = path.resolve(options.dir);
    fs.mkdirSync(dir, { recursive: true });
    return new Placement(dir, false, options, host, count);
  }

  /** Ports picked by the kernel can be lost to another process before they are bound. */
  get portsMayBeTaken(): boolean {
    return this.options.basePort === undefined;
  }

  async place(index: number): Promise<NodePlacement> {
    const base = this.options.basePort;
    const [port, busPort] = base === undefined ? await this.drawFree() : [base + index, base + index + 10000];
    if (this.temporary) {
      return { port, busPort, nodesConf: memoryNodesConf(), logSink: this.options.logSink ?? SILENT, fileTag: String(index) };
    }
    return {
      port,
      busPort,
      nodesConf: nodesConfFile(path.join(this.dir, `nodes-${port}.conf`)),
      logSink: this.options.logSink ?? fileSink(path.join(this.dir, `node-${port}.log`)),
      fileTag: String(port),
    };
  }

  private async drawFree(): Promise<[number, number]> {
    this.freePool ??= await freePorts(this.host, 2 * this.count);
    const [port, busPort] = this.freePool.splice(0, 2);
    if (port === undefined || busPort === undefined) throw new Error(`placement of more than ${this.count} nodes`);
    return [port, busPort];
  }

  /** At close(): a temporary directory goes, a given one stays. */
  release(): void {
    if (this.temporary) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const SILENT: LogSink = { write: () => undefined };
