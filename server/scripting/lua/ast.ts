/**
 * The syntax tree of a Lua 5.1 chunk, as parser.ts builds it and compiler.ts reads it. Every
 * node that can raise a runtime error carries the source line Lua 5.1 would report for it, so
 * that "user_script:3: attempt to call a nil value" names the same line as redis-server.
 *
 * Names are not resolved here: whether `x` is a local, an upvalue or a global is the compiler's
 * business (it keeps the scopes). Strings are LuaStrings: the bytes of the literal after escapes.
 */
import type { LuaString } from './values';

export interface Chunk {
  /** "@user_script" style chunk name, as given to the parser. */
  readonly name: string;
  readonly body: Block;
  /** Line of the end of the source (the main function's last line, for its implicit return). */
  readonly endLine: number;
}

export type Block = Statement[];

export type Statement =
  | { kind: 'Local'; names: string[]; values: Expr[]; line: number }
  | { kind: 'Assign'; targets: Array<NameExpr | IndexExpr>; values: Expr[]; line: number }
  | { kind: 'CallStatement'; call: CallExpr | MethodCallExpr; line: number }
  | { kind: 'Do'; body: Block; line: number }
  | { kind: 'While'; condition: Expr; body: Block; line: number }
  /** The condition sees the body's locals (Lua 5.1 scoping). */
  | { kind: 'Repeat'; body: Block; condition: Expr; line: number }
  | { kind: 'If'; clauses: Array<{ condition: Expr; body: Block; line: number }>; orElse: Block | null; line: number }
  | { kind: 'NumericFor'; variable: string; start: Expr; limit: Expr; step: Expr | null; body: Block; line: number }
  | { kind: 'GenericFor'; names: string[]; iterators: Expr[]; body: Block; line: number }
  /** `function a.b.c:m() end`: path ['a','b','c'], method 'm' (the function gets `self` first). */
  | { kind: 'Function'; path: string[]; method: string | null; func: FunctionExpr; line: number }
  | { kind: 'LocalFunction'; name: string; func: FunctionExpr; line: number }
  | { kind: 'Return'; values: Expr[]; line: number }
  | { kind: 'Break'; line: number };

export type Expr =
  | { kind: 'Nil'; line: number }
  | { kind: 'True'; line: number }
  | { kind: 'False'; line: number }
  | { kind: 'Number'; value: number; line: number }
  | { kind: 'String'; value: LuaString; line: number }
  | { kind: 'Vararg'; line: number }
  | FunctionExpr
  | NameExpr
  | IndexExpr
  | CallExpr
  | MethodCallExpr
  | { kind: 'Binary'; op: BinaryOp; left: Expr; right: Expr; line: number }
  | { kind: 'Unary'; op: UnaryOp; operand: Expr; line: number }
  /** A parenthesized expression: one value even if the inside gives several (`(f())`). */
  | { kind: 'Paren'; expr: Expr; line: number }
  | TableExpr;

export interface FunctionExpr {
  kind: 'FunctionExpr';
  params: string[];
  isVararg: boolean;
  body: Block;
  /** The line of `function` and of the closing `end`. */
  line: number;
  endLine: number;
}

export interface NameExpr {
  kind: 'Name';
  name: string;
  line: number;
}

/** obj[key]; `a.b` is an Index whose key is the String 'b'. */
export interface IndexExpr {
  kind: 'Index';
  object: Expr;
  key: Expr;
  line: number;
}

export interface CallExpr {
  kind: 'Call';
  callee: Expr;
  args: Expr[];
  line: number;
}

/** obj:method(args) */
export interface MethodCallExpr {
  kind: 'MethodCall';
  object: Expr;
  method: string;
  args: Expr[];
  line: number;
}

/**
 * A table constructor. Items keep their source order; positional items are numbered 1, 2, ...
 * in that order. The counts are the sizes luac passes to the new table (array part: positional
 * items, hash part: the others), which decide its layout and so the order pairs() walks it.
 */
export interface TableExpr {
  kind: 'Table';
  items: TableItem[];
  arrayCount: number;
  hashCount: number;
  line: number;
}

export type TableItem =
  | { kind: 'Positional'; value: Expr }
  | { kind: 'Named'; name: string; value: Expr }
  | { kind: 'Keyed'; key: Expr; value: Expr };

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '^' | '..' | '==' | '~=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';
export type UnaryOp = '-' | 'not' | '#';
