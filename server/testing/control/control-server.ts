/**
 * The control port of `hashslot-cluster`: a small RESP server, on loopback only, through which
 * anything that speaks Redis (redis-cli, redis-py, Jedis, go-redis...) drives the cluster the
 * way hashslot/testing's TypeScript API does. The verbs are in control-verbs.ts; this file is
 * the connection: requests parsed by the server's own parser, replies written by its own
 * writer, in RESP2 or, after `HELLO 3`, RESP3.
 *
 * One connection runs its commands one after another: a slow one (AWAIT, FAILOVER, SLOT
 * MIGRATE) holds back only the commands behind it on that connection, as a blocking command
 * does in Redis, while other connections go on (one of them may be advancing the clock an
 * AWAIT is waiting on).
 *
 *   request ─▶ parser ─▶ queue ─▶ connection command (AUTH, HELLO, SUBSCRIBE...) or verb ─▶ reply
 *
 * Authentication: with a password (`--control-pass`), a connection gets only -NOAUTH until
 * AUTH (or HELLO ... AUTH) gives it, with Redis's error texts.
 *
 * Events: `SUBSCRIBE events` puts the connection in subscriber mode, as in Redis: every event
 * of the cluster from then on arrives as a message on channel "events" (a RESP3 push after
 * HELLO 3) whose payload is the event as JSON, and only (P)SUBSCRIBE, UNSUBSCRIBE, PING, QUIT
 * and RESET are accepted until the last channel is left.
 */
import * as net from 'node:net';
import { ByteStringRequestParser, ProtocolError } from '../../../protocol/request-parser';
import { ReplyWriter } from '../../../protocol/reply-writer';
import { writeRespValue, type RespValue } from '../../../protocol/resp-value';
import type { TestEvent } from '../events';
import type { TestCluster } from '../test-cluster';
import { ControlError, ControlVerbs, toJson } from './control-verbs';

export interface ControlServerOptions {
  /** Port to listen on (0: a free one). */
  port: number;
  /** With a password, every command but AUTH, HELLO and QUIT answers -NOAUTH until AUTH. */
  password?: string;
  /** SHUTDOWN: what stops the cluster and the process. */
  onShutdown(): void;
}

const EVENTS_CHANNEL = 'events';
const LOOPBACK = '127.0.0.1';

export class ControlServer {
  private readonly server: net.Server;
  private readonly connections = new Set<ControlConnection>();
  /** The verbs this port runs; the live view runs the same instance (paused migrations are shared). */
  readonly verbs: ControlVerbs;
  private unsubscribeEvents: Array<() => void> = [];

  private constructor(
    private readonly cluster: TestCluster,
    readonly options: ControlServerOptions,
  ) {
    this.verbs = new ControlVerbs(cluster);
    this.server = net.createServer((socket) => {
      const connection = new ControlConnection(socket, this);
      this.connections.add(connection);
      socket.once('close', () => this.connections.delete(connection));
    });
  }

  static async start(cluster: TestCluster, options: ControlServerOptions): Promise<ControlServer> {
    const control = new ControlServer(cluster, options);
    await new Promise<void>((resolve, reject) => {
      control.server.once('error', reject);
      control.server.listen({ port: options.port, host: LOOPBACK, exclusive: true }, () => {
        control.server.off('error', reject);
        resolve();
      });
    });
    control.forwardEvents();
    return control;
  }

  get port(): number {
    const address = this.server.address();
    return address !== null && typeof address === 'object' ? address.port : 0;
  }

  get host(): string {
    return LOOPBACK;
  }

  run(argv: readonly string[]): Promise<RespValue> {
    return this.verbs.run(argv);
  }

  async close(): Promise<void> {
    for (const stop of this.unsubscribeEvents) stop();
    this.unsubscribeEvents = [];
    for (const connection of this.connections) connection.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Every event of the cluster goes to the connections subscribed to "events". */
  private forwardEvents(): void {
    const forward = (event: TestEvent): void => {
      if (this.connections.size === 0) return;
      const json = toJson(event);
      for (const connection of this.connections) connection.publish(EVENTS_CHANNEL, json);
    };
    for (const type of ControlVerbs.eventTypes()) this.unsubscribeEvents.push(this.cluster.on(type, forward));
  }

  nodeCount(): number {
    return this.cluster.nodes.length;
  }

  clockKind(): string {
    return this.cluster.clock.kind;
  }
}

class ControlConnection {
  private readonly parser = new ByteStringRequestParser();
  private readonly reply = new ReplyWriter();
  private readonly queue: string[][] = [];
  private running = false;
  private authenticated: boolean;
  private readonly channels = new Set<string>();
  private closed = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly control: ControlServer,
  ) {
    this.authenticated = control.options.password === undefined;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      this.closed = true;
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** A message for subscribers of `channel` (nothing if this connection is not one). */
  publish(channel: string, payload: string): void {
    if (!this.channels.has(channel) || this.closed) return;
    this.reply.push(3);
    this.reply.bulk('message');
    this.reply.bulk(channel);
    this.reply.bulk(payload);
    this.flush();
  }

  private receive(chunk: Buffer): void {
    this.parser.feed(chunk);
    try {
      for (let argv = this.parser.next(); argv !== null; argv = this.parser.next()) if (argv.length > 0) this.queue.push(argv);
    } catch (err) {
      // Malformed RESP: Redis's error, then the connection is closed.
      const message = err instanceof ProtocolError ? err.message : 'ERR Protocol error';
      this.reply.error(message.startsWith('ERR') ? message : `ERR ${message}`);
      this.flush();
      this.socket.end();
      return;
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let argv = this.queue.shift(); argv !== undefined && !this.closed; argv = this.queue.shift()) {
        const value = await this.execute(argv);
        if (value === QUIT) {
          this.reply.ok();
          this.flush();
          this.socket.end();
          return;
        }
        if (value !== NO_REPLY) writeRespValue(this.reply, value);
        this.flush();
      }
    } finally {
      this.running = false;
    }
  }

  private async execute(argv: readonly string[]): Promise<RespValue | typeof QUIT | typeof NO_REPLY> {
    const name = (argv[0] as string).toUpperCase();
    const args = argv.slice(1);
    if (name === 'QUIT') return QUIT;
    if (name === 'AUTH') return this.auth(args);
    if (name === 'HELLO') return this.hello(args);
    if (!this.authenticated) return { '-': 'NOAUTH Authentication required.' };
    if (this.channels.size > 0 && !SUBSCRIBER_COMMANDS.has(name)) {
      return { '-': `ERR Can't execute '${(argv[0] as string).toLowerCase()}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context` };
    }
    switch (name) {
      case 'PING':
        if (this.channels.size > 0 && this.reply.resp === 2) return ['pong', args[0] ?? ''];
        return args.length === 0 ? { '+': 'PONG' } : (args[0] as string);
      case 'ECHO':
        return args.length === 1 ? (args[0] as string) : wrongArgs('echo');
      case 'HELP':
        return ControlVerbs.help();
      case 'SELECT':
        return args[0] === '0' ? { '+': 'OK' } : { '-': 'ERR the control port has only database 0' };
      case 'CLIENT':
        // SETNAME, SETINFO and the like, which client libraries send on connect.
        return { '+': 'OK' };
      case 'INFO':
        return `# Control\r\nhashslot_cluster:1\r\nnodes:${this.control.nodeCount()}\r\nclock:${this.control.clockKind()}\r\n`;
      case 'COMMAND':
        return [];
      case 'SUBSCRIBE':
        return this.subscribe(args);
      case 'UNSUBSCRIBE':
        return this.unsubscribe(args);
      case 'RESET':
        this.channels.clear();
        this.reply.resp = 2;
        return { '+': 'RESET' };
      case 'SHUTDOWN':
        this.reply.ok();
        this.flush();
        this.control.options.onShutdown();
        return NO_REPLY;
      default:
        try {
          return await this.control.run(argv);
        } catch (err) {
          return { '-': err instanceof ControlError ? err.message : `ERR ${String(err)}` };
        }
    }
  }

  private auth(args: readonly string[]): RespValue {
    const password = this.control.options.password;
    if (args.length < 1 || args.length > 2) return wrongArgs('auth');
    if (password === undefined) {
      return { '-': 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?' };
    }
    const [user, given] = args.length === 2 ? [args[0] as string, args[1] as string] : ['default', args[0] as string];
    if (user !== 'default' || given !== password) return { '-': 'WRONGPASS invalid username-password pair or user is disabled.' };
    this.authenticated = true;
    return { '+': 'OK' };
  }

  private hello(args: readonly string[]): RespValue {
    let protover = this.reply.resp as number;
    let i = 0;
    if (args.length > 0) {
      protover = Number(args[0]);
      if (!/^\d+$/.test(args[0] as string)) return { '-': 'ERR Protocol version is not an integer or out of range' };
      if (protover !== 2 && protover !== 3) return { '-': 'NOPROTO unsupported protocol version' };
      i = 1;
    }
    for (; i < args.length; i++) {
      const option = (args[i] as string).toUpperCase();
      if (option === 'AUTH' && args[i + 2] !== undefined) {
        const result = this.auth([args[i + 1] as string, args[i + 2] as string]);
        if (typeof result === 'object' && result !== null && '-' in result) return result;
        i += 2;
      } else if (option === 'SETNAME' && args[i + 1] !== undefined) {
        i += 1;
      } else {
        return { '-': `ERR Syntax error in HELLO option '${args[i] as string}'` };
      }
    }
    if (!this.authenticated) return { '-': 'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time' };
    this.reply.resp = protover as 2 | 3;
    return { '%': ['server', 'hashslot-cluster', 'version', '7.0.0', 'proto', protover, 'id', 1, 'mode', 'control', 'role', 'master', 'modules', []] };
  }

  private subscribe(channels: readonly string[]): RespValue | typeof NO_REPLY {
    if (channels.length === 0) return wrongArgs('subscribe');
    for (const channel of channels) {
      this.channels.add(channel);
      this.reply.push(3);
      this.reply.bulk('subscribe');
      this.reply.bulk(channel);
      this.reply.integer(this.channels.size);
    }
    return NO_REPLY;
  }

  private unsubscribe(channels: readonly string[]): RespValue | typeof NO_REPLY {
    const leaving = channels.length > 0 ? channels : [...this.channels];
    if (leaving.length === 0) {
      this.reply.push(3);
      this.reply.bulk('unsubscribe');
      this.reply.null();
      this.reply.integer(0);
      return NO_REPLY;
    }
    for (const channel of leaving) {
      this.channels.delete(channel);
      this.reply.push(3);
      this.reply.bulk('unsubscribe');
      this.reply.bulk(channel);
      this.reply.integer(this.channels.size);
    }
    return NO_REPLY;
  }

  private flush(): void {
    if (this.reply.pendingBytes === 0) return;
    const bytes = this.reply.take();
    if (!this.closed) this.socket.write(bytes);
  }
}

const QUIT = Symbol('quit');
const NO_REPLY = Symbol('no reply');
const SUBSCRIBER_COMMANDS = new Set(['SUBSCRIBE', 'UNSUBSCRIBE', 'PSUBSCRIBE', 'PUNSUBSCRIBE', 'SSUBSCRIBE', 'SUNSUBSCRIBE', 'PING', 'QUIT', 'RESET']);

function wrongArgs(name: string): RespValue {
  return { '-': `ERR wrong number of arguments for '${name}' command` };
}
