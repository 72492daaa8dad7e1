/**
 * Random Lua 5.1 programs for the parser's differential tests, and a mutator that breaks them.
 *
 * The generator walks the grammar with a seeded random source and produces tokens; `layout`
 * joins them with random blanks, line breaks (all four kinds), short and long comments, so
 * that line numbers vary. A token marked `glued` may not follow a line break: the arguments of
 * a call (a line break before `(` is an "ambiguous syntax" error, and a method's name and its
 * arguments stay on one line so that luac's SELF and CALL share a line).
 *
 * The mutator deletes, inserts, duplicates and swaps tokens, or flips bytes, of a valid
 * program: mostly invalid programs, whose error message lua5.1 and the parser must agree on.
 */

export interface ProgramToken {
  text: string;
  glued: boolean;
}

const NAMES = ['a', 'b', 'c', 'x', 'y', 't', 'f', 'g', 'self', 'arg', 'n1', '_'];
const FIELDS = ['x', 'y', 'n', 'end_', 'k'];
const NUMBERS = ['0', '1', '2', '3', '10', '3.5', '1e3', '0x1F', '.5', '3.', '1e-2', '2.5E+1', '0xff', '007', '4294967296'];
const STRINGS = ['"s"', "'t'", '"a\\tb"', '"\\065\\066"', '[[long]]', '[==[x]]y]==]', '"\\\nz"', '""', "'\\''", '[[\nline]]', '"\\0"'];
const BINARY = ['+', '-', '*', '/', '%', '^', '..', '==', '~=', '<', '<=', '>', '>=', 'and', 'or'];
const UNARY = ['-', 'not', '#'];
const BLANKS = [' ', ' ', ' ', ' ', '\n', '\n', '  ', '\t', '\n\n', ' --c\n', '\r\n', '\r', '\n\r', ' --[[x\ny]] ', ' --[==[\n]==]'];

export class ProgramGenerator {
  private tokens: ProgramToken[] = [];
  private varargStack: boolean[] = [true];
  private loopDepth: number[] = [0];

  constructor(private readonly random: () => number) {}

  program(): ProgramToken[] {
    this.tokens = [];
    this.varargStack = [true];
    this.loopDepth = [0];
    this.pressure();
    this.block(4);
    return this.tokens;
  }

  /**
   * Sometimes a function starts crowded: near 256 constants (operands no longer fit in an
   * instruction and take registers) or near 200 locals (expressions then run into the
   * 250-register limit, "function or expression too complex").
   */
  private pressure(): void {
    const choice = this.random();
    if (choice < 0.06) {
      const count = 245 + Math.floor(this.random() * 20);
      this.emit('local', '_', '=', '{');
      for (let i = 0; i < count; i++) this.emit(i > 0 ? ',' : '', `"k${i}"`);
      this.emit('}');
    } else if (choice < 0.1) {
      const count = 185 + Math.floor(this.random() * 15);
      this.emit('local');
      for (let i = 0; i < count; i++) this.emit(i > 0 ? ',' : '', `v${i}`);
    }
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  private emit(...texts: string[]): void {
    for (const text of texts) if (text !== '') this.tokens.push({ text, glued: false });
  }

  private glue(text: string): void {
    this.tokens.push({ text, glued: true });
  }

  private block(depth: number): void {
    const count = Math.floor(this.random() * 4);
    for (let i = 0; i < count; i++) {
      this.statement(depth);
      if (this.chance(0.15)) this.emit(';');
    }
    const inLoop = (this.loopDepth[this.loopDepth.length - 1] ?? 0) > 0;
    if (this.chance(0.2)) {
      this.emit('return');
      if (this.chance(0.7)) this.expressionList(depth - 1, 1 + Math.floor(this.random() * 3));
    } else if (inLoop && this.chance(0.15)) {
      this.emit('break');
    }
  }

  private loopBody(depth: number): void {
    this.loopDepth[this.loopDepth.length - 1] = (this.loopDepth[this.loopDepth.length - 1] ?? 0) + 1;
    this.block(depth - 1);
    this.loopDepth[this.loopDepth.length - 1] = (this.loopDepth[this.loopDepth.length - 1] ?? 0) - 1;
  }

  private statement(depth: number): void {
    const choice = depth <= 0 ? this.random() * 0.4 : this.random();
    if (choice < 0.15) {
      this.emit('local');
      this.nameList();
      if (this.chance(0.7)) {
        this.emit('=');
        this.expressionList(depth - 1, 1 + Math.floor(this.random() * 3));
      }
    } else if (choice < 0.3) {
      const targets = 1 + Math.floor(this.random() * 3);
      for (let i = 0; i < targets; i++) {
        if (i > 0) this.emit(',');
        this.assignable(depth - 1);
      }
      this.emit('=');
      this.expressionList(depth - 1, 1 + Math.floor(this.random() * 3));
    } else if (choice < 0.4) {
      this.callExpression(depth - 1);
    } else if (choice < 0.46) {
      this.emit('do');
      this.block(depth - 1);
      this.emit('end');
    } else if (choice < 0.53) {
      this.emit('while');
      this.expression(depth - 1);
      this.emit('do');
      this.loopBody(depth);
      this.emit('end');
    } else if (choice < 0.59) {
      this.emit('repeat');
      this.loopBody(depth);
      this.emit('until');
      this.expression(depth - 1);
    } else if (choice < 0.68) {
      this.emit('if');
      this.expression(depth - 1);
      this.emit('then');
      this.block(depth - 1);
      while (this.chance(0.3)) {
        this.emit('elseif');
        this.expression(depth - 1);
        this.emit('then');
        this.block(depth - 1);
      }
      if (this.chance(0.4)) {
        this.emit('else');
        this.block(depth - 1);
      }
      this.emit('end');
    } else if (choice < 0.75) {
      this.emit('for', this.pick(NAMES), '=');
      this.expression(depth - 1);
      this.emit(',');
      this.expression(depth - 1);
      if (this.chance(0.4)) {
        this.emit(',');
        this.expression(depth - 1);
      }
      this.emit('do');
      this.loopBody(depth);
      this.emit('end');
    } else if (choice < 0.82) {
      this.emit('for');
      this.nameList();
      this.emit('in');
      this.expressionList(depth - 1, 1 + Math.floor(this.random() * 3));
      this.emit('do');
      this.loopBody(depth);
      this.emit('end');
    } else if (choice < 0.9) {
      // the name stays on the line of `function` (luac reads its parts there)
      this.emit('function');
      this.glue(this.pick(NAMES));
      if (this.chance(0.5)) {
        const fields = Math.floor(this.random() * 3);
        for (let i = 0; i < fields; i++) {
          this.glue('.');
          this.glue(this.pick(FIELDS));
        }
        if (this.chance(0.4)) {
          this.glue(':');
          this.glue(this.pick(FIELDS));
        }
      }
      this.functionBody(depth - 1);
    } else {
      this.emit('local', 'function', this.pick(NAMES));
      this.functionBody(depth - 1);
    }
  }

  private nameList(): void {
    const count = 1 + Math.floor(this.random() * 3);
    for (let i = 0; i < count; i++) {
      if (i > 0) this.emit(',');
      this.emit(this.pick(NAMES));
    }
  }

  private functionBody(depth: number): void {
    this.emit('(');
    const params = Math.floor(this.random() * 3);
    for (let i = 0; i < params; i++) {
      if (i > 0) this.emit(',');
      this.emit(this.pick(NAMES));
    }
    const vararg = this.chance(0.4);
    if (vararg) {
      if (params > 0) this.emit(',');
      this.emit('...');
    }
    this.emit(')');
    this.varargStack.push(vararg);
    this.loopDepth.push(0);
    this.pressure();
    this.block(depth);
    this.loopDepth.pop();
    this.varargStack.pop();
    this.emit('end');
  }

  private expressionList(depth: number, count: number): void {
    for (let i = 0; i < count; i++) {
      if (i > 0) this.emit(',');
      this.expression(depth);
    }
  }

  private expression(depth: number): void {
    const choice = depth <= 0 ? this.random() * 0.45 : this.random();
    if (choice < 0.12) this.emit(this.pick(NUMBERS));
    else if (choice < 0.2) this.emit(this.pick(STRINGS));
    else if (choice < 0.25) this.emit(this.pick(['nil', 'true', 'false']));
    else if (choice < 0.28 && this.varargStack[this.varargStack.length - 1] === true) this.emit('...');
    else if (choice < 0.45) this.primary(depth - 1);
    else if (choice < 0.68) {
      this.expression(depth - 1);
      this.emit(this.pick(BINARY));
      this.expression(depth - 1);
    } else if (choice < 0.76) {
      this.emit(this.pick(UNARY));
      this.expression(depth - 1);
    } else if (choice < 0.82) {
      this.emit('(');
      this.expression(depth - 1);
      this.emit(')');
    } else if (choice < 0.9) this.table(depth - 1);
    else if (choice < 0.95) {
      this.emit('function');
      this.functionBody(depth - 1);
    } else this.callExpression(depth - 1);
  }

  /** A name or a parenthesized expression, with suffixes. */
  private primary(depth: number): void {
    if (depth > 0 && this.chance(0.15)) {
      this.emit('(');
      this.expression(depth - 1);
      this.emit(')');
    } else {
      this.emit(this.pick(NAMES));
    }
    const suffixes = depth <= 0 ? 0 : Math.floor(this.random() * 3);
    for (let i = 0; i < suffixes; i++) this.suffix(depth - 1);
  }

  private suffix(depth: number): void {
    const choice = this.random();
    if (choice < 0.35) this.emit('.', this.pick(FIELDS));
    else if (choice < 0.55) {
      this.emit('[');
      this.expression(depth);
      this.emit(']');
    } else if (choice < 0.75) {
      this.emit(':');
      this.emit(this.pick(FIELDS));
      this.callArguments(depth, true);
    } else this.callArguments(depth, false);
  }

  /**
   * A method's string argument stays on one line: luac looks the method up on the line of its
   * name and calls it on the line where the string ends, and MethodCall has a single line.
   */
  private callArguments(depth: number, method: boolean): void {
    const choice = this.random();
    if (choice < 0.7) {
      this.glue('(');
      // now and then a long argument list, to press on the register limit
      const count = this.chance(0.05) ? 30 + Math.floor(this.random() * 30) : 1 + Math.floor(this.random() * 3);
      if (this.chance(0.75)) this.expressionList(depth, count);
      this.emit(')');
    } else if (choice < 0.85) {
      this.glue(this.pick(method ? STRINGS.filter((s) => !s.includes('\n')) : STRINGS));
    } else {
      this.tokens.push({ text: '{', glued: true });
      this.tableItems(depth);
      this.emit('}');
    }
  }

  private callExpression(depth: number): void {
    this.primary(depth);
    const method = this.chance(0.3);
    if (method) {
      this.emit(':');
      this.emit(this.pick(FIELDS));
    }
    this.callArguments(depth, method);
  }

  private assignable(depth: number): void {
    this.primary(depth);
    if (this.chance(0.5)) {
      if (this.chance(0.5)) this.emit('.', this.pick(FIELDS));
      else {
        this.emit('[');
        this.expression(depth);
        this.emit(']');
      }
    }
    // a call may not end a target: close it with an index
    const last = this.tokens[this.tokens.length - 1]?.text;
    if (last === ')' || last === '}' || (last !== undefined && /^["'[]/.test(last) && this.tokens[this.tokens.length - 1]?.glued === true)) {
      this.emit('.', this.pick(FIELDS));
    }
  }

  private table(depth: number): void {
    this.emit('{');
    this.tableItems(depth);
    this.emit('}');
  }

  private tableItems(depth: number): void {
    const count = this.chance(0.05) ? 40 + Math.floor(this.random() * 80) : Math.floor(this.random() * 5);
    for (let i = 0; i < count; i++) {
      if (i > 0) this.emit(this.pick([',', ',', ';']));
      const choice = this.random();
      if (choice < 0.5) this.expression(depth);
      else if (choice < 0.75) {
        this.emit(this.pick(FIELDS), '=');
        this.expression(depth);
      } else {
        this.emit('[');
        this.expression(depth);
        this.emit(']', '=');
        this.expression(depth);
      }
    }
    if (count > 0 && this.chance(0.3)) this.emit(this.pick([',', ';']));
  }
}

/** Joins tokens with random blanks, comments and line breaks (never a line break before a glued token). */
export function layout(tokens: ProgramToken[], random: () => number): string {
  let out = '';
  for (const token of tokens) {
    if (out !== '') {
      if (token.glued) out += random() < 0.5 ? '' : ' ';
      else out += BLANKS[Math.floor(random() * BLANKS.length)];
    }
    out += token.text;
  }
  return out;
}

const INSERTABLE = [
  ...BINARY, ...UNARY, '=', '(', ')', '{', '}', '[', ']', ';', ':', ',', '.', '...', 'end', 'do', 'then', 'local',
  'function', 'return', 'break', 'if', 'for', 'in', 'until', 'repeat', 'while', 'else', 'elseif', 'x', '1', '"s"',
  '[[', ']]', '--[[', "'", '"', '~', '$', '\\', '0x', '1e', '3..4', '\0', '\x01', '\xff', '[=', '\\300',
];

/** Breaks a program: deletes, inserts, duplicates or swaps tokens, or edits a byte. */
export function mutate(tokens: ProgramToken[], random: () => number): string {
  const copy = tokens.map((t) => ({ ...t }));
  const at = (): number => Math.floor(random() * Math.max(copy.length, 1));
  const edits = 1 + Math.floor(random() * 2);
  for (let e = 0; e < edits; e++) {
    const choice = random();
    const i = at();
    if (choice < 0.3) copy.splice(i, 1);
    else if (choice < 0.55) copy.splice(i, 0, { text: INSERTABLE[Math.floor(random() * INSERTABLE.length)] ?? 'x', glued: false });
    else if (choice < 0.7) copy.splice(i, 0, { ...(copy[i] ?? { text: 'x', glued: false }) });
    else if (choice < 0.85 && i + 1 < copy.length) {
      const a = copy[i] as ProgramToken;
      copy[i] = copy[i + 1] as ProgramToken;
      copy[i + 1] = a;
    } else {
      const text = layout(copy, random);
      const pos = Math.floor(random() * (text.length + 1));
      const byte = String.fromCharCode(Math.floor(random() * 256));
      return random() < 0.5 ? text.slice(0, pos) + byte + text.slice(pos) : text.slice(0, pos) + text.slice(pos + 1);
    }
  }
  return layout(copy, random);
}
