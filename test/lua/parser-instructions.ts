/**
 * Which luac 5.1 instructions a syntax tree implies, with the line each node claims, so the
 * tests can compare node lines with `luac5.1 -l` listings. Only instructions that can raise a
 * runtime error (and so whose line a script's error message shows) are listed, in groups:
 *
 *   GETGLOBAL  a global read (a Name that no enclosing scope declares), or the head of a
 *              `function a.b()` name
 *   SETGLOBAL  an assignment to a global, `function f()` with a global f
 *   GETTABLE   an index read (not an assignment target), the inner parts of `function a.b.c()`
 *   SELF       a method call's lookup
 *   CALL       calls and tail calls
 *   ARITH      + - * / % ^ unary - and #, unless folded into a constant (5.1 folds numerals,
 *              never to NaN, never dividing by zero)
 *   CONCAT     one per chain: `a..b..c` is a single CONCAT, on the line of its last `..` node
 *   CMP        == ~= < <= > >=
 *   FORPREP    a numeric for's check of its values
 *   TFORLOOP   a generic for's call of its iterator
 *
 * Functions are listed in luac's order: a function, then its nested functions in source order.
 */
import type { Block, Chunk, Expr, FunctionExpr, Statement } from '../../server/scripting/lua/ast';

export const GROUPS = ['GETGLOBAL', 'SETGLOBAL', 'GETTABLE', 'SELF', 'CALL', 'ARITH', 'CONCAT', 'CMP', 'FORPREP', 'TFORLOOP'] as const;
export type Group = (typeof GROUPS)[number];
export type LinesByGroup = Record<Group, number[]>;

/** The group of a luac opcode, or null for those not compared. */
export function opcodeGroup(op: string): Group | null {
  switch (op) {
    case 'GETGLOBAL':
    case 'SETGLOBAL':
    case 'GETTABLE':
    case 'SELF':
    case 'CONCAT':
    case 'FORPREP':
    case 'TFORLOOP':
      return op;
    case 'CALL':
    case 'TAILCALL':
      return 'CALL';
    case 'ADD': case 'SUB': case 'MUL': case 'DIV': case 'MOD': case 'POW': case 'UNM': case 'LEN':
      return 'ARITH';
    case 'EQ': case 'LT': case 'LE':
      return 'CMP';
    default:
      return null;
  }
}

export function emptyGroups(): LinesByGroup {
  return Object.fromEntries(GROUPS.map((g) => [g, [] as number[]])) as unknown as LinesByGroup;
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^']);
const COMPARISON = new Set(['==', '~=', '<', '<=', '>', '>=']);

/**
 * What 5.1's code generator knows of an expression at compile time: a number (after constant
 * folding, which never folds to NaN nor divides by zero), another constant that is true or
 * false, or nothing (null). `and`/`or` pass their right operand through when the left one is a
 * constant that makes them do so without a jump (`'t' and 2` is the number 2); `not` flips a
 * constant.
 */
type Known = { kind: 'number'; value: number } | { kind: 'true' } | { kind: 'false' };

function known(e: Expr): Known | null {
  switch (e.kind) {
    case 'Number':
      return { kind: 'number', value: e.value };
    case 'String':
    case 'True':
      return { kind: 'true' };
    case 'Nil':
    case 'False':
      return { kind: 'false' };
    case 'Paren':
      return known(e.expr);
    case 'Unary': {
      const inner = known(e.operand);
      if (e.op === 'not') return inner === null ? null : { kind: inner.kind === 'false' ? 'true' : 'false' };
      if (e.op === '-' && inner?.kind === 'number') return { kind: 'number', value: -inner.value };
      return null;
    }
    case 'Binary': {
      if (e.op === 'and' || e.op === 'or') {
        const left = known(e.left);
        const passes = e.op === 'and' ? left !== null && left.kind !== 'false' : left?.kind === 'false';
        return passes ? known(e.right) : null;
      }
      if (!ARITHMETIC.has(e.op)) return null;
      const a = known(e.left);
      const b = known(e.right);
      if (a?.kind !== 'number' || b?.kind !== 'number') return null;
      const x = a.value;
      const y = b.value;
      let r: number;
      switch (e.op) {
        case '+': r = x + y; break;
        case '-': r = x - y; break;
        case '*': r = x * y; break;
        case '/': if (y === 0) return null; r = x / y; break;
        case '%': if (y === 0) return null; r = x - Math.floor(x / y) * y; break;
        default: r = Math.pow(x, y);
      }
      return Number.isNaN(r) ? null : { kind: 'number', value: r };
    }
    default:
      return null;
  }
}

/** The number an arithmetic expression folds to, or null when luac emits it. */
export function foldedValue(e: Expr): number | null {
  const k = known(e);
  return k?.kind === 'number' ? k.value : null;
}

const unparen = (e: Expr): Expr => (e.kind === 'Paren' ? unparen(e.expr) : e);

export interface ImpliedFunction {
  /** null for the main chunk. */
  func: FunctionExpr | null;
  lines: LinesByGroup;
}

/** The implied instructions of each function of the chunk, in luac's order. */
export function impliedInstructions(chunk: Chunk): ImpliedFunction[] {
  const functions: ImpliedFunction[] = [];
  const scopes: string[][] = [];
  let current = emptyGroups();

  const isGlobal = (name: string): boolean => !scopes.some((scope) => scope.includes(name));
  const declare = (...names: string[]): void => {
    scopes[scopes.length - 1]?.push(...names);
  };

  const visitFunction = (func: FunctionExpr | null, params: string[], isVararg: boolean, body: Block, prefix: string[]): void => {
    const outer = current;
    current = emptyGroups();
    functions.push({ func, lines: current });
    scopes.push([...prefix, ...params, ...(isVararg && prefix[0] !== '(main)' ? ['arg'] : [])]);
    block(body);
    scopes.pop();
    current = outer;
  };
  const visitClosure = (func: FunctionExpr, hasSelf: boolean): void => visitFunction(func, func.params, func.isVararg, func.body, hasSelf ? ['self'] : []);

  const block = (body: Block): void => {
    scopes.push([]);
    statements(body);
    scopes.pop();
  };
  const statements = (body: Block): void => {
    for (const s of body) statement(s);
  };

  const statement = (s: Statement): void => {
    switch (s.kind) {
      case 'Local':
        s.values.forEach(expr);
        declare(...s.names);
        return;
      case 'Assign':
        for (const target of s.targets) {
          if (target.kind === 'Name') {
            if (isGlobal(target.name)) current.SETGLOBAL.push(s.line);
          } else {
            expr(target.object);
            expr(target.key);
          }
        }
        s.values.forEach(expr);
        return;
      case 'CallStatement':
        expr(s.call);
        return;
      case 'Do':
        block(s.body);
        return;
      case 'While':
        expr(s.condition);
        block(s.body);
        return;
      case 'Repeat':
        scopes.push([]);
        statements(s.body);
        expr(s.condition);
        scopes.pop();
        return;
      case 'If':
        for (const clause of s.clauses) {
          expr(clause.condition);
          block(clause.body);
        }
        if (s.orElse !== null) block(s.orElse);
        return;
      case 'NumericFor':
        expr(s.start);
        expr(s.limit);
        if (s.step !== null) expr(s.step);
        current.FORPREP.push(s.line);
        scopes.push([s.variable]);
        block(s.body);
        scopes.pop();
        return;
      case 'GenericFor':
        s.iterators.forEach(expr);
        current.TFORLOOP.push(s.line);
        scopes.push([...s.names]);
        block(s.body);
        scopes.pop();
        return;
      case 'Function': {
        const fields = s.path.length - 1 + (s.method !== null ? 1 : 0);
        const head = s.path[0] ?? '';
        if (fields === 0) {
          if (isGlobal(head)) current.SETGLOBAL.push(s.line);
        } else {
          if (isGlobal(head)) current.GETGLOBAL.push(s.line);
          for (let i = 1; i < fields; i++) current.GETTABLE.push(s.line);
        }
        visitClosure(s.func, s.method !== null);
        return;
      }
      case 'LocalFunction':
        declare(s.name);
        visitClosure(s.func, false);
        return;
      case 'Return':
        s.values.forEach(expr);
        return;
      case 'Break':
        return;
    }
  };

  const expr = (e: Expr): void => {
    switch (e.kind) {
      case 'Name':
        if (isGlobal(e.name)) current.GETGLOBAL.push(e.line);
        return;
      case 'Index':
        expr(e.object);
        expr(e.key);
        current.GETTABLE.push(e.line);
        return;
      case 'Call':
        expr(e.callee);
        e.args.forEach(expr);
        current.CALL.push(e.line);
        return;
      case 'MethodCall':
        expr(e.object);
        current.SELF.push(e.line);
        e.args.forEach(expr);
        current.CALL.push(e.line);
        return;
      case 'Binary':
        expr(e.left);
        expr(e.right);
        if (ARITHMETIC.has(e.op)) {
          if (foldedValue(e) === null) current.ARITH.push(e.line);
        } else if (e.op === '..') {
          const right = unparen(e.right);
          if (!(right.kind === 'Binary' && right.op === '..')) current.CONCAT.push(e.line);
        } else if (COMPARISON.has(e.op)) {
          current.CMP.push(e.line);
        }
        return;
      case 'Unary':
        expr(e.operand);
        if ((e.op === '-' && foldedValue(e) === null) || e.op === '#') current.ARITH.push(e.line);
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
      case 'FunctionExpr':
        visitClosure(e, false);
        return;
      default:
        return;
    }
  };

  visitFunction(null, [], true, chunk.body, ['(main)']);
  for (const f of functions) for (const g of GROUPS) f.lines[g].sort((a, b) => a - b);
  return functions;
}
