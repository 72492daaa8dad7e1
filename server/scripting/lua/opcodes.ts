/**
 * hashslot's Lua bytecode: what compiler.ts turns a syntax tree into and vm.ts runs. It is our
 * own instruction set, close in spirit to Lua 5.1's register machine: a function's locals and
 * temporaries are registers (slots of the coroutine's stack above the frame's base), and each
 * instruction names its operands by register number.
 *
 *   code: Int32Array, four ints per instruction: [op, a, b, c]
 *   RK(x): x >= 0 is register x, x < 0 is constant -1-x (the constants of the prototype)
 *
 * Why a register machine rather than walking the tree: a script's state must be able to stop
 * between two instructions and go on later (coroutines, and the event loop served while a
 * long script runs, so that SCRIPT KILL arrives). A tree walk keeps its state on the JS stack;
 * here it is a pc and a stack array, which a frame can leave and come back to.
 */
import type { LuaValue } from './values';

export const enum Op {
  /** R[a] = R[b] */
  Move,
  /** R[a] = K[b] */
  LoadK,
  /** R[a..b] = nil */
  LoadNil,
  /** R[a] = (b !== 0) */
  LoadBool,
  /** R[a] = upvalue[b] */
  GetUpval,
  /** upvalue[b] = R[a] */
  SetUpval,
  /** R[a] = env[K[b]] */
  GetGlobal,
  /** env[K[b]] = R[a] */
  SetGlobal,
  /** R[a] = R[b][RK(c)] */
  GetTable,
  /** R[a][RK(b)] = RK(c) */
  SetTable,
  /** R[a] = {} with array size b and hash size c */
  NewTable,
  /** R[a+1] = R[b]; R[a] = R[b][RK(c)] (a method call's self and function) */
  Self,
  /** R[a] = RK(b) op RK(c) */
  Add, Sub, Mul, Div, Mod, Pow,
  /** R[a] = -R[b] / not R[b] / #R[b] */
  Unm, Not, Len,
  /** R[a] = R[b] .. ... .. R[c] */
  Concat,
  /** pc = a */
  Jmp,
  /** R[a] = RK(b) == RK(c), <, <= (as booleans) */
  Eq, Lt, Le,
  /** if not (RK(a) == RK(b)) then pc = c; likewise < and <=; the Not forms jump when it holds */
  JmpUnlessEq, JmpUnlessLt, JmpUnlessLe, JmpIfEq, JmpIfLt, JmpIfLe,
  /** if not R[a] then pc = b / if R[a] then pc = b */
  JmpIfFalse, JmpIfTrue,
  /** call R[a] with R[a+1 .. a+b-1] (b = 0: up to top); results to R[a .. a+c-2] (c = 0: all, sets top) */
  Call,
  /** return R[a](R[a+1 .. a+b-1]) (b = 0: up to top), reusing the frame */
  TailCall,
  /** return R[a .. a+b-2] (b = 0: up to top) */
  Return,
  /** numeric for: R[a] index, R[a+1] limit, R[a+2] step, R[a+3] the loop's variable; jumps to b */
  ForPrep, ForLoop,
  /** generic for: R[a+3 .. a+2+c] = R[a](R[a+1], R[a+2]) */
  TForCall,
  /** if R[a+1] ~= nil then R[a] = R[a+1]; pc = b (R[a] is the control variable) */
  TForLoop,
  /** R[a][c+i] = R[a+i] for 1 <= i <= b (b = 0: up to top) */
  SetList,
  /** close the upvalues of registers >= a */
  Close,
  /** R[a] = a closure of child prototype b */
  Closure,
  /** R[a .. a+b-2] = ... (b = 0: all of them, sets top) */
  Vararg,
}

/** How a closure captures: from the enclosing function's register, or its upvalue. */
export interface UpvalueCapture {
  fromParentRegister: boolean;
  index: number;
  name: string;
}

/**
 * What an operand of a failing instruction was, for error messages as Lua 5.1 words them:
 * "attempt to call global 'f' (a nil value)", "attempt to index field 'x' (a nil value)".
 */
export interface OperandName {
  kind: 'global' | 'local' | 'upvalue' | 'field' | 'method';
  name: string;
}

/** A compiled function. */
export interface Proto {
  code: Int32Array;
  constants: LuaValue[];
  protos: Proto[];
  upvalues: UpvalueCapture[];
  /** Source line of each instruction (by instruction index). */
  lines: Int32Array;
  /** Names of the operands of instructions that can fail: [instruction index] → [a, b, c] names. */
  operandNames: Map<number, Array<OperandName | null>>;
  params: number;
  isVararg: boolean;
  /** Give the hidden local `arg` (register `params`) a table of the extra arguments. */
  needsArg: boolean;
  /** Registers this function needs. */
  maxStack: number;
  /** 0 for the main chunk, else the line of `function` (Lua names it "function at line N"). */
  lineDefined: number;
  chunkName: string;
}
