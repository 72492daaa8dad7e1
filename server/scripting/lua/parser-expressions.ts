/**
 * The expression half of the Lua 5.1 parser (parser.ts adds statements and function bodies):
 * recursive descent over the grammar of the reference manual, §2.5 and §8.
 *
 * Binary operators are parsed by precedence climbing: an operator binds when its left priority
 * exceeds the limit of the caller, and its right operand is read with the operator's right
 * priority, which is lower than the left one for the right-associative `..` and `^`. Unary
 * operators read their operand at priority 8, above everything but `^` (10 on its left), so
 * `-2^2` is `-(2^2)` and `2^-3` works.
 *
 * Every operand is followed through parser-operands.ts, which mirrors luac's register use and
 * gives each node the line luac would put on the instruction that can fail for it. The depth
 * counter is Lua's C-call count (nCcalls): each expression level and each block adds one, and
 * passing 200 is "chunk has too many syntax levels", which also keeps deep input from
 * overflowing the JavaScript stack.
 */
import type { BinaryOp, CallExpr, Expr, IndexExpr, MethodCallExpr, NameExpr, TableItem, UnaryOp } from './ast';
import { tokenName, type Lexer, type TokenKind } from './lexer';
import { FunctionState } from './parser-function-state';
import {
  dischargeVariable,
  hasMultipleResults,
  infix,
  makeIndexed,
  makeSelf,
  operand,
  postfix,
  prefix,
  setResults,
  toAnyRegister,
  toNextRegister,
  toOperand,
  toValue,
  type Operand,
} from './parser-operands';

/** LUAI_MAXCCALLS. */
export const MAX_DEPTH = 200;
/** Positional table items are stored 50 at a time (LFIELDS_PER_FLUSH). */
const ITEMS_PER_FLUSH = 50;

/** [left, right] binding priorities. */
const PRIORITY: Record<BinaryOp, readonly [number, number]> = {
  '+': [6, 6], '-': [6, 6], '*': [7, 7], '/': [7, 7], '%': [7, 7],
  '^': [10, 9], '..': [5, 4],
  '==': [3, 3], '~=': [3, 3], '<': [3, 3], '<=': [3, 3], '>': [3, 3], '>=': [3, 3],
  and: [2, 2], or: [1, 1],
};
const UNARY_PRIORITY = 8;

function binaryOperator(kind: TokenKind): BinaryOp | null {
  return Object.prototype.hasOwnProperty.call(PRIORITY, kind) ? (kind as BinaryOp) : null;
}

function unaryOperator(kind: TokenKind): UnaryOp | null {
  return kind === '-' || kind === 'not' || kind === '#' ? kind : null;
}

export abstract class ExpressionParser {
  protected fs: FunctionState;

  constructor(
    protected readonly lexer: Lexer,
    /** Lua's nCcalls: the C-call depth the parse started at, plus the levels entered. */
    protected depth: number,
  ) {
    this.fs = new FunctionState(null, 0, lexer);
    this.fs.isVararg = true;
  }

  /** `(params) block end`, after `function` [name]; its operand is a closure to be placed. */
  protected abstract functionBody(needSelf: boolean, line: number): Operand;

  // ---- tokens -----------------------------------------------------------------------------

  protected kind(): TokenKind {
    return this.lexer.token.kind;
  }

  protected testNext(kind: TokenKind): boolean {
    if (this.lexer.token.kind !== kind) return false;
    this.lexer.next();
    return true;
  }

  protected check(kind: TokenKind): void {
    if (this.lexer.token.kind !== kind) this.lexer.syntaxError(`'${tokenName(kind)}' expected`);
  }

  protected checkNext(kind: TokenKind): void {
    this.check(kind);
    this.lexer.next();
  }

  /** The closing token of a construct opened by `opener` at line `line`. */
  protected checkMatch(closer: TokenKind, opener: TokenKind, line: number): void {
    if (this.testNext(closer)) return;
    if (line === this.lexer.line) this.check(closer);
    this.lexer.syntaxError(`'${tokenName(closer)}' expected (to close '${tokenName(opener)}' at line ${line})`);
  }

  protected checkName(): string {
    this.check('name');
    const name = this.lexer.token.text;
    this.lexer.next();
    return name;
  }

  protected enterLevel(): void {
    if (++this.depth > MAX_DEPTH) this.lexer.fail('chunk has too many syntax levels', null);
  }

  protected leaveLevel(): void {
    this.depth--;
  }

  // ---- expressions ------------------------------------------------------------------------

  protected expression(): Operand {
    return this.subexpression(0);
  }

  /** An expression whose operators bind tighter than `limit`. */
  private subexpression(limit: number): Operand {
    this.enterLevel();
    let e: Operand;
    const unary = unaryOperator(this.kind());
    if (unary !== null) {
      this.lexer.next();
      e = this.subexpression(UNARY_PRIORITY);
      const node: Expr = { kind: 'Unary', op: unary, operand: e.node, line: this.lexer.lastLine };
      prefix(this.fs, unary, e);
      e.node = node;
    } else {
      e = this.simpleExpression();
    }
    for (let op = binaryOperator(this.kind()); op !== null && PRIORITY[op][0] > limit; op = binaryOperator(this.kind())) {
      this.lexer.next();
      infix(this.fs, op, e);
      const right = this.subexpression(PRIORITY[op][1]);
      // luac emits the operation once the right operand is read: its line is that moment's
      const node: Expr = { kind: 'Binary', op, left: e.node, right: right.node, line: this.lexer.lastLine };
      postfix(this.fs, op, e, right);
      e.node = node;
    }
    this.leaveLevel();
    return e;
  }

  private simpleExpression(): Operand {
    const token = this.lexer.token;
    const line = this.lexer.line;
    let e: Operand;
    switch (token.kind) {
      case 'number':
        e = operand({ kind: 'Number', value: token.value, line }, 'number');
        e.value = token.value;
        break;
      case 'string':
        e = this.stringOperand(token.text, line);
        break;
      case 'nil':
        e = operand({ kind: 'Nil', line }, 'nil');
        break;
      case 'true':
        e = operand({ kind: 'True', line }, 'true');
        break;
      case 'false':
        e = operand({ kind: 'False', line }, 'false');
        break;
      case '...':
        if (!this.fs.isVararg) this.lexer.syntaxError("cannot use '...' outside a vararg function");
        e = operand({ kind: 'Vararg', line }, 'vararg');
        break;
      case '{':
        return this.tableConstructor();
      case 'function':
        this.lexer.next();
        return this.functionBody(false, this.lexer.line);
      default:
        return this.primaryExpression();
    }
    this.lexer.next();
    return e;
  }

  protected stringOperand(text: string, line: number): Operand {
    const e = operand({ kind: 'String', value: text, line }, 'constant');
    e.constant = this.fs.stringConstant(text);
    return e;
  }

  /** A name or a parenthesized expression, then any `.x`, `[k]`, `:m(...)` and calls. */
  protected primaryExpression(): Operand {
    let e: Operand;
    if (this.kind() === 'name') {
      e = this.variable();
    } else if (this.kind() === '(') {
      const line = this.lexer.line;
      this.lexer.next();
      e = this.expression();
      this.checkMatch(')', '(', line);
      dischargeVariable(this.fs, e);
      e.node = { kind: 'Paren', expr: e.node, line };
    } else {
      return this.lexer.syntaxError('unexpected symbol');
    }
    for (;;) {
      switch (this.kind()) {
        case '.':
          this.field(e);
          break;
        case '[': {
          toAnyRegister(this.fs, e);
          const key = this.bracketKey();
          const node: IndexExpr = { kind: 'Index', object: e.node, key: key.node, line: this.lexer.lastLine };
          makeIndexed(this.fs, e, key, node);
          break;
        }
        case ':': {
          this.lexer.next();
          const method = this.checkName();
          const object = e.node;
          makeSelf(this.fs, e, this.stringOperand(method, this.lexer.lastLine));
          e = this.callArguments(e, (args, line): MethodCallExpr => ({ kind: 'MethodCall', object, method, args, line }));
          break;
        }
        case '(':
        case 'string':
        case '{': {
          toNextRegister(this.fs, e);
          const callee = e.node;
          e = this.callArguments(e, (args, line): CallExpr => ({ kind: 'Call', callee, args, line }));
          break;
        }
        default:
          return e;
      }
    }
  }

  /** A name: a local, an upvalue, or a global (whose load waits until its value is needed). */
  protected variable(): Operand {
    const name = this.checkName();
    const node: NameExpr = { kind: 'Name', name, line: this.lexer.lastLine };
    const where = this.fs.resolve(name);
    if (where.kind === 'local') return operand(node, 'local', where.register);
    if (where.kind === 'upvalue') return operand(node, 'upvalue');
    this.fs.stringConstant(name);
    const e = operand(node, 'global');
    e.load = node;
    return e;
  }

  /** `.name` after an expression. */
  protected field(e: Operand): void {
    toAnyRegister(this.fs, e);
    this.lexer.next();
    const key = this.stringOperand(this.checkName(), this.lexer.lastLine);
    const node: IndexExpr = { kind: 'Index', object: e.node, key: key.node, line: this.lexer.lastLine };
    makeIndexed(this.fs, e, key, node);
  }

  /** `[expression]`. */
  private bracketKey(): Operand {
    this.lexer.next();
    const key = this.expression();
    toValue(this.fs, key);
    this.checkNext(']');
    return key;
  }

  /** The arguments of a call whose function sits in `f.register`: `(...)`, a string or a table. */
  private callArguments(f: Operand, build: (args: Expr[], line: number) => CallExpr | MethodCallExpr): Operand {
    // a call's line is where its arguments start (luac fixes the CALL there)
    const line = this.lexer.line;
    let args: Expr[];
    let last: Operand;
    switch (this.kind()) {
      case '(':
        if (line !== this.lexer.lastLine) this.lexer.syntaxError('ambiguous syntax (function call x new statement)');
        this.lexer.next();
        if (this.kind() === ')') {
          args = [];
          last = operand({ kind: 'Nil', line }, 'void');
        } else {
          const list = this.expressionList();
          args = list.nodes;
          last = list.last;
          setResults(this.fs, last);
        }
        this.checkMatch(')', '(', line);
        break;
      case '{':
        last = this.tableConstructor();
        args = [last.node];
        break;
      case 'string':
        last = this.stringOperand(this.lexer.token.text, line);
        args = [last.node];
        this.lexer.next();
        break;
      default:
        return this.lexer.syntaxError('function arguments expected');
    }
    const base = f.register;
    if (!hasMultipleResults(last) && last.place !== 'void') toNextRegister(this.fs, last);
    this.fs.freeReg = base + 1;
    return operand(build(args, line), 'call', base);
  }

  /** `e1, e2, ...`: all but the last go to consecutive registers. */
  protected expressionList(): { nodes: Expr[]; last: Operand } {
    let last = this.expression();
    const nodes = [last.node];
    while (this.testNext(',')) {
      toNextRegister(this.fs, last);
      last = this.expression();
      nodes.push(last.node);
    }
    return { nodes, last };
  }

  /**
   * `{ ... }`. Positional items go to registers above the table's and are stored 50 at a time;
   * a keyed item is stored at once. The array size hint does not count a last positional item
   * that gives multiple values (a call or `...`): luac leaves it to SETLIST.
   */
  private tableConstructor(): Operand {
    const line = this.lexer.line;
    const table = operand({ kind: 'Nil', line }, 'relocatable');
    toNextRegister(this.fs, table);
    const tableRegister = table.register;
    this.checkNext('{');
    const items: TableItem[] = [];
    let arrayCount = 0;
    let hashCount = 0;
    let unstored = 0;
    let pending: Operand | null = null;
    do {
      if (this.kind() === '}') break;
      if (pending !== null) {
        toNextRegister(this.fs, pending);
        pending = null;
        if (unstored === ITEMS_PER_FLUSH) {
          this.fs.freeReg = tableRegister + 1;
          unstored = 0;
        }
      }
      if (this.kind() === '[' || (this.kind() === 'name' && this.lexer.peek().kind === '=')) {
        items.push(this.keyedItem());
        hashCount++;
      } else {
        pending = this.expression();
        items.push({ kind: 'Positional', value: pending.node });
        arrayCount++;
        unstored++;
      }
    } while (this.testNext(',') || this.testNext(';'));
    this.checkMatch('}', '{', line);
    if (unstored > 0) {
      if (pending !== null && hasMultipleResults(pending)) {
        setResults(this.fs, pending);
        arrayCount--;
      } else if (pending !== null) {
        toNextRegister(this.fs, pending);
      }
      this.fs.freeReg = tableRegister + 1;
    }
    table.node = { kind: 'Table', items, arrayCount, hashCount, line };
    return table;
  }

  /** `name = value` or `[key] = value` in a constructor. */
  private keyedItem(): TableItem {
    const register = this.fs.freeReg;
    let item: TableItem;
    let key: Operand;
    if (this.kind() === 'name') {
      const name = this.checkName();
      key = this.stringOperand(name, this.lexer.lastLine);
      this.checkNext('=');
      toOperand(this.fs, key);
      const value = this.expression();
      toOperand(this.fs, value);
      item = { kind: 'Named', name, value: value.node };
    } else {
      key = this.bracketKey();
      this.checkNext('=');
      toOperand(this.fs, key);
      const value = this.expression();
      toOperand(this.fs, value);
      item = { kind: 'Keyed', key: key.node, value: value.node };
    }
    this.fs.freeReg = register;
    return item;
  }
}
