/**
 * A selector's commands written back as rules ("-@all +@read -keys +select|0"), the way Redis
 * 7.0 writes them for ACL LIST, ACL GETUSER and the ACL file.
 *
 * Redis 7.0 does not remember the rules a user typed, only the resulting bitmap, so the string
 * is rebuilt from the bitmap:
 *
 *   1. start from +@all when the reserved "future commands" bit is set, else from -@all;
 *   2. greedily add whole categories (or, from +@all, take them away): on each round, among the
 *      categories not used yet, the one sharing more commands with the user than it differs by,
 *      with the fewest differences (ties: the most in common); stop when none qualifies;
 *   3. fix the remaining differences one command at a time (+cmd / -cmd, containers before their
 *      subcommands), then the allowed first arguments of denied commands.
 *
 * Step 2 counts over every command Redis has (the ones hashslot does not run included, see
 * acl-commands.ts). Step 3
 * walks Redis's command dict, whose order changes with each process's hash seed; here it is
 * table order, so only the order of those single-command rules may differ from a given
 * redis-server run.
 */
import { ACL_CATEGORIES, type AclCommand } from './acl-commands';
import { Selector } from './selector';

export function describeCommandRules(selector: Selector): string {
  const commands = selector.commands;
  const additive = !selector.future;
  const rules: string[] = [additive ? '-@all' : '+@all'];
  // `fake` replays the emitted rules; `temp` is the user's bitmap with the chosen categories
  // inverted, so later rounds count only what is still unexplained.
  const fake = new Selector(commands, false);
  fake.apply(additive ? '-@all' : '+@all');
  const temp = new Selector(commands, false);
  temp.allowed = selector.allowed.slice();
  const applied = new Set<number>();
  for (;;) {
    let best = -1;
    let minDiff = Number.MAX_SAFE_INTEGER;
    let maxSame = 0;
    for (let j = 0; j < ACL_CATEGORIES.length; j++) {
      if (applied.has(j)) continue;
      let on = 0;
      let off = 0;
      const bit = 1 << j;
      for (const command of commands.all) {
        if ((command.categories & bit) === 0) continue;
        if (temp.allowed[command.index] === 1) on++;
        else off++;
      }
      const diff = additive ? off : on;
      const same = additive ? on : off;
      if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
        best = j;
        minDiff = diff;
        maxSame = same;
      }
    }
    if (best < 0) break;
    const name = ACL_CATEGORIES[best] as string;
    rules.push(`${additive ? '+' : '-'}@${name}`);
    fake.apply(`${additive ? '+' : '-'}@${name}`);
    temp.apply(`${additive ? '-' : '+'}@${name}`);
    applied.add(best);
  }
  for (const command of commands.top) singleCommandRules(selector, fake, command, rules);
  return rules.join(' ');
}

function singleCommandRules(selector: Selector, fake: Selector, command: AclCommand, rules: string[]): void {
  const userBit = selector.allowed[command.index] ?? 0;
  if (userBit !== fake.allowed[command.index]) {
    rules.push(`${userBit === 1 ? '+' : '-'}${command.fullName}`);
    fake.change(command, userBit === 1);
  }
  for (const child of command.children) singleCommandRules(selector, fake, child, rules);
  const firstArgs = selector.firstArgs.get(command.index);
  if (userBit === 0 && firstArgs !== undefined) {
    for (const arg of firstArgs) rules.push(`+${command.fullName}|${arg}`);
  }
}
