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
  private nextId = 1;

  constructor(private readonly random: () => number) {}

  add(fault: Fault): number {
    const id = this.nextId++;
    this.faults.set(id, fault);
    return id;
  }

  /** Removes one fault; false when it was already healed. */
  remove(id: number): boolean {
    return this.faults.delete(id);
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
    for (const fault of this.faults.values()) {
      switch (fault.kind) {
        case 'partition':
          if (fault.plane !== 'clients' && separated(fault, from, to)) return 'drop';
          break;
        case 'drop':
          if (matches(fault.from, from) && matches(fault.to, to) && (fault.types === null || fault.types.has(typeCode))) {
            if (fault.probability >= 1 || this.random() < fault.probability) return 'drop';
          }
          break;
        case 'delay':
          if (fault.plane === 'bus' && matches(fault.from, from) && matches(fault.to, to)) delayMs += fault.ms;
          break;
      }
    }
    return delayMs > 0 ? { delayMs } : 'deliver';
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
