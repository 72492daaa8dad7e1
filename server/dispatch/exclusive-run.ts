/**
 * A command that must look atomic while it waits on the network takes the node for itself.
 *
 * MIGRATE serializes keys, sends them to another server and deletes them here only once the
 * target acknowledged them. Redis does all of it with blocking I/O, so no other command runs in
 * between: a write to a key after it was serialized cannot be lost by the deletion that follows.
 * hashslot waits for the target asynchronously instead, so it recreates that guarantee here:
 * while an owner holds the node, every other client's next command is held (its connection
 * stops being read, like a client paused by Redis), and the held commands run in arrival order
 * once the owner releases the node. Replication links and socketless sessions are not held.
 *
 * suspend() is how a command handler waits: it takes the node and stops reading its own client,
 * and the function it returns ends the wait once the command has written its reply. Inside EXEC
 * (Redis runs MIGRATE there too, blocking as ever) the transaction's remaining commands run at
 * that point, still holding everyone else off, so the EXEC stays atomic:
 *
 *   EXEC ─ SET ─ MIGRATE ┄┄ waits for the target ┄┄ replies ─ GET ─ SET ─ EXEC's reply complete
 *          └───────────── other clients' commands held until here ─────────────┘
 */
import type { ByteString } from '../../storage/bytes';
import type { Client } from '../network/client';
import type { RedisNode } from '../node';
import type { Session } from './session';

interface HeldCommand {
  client: Client;
  argv: ByteString[];
}

export class ExclusiveRun {
  private owner: Session | null = null;
  private readonly held: HeldCommand[] = [];

  /** Called each time the node is released (the node serves clients blocked on keys then). */
  constructor(private readonly whenReleased?: () => void) {}

  get active(): boolean {
    return this.owner !== null;
  }

  /** Whether `session`'s command must wait for the owner. */
  holds(session: Session): boolean {
    return this.owner !== null && this.owner !== session && session.kind === 'normal' && session.connection !== null;
  }

  /** Holds the command (the dispatcher calls it instead of running it) and blocks its client. */
  hold(client: Client, argv: ByteString[]): void {
    this.held.push({ client, argv });
    client.block();
  }

  acquire(session: Session): void {
    if (this.owner !== null) throw new Error('the node is already held exclusively');
    this.owner = session;
  }

  /**
   * The owner is done: `ownerResumes` first (its reply goes out before theirs, as Redis writes
   * the replies of one event-loop turn in client order), then the held commands run, oldest
   * first; if one of them (or the owner's next command) takes the node in turn, the rest stay
   * held for it.
   */
  release(ownerResumes: () => void): void {
    this.owner = null;
    ownerResumes();
    // Clients blocked on keys the owner pushed to are served now, before the held commands, as
    // Redis serves them once its blocking command returns (handleReadyKeys waits meanwhile).
    if (this.owner === null) this.whenReleased?.();
    while (this.owner === null) {
      const next = this.held.shift();
      if (next === undefined) return;
      next.client.runHeld(next.argv);
    }
  }
}

/**
 * The running command of `session` waits on the network and replies later: the node is held
 * for it and its client is not read. Returns the call that ends the wait, made once the command
 * has written its reply: EXEC's remaining commands run then (Session.afterWait), or the client
 * is read again.
 */
export function suspend(node: RedisNode, session: Session): () => void {
  node.exclusive.acquire(session);
  session.connection?.block();
  session.waiting = true;
  return () => {
    session.waiting = false;
    node.exclusive.release(() => {
      const next = session.afterWait;
      session.afterWait = null;
      if (next !== null) next();
      else session.connection?.unblock();
    });
  };
}
