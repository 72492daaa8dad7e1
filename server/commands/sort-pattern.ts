/**
 * SORT's BY and GET patterns: "weight_*" names a key built by putting the element where the
 * first '*' is; "data_*->field" names a field of the hash at such a key; "#" is the element
 * itself. A pattern with no '*' names nothing (BY then means "do not sort", GET answers nil).
 *
 * Redis reads the pattern as a C string: the '*' and the "->" are searched only up to the first
 * NUL byte, while the key and field names are cut from the whole pattern by length. That is
 * reproduced here, so a pattern with a NUL in it resolves to the key Redis would look up.
 */
import type { ByteString } from '../../storage/bytes';
import type { CommandContext } from '../dispatch/command-context';

/** The part of a byte string a C string function sees: everything before the first NUL. */
export function cString(s: ByteString): ByteString {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** Whether a BY pattern actually sorts (it has a '*'); "BY nosort" or any constant does not. */
export function patternHasStar(pattern: ByteString): boolean {
  return cString(pattern).includes('*');
}

/** A pattern, pre-split for the substitution each element needs. */
export interface SortPattern {
  /** "#": the element itself. */
  readonly isElement: boolean;
  /** Bytes before and after the '*' of the key name; null when the pattern has no '*'. */
  readonly prefix: ByteString | null;
  readonly suffix: ByteString;
  /** The hash field after "->", or null for a string key. */
  readonly field: ByteString | null;
}

export function compilePattern(pattern: ByteString): SortPattern {
  const c = cString(pattern);
  if (c === '#') return { isElement: true, prefix: null, suffix: '', field: null };
  const star = c.indexOf('*');
  if (star < 0) return { isElement: false, prefix: null, suffix: '', field: null };
  const arrow = c.indexOf('->', star + 1);
  // "->" at the very end (or before a NUL) is not a field reference: it stays in the key name.
  const hasField = arrow >= 0 && arrow + 2 < c.length;
  const fieldLength = hasField ? pattern.length - arrow - 2 : 0;
  return {
    isElement: false,
    prefix: pattern.slice(0, star),
    suffix: pattern.slice(star + 1, pattern.length - (hasField ? fieldLength + 2 : 0)),
    field: hasField ? pattern.slice(arrow + 2) : null,
  };
}

/**
 * The value a pattern names for one element: a string key's value or a hash field's, or null
 * when the key is missing, is of another type, or the field is absent. Lookups count as reads
 * (keyspace hits and misses), as Redis's do.
 */
export function lookupByPattern(ctx: CommandContext, pattern: SortPattern, element: ByteString): ByteString | null {
  if (pattern.isElement) return element;
  if (pattern.prefix === null) return null;
  const value = ctx.lookupRead(ctx.db, pattern.prefix + element + pattern.suffix);
  if (value === undefined) return null;
  if (pattern.field === null) return typeof value === 'string' ? value : null;
  if (typeof value === 'string' || value.kind !== 'hash') return null;
  return value.fields.get(pattern.field) ?? null;
}
