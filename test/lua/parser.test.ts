/*
 * The Lua 5.1 parser on valid programs: a corpus that must parse (and that lua5.1 accepts too),
 * the shape of the tree (precedence, associativity, sugar, table counts), token values (string
 * escapes, long strings, numerals), chunk names, and the lines nodes carry, checked against
 * what lua5.1 reports at run time. Precedence is also checked by evaluating random expressions
 * both in lua5.1 and over the parsed tree.
 */
import t from 'tap';
import type { Chunk, Expr, Statement } from '../../server/scripting/lua/ast';
import { parse } from '../../server/scripting/lua/parser';
import { chunkId } from '../../server/scripting/lua/lexer';
import { haveLua, luaCompileResults, runLua } from './parser-oracle';
import { seededFloats } from '../../storage/random';

const chunk = (source: string): Chunk => parse(source, '@user_script');
/** The first value of `return <source>`. */
const expr = (source: string): Expr => {
  const statement = chunk(`return ${source}`).body[0];
  if (statement?.kind !== 'Return' || statement.values[0] === undefined) throw new Error('no return value');
  return statement.values[0];
};
const first = (source: string): Statement => {
  const statement = chunk(source).body[0];
  if (statement === undefined) throw new Error('no statement');
  return statement;
};

/** A fully parenthesized rendering of an expression. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'Binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'Unary':
      return `(${e.op === 'not' ? 'not ' : e.op}${show(e.operand)})`;
    case 'Name':
      return e.name;
    case 'Number':
      return String(e.value);
    case 'String':
      return JSON.stringify(e.value);
    case 'Paren':
      return `[${show(e.expr)}]`;
    case 'Call':
      return `${show(e.callee)}(${e.args.map(show).join(', ')})`;
    case 'MethodCall':
      return `${show(e.object)}:${e.method}(${e.args.map(show).join(', ')})`;
    case 'Index':
      return `${show(e.object)}[${show(e.key)}]`;
    case 'Vararg':
      return '...';
    case 'Nil':
      return 'nil';
    case 'True':
      return 'true';
    case 'False':
      return 'false';
    case 'Table':
      return `{${e.items.map((i) => (i.kind === 'Positional' ? show(i.value) : i.kind === 'Named' ? `${i.name}=${show(i.value)}` : `[${show(i.key)}]=${show(i.value)}`)).join(', ')}}`;
    case 'FunctionExpr':
      return `function(${[...e.params, ...(e.isVararg ? ['...'] : [])].join(', ')})`;
  }
}

const CORPUS = [
  '',
  'return 1',
  "return redis.call('GET', KEYS[1])",
  `local current = redis.call('INCR', KEYS[1])
if tonumber(current) == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return current`,
  `if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
else
    return 0
end`,
  `local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or ARGV[2])
local now, rate = tonumber(ARGV[1]), tonumber(ARGV[3])
local t = {}
for i, v in ipairs(KEYS) do t[#t + 1] = v .. ':' .. i end
for k = #t, 1, -1 do table.remove(t, k) end
while tokens > 0 and now > 0 do tokens = tokens - rate; now = now - 1 end
repeat local x = tokens until x <= 0
return cjson.encode({ tokens = tokens, keys = t, [1] = 'a'; 'b', })`,
  'local function fact(n) if n <= 1 then return 1 else return n * fact(n - 1) end end return fact(10)',
  'local t = setmetatable({}, { __index = function(t, k) return k end }) return t.x, t:y(), t"z", t{1}, t[[long]]',
  'function a.b.c:m(x, ...) return self, x, ..., arg end',
  'local a, b, c = ... ; local d = select("#", ...) return a, b, c, d',
  'do local x = 1 do local x = x + 1 end end',
  'for i = 1, 10, 2 do if i % 2 == 0 then break end end',
  'while true do break end',
  'repeat local done = true until done',
  'if a then elseif b then elseif c then else end',
  'x, y.z, w[1] = 1, 2, 3, 4',
  'local s = [==[\nline ]] ]=] ]==] return s',
  "return '\\65\\066\\0677', \"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\\'\", 'a\\\nb'",
  'return 0x10, 0XfF, 1e2, 1E-2, .5, 5., 3.25e+1, 0x1p4',
  'return not not x, - - x, # # x, -x ^ 2, 2 ^ -x',
  'return a and b or c, a or b and c, a .. b .. c, a == b ~= c, a < b, a <= b, a > b, a >= b',
  'local t = {} t[1], t[2] = t[2], t[1]',
  'return function(...) return ... end, function() end, function(a, b) end',
  'f{} f"" f[[]] f() f(nil) o:m{} o:m"" o:m()',
  '-- a comment\n--[[ a long\ncomment ]] --[==[ another ]==] return',
  'return;',
  'local x = 1 local y = x',
  '\r\nx = 1\n\rx = 2\r\rx = 3\n\nx = 4',
];

t.test('a corpus of valid programs parses (and lua5.1 agrees)', async (t) => {
  for (const source of CORPUS) t.doesNotThrow(() => chunk(source), JSON.stringify(source.slice(0, 60)));
  if (haveLua) t.same(luaCompileResults(CORPUS), CORPUS.map(() => null), 'lua5.1 compiles them all');
});

t.test('operator precedence and associativity', async (t) => {
  const cases: Array<[string, string]> = [
    ['-2^2', '(-(2 ^ 2))'],
    ['2^-3^2', '(2 ^ (-(3 ^ 2)))'],
    ['2^3^2', '(2 ^ (3 ^ 2))'],
    ['-x^y^z', '(-(x ^ (y ^ z)))'],
    ['not a == b', '((not a) == b)'],
    ['#t + 1', '((#t) + 1)'],
    ['a + b + c', '((a + b) + c)'],
    ['a - b - c', '((a - b) - c)'],
    ['a / b * c % d', '(((a / b) * c) % d)'],
    ['a + b * c', '(a + (b * c))'],
    ['a .. b .. c', '(a .. (b .. c))'],
    ['a + b .. c + d', '((a + b) .. (c + d))'],
    ['a .. b == c', '((a .. b) == c)'],
    ['a < b == c', '((a < b) == c)'],
    ['a or b and c', '(a or (b and c))'],
    ['a and b or c and d', '((a and b) or (c and d))'],
    ['a or b or c', '((a or b) or c)'],
    ['a == b and c ~= d', '((a == b) and (c ~= d))'],
    ['-a .. b', '((-a) .. b)'],
    ['not a .. b', '((not a) .. b)'],
    ['(a + b) * c', '([(a + b)] * c)'],
    ['a.b.c:d(e)[f]', 'a["b"]["c"]:d(e)[f]'],
    ['f(a)(b)"c"{d}', 'f(a)(b)("c")({d})'],
    ['{1, x = 2, [3] = 4; 5}', '{1, x=2, [3]=4, 5}'],
    ['function(a, ...) end', 'function(a, ...)'],
  ];
  for (const [source, shape] of cases) t.equal(show(expr(source)), shape, source);
});

t.test('statement shapes', async (t) => {
  t.match(first('function a.b.c:m(x) end'), { kind: 'Function', path: ['a', 'b', 'c'], method: 'm', func: { params: ['x'], isVararg: false } });
  t.match(first('function f(...) end'), { kind: 'Function', path: ['f'], method: null, func: { params: [], isVararg: true } });
  t.match(first('local function f(a, b) end'), { kind: 'LocalFunction', name: 'f', func: { params: ['a', 'b'] } });
  t.match(first('local a, b = 1'), { kind: 'Local', names: ['a', 'b'], values: [{ kind: 'Number', value: 1 }] });
  t.match(first('a, b.c = 1, 2, 3'), { kind: 'Assign', targets: [{ kind: 'Name' }, { kind: 'Index' }], values: [{}, {}, {}] });
  t.match(first('o:m(1)'), { kind: 'CallStatement', call: { kind: 'MethodCall', method: 'm', args: [{ value: 1 }] } });
  t.match(first('for i = 1, 2 do end'), { kind: 'NumericFor', variable: 'i', step: null });
  t.match(first('for i = 1, 2, 3 do end'), { kind: 'NumericFor', step: { kind: 'Number', value: 3 } });
  t.match(first('for k, v in pairs(t) do end'), { kind: 'GenericFor', names: ['k', 'v'], iterators: [{ kind: 'Call' }] });
  t.match(first('repeat local x until x'), { kind: 'Repeat', body: [{ kind: 'Local' }], condition: { kind: 'Name', name: 'x' } });
  t.match(first('if a then elseif b then else end'), { kind: 'If', clauses: [{ condition: { name: 'a' } }, { condition: { name: 'b' } }], orElse: [] });
  t.match(first('if a then end'), { kind: 'If', orElse: null });
  t.match(first('while x do break end'), { kind: 'While', body: [{ kind: 'Break' }] });
  t.match(first('do return 1, 2 end'), { kind: 'Do', body: [{ kind: 'Return', values: [{}, {}] }] });
  t.match(chunk('return'), { body: [{ kind: 'Return', values: [] }] });
});

t.test('table constructors: the sizes luac gives NEWTABLE', async (t) => {
  const counts = (source: string): [number, number] => {
    const e = expr(source);
    if (e.kind !== 'Table') throw new Error('not a table');
    return [e.arrayCount, e.hashCount];
  };
  t.same(counts('{}'), [0, 0]);
  t.same(counts('{1, 2, 3}'), [3, 0]);
  t.same(counts('{a = 1, [2] = 3, 4}'), [1, 2]);
  t.same(counts('{f()}'), [0, 0], 'a last call fills the array without a size hint');
  t.same(counts('{1, f()}'), [1, 0]);
  t.same(counts('{1, ...}'), [1, 0]);
  t.same(counts('{(f())}'), [1, 0], 'a parenthesized call is one value');
  t.same(counts('{f(), 1}'), [2, 0]);
  t.same(counts('{a = 1, f()}'), [0, 1]);
  t.same(counts('{f(), a = 1}'), [1, 1], 'a call followed by a keyed item is one value');
});

t.test('token values', async (t) => {
  const value = (source: string): unknown => {
    const e = expr(source);
    return e.kind === 'String' || e.kind === 'Number' ? e.value : e.kind;
  };
  t.equal(value("'\\65\\066\\0677'"), 'ABC7');
  t.equal(value('"\\a\\b\\f\\n\\r\\t\\v\\\\\\"\\\'"'), '\x07\b\f\n\r\t\v\\"\'');
  t.equal(value("'\\q\\z\\%'"), 'qz%', 'unknown escapes stand for the char');
  t.equal(value("'a\\\nb'"), 'a\nb');
  t.equal(value("'a\\\r\nb'"), 'a\nb', 'an escaped CR LF is one newline');
  t.equal(value("'\\0\\255'"), '\0\xff');
  t.equal(value("'\xe9\xff'"), '\xe9\xff', 'bytes pass through');
  t.equal(value('[[\nfirst]]'), 'first', 'a first newline is skipped');
  t.equal(value('[[\r\nfirst\r\nsecond\n\rthird\rfourth]]'), 'first\nsecond\nthird\nfourth');
  t.equal(value('[==[a]]b]=]c]==]'), 'a]]b]=]c');
  t.equal(value('0x10'), 16);
  t.equal(value('0xffffffffffffffffff'), 4.722366482869645e21);
  t.equal(value('0x1p4'), 16);
  t.equal(value('1e400'), Infinity);
  t.equal(value('.5'), 0.5);
  t.equal(value('5.'), 5);
  t.equal(value('007'), 7);
  t.equal(value('1e-2'), 0.01);
  t.equal(value('3.25E+1'), 32.5);
  t.equal(value('1\0'), 1, "a NUL byte ends a numeral (5.1's strchr quirk)");
});

t.test('chunk names as luaO_chunkid shows them', async (t) => {
  t.equal(chunkId('@user_script'), 'user_script');
  t.equal(chunkId('=stdin'), 'stdin');
  t.equal(chunkId('x = 1'), '[string "x = 1"]');
  t.equal(chunkId('x = 1\ny = 2'), '[string "x = 1..."]');
  t.equal(chunkId('ab\rcd'), '[string "ab..."]');
  t.equal(chunkId('\nx'), '[string "..."]');
  t.equal(chunkId('a'.repeat(63)), `[string "${'a'.repeat(63)}"]`);
  t.equal(chunkId('a'.repeat(64)), `[string "${'a'.repeat(63)}..."]`);
  t.equal(chunkId('@' + 'n'.repeat(72)), 'n'.repeat(72));
  t.equal(chunkId('@' + 'n'.repeat(73)), '...' + 'n'.repeat(72));
  t.equal(chunkId('=' + 'n'.repeat(100)), 'n'.repeat(79));
  t.throws(() => parse('x = ', 'x = '), { message: `[string "x = "]:1: unexpected symbol near '<eof>'` });
  t.throws(() => parse('x = ', '=stdin'), { message: "stdin:1: unexpected symbol near '<eof>'" });
});

/** The line of the first node of a kind found in a depth-first walk. */
function lineOf(source: string, kind: string, which = 0): number {
  const found: number[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      const node = value as { kind?: string; line?: number };
      if (node.kind === kind && typeof node.line === 'number') found.push(node.line);
      for (const child of Object.values(value)) walk(child);
    }
  };
  walk(chunk(source).body);
  const line = found[which];
  if (line === undefined) throw new Error(`no ${kind} #${which} in ${source}`);
  return line;
}

t.test('node lines: where luac 5.1 reports run-time errors', async (t) => {
  // each line here is what lua5.1 printed for the run-time error of that construct
  t.equal(lineOf('local a = nil\nlocal b = 1 +\n a', 'Binary'), 3, 'arithmetic: the line its right operand ends on');
  t.equal(lineOf('local t = nil\nlocal x = 1 + t\n+ 2', 'Binary', 1), 2, 'the inner sum of a left-leaning chain');
  t.equal(lineOf('local t = nil\nlocal x = t <\n 1', 'Binary'), 3, 'comparison');
  t.equal(lineOf("local t = nil\nlocal x = 'a' .. 'b' ..\n t", 'Binary', 1), 3, 'concatenation');
  t.equal(lineOf('local t = nil\nlocal x = -\nt', 'Unary'), 3, 'unary minus');
  t.equal(lineOf('local t = nil\nlocal x = #\nt', 'Unary'), 3, 'length');
  t.equal(lineOf('local t = nil\nlocal x = t\n.y', 'Index'), 3, 'index');
  t.equal(lineOf('local t = nil\nlocal x = t\n[1]', 'Index'), 3, 'bracket index');
  t.equal(lineOf('local t = {}\nlocal x = (t.y\n)\n.z', 'Index', 0), 4, 'indexing the field is emitted after it');
  t.equal(lineOf('local t = nil\nt\n.y\n = 1', 'Assign'), 4, 'assignment: stored after the values');
  t.equal(lineOf('local t = nil\nt.y = 1,\n 2', 'Assign'), 3);
  t.equal(lineOf('local f = nil\nf{\n}', 'Call'), 2, "a call's line is where its arguments start");
  t.equal(lineOf('local f = nil\nf\n{\n}', 'Call'), 3);
  t.equal(lineOf('local f = nil\nlocal x = f(\n)', 'Call'), 2);
  t.equal(lineOf('local t = {}\nt:m\n"x"', 'MethodCall'), 3);
  t.equal(lineOf('for i = nil,\n 2\n do end', 'NumericFor'), 3, "a numeric for checks its values on the line of 'do'");
  t.equal(lineOf('for k, v in\n nil\n do end', 'GenericFor'), 2, 'a generic for calls its iterator where its list starts');
  t.equal(lineOf('for k, v\n in\n nil\n do end', 'GenericFor'), 3);
  // globals are loaded when their value is needed (what Redis's global protection reports)
  t.equal(lineOf('local a = 1\nreturn f(a,\n  xx\n  , 3)', 'Name', 0), 2, 'the function of a call: at its (');
  t.equal(lineOf('local a = 1\nreturn f(a,\n  xx\n  , 3)', 'Name', 2), 4, 'an argument: at the comma after it');
  t.equal(lineOf('x = a\n< b', 'Name', 0), 2, 'a left operand: at the operator');
  // function lines are luac's linedefined / lastlinedefined
  t.match(first('function f()\nend'), { line: 1, func: { line: 1, endLine: 2 } });
  t.match(first('local function f\n()\nend'), { func: { line: 2, endLine: 3 } });
  t.match(first('x = function\n()\n\nend'), { values: [{ kind: 'FunctionExpr', line: 2, endLine: 4 }] });
  t.equal(chunk('x = 1\ny = 2\n\n').endLine, 2, "the main chunk ends on its last token's line");
});

if (haveLua) {
  t.test('node lines against lua5.1 run-time errors', async (t) => {
    const cases: Array<[string, string, number]> = [
      ['local a = nil\nlocal b = 1 +\n a', 'Binary', 0],
      ['local t = nil\nlocal x = t\n[1]', 'Index', 0],
      ['local t = nil\nt\n.y\n = 1', 'Assign', 0],
      ['local f = nil\nf\n{\n}', 'Call', 0],
      ['for i = 1,\n nil\n do end', 'NumericFor', 0],
      ['for k, v\n in\n nil\n do end', 'GenericFor', 0],
      ['local t = nil\nlocal x = t <\n 1', 'Binary', 0],
    ];
    const program = cases
      .map(([source]) => `print(select(2, pcall(assert(loadstring(${JSON.stringify(source)}, "@s")))))`)
      .join('\n');
    const lines = runLua(program).trim().split('\n');
    cases.forEach(([source, kind, which], i) => {
      const reported = /^s:(\d+):/.exec(lines[i] ?? '');
      t.equal(lineOf(source, kind, which), Number(reported?.[1]), `${JSON.stringify(source)}: ${lines[i]}`);
    });
  });
}

/** Random expressions over numbers and booleans, evaluated by lua5.1 and over the tree. */
t.test('precedence: random expressions evaluate as in lua5.1', { skip: haveLua ? false : 'lua5.1 missing' }, async (t) => {
  const seed = Number(process.env['LUA_PARSER_SEED'] ?? 777);
  t.comment(`seed ${seed}`);
  const random = seededFloats(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // a '-' always gets blanks around it: `1--2` would be a comment
  const spaced = (op: string): string => (random() < 0.5 || /^[a-z-]/.test(op) ? ` ${op} ` : op);
  // powers of two, so that C's pow and Math.pow give the same exact results
  const power = (): string => {
    let s = pick(['n2', 'h', 'n1', 'n0']);
    // a negative exponent only alone: chained, it makes fractional or infinite exponents, which
    // C's pow and Math.pow may round (or, for 1^inf, define) differently
    const count = Math.floor(random() * 3);
    for (let n = count; n > 0; n--) s += `${spaced('^')}${count === 1 ? pick(['', '- ']) : ''}${pick(['n0', 'n1', 'n2', 'n3'])}`;
    return pick(['', '-', '- -']) + s;
  };
  const numeric = (depth: number): string => {
    const choice = depth <= 0 ? 0 : random();
    if (choice < 0.3) return `n${Math.floor(random() * 10)}`;
    if (choice < 0.45) return power();
    if (choice < 0.8) return numeric(depth - 1) + spaced(pick(['+', '-', '*', '/', '%'])) + numeric(depth - 1);
    if (choice < 0.9) return '- ' + numeric(depth - 1);
    return `(${numeric(depth - 1)})`;
  };
  const anyValue = (depth: number): string => {
    const choice = depth <= 0 ? random() * 0.4 : random();
    if (choice < 0.3) return numeric(2);
    if (choice < 0.4) return pick(['true', 'false', 'nil']);
    if (choice < 0.55) return numeric(1) + spaced(pick(['<', '<=', '>', '>='])) + numeric(1);
    if (choice < 0.65) return anyValue(depth - 1) + spaced(pick(['==', '~='])) + anyValue(depth - 1);
    if (choice < 0.85) return anyValue(depth - 1) + spaced(pick(['and', 'or'])) + anyValue(depth - 1);
    if (choice < 0.93) return 'not ' + anyValue(depth - 1);
    return `(${anyValue(depth - 1)})`;
  };
  const sources = Array.from({ length: 400 }, () => anyValue(4));
  // numbers are variables (n0..n9, h = 0.5): literals would be folded by luac, whose constant
  // table shares one slot between 0 and -0
  const program =
    'local n0, n1, n2, n3, n4, n5, n6, n7, n8, n9, h = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0.5\n' +
    'local function show(v) if type(v) == "number" then if v ~= v then return "nan" end return string.format("%.17g", v) end return tostring(v) end\n' +
    sources.map((s) => `print((function(ok, v) return ok and show(v) or "error" end)(pcall(function() return ${s} end)))`).join('\n');
  const printed = runLua(program).trim().split('\n');
  type Value = number | boolean | undefined;
  const num = (v: Value): number => {
    if (typeof v !== 'number') throw new TypeError('arithmetic or comparison on a non-number');
    return v;
  };
  const evaluate = (e: Expr): Value => {
    switch (e.kind) {
      case 'Name':
        return e.name === 'h' ? 0.5 : Number(e.name.slice(1));
      case 'True':
        return true;
      case 'False':
        return false;
      case 'Nil':
        return undefined;
      case 'Paren':
        return evaluate(e.expr);
      case 'Unary': {
        const v = evaluate(e.operand);
        return e.op === 'not' ? v === undefined || v === false : -num(v);
      }
      case 'Binary': {
        if (e.op === 'and') {
          const l = evaluate(e.left);
          return l === undefined || l === false ? l : evaluate(e.right);
        }
        if (e.op === 'or') {
          const l = evaluate(e.left);
          return l === undefined || l === false ? evaluate(e.right) : l;
        }
        const a = evaluate(e.left);
        const b = evaluate(e.right);
        switch (e.op) {
          case '==': return a === b;
          case '~=': return a !== b;
          case '<': return num(a) < num(b);
          case '<=': return num(a) <= num(b);
          case '>': return num(a) > num(b);
          case '>=': return num(a) >= num(b);
        }
        const x = num(a);
        const y = num(b);
        switch (e.op) {
          case '+': return x + y;
          case '-': return x - y;
          case '*': return x * y;
          case '/': return x / y;
          case '%': return x - Math.floor(x / y) * y;
          case '^': return Math.pow(x, y);
          default: throw new Error(`unexpected ${e.op}`);
        }
      }
      default:
        throw new Error(`unexpected ${e.kind}`);
    }
  };
  const render = (v: Value): string => {
    if (typeof v !== 'number') return String(v ?? 'nil');
    return Number.isNaN(v) ? 'nan' : Object.is(v, -0) ? '-0' : String(v);
  };
  const fromLua = (s: string): string => {
    if (s === 'nan' || s === 'true' || s === 'false' || s === 'nil' || s === 'error') return s;
    if (s === '-nan') return 'nan';
    const v = s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s);
    return Object.is(v, -0) ? '-0' : String(v);
  };
  let agree = 0;
  sources.forEach((source, i) => {
    let mine: string;
    try {
      mine = render(evaluate(expr(source)));
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      mine = 'error';
    }
    const lua = fromLua(printed[i] ?? '');
    if (mine === lua) agree++;
    else t.equal(mine, lua, source);
  });
  t.equal(agree, sources.length, `${agree}/${sources.length} expressions agree`);
});
