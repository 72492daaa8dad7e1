/**
 * What a key can hold. A string value is stored as the byte string itself (no wrapper object),
 * which keeps the most common case as small as it can be; every other type is an object that
 * names its type in `kind`.
 *
 * The containers are the plain shapes snapshots (RDB, DUMP/RESTORE) and replication need to
 * carry every type; the data-type commands build on them and may give them richer indexes
 * (a sorted-set order, listpack-style encodings) without changing what they hold.
 */
import Denque from 'denque';
import type { ByteString } from './bytes';
import { markConverted, wasConverted } from './encodings';

export class ListValue {
  readonly kind = 'list';
  constructor(readonly items: Denque<ByteString> = new Denque<ByteString>()) {}
}

export class HashValue {
  readonly kind = 'hash';
  constructor(readonly fields: Map<ByteString, ByteString> = new Map()) {}
}

export class SetValue {
  readonly kind = 'set';
  constructor(readonly members: Set<ByteString> = new Set()) {}
}

/** Member → score; the order by (score, member) is derived where a command needs it. */
export class SortedSetValue {
  readonly kind = 'zset';
  constructor(readonly scores: Map<ByteString, number> = new Map()) {}
}

export type ContainerValue = ListValue | HashValue | SetValue | SortedSetValue;
export type StoredValue = ByteString | ContainerValue;
export type TypeName = 'string' | ContainerValue['kind'];

/** The name TYPE and SCAN ... TYPE use for a value. */
export function typeName(value: StoredValue): TypeName {
  return typeof value === 'string' ? 'string' : value.kind;
}

/** An independent copy (COPY, point-in-time snapshots): strings are immutable and shared. */
export function cloneValue(value: StoredValue): StoredValue {
  if (typeof value === 'string') return value;
  switch (value.kind) {
    case 'list':
      return new ListValue(new Denque(value.items.toArray()));
    case 'hash':
      return new HashValue(keepEncoding(value.fields, new Map(value.fields)));
    case 'set':
      return new SetValue(keepEncoding(value.members, new Set(value.members)));
    case 'zset':
      return new SortedSetValue(new Map(value.scores));
  }
}

/** A copy has its original's encoding, as Redis's object duplication keeps it. */
function keepEncoding<T extends object>(original: object, copy: T): T {
  if (wasConverted(original)) markConverted(copy);
  return copy;
}
