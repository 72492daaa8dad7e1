/**
 * Expressions to bytecode (the statement half is compiler.ts).
 *
 * Every expression is compiled "into" a register chosen by the caller (toReg), or into whatever
 * register is handiest (toAnyReg: a local is used where it lives, without a copy), or as an RK
 * operand (toRK: literals become constants, which arithmetic and comparisons read directly).
 * Calls and `...` can give many values (multi): their results land in consecutive registers
 * from the call's base, as many as asked for, or all of them (the VM then records the top).
 *
 * Conditions compile to jumps, not to booleans: `if a < b and c then` is two fused
 * compare-and-jump instructions that skip to the else branch, with no boolean ever stored.
 */
import type { CallExpr, Expr, FunctionExpr, MethodCallExpr, TableExpr } from './ast';
import { FunctionState } from './function-state';
import { Op, type OperandName } from './opcodes';

/** A constructor's positional items are stored this many at a time (as Lua 5.1 does). */
const FIELDS_PER_FLUSH = 50;

const ARITH: Record<string, Op> = { '+': Op.Add, '-': Op.Sub, '*': Op.Mul, '/': Op.Div, '%': Op.Mod, '^': Op.Pow };

export function isMulti(e: Expr): e is CallExpr | MethodCallExpr | { kind: 'Vararg'; line: number } {
  return e.kind === 'Call' || e.kind === 'MethodCall' || e.kind === 'Vararg';
}

export abstract class ExpressionCompiler {
  protected fs!: FunctionState;

  /** Compiles a nested function; returns its index among this function's children. */
  protected abstract compileFunction(f: FunctionExpr, isMethod: boolean): number;

  /** e's value into register `reg`. */
  toReg(e: Expr, reg: number): void {
    const fs = this.fs;
    const save = fs.freeReg;
    switch (e.kind) {
      case 'Nil':
        fs.emit(Op.LoadNil, reg, reg, 0, e.line);
        break;
      case 'True':
      case 'False':
        fs.emit(Op.LoadBool, reg, e.kind === 'True' ? 1 : 0, 0, e.line);
        break;
      case 'Number':
      case 'String':
        fs.emit(Op.LoadK, reg, fs.constant(e.value), 0, e.line);
        break;
      case 'Vararg':
        fs.emit(Op.Vararg, reg, 2, 0, e.line);
        break;
      case 'FunctionExpr':
        fs.emit(Op.Closure, reg, this.compileFunction(e, false), 0, e.line);
        break;
      case 'Name': {
        const where = fs.resolve(e.name);
        if (where.kind === 'local') {
          if (where.register !== reg) fs.emit(Op.Move, reg, where.register, 0, e.line);
        } else if (where.kind === 'upvalue') {
          fs.emit(Op.GetUpval, reg, where.index, 0, e.line);
        } else {
          fs.emit(Op.GetGlobal, reg, fs.constant(e.name), 0, e.line);
        }
        break;
      }
      case 'Index': {
        const object = this.toAnyReg(e.object);
        const key = this.toRK(e.key);
        const pc = fs.emit(Op.GetTable, reg, object, key, e.line);
        fs.name(pc, [null, this.describe(e.object), null]);
        break;
      }
      case 'Call':
      case 'MethodCall': {
        // The call's base is `reg` itself when reg is the newest register, else a fresh one.
        if (reg === fs.freeReg - 1 && reg >= fs.activeCount()) fs.freeReg = reg;
        const base = this.call(e, 1);
        if (base !== reg) fs.emit(Op.Move, reg, base, 0, e.line);
        break;
      }
      case 'Paren':
        this.toReg(e.expr, reg);
        break;
      case 'Table':
        // Positional items wait in the registers right above the table: it must be the newest.
        if (reg === fs.freeReg - 1) {
          this.table(e, reg);
        } else {
          const fresh = fs.reserve();
          this.table(e, fresh);
          fs.emit(Op.Move, reg, fresh, 0, e.line);
        }
        break;
      case 'Unary':
        if (e.op === '-' && e.operand.kind === 'Number') {
          fs.emit(Op.LoadK, reg, fs.constant(-e.operand.value), 0, e.line);
        } else {
          const operand = this.toAnyReg(e.operand);
          const pc = fs.emit(e.op === '-' ? Op.Unm : e.op === 'not' ? Op.Not : Op.Len, reg, operand, 0, e.line);
          fs.name(pc, [null, this.describe(e.operand), null]);
        }
        break;
      case 'Binary':
        this.binary(e.op, e.left, e.right, reg, e.line);
        break;
    }
    fs.freeTo(save);
  }

  /** e's value in a fresh register (the next free one), which stays reserved. */
  toNextReg(e: Expr): number {
    const reg = this.fs.reserve();
    this.toReg(e, reg);
    this.fs.freeTo(reg + 1);
    return reg;
  }

  /** A register holding e's value: a local's own, or a fresh one. */
  toAnyReg(e: Expr): number {
    if (e.kind === 'Name') {
      const where = this.fs.resolve(e.name);
      if (where.kind === 'local') return where.register;
    }
    return this.toNextReg(e);
  }

  /** An RK operand: a constant for literals, else a register. */
  toRK(e: Expr): number {
    if (e.kind === 'Number' || e.kind === 'String') return this.fs.constant(e.value);
    if (e.kind === 'Nil') return this.fs.constant(undefined);
    if (e.kind === 'True') return this.fs.constant(true);
    if (e.kind === 'False') return this.fs.constant(false);
    return this.toAnyReg(e);
  }

  /**
   * A call with its function at a fresh base register; `want` results from the base on
   * (-1: all, the VM sets top). Returns the base; registers above base + want are free.
   */
  call(e: CallExpr | MethodCallExpr, want: number): number {
    const fs = this.fs;
    const base = fs.reserve();
    let callee: OperandName | null;
    if (e.kind === 'MethodCall') {
      const object = this.toAnyReg(e.object);
      fs.freeTo(base + 1);
      fs.reserve();
      const self = fs.emit(Op.Self, base, object, fs.constant(e.method), e.line);
      fs.name(self, [null, this.describe(e.object), null]);
      callee = { kind: 'method', name: e.method };
    } else {
      this.toReg(e.callee, base);
      callee = this.describe(e.callee);
    }
    fs.freeTo(e.kind === 'MethodCall' ? base + 2 : base + 1);
    const nargs = this.expressionList(e.args, -1);
    const pc = fs.emit(Op.Call, base, nargs === -1 ? 0 : nargs + (e.kind === 'MethodCall' ? 2 : 1), want + 1, e.line);
    fs.name(pc, [callee, null, null]);
    fs.freeTo(base);
    if (want > 0) fs.reserve(want);
    return base;
  }

  /**
   * Evaluates `exprs` into consecutive registers from freeReg. With want >= 0 the values are
   * adjusted to exactly `want` (extra ones evaluated and dropped, missing ones nil; a call or
   * `...` last fills the gap); with want = -1, a multi-value last expression gives all its
   * values (returns -1: "up to top"), else the count is returned.
   */
  expressionList(exprs: readonly Expr[], want: number): number {
    const fs = this.fs;
    const first = fs.freeReg;
    exprs.forEach((e, i) => {
      const last = i === exprs.length - 1;
      if (last && isMulti(e)) {
        const needed = want === -1 ? -1 : Math.max(0, want - i);
        this.multi(e, needed);
      } else {
        this.toNextReg(e);
      }
    });
    const lastMulti = exprs.length > 0 && isMulti(exprs[exprs.length - 1] as Expr);
    if (want === -1) return lastMulti ? -1 : exprs.length;
    const produced = lastMulti ? want : exprs.length;
    if (produced < want) {
      const from = fs.reserve(want - produced);
      fs.emit(Op.LoadNil, from, first + want - 1);
    }
    fs.freeTo(first + want);
    return want;
  }

  /** A call or `...` giving `want` values (-1: all) into registers from freeReg. */
  multi(e: CallExpr | MethodCallExpr | { kind: 'Vararg'; line: number }, want: number): void {
    if (e.kind === 'Vararg') {
      const reg = this.fs.freeReg;
      if (want !== 0) this.fs.reserve(Math.max(want, 1));
      this.fs.emit(Op.Vararg, reg, want + 1, 0, e.line);
      this.fs.freeTo(reg + Math.max(want, 0));
    } else {
      this.call(e, want);
    }
  }

  /** Jumps taken when e is false (nil or false); falls through when true. */
  jumpIfFalse(e: Expr): number[] {
    return this.conditionJumps(e, false);
  }

  jumpIfTrue(e: Expr): number[] {
    return this.conditionJumps(e, true);
  }

  private conditionJumps(e: Expr, when: boolean): number[] {
    const fs = this.fs;
    if (e.kind === 'Unary' && e.op === 'not') return this.conditionJumps(e.operand, !when);
    if (e.kind === 'Paren') return this.conditionJumps(e.expr, when);
    // A constant condition is decided here, as Lua 5.1 decides it: `while true do` has no test,
    // its loop is the body and the jump back (which is where SCRIPT KILL finds it, as in Redis).
    if (e.kind === 'True' || e.kind === 'Number' || e.kind === 'String' || e.kind === 'Nil' || e.kind === 'False') {
      const truthy = e.kind !== 'Nil' && e.kind !== 'False';
      return truthy === when ? [fs.emit(Op.Jmp, -1, 0, 0, e.line)] : [];
    }
    if (e.kind === 'Binary' && (e.op === 'and' || e.op === 'or')) {
      // `a and b` is false if either is; `a or b` is true if either is.
      const shortCircuits = (e.op === 'and') !== when;
      if (shortCircuits) return [...this.conditionJumps(e.left, when), ...this.conditionJumps(e.right, when)];
      const skip = this.conditionJumps(e.left, !when);
      const jumps = this.conditionJumps(e.right, when);
      fs.patchJumps(skip, fs.pc);
      return jumps;
    }
    if (e.kind === 'Binary' && (e.op === '==' || e.op === '~=' || e.op === '<' || e.op === '<=' || e.op === '>' || e.op === '>=')) {
      const save = fs.freeReg;
      const swapped = e.op === '>' || e.op === '>=';
      const left = this.toRK(swapped ? e.right : e.left);
      const right = this.toRK(swapped ? e.left : e.right);
      fs.freeTo(save);
      const base = e.op === '==' || e.op === '~=' ? 'eq' : e.op === '<' || e.op === '>' ? 'lt' : 'le';
      // holds: whether the jump is taken when the comparison is true (else when it is false).
      const holds = e.op === '~=' ? !when : when;
      const op = holds
        ? base === 'eq' ? Op.JmpIfEq : base === 'lt' ? Op.JmpIfLt : Op.JmpIfLe
        : base === 'eq' ? Op.JmpUnlessEq : base === 'lt' ? Op.JmpUnlessLt : Op.JmpUnlessLe;
      return [fs.emit(op, left, right, -1, e.line)];
    }
    const save = fs.freeReg;
    const reg = this.toAnyReg(e);
    fs.freeTo(save);
    return [fs.emit(when ? Op.JmpIfTrue : Op.JmpIfFalse, reg, -1, 0, e.line)];
  }

  private binary(op: string, left: Expr, right: Expr, reg: number, line: number): void {
    const fs = this.fs;
    if (op === 'and' || op === 'or') {
      this.toReg(left, reg);
      const skip = fs.emit(op === 'and' ? Op.JmpIfFalse : Op.JmpIfTrue, reg, -1, 0, line);
      this.toReg(right, reg);
      fs.patchJump(skip, fs.pc);
      return;
    }
    if (op === '..') {
      // a .. b .. c is one instruction over consecutive registers (right-associative chain).
      const parts: Expr[] = [left];
      let rest = right;
      while (rest.kind === 'Binary' && rest.op === '..') {
        parts.push(rest.left);
        rest = rest.right;
      }
      parts.push(rest);
      const first = fs.freeReg;
      for (const part of parts) this.toNextReg(part);
      const pc = fs.emit(Op.Concat, reg, first, first + parts.length - 1, line);
      fs.name(pc, parts.map((p) => this.describe(p)));
      return;
    }
    const arith = ARITH[op];
    if (arith !== undefined) {
      const b = this.toRK(left);
      const c = this.toRK(right);
      const pc = fs.emit(arith, reg, b, c, line);
      fs.name(pc, [null, this.describe(left), this.describe(right)]);
      return;
    }
    // Comparisons as values.
    const swapped = op === '>' || op === '>=';
    const b = this.toRK(swapped ? right : left);
    const c = this.toRK(swapped ? left : right);
    fs.emit(op === '==' || op === '~=' ? Op.Eq : op === '<' || op === '>' ? Op.Lt : Op.Le, reg, b, c, line);
    if (op === '~=') fs.emit(Op.Not, reg, reg, 0, line);
  }

  private table(e: TableExpr, reg: number): void {
    const fs = this.fs;
    fs.emit(Op.NewTable, reg, e.arrayCount, e.hashCount, e.line);
    let pending = 0;
    let stored = 0;
    const flush = (count: number): void => {
      fs.emit(Op.SetList, reg, count, stored, e.line);
      stored += pending;
      pending = 0;
      fs.freeTo(reg + 1);
    };
    e.items.forEach((item, i) => {
      if (item.kind === 'Positional') {
        const last = i === e.items.length - 1;
        if (last && isMulti(item.value)) {
          this.multi(item.value, -1);
          flush(0);
          return;
        }
        this.toNextReg(item.value);
        pending++;
        if (pending === FIELDS_PER_FLUSH) flush(pending);
      } else {
        const save = fs.freeReg;
        const key = item.kind === 'Named' ? fs.constant(item.name) : this.toRK(item.key);
        const value = this.toRK(item.value);
        fs.emit(Op.SetTable, reg, key, value, e.line);
        fs.freeTo(save);
      }
    });
    if (pending > 0) flush(pending);
  }

  /** What a value was, for error messages (Lua 5.1 names locals, globals, upvalues, fields, methods). */
  protected describe(e: Expr): OperandName | null {
    if (e.kind === 'Name') {
      const where = this.fs.resolve(e.name);
      return { kind: where.kind === 'local' ? 'local' : where.kind === 'upvalue' ? 'upvalue' : 'global', name: e.name };
    }
    if (e.kind === 'Index') return { kind: 'field', name: e.key.kind === 'String' ? e.key.value : '?' };
    return null;
  }
}
