/**
 * The Lua VM: runs compiled prototypes (opcodes.ts) on a thread's stack (coroutine-state.ts).
 *
 * One loop, `execute`, runs instructions of the innermost frame. A call to a Lua function
 * pushes a frame and the loop continues in it; a return pops it and delivers the results to
 * the caller's registers. No JS recursion happens for Lua-to-Lua calls. JS recursion happens
 * only where native code calls back into Lua (pcall, table.sort's comparator, metamethods,
 * gsub with a function): `call()` pushes a *boundary* frame and runs a nested `execute` until
 * that frame returns, exactly where C Lua 5.1 would recurse in C too, and where it forbids a
 * coroutine to yield ("attempt to yield across metamethod/C-call boundary").
 *
 * A loop run with `mode` 'coroutine' may stop at a coroutine.yield; one run with 'main' may
 * stop when the tick hook asks for a pause (the event loop is then served, so SCRIPT KILL can
 * arrive while a long script runs; scripting/ decides when). Both leave the frames as they are
 * and the loop picks them up again later.
 */
import { LuaClosure, Upvalue } from './closure';
import { CoroutineState, WrapFunction, type Frame, type Protection } from './coroutine-state';
import { Op, type Proto } from './opcodes';
import { LuaTable } from './table';
import { LuaError, NativeFunction, type LuaValue } from './values';
import { cPow } from './libm';
import { LuaOperations, toNumber } from './vm-ops';
import { LuaThreads, MAX_NATIVE_DEPTH, SWITCH_THREAD, type LoopExit, type RunMode, type Suspension } from './vm-threads';

/** The frame a run of the loop started from: the nearest boundary frame at or below the top. */
function lowestFrameOfRun(frames: Frame[]): number {
  let index = frames.length - 1;
  while (index > 0 && !(frames[index] as Frame).boundary) index--;
  return index;
}

/** Instructions between two calls of the tick hook (counted at calls and backward jumps). */
export const TICK_INTERVAL = 10_000;

export class LuaVM extends LuaThreads {
  private ticks = TICK_INTERVAL;

  // ─── the loop ──────────────────────────────────────────────────────────────────────────────

  protected execute(co: CoroutineState, mode: RunMode): LuaValue[] | Suspension {
    if (mode === 'main') return this.executeMain();
    const runBase = lowestFrameOfRun(co.frames);
    for (;;) {
      try {
        return this.runLoop(co, mode) as LuaValue[] | Suspension;
      } catch (err) {
        // An error under a pcall/xpcall of this run: the loop goes on in pcall's caller.
        if (!this.catchInProtectedFrame(co, err, runBase)) throw err;
      }
    }
  }

  /**
   * A script's main run, which may pause: the main thread and the coroutines Lua code resumes
   * from it, each in turn in this one loop (`this.current` is the one running; every thread's
   * frames start with a boundary frame at index 0). A coroutine that ends, yields or fails hands
   * the loop back to its resumer; a failure goes on as coroutine.resume's (false, error), or as
   * an error raised again at a wrap function's call.
   */
  private executeMain(): LuaValue[] | Suspension {
    for (;;) {
      const thread = this.current;
      let outcome: LoopExit;
      try {
        outcome = this.runLoop(thread, 'main');
      } catch (err) {
        this.raiseInLoop(thread, err);
        continue;
      }
      if (outcome === SWITCH_THREAD) continue;
      if (Array.isArray(outcome) && thread.resumer !== null) {
        this.leaveInLoop(thread, 'dead', outcome);
        continue;
      }
      return outcome as LuaValue[] | Suspension;
    }
  }

  /** An error in `thread` of a main run: caught by a pcall, or passed to resumers, or thrown. */
  private raiseInLoop(thread: CoroutineState, err: unknown): void {
    let error = err;
    for (let current = thread; ; ) {
      if (this.catchInProtectedFrame(current, error, 0)) return;
      if (current.resumer === null || !(error instanceof LuaError) || error.uncatchable) throw error;
      const kind = current.resumeKind;
      current.unwindTo(0);
      if (kind === 'resume') {
        this.leaveInLoop(current, 'dead', [error.value], false);
        return;
      }
      // A wrap function raises the coroutine's error again, where it was called.
      const resumer = current.resumer;
      current.resumer = null;
      current.state = 'dead';
      resumer.state = 'running';
      this.current = resumer;
      this.nativeDepth--;
      // A message gets the position of the wrap's caller, as a native function's error would.
      const caller = resumer.frames[resumer.frames.length - 1];
      const value = error.value;
      const raised = new LuaError(typeof value === 'string' && caller !== undefined ? `${this.where(caller)}${value}` : value);
      if (caller !== undefined) {
        raised.luaLine = caller.closure.proto.lines[caller.pc - 1] ?? null;
        raised.luaSource = caller.closure.proto.chunkName;
      }
      error = raised;
      current = resumer;
    }
  }

  private runLoop(co: CoroutineState, mode: RunMode): LoopExit {
    const stack = co.stack;
    const frames = co.frames;
    let frame = frames[frames.length - 1] as Frame;
    let closure = frame.closure;
    let proto: Proto = closure.proto;
    let code = proto.code;
    let k = proto.constants;
    let base = frame.base;
    let pc = frame.pc;
    const hooked = this.lineHook !== null && this.lineHookThread === co;
    try {
      for (;;) {
        if (hooked && (this.forceLineHook || pc === 0 || proto.lines[pc] !== proto.lines[pc - 1])) {
          frame.pc = pc;
          this.forceLineHook = false;
          (this.lineHook as (line: number) => void)(proto.lines[pc] ?? 0);
        }
        const at = pc << 2;
        const a = code[at + 1] as number;
        const b = code[at + 2] as number;
        const c = code[at + 3] as number;
        pc++;
        switch (code[at] as Op) {
          case Op.Move:
            stack[base + a] = stack[base + b];
            break;
          case Op.LoadK:
            stack[base + a] = k[-1 - b];
            break;
          case Op.LoadNil:
            for (let r = a; r <= b; r++) stack[base + r] = undefined;
            break;
          case Op.LoadBool:
            stack[base + a] = b !== 0;
            break;
          case Op.GetUpval:
            stack[base + a] = (closure.upvalues[b] as Upvalue).get();
            break;
          case Op.SetUpval:
            (closure.upvalues[b] as Upvalue).set(stack[base + a]);
            break;
          case Op.GetGlobal: {
            const key = k[-1 - b];
            const env = closure.env;
            const value = typeof key === 'string' ? env.getStr(key) : env.get(key);
            if (value !== undefined || env.metatable === null) stack[base + a] = value;
            else {
              frame.pc = pc;
              stack[base + a] = this.index(env, key);
            }
            break;
          }
          case Op.SetGlobal:
            frame.pc = pc;
            this.setIndex(closure.env, k[-1 - b], stack[base + a]);
            break;
          case Op.GetTable: {
            const object = stack[base + b];
            const key = c >= 0 ? stack[base + c] : k[-1 - c];
            if (object instanceof LuaTable) {
              const value = object.get(key);
              if (value !== undefined || object.metatable === null) {
                stack[base + a] = value;
                break;
              }
            }
            frame.pc = pc;
            stack[base + a] = this.index(object, key, proto.operandNames.get(pc - 1)?.[1] ?? null);
            break;
          }
          case Op.SetTable: {
            const object = stack[base + a];
            const key = b >= 0 ? stack[base + b] : k[-1 - b];
            const value = c >= 0 ? stack[base + c] : k[-1 - c];
            frame.pc = pc;
            if (object instanceof LuaTable && object.metatable === null && !object.readonly && typeof key === 'string') object.setStr(key, value);
            else this.setIndex(object, key, value, proto.operandNames.get(pc - 1)?.[0] ?? null);
            break;
          }
          case Op.NewTable:
            stack[base + a] = new LuaTable(b, c);
            break;
          case Op.Self: {
            const object = stack[base + b];
            const key = c >= 0 ? stack[base + c] : k[-1 - c];
            stack[base + a + 1] = object;
            frame.pc = pc;
            stack[base + a] = this.index(object, key, proto.operandNames.get(pc - 1)?.[1] ?? null);
            break;
          }
          // Arithmetic: numbers inline (the common case), everything else through vm-ops.
          case Op.Add: {
            const x = b >= 0 ? stack[base + b] : k[-1 - b];
            const y = c >= 0 ? stack[base + c] : k[-1 - c];
            if (typeof x === 'number' && typeof y === 'number') stack[base + a] = x + y;
            else {
              frame.pc = pc;
              stack[base + a] = this.arith('add', x, y, proto.operandNames.get(pc - 1));
            }
            break;
          }
          case Op.Sub: {
            const x = b >= 0 ? stack[base + b] : k[-1 - b];
            const y = c >= 0 ? stack[base + c] : k[-1 - c];
            if (typeof x === 'number' && typeof y === 'number') stack[base + a] = x - y;
            else {
              frame.pc = pc;
              stack[base + a] = this.arith('sub', x, y, proto.operandNames.get(pc - 1));
            }
            break;
          }
          case Op.Mul: {
            const x = b >= 0 ? stack[base + b] : k[-1 - b];
            const y = c >= 0 ? stack[base + c] : k[-1 - c];
            if (typeof x === 'number' && typeof y === 'number') stack[base + a] = x * y;
            else {
              frame.pc = pc;
              stack[base + a] = this.arith('mul', x, y, proto.operandNames.get(pc - 1));
            }
            break;
          }
          case Op.Div: {
            const x = b >= 0 ? stack[base + b] : k[-1 - b];
            const y = c >= 0 ? stack[base + c] : k[-1 - c];
            if (typeof x === 'number' && typeof y === 'number') stack[base + a] = x / y;
            else {
              frame.pc = pc;
              stack[base + a] = this.arith('div', x, y, proto.operandNames.get(pc - 1));
            }
            break;
          }
          case Op.Mod: {
            const x = b >= 0 ? stack[base + b] : k[-1 - b];
            const y = c >= 0 ? stack[base + c] : k[-1 - c];
            if (typeof x === 'number' && typeof y === 'number') stack[base + a] = x - Math.floor(x / y) * y;
            else {
              frame.pc = pc;
              stack[base + a] = this.arith('mod', x, y, proto.operandNames.get(pc - 1));
            }
            break;
          }
          case Op.Pow: {
            const x = b >= 0 ? stack[base + b] : k[-1 - b];
            const y = c >= 0 ? stack[base + c] : k[-1 - c];
            if (typeof x === 'number' && typeof y === 'number') stack[base + a] = cPow(x, y);
            else {
              frame.pc = pc;
              stack[base + a] = this.arith('pow', x, y, proto.operandNames.get(pc - 1));
            }
            break;
          }
          case Op.Unm: {
            const x = stack[base + b];
            if (typeof x === 'number') stack[base + a] = -x;
            else {
              frame.pc = pc;
              stack[base + a] = this.arith('unm', x, x, proto.operandNames.get(pc - 1));
            }
            break;
          }
          case Op.Not: {
            const x = stack[base + b];
            stack[base + a] = x === undefined || x === false;
            break;
          }
          case Op.Len:
            frame.pc = pc;
            stack[base + a] = this.length(stack[base + b], proto.operandNames.get(pc - 1)?.[1] ?? null);
            break;
          case Op.Concat: {
            frame.pc = pc;
            stack[base + a] = this.concat(stack.slice(base + b, base + c + 1), proto.operandNames.get(pc - 1));
            break;
          }
          case Op.Jmp:
            if (a < pc && --this.ticks <= 0 && this.tick(mode)) {
              frame.pc = a;
              return { kind: 'pause' };
            }
            pc = a;
            break;
          case Op.Eq:
          case Op.Lt:
          case Op.Le: {
            const x = b >= 0 ? stack[base + b] : k[-1 - b];
            const y = c >= 0 ? stack[base + c] : k[-1 - c];
            frame.pc = pc;
            const op = code[at] as Op;
            stack[base + a] = op === Op.Eq ? this.equals(x, y) : op === Op.Lt ? this.lessThan(x, y) : this.lessOrEqual(x, y);
            break;
          }
          case Op.JmpUnlessEq:
          case Op.JmpIfEq: {
            const x = a >= 0 ? stack[base + a] : k[-1 - a];
            const y = b >= 0 ? stack[base + b] : k[-1 - b];
            frame.pc = pc;
            const holds = x === y || this.equals(x, y);
            if (holds === ((code[at] as Op) === Op.JmpIfEq)) {
              // A backward jump (repeat ... until) counts toward the tick hook like a loop.
              if (c < pc && --this.ticks <= 0 && this.tick(mode)) {
                frame.pc = c;
                return { kind: 'pause' };
              }
              pc = c;
            }
            break;
          }
          case Op.JmpUnlessLt:
          case Op.JmpIfLt: {
            const x = a >= 0 ? stack[base + a] : k[-1 - a];
            const y = b >= 0 ? stack[base + b] : k[-1 - b];
            frame.pc = pc;
            const holds = typeof x === 'number' && typeof y === 'number' ? x < y : this.lessThan(x, y);
            if (holds === ((code[at] as Op) === Op.JmpIfLt)) {
              // A backward jump (repeat ... until) counts toward the tick hook like a loop.
              if (c < pc && --this.ticks <= 0 && this.tick(mode)) {
                frame.pc = c;
                return { kind: 'pause' };
              }
              pc = c;
            }
            break;
          }
          case Op.JmpUnlessLe:
          case Op.JmpIfLe: {
            const x = a >= 0 ? stack[base + a] : k[-1 - a];
            const y = b >= 0 ? stack[base + b] : k[-1 - b];
            frame.pc = pc;
            const holds = typeof x === 'number' && typeof y === 'number' ? x <= y : this.lessOrEqual(x, y);
            if (holds === ((code[at] as Op) === Op.JmpIfLe)) {
              // A backward jump (repeat ... until) counts toward the tick hook like a loop.
              if (c < pc && --this.ticks <= 0 && this.tick(mode)) {
                frame.pc = c;
                return { kind: 'pause' };
              }
              pc = c;
            }
            break;
          }
          case Op.JmpIfFalse: {
            const x = stack[base + a];
            if (x === undefined || x === false) {
              if (b < pc && --this.ticks <= 0 && this.tick(mode)) {
                frame.pc = b;
                return { kind: 'pause' };
              }
              pc = b;
            }
            break;
          }
          case Op.JmpIfTrue: {
            const x = stack[base + a];
            if (x !== undefined && x !== false) {
              if (b < pc && --this.ticks <= 0 && this.tick(mode)) {
                frame.pc = b;
                return { kind: 'pause' };
              }
              pc = b;
            }
            break;
          }
          case Op.Call:
          case Op.TailCall: {
            frame.pc = pc;
            const slot = base + a;
            const fn = stack[slot];
            const nargs = b !== 0 ? b - 1 : co.top - slot - 1;
            if (--this.ticks <= 0 && this.tick(mode)) {
              frame.pc = pc - 1;
              return { kind: 'pause' };
            }
            if (fn instanceof LuaClosure) {
              if ((code[at] as Op) === Op.TailCall && !frame.boundary) {
                // A proper tail call: the callee replaces this frame (and its pcall, if any).
                co.closeUpvalues(base);
                frames.pop();
                const target = frame.returnTo;
                const protection = frame.protection;
                const tailcalls = frame.tailcalls + 1;
                for (let i = 0; i <= nargs; i++) stack[target + i] = stack[slot + i];
                frame = this.enter(co, fn, target, nargs, frame.wanted, false);
                frame.protection = protection;
                frame.tailcalls = tailcalls;
              } else {
                const caller = frame;
                frame = this.enter(co, fn, slot, nargs, c - 1, false);
                if ((code[at] as Op) === Op.TailCall) {
                  frame.tailcalls = caller.tailcalls + 1;
                  frame.replacesCaller = true;
                }
              }
              closure = fn;
              proto = fn.proto;
              code = proto.code;
              k = proto.constants;
              base = frame.base;
              pc = 0;
              break;
            }
            if ((fn === this.pcallFunction || fn === this.xpcallFunction) && fn !== null && stack[slot + 1] instanceof LuaClosure && nargs >= (fn === this.pcallFunction ? 1 : 2)) {
              // pcall(f, ...) / xpcall(f, handler) of a Lua function: f runs in this loop, in
              // a frame that catches errors (catchInProtectedFrame), so it can pause like any
              // other code; Return gives pcall's results.
              frame = this.enterProtected(co, slot, nargs, c - 1, fn === this.xpcallFunction);
              closure = frame.closure;
              proto = closure.proto;
              code = proto.code;
              k = proto.constants;
              base = frame.base;
              pc = 0;
              break;
            }
            if (mode === 'main' && fn !== null && (fn === this.resumeFunction ? nargs >= 1 : fn instanceof WrapFunction)) {
              // coroutine.resume(co, ...) / a wrap function: the coroutine runs in this loop.
              const isResume = fn === this.resumeFunction;
              const target = isResume ? stack[slot + 1] : (fn as WrapFunction).co;
              if (target instanceof CoroutineState && target.state === 'suspended' && this.nativeDepth < MAX_NATIVE_DEPTH) {
                const first = isResume ? slot + 2 : slot + 1;
                this.resumeInLoop(co, target, stack.slice(first, slot + 1 + nargs), slot, c - 1, isResume ? 'resume' : 'wrap');
                return SWITCH_THREAD;
              }
            }
            if (fn === this.yieldFunction && fn !== null) {
              const inLoop = mode === 'main' && co.resumer !== null;
              // (Raised from inside yield, a native function: no Lua position, as in Lua 5.1.)
              if ((mode === 'coroutine' || inLoop) && co.frames.some((f) => f.protection !== null)) {
                throw new LuaError('attempt to yield across metamethod/C-call boundary');
              }
              if (inLoop) {
                // A coroutine running in the main loop: back to its resumer.
                co.yieldTo = slot;
                co.yieldWanted = c - 1;
                this.leaveInLoop(co, 'suspended', stack.slice(slot + 1, slot + 1 + nargs));
                return SWITCH_THREAD;
              }
              if (mode !== 'coroutine' || co === this.main) {
                // (The main chunk too: Redis calls it from C, as lua5.1 calls a file's.)
                throw new LuaError('attempt to yield across metamethod/C-call boundary');
              }
              co.yieldTo = slot;
              co.yieldWanted = c - 1;
              return { kind: 'yield', values: stack.slice(slot + 1, slot + 1 + nargs) };
            }
            const args = stack.slice(slot + 1, slot + 1 + nargs);
            this.nativeFromLua = true;
            this.callSite.proto = proto;
            this.callSite.pc = pc - 1;
            const results = fn instanceof NativeFunction ? this.callNative(fn, args) : this.callValue(fn, args, proto.operandNames.get(pc - 1)?.[0]);
            this.deliver(co, results, slot, c - 1);
            break;
          }
          case Op.Return: {
            const from = base + a;
            const count = b !== 0 ? b - 1 : co.top - from;
            co.closeUpvalues(base);
            frames.pop();
            if (frame.boundary) return stack.slice(from, from + count);
            const to = frame.returnTo;
            const wanted = frame.wanted;
            if (frame.protection !== null) {
              // The end of a function pcall called: pcall's results are true and its results.
              this.nativeDepth = frame.protection.nativeDepth;
              this.deliverProtected(co, from, count, to - 1, wanted);
            } else if (wanted < 0) {
              for (let i = 0; i < count; i++) stack[to + i] = stack[from + i];
              co.top = to + count;
            } else {
              for (let i = 0; i < wanted; i++) stack[to + i] = i < count ? stack[from + i] : undefined;
            }
            frame = frames[frames.length - 1] as Frame;
            closure = frame.closure;
            proto = closure.proto;
            code = proto.code;
            k = proto.constants;
            base = frame.base;
            pc = frame.pc;
            break;
          }
          case Op.ForPrep: {
            frame.pc = pc;
            const init = this.forNumber(stack[base + a], "'for' initial value must be a number");
            const limit = this.forNumber(stack[base + a + 1], "'for' limit must be a number");
            const step = this.forNumber(stack[base + a + 2], "'for' step must be a number");
            stack[base + a] = init - step;
            stack[base + a + 1] = limit;
            stack[base + a + 2] = step;
            pc = b;
            break;
          }
          case Op.ForLoop: {
            const step = stack[base + a + 2] as number;
            const index = (stack[base + a] as number) + step;
            const limit = stack[base + a + 1] as number;
            if (step > 0 ? index <= limit : limit <= index) {
              stack[base + a] = index;
              stack[base + a + 3] = index;
              if (--this.ticks <= 0 && this.tick(mode)) {
                frame.pc = b;
                return { kind: 'pause' };
              }
              pc = b;
            }
            break;
          }
          case Op.TForLoop: {
            const first = stack[base + a + 3];
            if (first !== undefined) {
              stack[base + a + 2] = first;
              pc = b;
            }
            break;
          }
          case Op.SetList: {
            const table = stack[base + a] as LuaTable;
            const count = b !== 0 ? b : co.top - (base + a) - 1;
            // A constructor ending in a call or `...`: Lua 5.1 sizes the array part to the exact
            // count first, which decides the table's layout (`#{1, 2, nil, f()}`).
            if (b === 0) table.reserveArray(c + count);
            for (let i = 1; i <= count; i++) table.setInt(c + i, stack[base + a + i]);
            break;
          }
          case Op.Close:
            co.closeUpvalues(base + a);
            break;
          case Op.Closure: {
            const child = proto.protos[b] as Proto;
            const upvalues = child.upvalues.map((capture) => (capture.fromParentRegister ? this.openUpvalue(co, base + capture.index) : (closure.upvalues[capture.index] as Upvalue)));
            stack[base + a] = new LuaClosure(child, upvalues, closure.env);
            break;
          }
          case Op.Vararg: {
            const varargs = frame.varargs;
            if (b === 0) {
              for (let i = 0; i < varargs.length; i++) stack[base + a + i] = varargs[i];
              co.top = base + a + varargs.length;
            } else {
              for (let i = 0; i < b - 1; i++) stack[base + a + i] = varargs[i];
            }
            break;
          }
          default:
            throw new Error(`unknown opcode ${code[at]}`);
        }
      }
    } catch (err) {
      frame.pc = pc;
      throw this.positioned(err, frame);
    }
  }

  /**
   * pcall's catch, for the calls that run in the loop: finds the innermost protected frame of
   * this run above `runBase`, drops the frames above it and puts false and the error (through
   * xpcall's handler) where pcall's results go. False when no such frame holds the error.
   */
  private catchInProtectedFrame(co: CoroutineState, err: unknown, runBase: number): boolean {
    if (!(err instanceof LuaError) || err.uncatchable) {
      this.restoreNativeDepth(co, runBase);
      return false;
    }
    const frames = co.frames;
    let index = frames.length - 1;
    while (index > runBase && (frames[index] as Frame).protection === null) index--;
    if (index <= runBase) {
      this.restoreNativeDepth(co, runBase);
      return false;
    }
    const target = frames[index] as Frame;
    const protection = target.protection as Protection;
    co.unwindTo(index);
    co.top = target.returnTo;
    this.nativeDepth = protection.nativeDepth;
    if (protection.handler === null) {
      this.deliver(co, this.caughtByPcall(err.value, protection.redisPcall), target.returnTo - 1, target.wanted);
      return true;
    }
    // xpcall: a handler that fails itself gives Lua 5.1's "error in error handling".
    let value: LuaValue;
    try {
      value = this.call(protection.handler, [err.value])[0];
    } catch (handlerErr) {
      if (!(handlerErr instanceof LuaError) || handlerErr.uncatchable) throw handlerErr;
      co.unwindTo(index);
      this.nativeDepth = protection.nativeDepth;
      value = 'error in error handling';
    }
    this.deliver(co, [false, value], target.returnTo - 1, target.wanted);
    return true;
  }

  /** An error leaves this run: the native depth its protected frames added is given back. */
  private restoreNativeDepth(co: CoroutineState, runBase: number): void {
    const frames = co.frames;
    for (let i = runBase + 1; i < frames.length; i++) {
      const protection = (frames[i] as Frame).protection;
      if (protection !== null) {
        this.nativeDepth = protection.nativeDepth;
        return;
      }
    }
  }

  private callValue(fn: LuaValue, args: LuaValue[], name: Parameters<LuaOperations['callError']>[1]): LuaValue[] {
    const handler = this.metamethod(fn, '__call');
    if (handler === undefined) this.callError(fn, name);
    return this.call(handler, [fn, ...args]);
  }

  private forNumber(value: LuaValue, message: string): number {
    const converted = toNumber(value);
    if (converted === undefined) this.runtimeError(message);
    return converted;
  }

  private openUpvalue(co: CoroutineState, index: number): Upvalue {
    const open = co.openUpvalues;
    for (let i = open.length - 1; i >= 0; i--) {
      const upvalue = open[i] as Upvalue;
      if (upvalue.index === index) return upvalue;
      if (upvalue.index < index) {
        const created = new Upvalue(co.stack, index);
        open.splice(i + 1, 0, created);
        return created;
      }
    }
    const created = new Upvalue(co.stack, index);
    open.unshift(created);
    return created;
  }

  /** Called when the tick budget runs out; true when a 'main' run should pause now. */
  private tick(mode: RunMode): boolean {
    this.ticks = TICK_INTERVAL;
    const verdict = this.onTick();
    return verdict === 'pause' && mode === 'main';
  }
}
