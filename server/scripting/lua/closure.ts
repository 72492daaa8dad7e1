/**
 * Lua closures and their upvalues.
 *
 * A closure is a compiled prototype plus the variables it captured from enclosing functions.
 * A captured variable starts "open": it still lives in a register of the enclosing function's
 * frame (a slot of a coroutine's stack), so the enclosing function and the closure see the same
 * slot. When that register goes out of scope (its block ends, or the function returns) the
 * upvalue is "closed": the value moves into the upvalue itself, and every closure that shares it
 * keeps sharing it. This is how
 *
 *   local n = 0
 *   local function inc() n = n + 1 end
 *   inc(); return n          --> 1
 *
 * works, and why each iteration of a loop gets its own copy of a captured loop variable.
 */
import type { Proto } from './opcodes';
import type { LuaTable } from './table';
import { LuaFunction, type LuaValue } from './values';

export class Upvalue {
  /** The stack holding the open variable, or null once closed. */
  stack: LuaValue[] | null;
  value: LuaValue = undefined;

  constructor(
    stack: LuaValue[],
    /** The open variable's absolute stack index. */
    readonly index: number,
  ) {
    this.stack = stack;
  }

  get(): LuaValue {
    return this.stack !== null ? this.stack[this.index] : this.value;
  }

  set(value: LuaValue): void {
    if (this.stack !== null) this.stack[this.index] = value;
    else this.value = value;
  }

  close(): void {
    if (this.stack === null) return;
    this.value = this.stack[this.index];
    this.stack = null;
  }
}

export class LuaClosure extends LuaFunction {
  constructor(
    readonly proto: Proto,
    readonly upvalues: Upvalue[],
    /** The function's environment (Lua 5.1 setfenv/getfenv): where its globals are looked up. */
    public env: LuaTable,
  ) {
    super();
  }

  get name(): string {
    return this.proto.lineDefined === 0 ? 'main chunk' : `function at line ${this.proto.lineDefined}`;
  }
}
