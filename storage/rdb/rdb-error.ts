/**
 * The one error every RDB and DUMP decoder throws. Anything malformed, truncated or unsupported
 * in a snapshot becomes an RdbError with a message saying what and where; a loader catches it and
 * keeps its previous data. Any other exception escaping a decoder is a bug in the decoder.
 */
export class RdbError extends Error {
  override readonly name = 'RdbError';
}

/** A well-formed value of a kind hashslot cannot hold yet (streams, modules). */
export class RdbUnsupportedError extends RdbError {}

/**
 * Rethrows a decoding error with `context` (which key, where) in front of its message, keeping
 * its class; anything that is not an RdbError is rethrown as it is.
 */
export function withContext(err: unknown, context: string): never {
  if (!(err instanceof RdbError)) throw err;
  const Kind = err instanceof RdbUnsupportedError ? RdbUnsupportedError : RdbError;
  throw new Kind(`${context}: ${err.message}`);
}
