/**
 * Node's Buffer has fast latin1 encode/decode methods (`latin1Slice`, `latin1Write`) that skip
 * the encoding switch of `toString`/`write`. They are present on every Buffer but missing from
 * @types/node, so they are declared here. latin1 is the bijection between bytes and the byte
 * strings the server uses for keys and values: byte b <-> char code b.
 */
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    latin1Write(text: string, offset?: number, length?: number): number;
  }
}

export {};
