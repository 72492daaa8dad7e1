/**
 * What the parser keeps per Lua function while it reads it, the way luac 5.1 keeps it, so that
 * the parser can raise the limit errors luac raises at the same token:
 *
 * - scopes: the active locals (a local's register is its index in the active list), locals
 *   declared but not active yet (`local x = x` reads the outer x), and the blocks, which know
 *   whether `break` may leave them;
 * - upvalues: names found as locals or upvalues of an enclosing function, each counted once;
 * - constants: the strings and numbers (and nil/true/false when used as operands) the
 *   function's code would refer to, because once there are more than 256 of them an operand
 *   constant no longer fits in an instruction and takes a register;
 * - registers: `freeReg`, the first free register, which parser-operands.ts moves exactly as
 *   luac's code generator would, so that "function or expression too complex" (250 registers)
 *   fires where it fires in Lua 5.1.
 *
 * Limits (luaconf.h / llimits.h of 5.1): 200 locals, 60 upvalues, 250 registers. The messages
 * name the function by the line of its definition ("main function" for the chunk).
 */
import type { Lexer } from './lexer';

export const MAX_LOCALS = 200;
export const MAX_UPVALUES = 60;
/** Registers: a use that would reach this many fails. */
export const MAX_STACK = 250;
/** Constants with an index up to this fit in an instruction operand ("RK"). */
export const MAX_CONSTANT_OPERAND = 255;
/** An RK operand at or above this is a constant (index + CONSTANT_BIT), below it a register. */
export const CONSTANT_BIT = 256;

/** A local variable; upvalues refer to it by identity. */
export interface LocalVariable {
  readonly name: string;
}

interface Block {
  readonly parent: Block | null;
  /** Active locals when the block was entered: leaving it drops the ones declared inside. */
  readonly activeAtEntry: number;
  readonly isLoop: boolean;
}

/** Where a name lives, as seen from one function. */
export type Resolution = { kind: 'local'; register: number } | { kind: 'upvalue' } | { kind: 'global' };

/** Figures luac -l prints for a function (its header line), for tests. */
export interface FunctionFigures {
  lineDefined: number;
  lastLineDefined: number;
  parameters: number;
  isVararg: boolean;
  maxStack: number;
  upvalues: number;
  locals: number;
  constants: number;
}

export class FunctionState {
  isVararg = false;
  /** Active locals; a local's register is its index here. */
  readonly active: LocalVariable[] = [];
  /** Declared, not yet in scope (the names of a `local` statement while its values are read). */
  private readonly pending: LocalVariable[] = [];
  private block: Block | null = null;
  /** Each upvalue: the variable it captures in the enclosing function (a local or an upvalue index). */
  private readonly upvalues: Array<LocalVariable | number> = [];
  private readonly strings = new Map<string, number>();
  private readonly numbers = new Map<number, number>();
  private readonly others = new Map<boolean | null, number>();
  private constantTotal = 0;
  freeReg = 0;
  /** The most registers used at once (luac starts at 2). */
  maxStack = 2;
  /** Every local ever declared (luac's debug records), parameters included. */
  declaredLocals = 0;
  parameters = 0;

  constructor(
    readonly parent: FunctionState | null,
    /** 0 for the main chunk. */
    readonly lineDefined: number,
    private readonly lexer: Lexer,
  ) {}

  /** The lexer's lastLine: the line luac would give an instruction emitted now. */
  lexerLastLine(): number {
    return this.lexer.lastLine;
  }

  // ---- limits -----------------------------------------------------------------------------

  /** luaY_checklimit: `value` above `limit` is an error naming this function. */
  checkLimit(value: number, limit: number, what: string): void {
    if (value <= limit) return;
    const where = this.lineDefined === 0 ? 'main function' : `function at line ${this.lineDefined}`;
    this.lexer.fail(`${where} has more than ${limit} ${what}`, null);
  }

  // ---- scopes -----------------------------------------------------------------------------

  declareLocal(name: string): void {
    this.checkLimit(this.active.length + this.pending.length + 1, MAX_LOCALS, 'local variables');
    this.pending.push({ name });
    this.declaredLocals++;
  }

  /** Brings the first `count` pending locals into scope (in declaration order). */
  activateLocals(count: number): void {
    this.active.push(...this.pending.splice(0, count));
  }

  enterBlock(isLoop: boolean): void {
    this.block = { parent: this.block, activeAtEntry: this.active.length, isLoop };
  }

  leaveBlock(): void {
    const block = this.block;
    if (block === null) throw new Error('leaveBlock without a block');
    this.block = block.parent;
    this.active.length = block.activeAtEntry;
    this.freeReg = this.active.length;
  }

  insideLoop(): boolean {
    for (let block = this.block; block !== null; block = block.parent) if (block.isLoop) return true;
    return false;
  }

  /** Where `name` lives from here: a local, an upvalue (recorded now), or a global. */
  resolve(name: string): Resolution {
    const variable = this.findActive(name);
    if (variable >= 0) return { kind: 'local', register: variable };
    return this.captureFromParent(name) === null ? { kind: 'global' } : { kind: 'upvalue' };
  }

  private findActive(name: string): number {
    for (let i = this.active.length - 1; i >= 0; i--) if (this.active[i]?.name === name) return i;
    return -1;
  }

  /** The index of this function's upvalue for `name`, or null when it is a global. */
  private captureFromParent(name: string): number | null {
    const parent = this.parent;
    if (parent === null) return null;
    let source: LocalVariable | number;
    const register = parent.findActive(name);
    if (register >= 0) {
      source = parent.active[register] as LocalVariable;
    } else {
      const index = parent.captureFromParent(name);
      if (index === null) return null;
      source = index;
    }
    const known = this.upvalues.indexOf(source);
    if (known >= 0) return known;
    this.checkLimit(this.upvalues.length + 1, MAX_UPVALUES, 'upvalues');
    this.upvalues.push(source);
    return this.upvalues.length - 1;
  }

  // ---- constants --------------------------------------------------------------------------

  get constantCount(): number {
    return this.constantTotal;
  }

  private add<K>(table: Map<K, number>, key: K): number {
    let index = table.get(key);
    if (index === undefined) {
      index = this.constantTotal++;
      table.set(key, index);
    }
    return index;
  }

  stringConstant(s: string): number {
    return this.add(this.strings, s);
  }

  /** Numbers are keyed by value, so 0 and -0 share a constant, as in 5.1 (Map keys do that too). */
  numberConstant(n: number): number {
    return this.add(this.numbers, n);
  }

  booleanConstant(b: boolean): number {
    return this.add(this.others, b);
  }

  nilConstant(): number {
    return this.add(this.others, null);
  }

  // ---- registers --------------------------------------------------------------------------

  /** Makes sure `count` more registers are available (luaK_checkstack). */
  checkStack(count: number): void {
    const needed = this.freeReg + count;
    if (needed > this.maxStack) {
      if (needed >= MAX_STACK) this.lexer.syntaxError('function or expression too complex');
      this.maxStack = needed;
    }
  }

  reserve(count: number): void {
    this.checkStack(count);
    this.freeReg += count;
  }

  /** Frees a register if it is a temporary (not a constant operand, not a local's). */
  free(register: number): void {
    if (register < CONSTANT_BIT && register >= this.active.length) this.freeReg--;
  }

  figures(lastLineDefined: number): FunctionFigures {
    return {
      lineDefined: this.lineDefined,
      lastLineDefined,
      parameters: this.parameters,
      isVararg: this.isVararg,
      maxStack: this.maxStack,
      upvalues: this.upvalues.length,
      locals: this.declaredLocals,
      constants: this.constantTotal,
    };
  }
}
