/**
 * Statements to bytecode, and the entry point: compile(chunk) → the main function's prototype.
 * (Expressions are compile-expr.ts; the bookkeeping of registers, scopes and names is
 * function-state.ts.)
 *
 * The shapes of the loops, as the VM runs them:
 *
 *   while c do B end        top: [jumps if c is false → exit]  B  Jmp top         exit:
 *   repeat B until c        top: B  [jumps if c is false → top]                   (c sees B's locals)
 *   for i = a, b, s do B    R[x..x+2] = a, b, s;  ForPrep x → loop
 *                           body: B
 *                           loop: ForLoop x → body (x += s; while in range, i = x)   exit:
 *   for k, v in e do B      R[x..x+2] = e (f, s, ctl);  Jmp call
 *                           body: B
 *                           call: R[x+3..] = f(s, ctl);  TForLoop x → body (while R[x+3] ~= nil)
 *
 * A block whose locals are captured by closures ends with Close, so each iteration of a loop
 * gives its closures a fresh variable; `break` closes them too before it jumps out.
 */
import type { Block, Chunk, Expr, FunctionExpr, IndexExpr, NameExpr, Statement } from './ast';
import { ExpressionCompiler, isMulti } from './compile-expr';
import { CompileError, FunctionState } from './function-state';
import { Op, type Proto } from './opcodes';

export function compile(chunk: Chunk): Proto {
  return new Compiler(chunk.name).main(chunk);
}

class Compiler extends ExpressionCompiler {
  constructor(private readonly chunkName: string) {
    super();
  }

  main(chunk: Chunk): Proto {
    this.fs = new FunctionState(null, this.chunkName, 0, true, 0);
    this.block(chunk.body);
    this.fs.emit(Op.Return, 0, 1, 0, chunk.endLine);
    return this.fs.finish();
  }

  protected compileFunction(f: FunctionExpr, isMethod: boolean): number {
    const parent = this.fs;
    const params = isMethod ? ['self', ...f.params] : f.params;
    const fs = new FunctionState(parent, this.chunkName, f.line, f.isVararg, params.length);
    this.fs = fs;
    fs.line = f.line;
    // Lua 5.1 (as Redis builds it, with LUA_COMPAT_VARARG) gives a vararg function a hidden
    // local `arg` after its parameters: a table of the extra arguments and their count `n`,
    // made only when the body does not use `...` (otherwise arg is nil).
    const locals = f.isVararg ? [...params, 'arg'] : params;
    fs.reserve(locals.length);
    fs.activate(locals, 0);
    fs.needsArg = f.isVararg && !usesVararg(f.body);
    this.block(f.body);
    fs.emit(Op.Return, 0, 1, 0, f.endLine);
    this.fs = parent;
    parent.protos.push(fs.finish());
    return parent.protos.length - 1;
  }

  private block(body: Block): void {
    for (const statement of body) {
      this.fs.line = statement.line;
      this.statement(statement);
      this.fs.freeTo(this.fs.activeCount());
    }
  }

  private scopedBlock(body: Block, isLoop: boolean): ReturnType<FunctionState['enterBlock']> {
    this.fs.enterBlock(isLoop);
    this.block(body);
    return this.fs.leaveBlock();
  }

  private statement(s: Statement): void {
    const fs = this.fs;
    switch (s.kind) {
      case 'Local': {
        const first = fs.freeReg;
        this.expressionList(s.values, s.names.length);
        fs.activate(s.names, first);
        fs.freeTo(first + s.names.length);
        break;
      }
      case 'LocalFunction': {
        const reg = fs.reserve();
        fs.activate([s.name], reg);
        fs.emit(Op.Closure, reg, this.compileFunction(s.func, false), 0, s.line);
        break;
      }
      case 'Function':
        this.functionStatement(s.path, s.method, s.func, s.line);
        break;
      case 'Assign':
        this.assign(s.targets, s.values, s.line);
        break;
      case 'CallStatement':
        this.call(s.call, 0);
        break;
      case 'Do':
        this.scopedBlock(s.body, false);
        break;
      case 'While': {
        const top = fs.pc;
        const exits = this.jumpIfFalse(s.condition);
        const loop = this.scopedBlock(s.body, true);
        fs.emit(Op.Jmp, top, 0, 0, s.line);
        fs.patchJumps([...exits, ...loop.breaks], fs.pc);
        break;
      }
      case 'Repeat':
        this.repeat(s.body, s.condition, s.line);
        break;
      case 'If': {
        const ends: number[] = [];
        s.clauses.forEach((clause, i) => {
          fs.line = clause.line;
          const skip = this.jumpIfFalse(clause.condition);
          this.scopedBlock(clause.body, false);
          if (i < s.clauses.length - 1 || s.orElse !== null) ends.push(fs.emit(Op.Jmp, -1));
          fs.patchJumps(skip, fs.pc);
        });
        if (s.orElse !== null) this.scopedBlock(s.orElse, false);
        fs.patchJumps(ends, fs.pc);
        break;
      }
      case 'NumericFor':
        this.numericFor(s);
        break;
      case 'GenericFor':
        this.genericFor(s);
        break;
      case 'Return':
        this.returnStatement(s.values, s.line);
        break;
      case 'Break': {
        const loop = [...fs.blocks].reverse().find((b) => b.isLoop);
        if (loop === undefined) throw new CompileError('no loop to break');
        if (fs.capturedSince(loop.activeAtStart)) fs.emit(Op.Close, loop.activeAtStart);
        loop.breaks.push(fs.emit(Op.Jmp, -1));
        break;
      }
    }
  }

  private repeat(body: Block, condition: Expr, line: number): void {
    const fs = this.fs;
    const top = fs.pc;
    const loop = fs.enterBlock(true);
    this.block(body);
    fs.line = line;
    const again = this.jumpIfFalse(condition);
    if (fs.capturedSince(loop.activeAtStart)) {
      // Both ways out of the condition close the body's captured locals.
      fs.emit(Op.Close, loop.activeAtStart);
      const out = fs.emit(Op.Jmp, -1);
      fs.patchJumps(again, fs.pc);
      fs.emit(Op.Close, loop.activeAtStart);
      fs.emit(Op.Jmp, top);
      fs.patchJump(out, fs.pc);
    } else {
      fs.patchJumps(again, top);
    }
    fs.leaveBlock(false);
    fs.patchJumps(loop.breaks, fs.pc);
  }

  private numericFor(s: Extract<Statement, { kind: 'NumericFor' }>): void {
    const fs = this.fs;
    fs.enterBlock(false);
    const base = fs.reserve(3);
    this.toReg(s.start, base);
    this.toReg(s.limit, base + 1);
    if (s.step === null) fs.emit(Op.LoadK, base + 2, fs.constant(1));
    else this.toReg(s.step, base + 2);
    fs.activate(['(for index)', '(for limit)', '(for step)'], base);
    fs.line = s.line;
    const prep = fs.emit(Op.ForPrep, base, -1);
    const bodyStart = fs.pc;
    fs.enterBlock(true);
    fs.activate([s.variable], fs.reserve());
    this.block(s.body);
    const loop = fs.leaveBlock();
    fs.patchJump(prep, fs.pc);
    fs.emit(Op.ForLoop, base, bodyStart, 0, s.line);
    fs.patchJumps(loop.breaks, fs.pc);
    fs.leaveBlock();
  }

  private genericFor(s: Extract<Statement, { kind: 'GenericFor' }>): void {
    const fs = this.fs;
    fs.enterBlock(false);
    const base = fs.freeReg;
    this.expressionList(s.iterators, 3);
    fs.activate(['(for generator)', '(for state)', '(for control)'], base);
    const toCall = fs.emit(Op.Jmp, -1);
    const bodyStart = fs.pc;
    fs.enterBlock(true);
    fs.activate(s.names, fs.reserve(s.names.length));
    this.block(s.body);
    const loop = fs.leaveBlock();
    fs.patchJump(toCall, fs.pc);
    fs.line = s.line;
    // The iterator call: f(s, ctl) with its results where the loop's variables live.
    fs.reserve(Math.max(3, s.names.length));
    fs.emit(Op.Move, base + 3, base);
    fs.emit(Op.Move, base + 4, base + 1);
    fs.emit(Op.Move, base + 5, base + 2);
    fs.emit(Op.Call, base + 3, 3, s.names.length + 1);
    fs.emit(Op.TForLoop, base, bodyStart);
    fs.patchJumps(loop.breaks, fs.pc);
    fs.leaveBlock();
  }

  private returnStatement(values: readonly Expr[], line: number): void {
    const fs = this.fs;
    const only = values[0];
    if (values.length === 1 && only !== undefined && (only.kind === 'Call' || only.kind === 'MethodCall')) {
      const base = this.call(only, -1);
      // The call just emitted becomes a tail call; the Return after it serves native callees.
      fs.setOp(fs.pc - 1, Op.TailCall);
      fs.emit(Op.Return, base, 0, 0, line);
      return;
    }
    const first = fs.freeReg;
    const count = this.expressionList(values, -1);
    fs.emit(Op.Return, first, count === -1 ? 0 : count + 1, 0, line);
  }

  private functionStatement(path: readonly string[], method: string | null, func: FunctionExpr, line: number): void {
    const fs = this.fs;
    const [root, ...fields] = path;
    if (root === undefined) throw new Error('a function statement without a name');
    if (fields.length === 0 && method === null) {
      this.assignTo({ kind: 'Name', name: root, line }, (reg) => fs.emit(Op.Closure, reg, this.compileFunction(func, false), 0, line));
      return;
    }
    const object = this.toNextReg({ kind: 'Name', name: root, line });
    const keys = method === null ? fields : [...fields, method];
    for (const key of keys.slice(0, -1)) {
      const pc = fs.emit(Op.GetTable, object, object, fs.constant(key), line);
      fs.name(pc, [null, { kind: 'field', name: key }, null]);
    }
    const closure = fs.reserve();
    fs.emit(Op.Closure, closure, this.compileFunction(func, method !== null), 0, line);
    const pc = fs.emit(Op.SetTable, object, fs.constant(keys[keys.length - 1] as string), closure, line);
    const owner = keys.length >= 2 ? { kind: 'field' as const, name: keys[keys.length - 2] as string } : this.describe({ kind: 'Name', name: root, line });
    fs.name(pc, [owner, null, null]);
  }

  /** Stores into a name the value `produce` puts in the register it is given. */
  private assignTo(target: NameExpr, produce: (reg: number) => void): void {
    const fs = this.fs;
    const where = fs.resolve(target.name);
    if (where.kind === 'local') {
      produce(where.register);
      return;
    }
    const reg = fs.reserve();
    produce(reg);
    if (where.kind === 'upvalue') fs.emit(Op.SetUpval, reg, where.index, 0, target.line);
    else fs.emit(Op.SetGlobal, reg, fs.constant(target.name), 0, target.line);
  }

  private assign(targets: ReadonlyArray<NameExpr | IndexExpr>, values: readonly Expr[], line: number): void {
    const fs = this.fs;
    const only = targets[0];
    const value = values[0];
    if (targets.length === 1 && values.length === 1 && only !== undefined && value !== undefined) {
      if (only.kind === 'Name') {
        const where = fs.resolve(only.name);
        if (where.kind !== 'local') {
          this.assignTo(only, (reg) => this.toReg(value, reg));
        } else if (!writesTargetEarly(value)) {
          // Straight into the local's register: nothing reads it after it is written.
          this.toReg(value, where.register);
        } else {
          fs.emit(Op.Move, where.register, this.toNextReg(value), 0, line);
        }
        return;
      }
      const object = this.toAnyReg(only.object);
      const key = this.toRK(only.key);
      const rk = this.toRK(value);
      const pc = fs.emit(Op.SetTable, object, key, rk, line);
      fs.name(pc, [this.describe(only.object), null, null]);
      return;
    }
    // Several targets: the tables and keys first (into fresh registers, so an assignment to a
    // local among the targets cannot change them), then every value, then the stores.
    const places = targets.map((target) => (target.kind === 'Name' ? null : { object: this.toNextReg(target.object), key: this.toNextReg(target.key) }));
    const first = fs.freeReg;
    this.expressionList(values, targets.length);
    for (let i = targets.length - 1; i >= 0; i--) {
      const target = targets[i] as NameExpr | IndexExpr;
      const source = first + i;
      const place = places[i];
      if (target.kind === 'Name') {
        const where = fs.resolve(target.name);
        if (where.kind === 'local') fs.emit(Op.Move, where.register, source, 0, line);
        else if (where.kind === 'upvalue') fs.emit(Op.SetUpval, source, where.index, 0, line);
        else fs.emit(Op.SetGlobal, source, fs.constant(target.name), 0, line);
      } else if (place !== null && place !== undefined) {
        const pc = fs.emit(Op.SetTable, place.object, place.key, source, line);
        fs.name(pc, [this.describe(target.object), null, null]);
      }
    }
  }
}

/** Whether a function body uses `...` itself (nested functions have their own). */
function usesVararg(body: Block): boolean {
  let found = false;
  const expr = (e: Expr | null | undefined): void => {
    if (found || e === null || e === undefined) return;
    switch (e.kind) {
      case 'Vararg':
        found = true;
        return;
      case 'Index':
        expr(e.object);
        expr(e.key);
        return;
      case 'Call':
        expr(e.callee);
        e.args.forEach(expr);
        return;
      case 'MethodCall':
        expr(e.object);
        e.args.forEach(expr);
        return;
      case 'Binary':
        expr(e.left);
        expr(e.right);
        return;
      case 'Unary':
        expr(e.operand);
        return;
      case 'Paren':
        expr(e.expr);
        return;
      case 'Table':
        for (const item of e.items) {
          if (item.kind === 'Keyed') expr(item.key);
          expr(item.value);
        }
        return;
      default:
        return;
    }
  };
  const statements = (block: Block): void => {
    for (const s of block) {
      if (found) return;
      switch (s.kind) {
        case 'Local':
        case 'Return':
          s.values.forEach(expr);
          break;
        case 'Assign':
          s.targets.forEach(expr);
          s.values.forEach(expr);
          break;
        case 'CallStatement':
          expr(s.call);
          break;
        case 'Do':
          statements(s.body);
          break;
        case 'While':
        case 'Repeat':
          expr(s.condition);
          statements(s.body);
          break;
        case 'If':
          for (const clause of s.clauses) {
            expr(clause.condition);
            statements(clause.body);
          }
          if (s.orElse !== null) statements(s.orElse);
          break;
        case 'NumericFor':
          [s.start, s.limit, s.step].forEach(expr);
          statements(s.body);
          break;
        case 'GenericFor':
          s.iterators.forEach(expr);
          statements(s.body);
          break;
        default:
          break;
      }
    }
  };
  statements(body);
  return found;
}

/** Whether compiling e into a register writes that register before e has read everything it needs. */
function writesTargetEarly(e: Expr): boolean {
  if (e.kind === 'Paren') return writesTargetEarly(e.expr);
  return e.kind === 'Table' || (e.kind === 'Binary' && (e.op === 'and' || e.op === 'or'));
}

