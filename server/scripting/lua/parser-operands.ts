/**
 * Where the value of an expression is, while the parser reads it: the shadow of luac 5.1's
 * expression descriptors. The parser builds a syntax tree and emits no code, but it follows the
 * code generator's bookkeeping for two observable reasons:
 *
 * 1. Registers. "function or expression too complex" is raised when an expression would need
 *    the 250th register, at the token where luac reserves it; `f(1, 2, ..., 249)` fails, one
 *    argument fewer does not. How many registers are live depends on what each operand is
 *    (a local already sits in its register, a constant may be an instruction operand, a call
 *    result sits where the call was...) and on when luac moves it.
 *
 * 2. Lines. luac stamps each instruction with the line of the last token read when it emits
 *    it, and it emits the load of a global or of a table field lazily: `f(a,\n b)` loads `a`
 *    when it meets the comma, so "attempt to index"-style errors about `a` name line 2. When a
 *    pending load is finally emitted here ("discharged"), its node's line is set to the
 *    lexer's `lastLine`.
 *
 * An Operand is in one `place`:
 *   void         no value (an empty argument list)
 *   nil/true/false, number, constant (a string or number in the constant table)
 *   local        a local variable's register
 *   upvalue      an upvalue (loading it needs a register; it cannot fail)
 *   global       a global not loaded yet (pending: `load` is its node)
 *   indexed      t[k] not loaded yet: `register` holds t, `key` is k as an RK operand
 *   jump         the result of a comparison: a conditional jump, no register yet
 *   relocatable  an instruction whose target register is not chosen yet
 *   register     a value in `register`
 *   call         a call whose results start at `register`
 *   vararg       `...`
 * plus whether jumps into the true/false outcome are pending (after `and` / `or` / `not`).
 */
import type { BinaryOp, Expr, IndexExpr, NameExpr, UnaryOp } from './ast';
import { CONSTANT_BIT, MAX_CONSTANT_OPERAND, type FunctionState } from './parser-function-state';
import { cPow } from './libm';

export type Place =
  | 'void' | 'nil' | 'true' | 'false' | 'number' | 'constant' | 'local' | 'upvalue' | 'global'
  | 'indexed' | 'jump' | 'relocatable' | 'register' | 'call' | 'vararg';

export interface Operand {
  node: Expr;
  place: Place;
  /** local / register: its register; indexed: the table's register; call: the call's base. */
  register: number;
  /** indexed: the key as an RK operand (>= CONSTANT_BIT: a constant). */
  key: number;
  /** constant: its index in the constant table. */
  constant: number;
  /** number: its value (kept for constant folding). */
  value: number;
  trueJumps: boolean;
  falseJumps: boolean;
  /** global / indexed: the node whose load instruction is still to be emitted. */
  load: NameExpr | IndexExpr | null;
  /** relocatable: the instruction it came from, where that matters. */
  producer: 'concat' | 'not' | 'other';
}

export function operand(node: Expr, place: Place, register = 0): Operand {
  return { node, place, register, key: 0, constant: 0, value: 0, trueJumps: false, falseJumps: false, load: null, producer: 'other' };
}

const hasJumps = (e: Operand): boolean => e.trueJumps || e.falseJumps;
export const isNumeral = (e: Operand): boolean => e.place === 'number' && !hasJumps(e);
export const hasMultipleResults = (e: Operand): boolean => e.place === 'call' || e.place === 'vararg';

function setPlace(e: Operand, place: Place, register = 0): void {
  e.place = place;
  e.register = register;
  e.load = null;
  e.producer = 'other';
}

/** Emits a pending load: its node gets the line of this moment. */
function emitLoad(fs: FunctionState, e: Operand): void {
  if (e.load !== null) e.load.line = fs.lexerLastLine();
}

export function freeOperand(fs: FunctionState, e: Operand): void {
  if (e.place === 'register') fs.free(e.register);
}

/** A call or `...` gives one value. */
export function setOneResult(e: Operand): void {
  if (e.place === 'call') setPlace(e, 'register', e.register);
  else if (e.place === 'vararg') setPlace(e, 'relocatable');
}

/** A call or `...` gives a fixed count or all its values; `...` then takes a register. */
export function setResults(fs: FunctionState, e: Operand): void {
  if (e.place === 'vararg') fs.reserve(1);
}

/** Turns a variable into a value: loads of globals, upvalues and fields are emitted now. */
export function dischargeVariable(fs: FunctionState, e: Operand): void {
  switch (e.place) {
    case 'local':
      setPlace(e, 'register', e.register);
      return;
    case 'upvalue':
      setPlace(e, 'relocatable');
      return;
    case 'global':
      emitLoad(fs, e);
      setPlace(e, 'relocatable');
      return;
    case 'indexed':
      fs.free(e.key);
      fs.free(e.register);
      emitLoad(fs, e);
      setPlace(e, 'relocatable');
      return;
    case 'call':
    case 'vararg':
      setOneResult(e);
      return;
    default:
      return;
  }
}

function dischargeTo(fs: FunctionState, e: Operand, register: number): void {
  dischargeVariable(fs, e);
  switch (e.place) {
    case 'number':
      fs.numberConstant(e.value);
      break;
    case 'nil':
    case 'true':
    case 'false':
    case 'constant':
    case 'relocatable':
    case 'register':
      break;
    default:
      return; // void, jump: nothing to move yet
  }
  setPlace(e, 'register', register);
}

function dischargeToAny(fs: FunctionState, e: Operand): void {
  if (e.place !== 'register') {
    fs.reserve(1);
    dischargeTo(fs, e, fs.freeReg - 1);
  }
}

/** Puts the value in `register`, settling pending jumps. */
export function toRegister(fs: FunctionState, e: Operand, register: number): void {
  dischargeTo(fs, e, register);
  setPlace(e, 'register', register);
  e.trueJumps = false;
  e.falseJumps = false;
}

/** Puts the value in a new register on top. */
export function toNextRegister(fs: FunctionState, e: Operand): void {
  dischargeVariable(fs, e);
  freeOperand(fs, e);
  fs.reserve(1);
  toRegister(fs, e, fs.freeReg - 1);
}

/** Puts the value in some register (a local's own will do) and returns it. */
export function toAnyRegister(fs: FunctionState, e: Operand): number {
  dischargeVariable(fs, e);
  if (e.place === 'register') {
    if (!hasJumps(e)) return e.register;
    if (e.register >= fs.active.length) {
      toRegister(fs, e, e.register);
      return e.register;
    }
  }
  toNextRegister(fs, e);
  return e.register;
}

export function toValue(fs: FunctionState, e: Operand): void {
  if (hasJumps(e)) toAnyRegister(fs, e);
  else dischargeVariable(fs, e);
}

/** Makes the value an instruction operand: a constant when it fits, else a register. */
export function toOperand(fs: FunctionState, e: Operand): number {
  toValue(fs, e);
  switch (e.place) {
    case 'number':
    case 'true':
    case 'false':
    case 'nil':
      if (fs.constantCount <= MAX_CONSTANT_OPERAND) {
        e.constant =
          e.place === 'nil' ? fs.nilConstant() : e.place === 'number' ? fs.numberConstant(e.value) : fs.booleanConstant(e.place === 'true');
        setPlace(e, 'constant');
        return e.constant + CONSTANT_BIT;
      }
      break;
    case 'constant':
      if (e.constant <= MAX_CONSTANT_OPERAND) return e.constant + CONSTANT_BIT;
      break;
    default:
      break;
  }
  return toAnyRegister(fs, e);
}

/** `t[k]` with t already in a register. */
export function makeIndexed(fs: FunctionState, table: Operand, key: Operand, node: IndexExpr): void {
  table.key = toOperand(fs, key);
  table.node = node;
  table.place = 'indexed';
  table.load = node;
}

/** `obj:name`: the object and the method go to two new registers. */
export function makeSelf(fs: FunctionState, object: Operand, key: Operand): void {
  toAnyRegister(fs, object);
  freeOperand(fs, object);
  const base = fs.freeReg;
  fs.reserve(2);
  toOperand(fs, key);
  freeOperand(fs, key);
  setPlace(object, 'register', base);
}

/** Stores `value` into the variable `target` (an assignment or a function definition). */
export function storeTo(fs: FunctionState, target: Operand, value: Operand): void {
  switch (target.place) {
    case 'local':
      freeOperand(fs, value);
      toRegister(fs, value, target.register);
      return;
    case 'upvalue':
    case 'global':
      toAnyRegister(fs, value);
      break;
    case 'indexed':
      toOperand(fs, value);
      break;
    default:
      throw new Error(`cannot store into ${target.place}`);
  }
  freeOperand(fs, value);
}

// ---- conditions -------------------------------------------------------------------------

/** Tests a value for a jump: it passes through a register, unless it is a `not` result. */
function jumpOnCondition(fs: FunctionState, e: Operand): void {
  if (e.place === 'relocatable' && e.producer === 'not') return;
  dischargeToAny(fs, e);
  freeOperand(fs, e);
}

/**
 * Code that goes on when the value is true (and jumps out when false). 5.1 tests a constant
 * false (or, in goIfFalse, true) like any value, through a register: only the outcome it
 * cannot take is skipped.
 */
export function goIfTrue(fs: FunctionState, e: Operand): void {
  dischargeVariable(fs, e);
  switch (e.place) {
    case 'constant':
    case 'number':
    case 'true':
      break; // always true: no jump
    case 'jump':
      e.falseJumps = true;
      break;
    default:
      jumpOnCondition(fs, e);
      e.falseJumps = true;
  }
  e.trueJumps = false;
}

export function goIfFalse(fs: FunctionState, e: Operand): void {
  dischargeVariable(fs, e);
  switch (e.place) {
    case 'nil':
    case 'false':
      break; // always false: no jump
    case 'jump':
      e.trueJumps = true;
      break;
    default:
      jumpOnCondition(fs, e);
      e.trueJumps = true;
  }
  e.falseJumps = false;
}

function negate(fs: FunctionState, e: Operand): void {
  dischargeVariable(fs, e);
  switch (e.place) {
    case 'nil':
    case 'false':
      setPlace(e, 'true');
      break;
    case 'constant':
    case 'number':
    case 'true':
      setPlace(e, 'false');
      break;
    case 'jump':
      break;
    case 'relocatable':
    case 'register':
      dischargeToAny(fs, e);
      freeOperand(fs, e);
      setPlace(e, 'relocatable');
      e.producer = 'not';
      break;
    default:
      throw new Error(`cannot negate ${e.place}`);
  }
  const trueJumps = e.trueJumps;
  e.trueJumps = e.falseJumps;
  e.falseJumps = trueJumps;
}

// ---- operators --------------------------------------------------------------------------

type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'unm' | 'len' | '..';

/** Constant folding as 5.1 does it: numerals only, never to NaN, never a division by zero. */
function fold(op: ArithmeticOp, a: Operand, b: Operand): boolean {
  if (!isNumeral(a) || !isNumeral(b)) return false;
  const x = a.value;
  const y = b.value;
  let result: number;
  switch (op) {
    case '+': result = x + y; break;
    case '-': result = x - y; break;
    case '*': result = x * y; break;
    case '/': if (y === 0) return false; result = x / y; break;
    case '%': if (y === 0) return false; result = x - Math.floor(x / y) * y; break;
    case '^': result = cPow(x, y); break;
    case 'unm': result = -x; break;
    default: return false;
  }
  if (Number.isNaN(result)) return false;
  a.value = result;
  return true;
}

function arithmetic(fs: FunctionState, op: ArithmeticOp, a: Operand, b: Operand | null): void {
  if (fold(op, a, b ?? operand(a.node, 'number'))) return;
  const right = b === null ? 0 : toOperand(fs, b);
  toOperand(fs, a);
  if (b !== null && right < CONSTANT_BIT) fs.free(right);
  freeOperand(fs, a);
  setPlace(a, 'relocatable');
  if (op === '..') a.producer = 'concat';
}

function compare(fs: FunctionState, a: Operand, b: Operand): void {
  toOperand(fs, a);
  toOperand(fs, b);
  freeOperand(fs, b);
  freeOperand(fs, a);
  setPlace(a, 'jump');
}

/** A unary operator applied to its parsed operand. */
export function prefix(fs: FunctionState, op: UnaryOp, e: Operand): void {
  switch (op) {
    case '-':
      if (!isNumeral(e)) toAnyRegister(fs, e);
      arithmetic(fs, 'unm', e, null);
      return;
    case '#':
      toAnyRegister(fs, e);
      arithmetic(fs, 'len', e, null);
      return;
    case 'not':
      negate(fs, e);
      return;
  }
}

/** What happens to the left operand once the binary operator is read. */
export function infix(fs: FunctionState, op: BinaryOp, left: Operand): void {
  switch (op) {
    case 'and':
      goIfTrue(fs, left);
      return;
    case 'or':
      goIfFalse(fs, left);
      return;
    case '..':
      toNextRegister(fs, left);
      return;
    case '+': case '-': case '*': case '/': case '%': case '^':
      if (!isNumeral(left)) toOperand(fs, left);
      return;
    default:
      toOperand(fs, left);
  }
}

/** Combines both operands; the result is left in `left`. */
export function postfix(fs: FunctionState, op: BinaryOp, left: Operand, right: Operand): void {
  switch (op) {
    case 'and':
    case 'or': {
      dischargeVariable(fs, right);
      const trueJumps = op === 'or' ? left.trueJumps || right.trueJumps : right.trueJumps;
      const falseJumps = op === 'and' ? left.falseJumps || right.falseJumps : right.falseJumps;
      Object.assign(left, right, { trueJumps, falseJumps });
      return;
    }
    case '..':
      toValue(fs, right);
      if (right.place === 'relocatable' && right.producer === 'concat') {
        // a..b..c is one CONCAT over consecutive registers: extend the right one
        freeOperand(fs, left);
        setPlace(left, 'relocatable');
        left.producer = 'concat';
      } else {
        toNextRegister(fs, right);
        arithmetic(fs, '..', left, right);
      }
      return;
    case '+': case '-': case '*': case '/': case '%': case '^':
      arithmetic(fs, op, left, right);
      return;
    default:
      compare(fs, left, right);
  }
}
