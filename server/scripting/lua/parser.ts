/**
 * The Lua 5.1 parser: source bytes to the syntax tree of ast.ts, with Lua 5.1's own syntax
 * errors ("user_script:1: unexpected symbol near '<eof>'"), raised at the same token and line.
 *
 * Statements are here, expressions in parser-expressions.ts; the lexer reads tokens on demand
 * (lexer.ts). Besides the grammar the parser enforces what luac 5.1 enforces while reading:
 * `...` only in vararg functions, `break` only inside a loop and, like `return`, only as the
 * last statement of its block, and the limits of 200 nesting levels, 200 locals and 60
 * upvalues per function, 250 registers per expression (parser-function-state.ts and
 * parser-operands.ts keep the bookkeeping those limits need).
 *
 * Lines. Each node carries the line luac 5.1 gives the instruction that can fail for it, which
 * is what runtime errors print. Found with lua5.1, luac5.1 -l and redis-server 7.0:
 * - an operator is emitted once its right operand is read: its line is that of the last token
 *   of the right operand (`1 +\n a` fails on line 2 of those two lines), not the operator's;
 * - a call's line is where its arguments are: the line of its `(` or `{`, or where its string
 *   argument ends;
 * - loads of globals and fields wait until the value is needed: `f(a\n, b)` loads `a` on the
 *   comma's line; `t\n.x` indexes t on x's line (see parser-operands.ts);
 * - an assignment stores all its targets after reading the values: Assign.line is the line of
 *   the last token of the values (and so is an assignment target node's line);
 * - `function a.b()` stores on the line of `function`;
 * - a numeric for checks its start/limit/step ("'for' initial value must be a number") on the
 *   line of `do`: NumericFor.line; a generic for calls its iterator on the line of the first
 *   token after `in`: GenericFor.line;
 * - FunctionExpr.line is luac's linedefined: the `function` keyword's line in a `function`
 *   statement, but for `local function f` and anonymous functions the line of the token after
 *   the name / `function` keyword (normally the `(`); endLine is the line of `end`.
 * - If/While/Repeat/Do/Local/Return/Break/CallStatement and if clauses: the keyword's or the
 *   statement's first line (no instruction of theirs fails).
 * What one line per node cannot say: `o:m "s"` with the string starting on a later line than
 * `m` looks m up (SELF) on m's line but calls on the string's (the node has the call's line);
 * `a .. (b .. c\n)` is one CONCAT on the inner node's line; a keyed table item `[k] = v` is
 * stored ("table index is nil") on the line where v ends, and items carry no line.
 */
import type { Block, CallExpr, Chunk, Expr, FunctionExpr, IndexExpr, MethodCallExpr, NameExpr, Statement } from './ast';
import { Lexer } from './lexer';
import { ExpressionParser, MAX_DEPTH } from './parser-expressions';
import { FunctionState, type FunctionFigures } from './parser-function-state';
import {
  hasMultipleResults,
  operand,
  setOneResult,
  setResults,
  storeTo,
  toAnyRegister,
  toNextRegister,
  goIfTrue,
  type Operand,
} from './parser-operands';
import type { LuaString } from './values';

export type { FunctionFigures } from './parser-function-state';

export interface ParseOptions {
  /**
   * Lua's C-call depth (nCcalls) when the parse starts; the 200-level limits count from it.
   * 0 for a script Redis compiles from C (the default); 1 for loadstring called from a Redis
   * script; 2 for loadstring called from a chunk run by the lua5.1 command.
   */
  cCallDepth?: number;
  /**
   * Reject `[[` inside `[[...]]` as Debian's lua5.1 does (built with LUA_COMPAT_LSTR=1):
   * "nesting of [[...]] is deprecated". Off by default: Redis 7.0's Lua accepts it.
   */
  rejectNestedLongBrackets?: boolean;
  /**
   * Told each function's figures as luac -l prints them (registers, constants, upvalues...)
   * when its `end` is read, then the main chunk's (func null) at the end. For tests.
   */
  onFunction?: (figures: FunctionFigures, func: FunctionExpr | null) => void;
}

/** Parses a chunk. `chunkName` is Lua's: "@user_script", "=stdin", or the source itself. */
export function parse(source: LuaString, chunkName: string, options: ParseOptions = {}): Chunk {
  return new Parser(new Lexer(source, chunkName, options.rejectNestedLongBrackets ?? false), options).chunk(chunkName);
}

function blockFollows(kind: string): boolean {
  return kind === 'else' || kind === 'elseif' || kind === 'end' || kind === 'until' || kind === 'eof';
}

const ASSIGNABLE = new Set(['local', 'upvalue', 'global', 'indexed']);

class Parser extends ExpressionParser {
  constructor(
    lexer: Lexer,
    private readonly options: ParseOptions,
  ) {
    super(lexer, options.cCallDepth ?? 0);
  }

  chunk(name: string): Chunk {
    this.lexer.next();
    const body = this.statements();
    this.check('eof');
    const endLine = this.lexer.lastLine;
    this.options.onFunction?.(this.fs.figures(0), null);
    return { name, body, endLine };
  }

  /** Statements up to the end of a block; a `return` or `break` must end it. */
  private statements(): Block {
    this.enterLevel();
    const body: Statement[] = [];
    let last = false;
    while (!last && !blockFollows(this.kind())) {
      last = this.kind() === 'return' || this.kind() === 'break';
      body.push(this.statement());
      this.testNext(';');
      this.fs.freeReg = this.fs.active.length;
    }
    this.leaveLevel();
    return body;
  }

  /** A block with its own scope. */
  private block(): Block {
    this.fs.enterBlock(false);
    const body = this.statements();
    this.fs.leaveBlock();
    return body;
  }

  private statement(): Statement {
    const line = this.lexer.line;
    switch (this.kind()) {
      case 'if':
        return this.ifStatement(line);
      case 'while': {
        this.lexer.next();
        const condition = this.condition();
        this.fs.enterBlock(true);
        this.checkNext('do');
        const body = this.block();
        this.checkMatch('end', 'while', line);
        this.fs.leaveBlock();
        return { kind: 'While', condition, body, line };
      }
      case 'do': {
        this.lexer.next();
        const body = this.block();
        this.checkMatch('end', 'do', line);
        return { kind: 'Do', body, line };
      }
      case 'for':
        return this.forStatement(line);
      case 'repeat': {
        this.fs.enterBlock(true);
        this.fs.enterBlock(false);
        this.lexer.next();
        const body = this.statements();
        this.checkMatch('until', 'repeat', line);
        const condition = this.condition(); // sees the body's locals
        this.fs.leaveBlock();
        this.fs.leaveBlock();
        return { kind: 'Repeat', body, condition, line };
      }
      case 'function':
        return this.functionStatement(line);
      case 'local':
        this.lexer.next();
        return this.testNext('function') ? this.localFunction(line) : this.localStatement(line);
      case 'return':
        return this.returnStatement(line);
      case 'break':
        this.lexer.next();
        if (!this.fs.insideLoop()) this.lexer.syntaxError('no loop to break');
        return { kind: 'Break', line };
      default:
        return this.expressionStatement(line);
    }
  }

  /** A condition: jumps away when false (a nil constant is taken as false). */
  private condition(): Expr {
    const e = this.expression();
    if (e.place === 'nil') e.place = 'false';
    goIfTrue(this.fs, e);
    return e.node;
  }

  private ifStatement(line: number): Statement {
    const clauses: Array<{ condition: Expr; body: Block; line: number }> = [];
    do {
      const clauseLine = this.lexer.line;
      this.lexer.next();
      const condition = this.condition();
      this.checkNext('then');
      clauses.push({ condition, body: this.block(), line: clauseLine });
    } while (this.kind() === 'elseif');
    let orElse: Block | null = null;
    if (this.testNext('else')) orElse = this.block();
    this.checkMatch('end', 'if', line);
    return { kind: 'If', clauses, orElse, line };
  }

  private forStatement(line: number): Statement {
    this.fs.enterBlock(true);
    this.lexer.next();
    const variable = this.checkName();
    let statement: Statement;
    if (this.kind() === '=') statement = this.numericFor(variable);
    else if (this.kind() === ',' || this.kind() === 'in') statement = this.genericFor(variable);
    else this.lexer.syntaxError("'=' or 'in' expected");
    this.checkMatch('end', 'for', line);
    this.fs.leaveBlock();
    return statement;
  }

  private numericFor(variable: string): Statement {
    for (const hidden of ['(for index)', '(for limit)', '(for step)', variable]) this.fs.declareLocal(hidden);
    this.checkNext('=');
    const start = this.forValue();
    this.checkNext(',');
    const limit = this.forValue();
    let step: Expr | null = null;
    if (this.testNext(',')) {
      step = this.forValue();
    } else {
      this.fs.numberConstant(1);
      this.fs.reserve(1);
    }
    const { body, doLine } = this.forBody(1);
    return { kind: 'NumericFor', variable, start, limit, step, body, line: doLine };
  }

  private forValue(): Expr {
    const e = this.expression();
    toNextRegister(this.fs, e);
    return e.node;
  }

  private genericFor(first: string): Statement {
    const names = [first];
    for (const hidden of ['(for generator)', '(for state)', '(for control)', first]) this.fs.declareLocal(hidden);
    while (this.testNext(',')) {
      const name = this.checkName();
      this.fs.declareLocal(name);
      names.push(name);
    }
    this.checkNext('in');
    const line = this.lexer.line;
    const list = this.expressionList();
    this.adjustAssign(3, list.nodes.length, list.last);
    this.fs.checkStack(3);
    const { body } = this.forBody(names.length);
    return { kind: 'GenericFor', names, iterators: list.nodes, body, line };
  }

  /** `do block` of a for, with the loop's variables in scope; also gives the line of `do`. */
  private forBody(variables: number): { body: Block; doLine: number } {
    this.fs.activateLocals(3); // the hidden state
    this.checkNext('do');
    const doLine = this.lexer.lastLine;
    this.fs.enterBlock(false);
    this.fs.activateLocals(variables);
    this.fs.reserve(variables);
    const body = this.block();
    this.fs.leaveBlock();
    return { body, doLine };
  }

  private functionStatement(line: number): Statement {
    this.lexer.next();
    const target = this.variable();
    const path = [(target.node as NameExpr).name];
    let method: string | null = null;
    while (this.kind() === '.') {
      this.field(target);
      path.push(this.lastFieldName(target));
    }
    if (this.kind() === ':') {
      this.field(target);
      method = this.lastFieldName(target);
    }
    const func = this.functionBody(method !== null, line);
    storeTo(this.fs, target, func);
    return { kind: 'Function', path, method, func: func.node as FunctionExpr, line };
  }

  private lastFieldName(e: Operand): string {
    const key = (e.node as IndexExpr).key;
    return key.kind === 'String' ? key.value : '';
  }

  private localFunction(line: number): Statement {
    const name = this.checkName();
    this.fs.declareLocal(name);
    const target = operand({ kind: 'Name', name, line }, 'local', this.fs.freeReg);
    this.fs.reserve(1);
    this.fs.activateLocals(1);
    const func = this.functionBody(false, this.lexer.line);
    storeTo(this.fs, target, func);
    return { kind: 'LocalFunction', name, func: func.node as FunctionExpr, line };
  }

  private localStatement(line: number): Statement {
    const names: string[] = [];
    do {
      const name = this.checkName();
      this.fs.declareLocal(name);
      names.push(name);
    } while (this.testNext(','));
    let values: Expr[] = [];
    if (this.testNext('=')) {
      const list = this.expressionList();
      values = list.nodes;
      this.adjustAssign(names.length, values.length, list.last);
    } else {
      this.adjustAssign(names.length, 0, operand({ kind: 'Nil', line }, 'void'));
    }
    this.fs.activateLocals(names.length);
    return { kind: 'Local', names, values, line };
  }

  /** Makes `count` values give `wanted`: a last call or `...` fills in, else nils do. */
  private adjustAssign(wanted: number, count: number, last: Operand): void {
    let extra = wanted - count;
    if (hasMultipleResults(last)) {
      extra = Math.max(extra + 1, 0);
      setResults(this.fs, last);
      if (extra > 1) this.fs.reserve(extra - 1);
    } else {
      if (last.place !== 'void') toNextRegister(this.fs, last);
      if (extra > 0) this.fs.reserve(extra);
    }
  }

  private returnStatement(line: number): Statement {
    this.lexer.next();
    if (blockFollows(this.kind()) || this.kind() === ';') return { kind: 'Return', values: [], line };
    const list = this.expressionList();
    if (hasMultipleResults(list.last)) setResults(this.fs, list.last);
    else if (list.nodes.length === 1) toAnyRegister(this.fs, list.last);
    else toNextRegister(this.fs, list.last);
    return { kind: 'Return', values: list.nodes, line };
  }

  /** A call, or an assignment `targets = values`. */
  private expressionStatement(line: number): Statement {
    const first = this.primaryExpression();
    if (first.place === 'call') {
      return { kind: 'CallStatement', call: first.node as CallExpr | MethodCallExpr, line };
    }
    const targets = [first];
    this.checkAssignable(first);
    while (this.testNext(',')) {
      const target = this.primaryExpression();
      if (target.place === 'local') this.avoidConflict(targets, target);
      this.fs.checkLimit(targets.length, MAX_DEPTH - this.depth, 'variables in assignment');
      this.checkAssignable(target);
      targets.push(target);
    }
    this.checkNext('=');
    const list = this.expressionList();
    const storeLine = this.lexer.lastLine;
    let index = targets.length - 1;
    if (list.nodes.length === targets.length) {
      setOneResult(list.last);
      storeTo(this.fs, targets[index] as Operand, list.last);
      index--;
    } else {
      this.adjustAssign(targets.length, list.nodes.length, list.last);
      if (list.nodes.length > targets.length) this.fs.freeReg -= list.nodes.length - targets.length;
    }
    for (; index >= 0; index--) storeTo(this.fs, targets[index] as Operand, operand(list.last.node, 'register', this.fs.freeReg - 1));
    const targetNodes = targets.map((t) => {
      const node = t.node as NameExpr | IndexExpr;
      node.line = storeLine;
      return node;
    });
    return { kind: 'Assign', targets: targetNodes, values: list.nodes, line: storeLine };
  }

  private checkAssignable(e: Operand): void {
    if (!ASSIGNABLE.has(e.place)) this.lexer.syntaxError('syntax error');
  }

  /**
   * `t[i], i = ...` assigns i before t[i] is stored: if an earlier target indexes with the
   * local now assigned, luac copies the local to a new register first.
   */
  private avoidConflict(targets: Operand[], local: Operand): void {
    const copy = this.fs.freeReg;
    let conflict = false;
    for (const target of targets) {
      if (target.place !== 'indexed') continue;
      if (target.register === local.register) {
        target.register = copy;
        conflict = true;
      }
      if (target.key === local.register) {
        target.key = copy;
        conflict = true;
      }
    }
    if (conflict) this.fs.reserve(1);
  }

  protected functionBody(needSelf: boolean, line: number): Operand {
    const parent = this.fs;
    const fs = new FunctionState(parent, line, this.lexer);
    this.fs = fs;
    this.checkNext('(');
    if (needSelf) {
      fs.declareLocal('self');
      fs.activateLocals(1);
    }
    const params = this.parameters();
    this.checkNext(')');
    const body = this.statements();
    const endLine = this.lexer.line;
    this.checkMatch('end', 'function', line);
    this.fs = parent;
    const node: FunctionExpr = { kind: 'FunctionExpr', params, isVararg: fs.isVararg, body, line, endLine };
    this.options.onFunction?.(fs.figures(endLine), node);
    return operand(node, 'relocatable');
  }

  /**
   * The parameter list. A vararg function also gets a local named `arg` after its parameters
   * (5.1's LUA_COMPAT_VARARG, on in Redis's Lua): it holds a table of the extra arguments with
   * their count in `n`, unless the function's own body uses `...`, in which case it is nil.
   */
  private parameters(): string[] {
    const fs = this.fs;
    const params: string[] = [];
    if (this.kind() !== ')') {
      do {
        if (this.kind() === 'name') {
          const name = this.checkName();
          fs.declareLocal(name);
          params.push(name);
        } else if (this.kind() === '...') {
          this.lexer.next();
          fs.declareLocal('arg');
          fs.isVararg = true;
        } else {
          this.lexer.syntaxError("<name> or '...' expected");
        }
      } while (!fs.isVararg && this.testNext(','));
    }
    const count = params.length + (fs.isVararg ? 1 : 0);
    fs.activateLocals(count);
    fs.parameters = fs.active.length - (fs.isVararg ? 1 : 0);
    fs.reserve(fs.active.length);
    return params;
  }
}
