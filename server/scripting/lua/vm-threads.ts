/**
 * The VM's threads and calls: how a call is set up (a frame pushed, arguments in place,
 * varargs kept), how results reach the caller's registers, how native code calls back into Lua
 * (a boundary frame and a nested run of the loop), pcall's unwinding, error() positions, and
 * coroutine resume. The loop that runs instructions is vm.ts, which extends this class.
 */
import { LuaClosure } from './closure';
import { CoroutineState, Frame, Protection } from './coroutine-state';
import type { Proto } from './opcodes';
import { LuaTable } from './table';
import { LuaError, NativeFunction, type LuaValue } from './values';
import { LuaOperations } from './vm-ops';
import { chunkId } from './lexer';

/** Lua 5.1's limits: Lua calls deep ("stack overflow"), native re-entries ("C stack overflow"). */
const MAX_LUA_FRAMES = 16_000;
export const MAX_NATIVE_DEPTH = 198;

export type RunMode = 'nested' | 'coroutine' | 'main';

/** Why a resumable run stopped before its function returned. */
export type Suspension = { kind: 'yield'; values: LuaValue[] } | { kind: 'pause' };

/** What the loop returns when the running thread changed (an in-loop resume, yield or end). */
export const SWITCH_THREAD = { kind: 'switch' } as const;
export type LoopExit = LuaValue[] | Suspension | typeof SWITCH_THREAD;

/** What the tick hook answers: go on, or pause (honoured only by a 'main' run). */
export type TickVerdict = 'continue' | 'pause';

const NO_VALUES: LuaValue[] = [];

/** The hidden `arg` of a vararg function: the extra arguments, and their count in `n`. */
function argTable(extra: LuaValue[]): LuaTable {
  const table = new LuaTable(extra.length, 1);
  for (let i = 0; i < extra.length; i++) table.setInt(i + 1, extra[i]);
  table.setStr('n', extra.length);
  return table;
}

export abstract class LuaThreads extends LuaOperations {
  readonly main = new CoroutineState(undefined);
  current: CoroutineState = this.main;
  /** The native function coroutine.yield is (the loop treats a call of it specially). */
  yieldFunction: NativeFunction | null = null;
  /** coroutine.resume: called from Lua code in a main run, the coroutine runs in the same loop. */
  resumeFunction: NativeFunction | null = null;
  /** pcall and xpcall: a call of them from Lua code runs in a protected frame (vm.ts). */
  pcallFunction: NativeFunction | null = null;
  xpcallFunction: NativeFunction | null = null;
  /** Redis's pcall: an error table ({err = ...}) is returned as its message. */
  redisPcall = false;
  /** Called every TICK_INTERVAL-ish instructions: time checks, SCRIPT KILL (it may throw). */
  onTick: () => TickVerdict = () => 'continue';
  /**
   * Lua's line hook, off (null) except after SCRIPT KILL: called with the line before the
   * first instruction of each new line, of each function entered, and (with forceLineHook)
   * before the very next instruction. It may throw.
   */
  lineHook: ((line: number) => void) | null = null;
  /** The thread the line hook is set on (as in Lua, a hook belongs to one thread). */
  lineHookThread: CoroutineState | null = null;
  forceLineHook = false;
  protected nativeDepth = 0;
  /** Whether the native function running now was called by Lua code directly (for error levels). */
  protected nativeFromLua = false;
  /** The call instruction that called it (prototype and index), for its name in errors. */
  protected callSite: { proto: Proto; pc: number } = { proto: null as unknown as Proto, pc: 0 };
  /**
   * The native functions running, innermost last (`nativeCount` of them): the thread each runs
   * on and how many Lua frames that thread had when it was called, which places it between two
   * Lua frames of Lua 5.1's call stack. error()'s levels and where a native's error is said to
   * be are read from them (positionOfLevel, locateNativeError).
   */
  private readonly nativeThreads: CoroutineState[] = [];
  private readonly nativeFrameCounts: number[] = [];
  private nativeCount = 0;

  calleeName(): { name: string; isMethod: boolean } | null | undefined {
    if (!this.nativeFromLua) return null;
    const name = this.callSite.proto.operandNames.get(this.callSite.pc)?.[0];
    if (name === undefined || name === null) return null;
    return { name: name.name, isMethod: name.kind === 'method' };
  }

  constructor() {
    super();
    this.main.state = 'running';
  }

  /** Runs the innermost frame of `co` until its boundary frame returns, or it suspends. */
  protected abstract execute(co: CoroutineState, mode: RunMode): LuaValue[] | Suspension;

  /** Calls any callable value with `args` and returns all its results (native code's entry). */
  call(fn: LuaValue, args: LuaValue[]): LuaValue[] {
    if (fn instanceof NativeFunction) {
      this.nativeFromLua = false;
      return this.callNative(fn, args);
    }
    if (!(fn instanceof LuaClosure)) {
      const handler = this.metamethod(fn, '__call');
      if (handler === undefined) return this.callError(fn, null);
      return this.call(handler, [fn, ...args]);
    }
    if (this.nativeDepth >= MAX_NATIVE_DEPTH) this.runtimeError('C stack overflow');
    const co = this.current;
    this.pushLuaCall(co, fn, this.freeSlot(co), args, -1, true);
    this.nativeDepth++;
    try {
      return this.execute(co, 'nested') as LuaValue[];
    } finally {
      this.nativeDepth--;
    }
  }

  /**
   * Starts `fn` on the main thread as a resumable run: returns its results, or a pause (then
   * `resumeMain()` goes on). Errors propagate as LuaError.
   */
  runMain(fn: LuaClosure, args: LuaValue[]): LuaValue[] | Suspension {
    const co = this.main;
    this.nativeDepth = 0;
    // (An earlier run that failed inside a coroutine may have left another thread current.)
    this.current = co;
    co.state = 'running';
    co.frames.length = 0;
    co.openUpvalues.length = 0;
    co.top = 0;
    this.pushLuaCall(co, fn, 0, args, -1, true);
    return this.execute(co, 'main');
  }

  resumeMain(): LuaValue[] | Suspension {
    return this.execute(this.main, 'main');
  }

  /**
   * pcall / xpcall: calls fn; on a Lua error, unwinds what the call left on the thread and
   * returns [false, error value] (through `handler` first, for xpcall). A ScriptAbort (SCRIPT
   * KILL, a timeout) is not a Lua error and goes through.
   */
  protectedCall(fn: LuaValue, args: LuaValue[], handler: LuaValue | null): LuaValue[] {
    const co = this.current;
    const depth = co.frames.length;
    const top = co.top;
    const nativeDepth = this.nativeDepth;
    try {
      const results = this.call(fn, args);
      return [true, ...results];
    } catch (err) {
      if (!(err instanceof LuaError) || err.uncatchable) throw err;
      co.unwindTo(depth);
      co.top = top;
      this.nativeDepth = nativeDepth;
      // Raised by a native called straight from pcall: no Lua position to add (Lua 5.1 too).
      err.needsPosition = false;
      if (handler === null) return this.caughtByPcall(err.value);
      // xpcall: a handler that fails itself gives Lua 5.1's "error in error handling".
      try {
        return [false, this.call(handler, [err.value])[0]];
      } catch (handlerErr) {
        if (!(handlerErr instanceof LuaError) || handlerErr.uncatchable) throw handlerErr;
        co.unwindTo(depth);
        co.top = top;
        this.nativeDepth = nativeDepth;
        return [false, 'error in error handling'];
      }
    }
  }

  /**
   * What pcall returns for an error `value`. Redis's pcall (redisPcall) turns an error table into
   * its `err` message; a table whose `err` is not text is returned with that field's nil after
   * it (Redis's pcall leaves it on the stack): false, table, nil.
   */
  caughtByPcall(value: LuaValue, redisPcall = this.redisPcall): LuaValue[] {
    if (redisPcall && value instanceof LuaTable) {
      const message = value.getStr('err');
      if (typeof message === 'string' || typeof message === 'number') return [false, message];
      return [false, value, undefined];
    }
    return [false, value];
  }

  /**
   * error()'s position prefix for `level`, found as Lua 5.1's lua_getstack finds a level: the
   * calls of this thread from error() itself (level 0) down, natives included (table.sort under
   * a comparator, pcall under the function it called, the pcall run in the loop under its
   * frame), a Lua function also counting the calls it lost to tail calls. '' when that level is
   * a native function, a lost tail call, or past the bottom of the thread.
   */
  positionOfLevel(level: number): string {
    const co = this.current;
    const frames = co.frames;
    let native = this.nativeCount - 1;
    let index = frames.length - 1;
    let pcallBelow = false;
    let remaining = level;
    for (;;) {
      let call: Frame | null;
      if (pcallBelow) {
        call = null;
        pcallBelow = false;
      } else if (native >= 0 && this.nativeThreads[native] === co && (this.nativeFrameCounts[native] as number) > index) {
        call = null;
        native--;
      } else if (index >= 0) {
        call = frames[index] as Frame;
        pcallBelow = call.protection !== null;
        index -= call.replacesCaller ? 2 : 1;
      } else {
        return '';
      }
      if (remaining === 0) return call === null ? '' : this.where(call);
      remaining -= call === null ? 1 : 1 + call.tailcalls;
      if (remaining < 0) return '';
    }
  }

  /** Whether native `index` was called by Lua code (else by another native function). */
  private calledFromLua(index: number): boolean {
    const count = this.nativeFrameCounts[index] as number;
    if (count === 0) return false;
    const below = index - 1;
    return !(below >= 0 && this.nativeThreads[below] === this.nativeThreads[index] && this.nativeFrameCounts[below] === count);
  }

  /**
   * An error raised while native `index` was the innermost function. luaL_error names the
   * native's caller when that is Lua code (the VM's loop adds that position); an operation's
   * error (a comparison inside table.sort) names none. And Redis's error handler, which looks
   * past the raising native to its caller, finds "=[C]" at line -1 when that is native too.
   */
  private locateNativeError(err: LuaError, index: number): void {
    const fromLua = this.calledFromLua(index);
    if (err.needsPosition && (err.runtime || !fromLua)) err.needsPosition = false;
    if (!fromLua && err.luaLine === null) {
      err.luaLine = -1;
      err.luaSource = '=[C]';
    }
  }

  protected override raised(err: LuaError): LuaError {
    err.raisedUnderNatives = this.nativeCount;
    return err;
  }

  /** Resumes a coroutine with `args` (coroutine.resume). */
  resume(co: CoroutineState, args: LuaValue[]): { ok: true; values: LuaValue[]; done: boolean } | { ok: false; error: LuaValue } {
    if (co.state === 'dead') return { ok: false, error: 'cannot resume dead coroutine' };
    if (co.state !== 'suspended') return { ok: false, error: `cannot resume ${co.state} coroutine` };
    if (this.nativeDepth >= MAX_NATIVE_DEPTH) return { ok: false, error: 'C stack overflow' };
    const previous = this.current;
    previous.state = 'normal';
    this.current = co;
    co.state = 'running';
    this.nativeDepth++;
    try {
      let outcome: LuaValue[] | Suspension;
      const body = co.pendingBody;
      if (body !== undefined) {
        co.pendingBody = undefined;
        if (!(body instanceof LuaClosure)) {
          // A native body runs to completion (it cannot yield).
          outcome = this.call(body, args);
        } else {
          this.pushLuaCall(co, body, 0, args, -1, true);
          outcome = this.execute(co, 'coroutine');
        }
      } else {
        this.deliver(co, args, co.yieldTo, co.yieldWanted);
        outcome = this.execute(co, 'coroutine');
      }
      if (Array.isArray(outcome)) {
        co.state = 'dead';
        return { ok: true, values: outcome, done: true };
      }
      if (outcome.kind === 'pause') throw new Error('a coroutine cannot pause');
      co.state = 'suspended';
      return { ok: true, values: outcome.values, done: false };
    } catch (err) {
      co.state = 'dead';
      if (!(err instanceof LuaError) || err.uncatchable) throw err;
      return { ok: false, error: err.value };
    } finally {
      this.nativeDepth--;
      this.current = previous;
      previous.state = 'running';
    }
  }

  protected callNative(fn: NativeFunction, args: LuaValue[]): LuaValue[] {
    if (this.nativeDepth >= MAX_NATIVE_DEPTH) this.runtimeError('C stack overflow');
    this.nativeDepth++;
    const index = this.nativeCount++;
    const co = this.current;
    this.nativeThreads[index] = co;
    this.nativeFrameCounts[index] = co.frames.length;
    try {
      return fn.body(this, args);
    } catch (err) {
      if (err instanceof LuaError && !err.uncatchable) {
        // An error thrown as is (error(), redis.call's error tables) was raised here.
        if (err.raisedUnderNatives < 0) err.raisedUnderNatives = index + 1;
        if (err.raisedUnderNatives === index + 1) this.locateNativeError(err, index);
      }
      throw err;
    } finally {
      this.nativeDepth--;
      this.nativeCount = index;
    }
  }

  /** Where a call made by native code may put its function: above everything in use. */
  protected freeSlot(co: CoroutineState): number {
    const frame = co.frames[co.frames.length - 1];
    return frame === undefined ? co.top : Math.max(frame.limit, co.top);
  }

  /** Places fn and args at `at` and pushes its frame. */
  protected pushLuaCall(co: CoroutineState, fn: LuaClosure, at: number, args: LuaValue[], wanted: number, boundary: boolean): Frame {
    const stack = co.stack;
    stack[at] = fn;
    for (let i = 0; i < args.length; i++) stack[at + 1 + i] = args[i];
    return this.enter(co, fn, at, args.length, wanted, boundary);
  }

  /** Pushes the frame of a call whose function is at `at` with `nargs` arguments above it. */
  protected enter(co: CoroutineState, fn: LuaClosure, at: number, nargs: number, wanted: number, boundary: boolean): Frame {
    if (co.frames.length >= MAX_LUA_FRAMES) this.runtimeError('stack overflow');
    const proto = fn.proto;
    const base = at + 1;
    const stack = co.stack;
    let varargs: LuaValue[] = NO_VALUES;
    if (proto.isVararg && nargs > proto.params) varargs = stack.slice(base + proto.params, base + nargs);
    // Missing arguments are nil. (Other registers are always written before they are read.)
    for (let i = nargs; i < proto.params; i++) stack[base + i] = undefined;
    if (proto.isVararg && proto.lineDefined !== 0) stack[base + proto.params] = proto.needsArg ? argTable(varargs) : undefined;
    const frame = new Frame(fn, base, varargs, at, wanted, boundary);
    co.frames.push(frame);
    return frame;
  }

  /**
   * Pushes the frame of pcall(f, ...) or xpcall(f, handler), called from Lua with pcall at
   * `slot`: f runs with pcall's arguments, and its frame remembers how to catch an error. Like
   * the C call it stands for, it counts toward the native depth ("C stack overflow").
   */
  protected enterProtected(co: CoroutineState, slot: number, nargs: number, wanted: number, isXpcall: boolean): Frame {
    if (this.nativeDepth >= MAX_NATIVE_DEPTH) this.runtimeError('C stack overflow');
    const stack = co.stack;
    const callee = stack[slot + 1] as LuaClosure;
    const protection = new Protection(isXpcall ? stack[slot + 2] : null, this.nativeDepth, !isXpcall && this.redisPcall);
    const frame = this.enter(co, callee, slot + 1, isXpcall ? 0 : nargs - 1, wanted, false);
    frame.protection = protection;
    this.nativeDepth++;
    return frame;
  }

  /**
   * Starts or continues `target` in the main loop, resumed by `resumer`'s call at `slot`
   * (coroutine.resume or a wrap function, `kind`); the loop then runs `target`'s frames.
   */
  protected resumeInLoop(resumer: CoroutineState, target: CoroutineState, args: LuaValue[], slot: number, wanted: number, kind: 'resume' | 'wrap'): void {
    target.resumer = resumer;
    target.resumeSlot = slot;
    target.resumeWanted = wanted;
    target.resumeKind = kind;
    resumer.state = 'normal';
    target.state = 'running';
    this.current = target;
    // Like lua_resume, a C call: it counts toward "C stack overflow".
    this.nativeDepth++;
    const body = target.pendingBody;
    if (body !== undefined) {
      target.pendingBody = undefined;
      this.pushLuaCall(target, body as LuaClosure, 0, args, -1, true);
    } else {
      this.deliver(target, args, target.yieldTo, target.yieldWanted);
    }
  }

  /**
   * `thread`, resumed in the loop, yielded ('suspended') or ended ('dead'): its resumer runs
   * again, with `values` where its resume call wanted them (after `ok`, for coroutine.resume).
   */
  protected leaveInLoop(thread: CoroutineState, state: 'suspended' | 'dead', values: LuaValue[], ok = true): void {
    const resumer = thread.resumer as CoroutineState;
    thread.resumer = null;
    thread.state = state;
    resumer.state = 'running';
    this.current = resumer;
    this.nativeDepth--;
    this.deliver(resumer, thread.resumeKind === 'resume' ? [ok, ...values] : values, thread.resumeSlot, thread.resumeWanted);
  }

  /** pcall's results at `to`: true, then the `count` values at `from` (above `to`). */
  protected deliverProtected(co: CoroutineState, from: number, count: number, to: number, wanted: number): void {
    const stack = co.stack;
    if (wanted < 0) {
      stack[to] = true;
      for (let i = 0; i < count; i++) stack[to + 1 + i] = stack[from + i];
      co.top = to + 1 + count;
      return;
    }
    if (wanted > 0) stack[to] = true;
    for (let i = 1; i < wanted; i++) stack[to + i] = i - 1 < count ? stack[from + i - 1] : undefined;
  }

  /** Puts `values` at `to`, adjusted to `wanted` (-1: all, and top follows them). */
  protected deliver(co: CoroutineState, values: LuaValue[], to: number, wanted: number): void {
    const stack = co.stack;
    if (wanted < 0) {
      for (let i = 0; i < values.length; i++) stack[to + i] = values[i];
      co.top = to + values.length;
      return;
    }
    for (let i = 0; i < wanted; i++) stack[to + i] = values[i];
  }

  /**
   * Adds "chunk:line: " to an error raised by the running code of `frame`, once, and notes that
   * line and chunk for Redis's suffix ("on @user_script:3.") if nothing closer did.
   */
  protected positioned(err: unknown, frame: Frame): unknown {
    if (err instanceof RangeError) return this.positioned(new LuaError('stack overflow', true), frame);
    if (!(err instanceof LuaError)) return err;
    if (err.luaLine === null) {
      err.luaLine = frame.closure.proto.lines[Math.max(0, frame.pc - 1)] ?? 0;
      err.luaSource = frame.closure.proto.chunkName;
    }
    if (!err.needsPosition) return err;
    err.needsPosition = false;
    err.value = `${this.where(frame)}${String(err.value)}`;
    err.message = err.value;
    return err;
  }

  /** "user_script:3: " for a frame's current instruction. */
  where(frame: Frame): string {
    const proto = frame.closure.proto;
    const line = proto.lines[Math.max(0, frame.pc - 1)] ?? 0;
    return `${chunkId(proto.chunkName)}:${line}: `;
  }
}
