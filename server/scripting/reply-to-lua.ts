/**
 * A command's reply, as redis.call hands it to a script. The command runs on the script's own
 * session and writes its reply as RESP bytes, exactly as it would for a client; this file reads
 * those bytes back into Lua values by Redis 7.0's rules:
 *
 *   RESP2                          Lua
 *   :42                            42
 *   $3 foo / $-1                   "foo" / false
 *   +OK                            { ok = "OK" }
 *   -ERR msg                       { err = "ERR msg" }   (redis.call raises it, redis.pcall returns it)
 *   *2 ... / *-1                   { ..., ... } (a nil element becomes false) / false
 *
 *   RESP3 (after redis.setresp(3)) also
 *   _ (null)                       nil
 *   #t / #f                        true / false
 *   ,3.14                          { double = 3.14 }
 *   %2 k v ...                     { map = { k = v, ... } }
 *   ~2 a b                         { set = { a = true, b = true } }
 *   (123...                        { big_number = "123..." }
 *   =7 txt:abc                     { verbatim_string = { format = "txt", string = "abc" } }
 *   |attributes                    skipped
 *
 * Bytes stay bytes: a bulk string becomes a LuaString of the same bytes (latin1).
 */
import { LuaTable } from './lua/table';
import type { LuaValue } from './lua/values';

class ReplyReader {
  private at = 0;

  constructor(private readonly text: string) {}

  /** One reply from the current position. */
  value(): LuaValue {
    const type = this.text[this.at];
    const line = this.line();
    switch (type) {
      case ':':
        return Number(line);
      case '$': {
        const length = Number(line);
        if (length < 0) return false;
        const value = this.text.slice(this.at, this.at + length);
        this.at += length + 2;
        return value;
      }
      case '+':
        return field('ok', line);
      case '-':
        return commandErrorTable(line);
      case '*':
      case '>': {
        const count = Number(line);
        if (count < 0) return false;
        const table = new LuaTable(count, 0);
        // RESP2's nil elements arrive as false ($-1 above); a RESP3 null leaves a hole.
        for (let i = 1; i <= count; i++) table.setInt(i, this.value());
        return table;
      }
      case '_':
        return undefined;
      case '#':
        return line === 't';
      case ',':
        return field('double', Number(line.replace('inf', 'Infinity')));
      case '(':
        return field('big_number', line);
      case '%': {
        const count = Number(line);
        // Not presized: Redis fills an empty table (lua_newtable) key by key, and the layout that
        // leaves, which pairs() walks, differs from a presized one's (keys 1 and 2 of DEBUG
        // PROTOCOL's map go to the array part, before key 0).
        const map = new LuaTable(0, 0);
        for (let i = 0; i < count; i++) {
          const key = this.value();
          const value = this.value();
          if (key !== undefined) map.set(key, value);
        }
        return field('map', map);
      }
      case '~': {
        const count = Number(line);
        const set = new LuaTable(0, 0);
        for (let i = 0; i < count; i++) {
          const member = this.value();
          if (member !== undefined) set.set(member, true);
        }
        return field('set', set);
      }
      case '=': {
        const length = Number(line);
        const body = this.text.slice(this.at, this.at + length);
        this.at += length + 2;
        const verbatim = new LuaTable(0, 2);
        verbatim.setStr('format', body.slice(0, 3));
        verbatim.setStr('string', body.slice(4));
        return field('verbatim_string', verbatim);
      }
      case '|': {
        // Attributes describe the reply that follows; scripts get that reply alone.
        const count = Number(line);
        for (let i = 0; i < count * 2; i++) this.value();
        return this.value();
      }
      default:
        throw new Error(`unexpected reply byte ${JSON.stringify(type)}`);
    }
  }

  /** The rest of the current line (without its type byte), moving past its CRLF. */
  private line(): string {
    const end = this.text.indexOf('\r\n', this.at);
    const line = this.text.slice(this.at + 1, end);
    this.at = end + 2;
    return line;
  }
}

/** A table with one field: the shape of Redis's status and error values ({ok = ...}, {err = ...}). */
export function field(name: string, value: LuaValue): LuaTable {
  const table = new LuaTable(0, 1);
  table.setStr(name, value);
  return table;
}

/** An error as scripts see it: { err = message }. */
export function errorTable(message: string): LuaTable {
  return field('err', message);
}

/**
 * The error of a command a script called (its error reply, or why it was refused to run):
 * { err = message, ignore_error_stats_update = true }. It was counted in INFO errorstats when
 * it happened; the flag keeps the script's own error reply, if it is this table again, from
 * counting it twice (as Redis marks it; scripts can see the field).
 */
export function commandErrorTable(message: string): LuaTable {
  const table = field('err', message);
  table.setStr(IGNORE_STATS_FIELD, true);
  return table;
}

export const IGNORE_STATS_FIELD = 'ignore_error_stats_update';

/** The one reply in `bytes` as a Lua value. */
export function replyToLua(bytes: Buffer): LuaValue {
  return new ReplyReader(bytes.toString('latin1')).value();
}
