/**
 * What a key can hold. A string value is stored as the byte string itself (no wrapper object),
 * which keeps the most common case as small as it can be; every other type is an object that
 * names its type. Only strings exist so far; lists, sets, hashes and sorted sets join this union.
 */
import type { ByteString } from './bytes';

export type StoredValue = ByteString;

/** The name TYPE and SCAN ... TYPE use for a value. */
export function typeName(_value: StoredValue): 'string' {
  return 'string';
}
