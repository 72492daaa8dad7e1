/**
 * The faults a test has put into its cluster, and the verdict they give on each thing that
 * crosses between nodes. The nodes ask through their hooks (server/node-hooks.ts):
 *
 *   a bus message from A arriving at B   → deliver, drop, or delay (busVerdict)
 *   a client connection arriving at B    → served, or accepted and ignored (clientsCut)
 *   B's replication link to its master A → flowing, or stalled (replicationCut)
 *   a reply B writes to a test client    → now, or held for a while (replyDelayMs)
 *
 * Faults act inside the receiving node, so every address clients see stays real and nothing can
 * route around them. A partition is symmetric because both sides ask: A drops B's messages and B
 * drops A's. With plane 'clients' or 'all', the test's own clients are on the side of the first
 * group (`clientSide` moves them): nodes of the other groups stop answering them, silently, as a
 * node behind a broken network does.
 *
 * Drops with a probability use the cluster's seeded random source, so a seed replays them.
 *
 * A dropped message is gone, but the connection it came on stays open, which TCP never allows:
 * it delivers every byte or ends the connection. A node keeps waiting for the PONG to a PING
 * that was dropped and sends that peer no other PING meanwhile, as Redis does; if the peer's own
 * traffic keeps the link looking alive, the wait never ends and the peer stays PFAIL or FAIL
 * after the fault is gone. So the book notes, per fault, which sender and receiver lost a
 * message (lostBetween), and the cluster resets their connections when the fault heals: as a
 * broken TCP connection would end, so that both sides connect again and greet each other.
 */
import { MessageType } from '../../cluster-bus/messages';
import type { BusVerdict } from '../node-hooks';

export type Plane = 'bus' | 'clients' | 'all';
export type BusMessageName = keyof typeof MessageType;

export interface PartitionFault {
  kind: 'partition';
  groups: ReadonlyArray<ReadonlySet<string>>;
  plane: Plane;
  clientSide: number;
}

export interface DropFault {
  kind: 'drop';
  types: ReadonlySet<number> | null;
  from: string | null;
  to: string | null;
  probability: number;
}

export interface DelayFault {
  kind: 'delay';
  /** 'bus': messages from `from` to `to`; 'clients': replies of node `to` to the test's clients. */
  plane: 'bus' | 'clients';
  from: string | null;
  to: string | null;
  ms: number;
}

export type Fault = PartitionFault | DropFault | DelayFault;

export class FaultBook {
  private readonly faults = new Map<number, Fault>();
  /** Per fault, "from to" (node ids) for each sender and receiver between which it dropped a message. */
  private readonly lost = new Map<number, Set<string>>();
  private nextId = 1;

  constructor(private readonly random: () => number) {}

  add(fault: Fault): number {
    const id = this.nextId++;
    this.faults.set(id, fault);
    return id;
  }

  /** Removes one fault; false when it was already healed. */
  remove(id: number): boolean {
    this.lost.delete(id);
    return this.faults.delete(id);
  }

  /** The [sender, receiver] pairs (node ids) between which fault `id` dropped a message, first drop first. */
  lostBetween(id: number): Array<[string, string]> {
    return [...(this.lost.get(id) ?? [])].map((pair) => pair.split(' ') as [string, string]);
  }

  ids(): number[] {
    return [...this.faults.keys()];
  }

  get size(): number {
    return this.faults.size;
  }

  /** A bus message of type `typeCode` from `from` (a node id) reaching `to`. */
  busVerdict(from: string, to: string, typeCode: number): BusVerdict {
    let delayMs = 0;
    for (const [id, fault] of this.faults) {
      switch (fault.kind) {
        case 'partition':
          if (fault.plane !== 'clients' && separated(fault, from, to)) return this.dropped(id, from, to);
          break;
        case 'drop':
          if (matches(fault.from, from) && matches(fault.to, to) && (fault.types === null || fault.types.has(typeCode))) {
            if (fault.probability >= 1 || this.random() < fault.probability) return this.dropped(id, from, to);
          }
          break;
        case 'delay':
          if (fault.plane === 'bus' && matches(fault.from, from) && matches(fault.to, to)) delayMs += fault.ms;
          break;
      }
    }
    return delayMs > 0 ? { delayMs } : 'deliver';
  }

  private dropped(id: number, from: string, to: string): 'drop' {
    let pairs = this.lost.get(id);
    if (pairs === undefined) this.lost.set(id, (pairs = new Set()));
    pairs.add(`${from} ${to}`);
    return 'drop';
  }

  /** Whether the test's clients are cut off from node `id` (a client-plane partition). */
  clientsCut(id: string): boolean {
    for (const fault of this.faults.values()) {
      if (fault.kind !== 'partition' || fault.plane === 'bus') continue;
      const side = fault.groups.findIndex((group) => group.has(id));
      if (side >= 0 && side !== fault.clientSide) return true;
    }
    return false;
  }

  /** How long node `id` holds each reply to the test's clients (client-plane delays), in ms. */
  replyDelayMs(id: string): number {
    let ms = 0;
    for (const fault of this.faults.values()) {
      if (fault.kind === 'delay' && fault.plane === 'clients' && matches(fault.to, id)) ms += fault.ms;
    }
    return ms;
  }

  /** Whether a partition of plane 'bus' or 'all' puts nodes `a` and `b` on two sides. */
  busSeparated(a: string, b: string): boolean {
    for (const fault of this.faults.values()) {
      if (fault.kind === 'partition' && fault.plane !== 'clients' && separated(fault, a, b)) return true;
    }
    return false;
  }

  /** Whether replica `replica` and its master `master` are on two sides of an 'all' partition. */
  replicationCut(replica: string, master: string): boolean {
    for (const fault of this.faults.values()) {
      if (fault.kind === 'partition' && fault.plane === 'all' && separated(fault, replica, master)) return true;
    }
    return false;
  }
}

function matches(wanted: string | null, actual: string): boolean {
  return wanted === null || wanted === actual;
}

/** Both nodes are in the partition's groups, in different ones (a node in no group is unaffected). */
function separated(fault: PartitionFault, a: string, b: string): boolean {
  const sideA = fault.groups.findIndex((group) => group.has(a));
  const sideB = fault.groups.findIndex((group) => group.has(b));
  return sideA >= 0 && sideB >= 0 && sideA !== sideB;
}

/** 'PING' → 0 ...; throws on a name Redis's bus does not have. */
export function messageTypeCode(name: string): number {
  const code = (MessageType as Record<string, number>)[name.toUpperCase()];
  if (code === undefined) throw new Error(`unknown bus message type '${name}' (one of ${Object.keys(MessageType).join(', ')})`);
  return code;
}
