/**
 * The compiler's bookkeeping for one function being compiled: its code and constants, its
 * registers, its scopes, and how its names resolve.
 *
 * Registers: locals take registers in the order they are declared, from 0 up; temporaries are
 * taken above the last active local (`freeReg`) and given back as soon as an expression is done
 * with them, so `maxStack` stays small.
 *
 * Names resolve innermost first: a local of this function (its register), else a local or an
 * upvalue of an enclosing function (this function gets an upvalue that captures it; an
 * enclosing local that is captured is marked, so its block closes it when it ends), else a
 * global (a field of the function's environment).
 */
import { Op, type OperandName, type Proto, type UpvalueCapture } from './opcodes';
import type { LuaValue } from './values';

export class CompileError extends Error {}

interface LocalVar {
  name: string;
  register: number;
  captured: boolean;
}

export interface BlockScope {
  /** Active locals when the block began. */
  activeAtStart: number;
  isLoop: boolean;
  /** Jumps out of the loop (break), patched to the loop's end. */
  breaks: number[];
}

export type Resolved = { kind: 'local'; register: number } | { kind: 'upvalue'; index: number } | { kind: 'global' };

/** Lua 5.1's limits, with its messages. */
const MAX_LOCALS = 200;
const MAX_UPVALUES = 60;
const MAX_REGISTERS = 250;

export class FunctionState {
  private readonly code: number[] = [];
  private readonly lines: number[] = [];
  readonly constants: LuaValue[] = [];
  private readonly constantIndex = new Map<string, number>();
  readonly protos: Proto[] = [];
  readonly upvalues: UpvalueCapture[] = [];
  private readonly operandNames = new Map<number, Array<OperandName | null>>();
  private readonly actives: LocalVar[] = [];
  readonly blocks: BlockScope[] = [];
  freeReg = 0;
  private maxStack = 2;
  /** The line of the statement being compiled: instructions get it. */
  line = 0;
  /** A vararg function that does not use `...`: calls build its hidden `arg` table. */
  needsArg = false;

  constructor(
    readonly parent: FunctionState | null,
    readonly chunkName: string,
    readonly lineDefined: number,
    readonly isVararg: boolean,
    readonly params: number,
  ) {}

  // ─── code ──────────────────────────────────────────────────────────────────────────────────

  get pc(): number {
    return this.lines.length;
  }

  emit(op: Op, a: number, b = 0, c = 0, line = this.line): number {
    this.code.push(op, a, b, c);
    this.lines.push(line);
    return this.lines.length - 1;
  }

  /** Names an instruction's operands for its error messages. */
  name(pc: number, names: Array<OperandName | null>): void {
    if (names.some((n) => n !== null)) this.operandNames.set(pc, names);
  }

  /** Sets operand `field` (1 = a, 2 = b, 3 = c) of instruction `pc`: a jump's target. */
  patch(pc: number, field: 1 | 2 | 3, value: number): void {
    this.code[pc * 4 + field] = value;
  }

  /** Points the jump at `pc` to `target`, whichever operand holds its target. */
  patchJump(pc: number, target: number): void {
    const op = this.opAt(pc);
    const field = op === Op.Jmp ? 1 : op === Op.JmpIfFalse || op === Op.JmpIfTrue || op === Op.ForPrep || op === Op.ForLoop || op === Op.TForLoop ? 2 : 3;
    this.patch(pc, field, target);
  }

  patchJumps(jumps: readonly number[], target: number): void {
    for (const pc of jumps) this.patchJump(pc, target);
  }

  setOp(pc: number, op: Op): void {
    this.code[pc * 4] = op;
  }

  opAt(pc: number): Op {
    return this.code[pc * 4] as Op;
  }

  /** RK index of a constant (negative: -1 - index). */
  constant(value: LuaValue): number {
    // Keyed as Lua 5.1 keys its constant table: 0 and -0 are one key, so whichever comes first
    // in the function stands for both (`print(-0.0, 1/0)` prints -0 and -inf in Lua 5.1 too).
    const key = typeof value === 'number' ? `n${value === 0 ? 0 : value}` : typeof value === 'string' ? `s${value}` : String(value);
    let index = this.constantIndex.get(key);
    if (index === undefined) {
      index = this.constants.length;
      this.constants.push(value);
      this.constantIndex.set(key, index);
    }
    return -1 - index;
  }

  // ─── registers ─────────────────────────────────────────────────────────────────────────────

  reserve(count = 1): number {
    const first = this.freeReg;
    this.freeReg += count;
    if (this.freeReg > MAX_REGISTERS) throw new CompileError('function or expression too complex');
    if (this.freeReg > this.maxStack) this.maxStack = this.freeReg;
    return first;
  }

  /** Frees temporaries down to `register` (never below the active locals). */
  freeTo(register: number): void {
    this.freeReg = Math.max(register, this.activeCount());
  }

  activeCount(): number {
    return this.actives.length;
  }

  // ─── scopes and names ──────────────────────────────────────────────────────────────────────

  /** Declares locals in the registers just reserved for them (their values are already there). */
  activate(names: readonly string[], firstRegister: number): void {
    if (this.actives.length + names.length > MAX_LOCALS) {
      throw new CompileError(`too many local variables (limit is ${MAX_LOCALS}) in ${this.lineDefined === 0 ? 'main function' : `function at line ${this.lineDefined}`}`);
    }
    names.forEach((name, i) => this.actives.push({ name, register: firstRegister + i, captured: false }));
  }

  enterBlock(isLoop: boolean): BlockScope {
    const block: BlockScope = { activeAtStart: this.actives.length, isLoop, breaks: [] };
    this.blocks.push(block);
    return block;
  }

  /** Ends the innermost block: its locals go out of scope (captured ones are closed). */
  leaveBlock(closeCaptured = true): BlockScope {
    const block = this.blocks.pop();
    if (block === undefined) throw new Error('no block to leave');
    const captured = this.capturedSince(block.activeAtStart);
    this.actives.length = block.activeAtStart;
    this.freeReg = this.actives.length;
    if (captured && closeCaptured) this.emit(Op.Close, block.activeAtStart);
    return block;
  }

  /** Whether a local declared at or after position `from` is captured by a closure. */
  capturedSince(from: number): boolean {
    for (let i = from; i < this.actives.length; i++) if (this.actives[i]?.captured === true) return true;
    return false;
  }

  resolve(name: string): Resolved {
    const local = this.findLocal(name);
    if (local !== undefined) return { kind: 'local', register: local.register };
    const upvalue = this.findUpvalue(name);
    return upvalue === null ? { kind: 'global' } : { kind: 'upvalue', index: upvalue };
  }

  /** The local in `register`, if that register holds an active local. */
  localIn(register: number): string | null {
    for (let i = this.actives.length - 1; i >= 0; i--) if (this.actives[i]?.register === register) return this.actives[i]?.name ?? null;
    return null;
  }

  private findLocal(name: string): LocalVar | undefined {
    for (let i = this.actives.length - 1; i >= 0; i--) {
      const local = this.actives[i] as LocalVar;
      if (local.name === name) return local;
    }
    return undefined;
  }

  private findUpvalue(name: string): number | null {
    const existing = this.upvalues.findIndex((u) => u.name === name);
    if (existing >= 0) return existing;
    if (this.parent === null) return null;
    const local = this.parent.findLocal(name);
    let capture: UpvalueCapture;
    if (local !== undefined) {
      local.captured = true;
      capture = { fromParentRegister: true, index: local.register, name };
    } else {
      const outer = this.parent.findUpvalue(name);
      if (outer === null) return null;
      capture = { fromParentRegister: false, index: outer, name };
    }
    if (this.upvalues.length >= MAX_UPVALUES) throw new CompileError(`function at line ${this.lineDefined} has more than ${MAX_UPVALUES} upvalues`);
    this.upvalues.push(capture);
    return this.upvalues.length - 1;
  }

  finish(): Proto {
    return {
      code: Int32Array.from(this.code),
      constants: this.constants,
      protos: this.protos,
      upvalues: this.upvalues,
      lines: Int32Array.from(this.lines),
      operandNames: this.operandNames,
      params: this.params,
      isVararg: this.isVararg,
      needsArg: this.needsArg,
      maxStack: this.maxStack,
      lineDefined: this.lineDefined,
      chunkName: this.chunkName,
    };
  }
}
