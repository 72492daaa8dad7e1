/**
 * Users read back from text: the ACL file (ACL LOAD, and `aclfile` at start-up) and the `user`
 * lines of redis.conf. Both end up as `user <name> <rule> <rule>...`, and in both a selector
 * written over several words ("(~x" "+get)") is joined back into one rule first. What differs
 * is how a line becomes words and how errors are worded, and Redis 7.0.15 is particular about
 * both in the ACL file (observed against redis-server, not taken from its source):
 *
 *   bytes ──▶ read as fgets() chunks of at most 1023 bytes, each cut at its first NUL
 *         ──▶ lines split on \n; each trimmed of " \t\r\n"; blank ones skipped
 *             (there are no comments: "# note" is a line without the user keyword)
 *         ──▶ words split on single spaces: "a  b" has an empty word between, which changes
 *             nothing, and "on\t~a" is one word (a syntax error, not two rules)
 *         ──▶ user keyword, username (no whitespace), duplicate check, selector joining
 *         ──▶ each rule trimmed of \t\r\n and applied to a fresh user
 *
 * A NUL therefore swallows the rest of its chunk, newline included: "~a\0b\nuser y" reads as
 * "~auser y". A line's errors: the first refused rule is reported ("Syntax error."), the rules
 * after it are still tried, and every unknown command or category among them is reported too,
 * as "Error in applying operation '+nosuch': ...". The errors of every line are collected, and
 * then nothing is loaded if there is any (acl.ts).
 *
 * redis.conf lines were split by the config reader (protocol/split-args.ts) and keep hashslot's
 * own error wording: redis-server reports those at start-up in its own format, which hashslot's
 * start-up does not follow (cli.ts).
 */
import type { ByteString } from '../../storage/bytes';
import { AclRuleError, RULE_ERRORS, hasSpaces } from './selector';
import type { User } from './user';

/** fgets(buf, 1024): a chunk is one line, or the first 1023 bytes of a longer one. */
const FGETS_CHUNK = 1023;

export interface ParsedUsers {
  users: Map<ByteString, User>;
  /** Redis's words, each ending with ". " (or "." after an unmatched parenthesis); '' if none. */
  errors: string;
}

/** A user line already split into words: the name, then its rules. */
export interface UserLine {
  readonly words: readonly ByteString[];
  readonly lineNumber: number;
}

/**
 * Joins rule arguments back into selector rules: "(~x" "+get)" is the one rule "(~x +get)".
 * A word opening a selector while another is open starts over from it (what came before is
 * dropped, as in Redis). `unmatchedAt` is the word that opened a selector never closed.
 */
export function joinSelectorArgs(args: readonly ByteString[]): { rules: ByteString[]; unmatchedAt: ByteString | null } {
  const rules: ByteString[] = [];
  let open: ByteString | null = null;
  let openedBy: ByteString | null = null;
  for (const arg of args) {
    if (arg[0] === '(' && arg[arg.length - 1] !== ')') {
      open = arg;
      openedBy = arg;
    } else if (open !== null) {
      open += ` ${arg}`;
      if (arg[arg.length - 1] === ')') {
        rules.push(open);
        open = null;
        openedBy = null;
      }
    } else {
      rules.push(arg);
    }
  }
  return { rules, unmatchedAt: openedBy };
}

/** The ACL file's text as Redis reads it: fgets() chunks, each cut at its first NUL byte. */
export function readAsRedis(bytes: Buffer): ByteString {
  let text = '';
  let start = 0;
  while (start < bytes.length) {
    const newline = bytes.indexOf(0x0a, start);
    const end = Math.min(newline < 0 ? bytes.length : newline + 1, start + FGETS_CHUNK);
    const nul = bytes.indexOf(0, start);
    text += bytes.toString('latin1', start, nul >= 0 && nul < end ? nul : end);
    start = end;
  }
  return text;
}

/** An ACL file's user lines, or the errors of the lines that are not (file:line prefixed). */
export function splitAclFile(text: ByteString, path: string): { lines: UserLine[]; errors: string } {
  const lines: UserLine[] = [];
  let errors = '';
  text.split('\n').forEach((raw, i) => {
    const line = trim(raw, ' \t\r\n');
    if (line === '') return;
    const words = line.split(' ');
    if (words[0] !== 'user' || words.length < 2) {
      errors += `${path}:${i + 1} should start with user keyword followed by the username. `;
      return;
    }
    lines.push({ words: words.slice(1), lineNumber: i + 1 });
  });
  return { lines, errors };
}

/** Builds the ACL file's users; none is kept by the caller if `errors` is not empty. */
export function parseFileUsers(lines: readonly UserLine[], path: string, createUser: (name: ByteString) => User): ParsedUsers {
  const users = new Map<ByteString, User>();
  const seen = new Set<ByteString>();
  let errors = '';
  for (const { words, lineNumber } of lines) {
    const [name = '', ...args] = words;
    const where = `${path}:${lineNumber}`;
    if (hasSpaces(name)) {
      // The stray quote before the path is Redis's.
      errors += `'${where}: username '${name}' contains invalid characters. `;
      continue;
    }
    // A name counts as seen even when its line has errors.
    if (seen.has(name)) {
      errors += `WARNING: Duplicate user '${name}' found on line ${lineNumber}. `;
      continue;
    }
    seen.add(name);
    const { rules, unmatchedAt } = joinSelectorArgs(args);
    if (unmatchedAt !== null) {
      errors += `${where}: Unmatched parenthesis in selector definition.`;
      continue;
    }
    const user = createUser(name);
    let refused = false;
    let reportedOne = false;
    for (const arg of rules) {
      const rule = trim(arg, '\t\r\n');
      try {
        user.apply(rule);
      } catch (err) {
        if (!(err instanceof AclRuleError)) throw err;
        refused = true;
        if (err.message === RULE_ERRORS.unknown) {
          errors += `${where}: Error in applying operation '${rule}': ${err.message}. `;
        } else if (!reportedOne) {
          errors += `${where}: ${err.message}. `;
          reportedOne = true;
        }
      }
    }
    if (!refused) users.set(name, user);
  }
  return { users, errors };
}

/**
 * Builds the users of redis.conf's `user` lines (words as the config reader split them), the
 * errors naming "user line N" among them. Every line is tried; a line stops at its first refused
 * rule.
 */
export function parseConfigUsers(lines: ReadonlyArray<readonly ByteString[]>, createUser: (name: ByteString) => User): ParsedUsers {
  const users = new Map<ByteString, User>();
  let errors = '';
  lines.forEach((words, index) => {
    const [name = '', ...args] = words;
    const where = `user line ${index + 1}`;
    if (hasSpaces(name)) {
      errors += `${where}: Usernames can't contain spaces or null characters. `;
      return;
    }
    if (users.has(name)) {
      errors += `WARNING: Duplicate user '${name}' found on line ${index + 1}. `;
      return;
    }
    const { rules, unmatchedAt } = joinSelectorArgs(args);
    if (unmatchedAt !== null) {
      errors += `${where}: Unmatched parenthesis in acl selector starting at '${unmatchedAt}'. `;
      return;
    }
    const user = createUser(name);
    for (const rule of rules) {
      try {
        user.apply(rule);
      } catch (err) {
        if (!(err instanceof AclRuleError)) throw err;
        errors += `${where}: ${err.message}. `;
        return;
      }
    }
    users.set(name, user);
  });
  return { users, errors };
}

/** sdstrim: drops the characters of `set` from both ends. */
function trim(text: ByteString, set: string): ByteString {
  let start = 0;
  let end = text.length;
  while (start < end && set.includes(text[start] as string)) start++;
  while (end > start && set.includes(text[end - 1] as string)) end--;
  return text.slice(start, end);
}
