/**
 * A Lua thread's state: its stack of values, its call frames and its open upvalues. The main
 * script runs on one; every coroutine.create() makes another.
 *
 *   stack:  [ ... caller's registers ... | fn | arg1 arg2 ... (callee's registers: base ...) ]
 *   frames: one Frame per active Lua call, innermost last
 *
 * A Lua-to-Lua call pushes a Frame and the VM's loop goes on with it, without a JS call, so a
 * thread can stop between two instructions (a coroutine.yield, or a pause to serve the event
 * loop while a long script runs) and go on later from exactly the same place.
 */
import type { LuaClosure, Upvalue } from './closure';
import { Coroutine, NativeFunction, type LuaValue } from './values';

export class Frame {
  /** The next instruction to run (saved while another frame runs). */
  pc = 0;

  constructor(
    readonly closure: LuaClosure,
    /** Absolute stack index of register 0. */
    readonly base: number,
    /** The arguments beyond the declared parameters (`...`), when the function is vararg. */
    readonly varargs: LuaValue[],
    /** Where the results go: the absolute index the function was called from. */
    readonly returnTo: number,
    /** How many results the caller wants (-1: all of them, which sets the thread's top). */
    readonly wanted: number,
    /** Returning from this frame returns from the VM loop that pushed it (a call made by native code). */
    readonly boundary: boolean,
  ) {}

  /**
   * Set on the frame of a Lua function that pcall or xpcall called from Lua code: the VM's loop
   * catches an error raised above it here, instead of in a nested run (so a loop under pcall
   * still pauses for the event loop and can be killed).
   */
  protection: Protection | null = null;

  /**
   * How many calls this frame's function lost to tail calls (`return f()` replaces the caller's
   * frame): error()'s levels count them, as Lua 5.1's lua_getstack does.
   */
  tailcalls = 0;

  /**
   * A tail call made from a boundary frame is run as a plain call (the boundary frame must stay
   * to end its loop): the frame below this one is then the replaced caller, which error()'s
   * levels skip.
   */
  replacesCaller = false;

  /** One past the highest register this frame may use: where a nested call may start. */
  get limit(): number {
    return this.base + this.closure.proto.maxStack;
  }
}

/** What a protected frame (pcall/xpcall run in the loop) needs to catch an error. */
export class Protection {
  constructor(
    /** xpcall's message handler; null for pcall. */
    readonly handler: LuaValue | null,
    /** The VM's native depth before the call, restored when the error is caught. */
    readonly nativeDepth: number,
    /** Redis's pcall: an error table is caught as its `err` string. */
    readonly redisPcall: boolean,
  ) {}
}

export type ThreadStatus = 'running' | 'suspended' | 'normal' | 'dead';

export class CoroutineState extends Coroutine {
  readonly stack: LuaValue[] = [];
  readonly frames: Frame[] = [];
  /** One past the last value of the latest multiple results (calls, `...` with "all"). */
  top = 0;
  /** Open upvalues, by ascending stack index. */
  readonly openUpvalues: Upvalue[] = [];
  state: ThreadStatus = 'suspended';
  /** A coroutine not started yet: its body. */
  pendingBody: LuaValue;
  /** Where a yield's resume values go (the yield call's register) and how many are wanted. */
  yieldTo = 0;
  yieldWanted = 0;
  /**
   * Set while the coroutine runs in the VM's main loop, resumed there by Lua code (vm.ts): the
   * thread that resumed it, where in that thread the results go, and how: coroutine.resume's
   * (true, values...) or (false, error), or a wrap function's values (an error is raised again).
   */
  resumer: CoroutineState | null = null;
  resumeSlot = 0;
  resumeWanted = 0;
  resumeKind: 'resume' | 'wrap' = 'resume';

  constructor(body: LuaValue) {
    super();
    this.pendingBody = body;
  }

  status(): ThreadStatus {
    return this.state;
  }

  /** Closes the open upvalues of stack slots >= level (their frames are ending). */
  closeUpvalues(level: number): void {
    const open = this.openUpvalues;
    while (open.length > 0) {
      const last = open[open.length - 1] as Upvalue;
      if (last.index < level) break;
      last.close();
      open.pop();
    }
  }

  /** Drops frames above `depth` after an error unwound them (pcall), closing their upvalues. */
  unwindTo(depth: number): void {
    const first = this.frames[depth];
    if (first !== undefined) this.closeUpvalues(first.base);
    this.frames.length = depth;
  }
}

/** The function coroutine.wrap returns: the VM's loop recognises it and resumes `co` in place. */
export class WrapFunction extends NativeFunction {
  constructor(
    readonly co: CoroutineState,
    body: ConstructorParameters<typeof NativeFunction>[1],
  ) {
    super('wrap', body);
  }
}
