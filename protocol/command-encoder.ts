/**
 * Encodes a command as a RESP multibulk request: what the replication stream carries and what a
 * replica sends its master. Arguments are byte strings (one byte per char, storage/bytes.ts).
 */
export function encodeCommand(argv: readonly string[]): Buffer {
  let text = `*${argv.length}\r\n`;
  for (const arg of argv) text += `$${arg.length}\r\n${arg}\r\n`;
  return Buffer.from(text, 'latin1');
}
