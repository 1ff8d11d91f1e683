/**
 * -Q/--filter: the display filter of util-linux 2.40+ (libsmartcols), parsed and evaluated here.
 *
 *   expr  := param | ( expr ) | ! expr | expr && expr | expr || expr | expr OP expr
 *   OP    := == != < <= > >=  (also eq ne lt le gt ge, EQ NE ...)  |  =~ !~ 'extended regex'
 *   param := COLUMN | 42 | 10K (binary size suffix K..Y, optional iB) | 1.5 | "text" | 'text' | true | false
 *   (&& || ! are also and or not, AND OR NOT)
 *
 * As libsmartcols's bison grammar has it, && and || share one precedence and group left to right
 * (a || b && c is (a || b) && c); ! and the comparisons bind tighter, also left to right. && and ||
 * stop early.
 *
 * Values are typed: string, number (unsigned integer), float or boolean; a column has the type of its
 * JSON type (number, else string), a sub-expression is a boolean. A comparison brings both sides to
 * one type: theirs if they agree, else the literal's against a column (PID == "1" compares strings),
 * else the left side's; float rather than number. A string that does not convert (TYPE == 5) is an
 * error. An empty cell is false in number, float and boolean comparisons, and sorts below every
 * string. Strings compare bytewise (strcmp) and lose blanks at both ends, as libsmartcols trims them.
 * A bare param is true when non-empty, non-zero or true. =~ and !~ match an unanchored POSIX extended
 * regex (JavaScript's RegExp, with [[:class:]] translated) against the left side as a string.
 */
import { TsnsError } from '../sys/errors';
import type { Column, RenderContext } from './columns';
import { listSeparator } from './cells';

export type FilterType = 'string' | 'number' | 'float' | 'boolean';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '=~' | '!~';

export type FilterNode =
  | { kind: 'value'; type: FilterType; value: string | number | boolean }
  | { kind: 'column'; name: string }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'compare'; op: CompareOp; left: FilterNode; right: FilterNode; regex?: RegExp };

export interface Filter {
  text: string;
  /** null for an empty expression, which keeps every row. */
  root: FilterNode | null;
  /** Column names the expression reads, as written, each once. */
  columns: readonly string[];
}

/** What a column holds on one row: its type and its value (null for an empty cell). */
export interface FilterCell {
  type: 'string' | 'number';
  value: string | number | null;
}

// ---- Tokens

type TokenKind = '(' | ')' | 'and' | 'or' | 'not' | CompareOp | 'value' | 'name' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  value?: FilterNode;
}

const WORDS: Record<string, TokenKind> = {
  and: 'and',
  AND: 'and',
  or: 'or',
  OR: 'or',
  not: 'not',
  NOT: 'not',
  eq: '==',
  EQ: '==',
  ne: '!=',
  NE: '!=',
  lt: '<',
  LT: '<',
  le: '<=',
  LE: '<=',
  gt: '>',
  GT: '>',
  ge: '>=',
  GE: '>=',
};
const SYMBOLS: Record<string, TokenKind> = { '&&': 'and', '||': 'or', '!': 'not', '(': '(', ')': ')' };
const SIZE_SUFFIXES = 'KMGTPEZY';
const U64_MAX = 2n ** 64n - 1n;

// One token: float | integer with an optional size suffix | name | "string" | 'string' | operator.
const TOKEN =
  /[ \t\n\r\f\v]*(?:(\d+\.\d+)|(\d+)([KMGTPEZY](?:iB)?)?|([a-zA-Z][a-zA-Z_.%:/\-0-9]*)|"([^"\n]*)"|'([^'\n]*)'|(&&|\|\||==|!=|=~|!~|<=|>=|[<>!()]))/y;

/** C isspace() blanks at both ends, as libsmartcols trims strings. */
const trim = (s: string): string => s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');

function tokenize(text: string, fail: (reason: string) => never): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  for (;;) {
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) {
      const rest = text.slice(at).replace(/^[ \t\n\r\f\v]+/, '');
      if (rest === '') break;
      if (rest[0] === '"' || rest[0] === "'") fail(`unterminated string: ${rest}`);
      fail(`syntax error, unexpected character '${rest[0]}'`);
    }
    at = TOKEN.lastIndex;
    const [, float, int, suffix, word, dq, sq, symbol] = m;
    const tokenText = m[0].trimStart();
    if (float !== undefined) tokens.push({ kind: 'value', text: tokenText, value: { kind: 'value', type: 'float', value: Number(float) } });
    else if (int !== undefined) tokens.push({ kind: 'value', text: tokenText, value: { kind: 'value', type: 'number', value: integer(int, suffix, fail) } });
    else if (word === 'true' || word === 'TRUE' || word === 'false' || word === 'FALSE')
      tokens.push({ kind: 'value', text: word, value: { kind: 'value', type: 'boolean', value: word.toLowerCase() === 'true' } });
    else if (word !== undefined) tokens.push(Object.hasOwn(WORDS, word) ? { kind: WORDS[word], text: word } : { kind: 'name', text: word });
    else if (dq !== undefined || sq !== undefined)
      tokens.push({ kind: 'value', text: tokenText, value: { kind: 'value', type: 'string', value: trim(dq ?? sq) } });
    else tokens.push({ kind: SYMBOLS[symbol] ?? (symbol as CompareOp), text: symbol });
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

function integer(digits: string, suffix: string | undefined, fail: (reason: string) => never): number {
  const n = BigInt(digits) * (suffix === undefined ? 1n : 1024n ** BigInt(SIZE_SUFFIXES.indexOf(suffix[0]) + 1));
  if (n > U64_MAX) fail(`"${digits}${suffix ?? ''}" token error: number too large`);
  return Number(n);
}

// ---- Parser (precedence climbing over the two levels of the bison grammar)

const COMPARE_OPS: ReadonlySet<TokenKind> = new Set(['==', '!=', '<', '<=', '>', '>=', '=~', '!~']);

/** Parentheses, `!` and chained comparisons nest the tree this deep at most (the parser and the
 *  evaluator recurse on them); a chain of && and || is walked without recursing, so it may be long. */
const MAX_NESTING = 1000;

/** Parse an expression; a syntax error is a TsnsError `failed to parse "TEXT": REASON`. */
export function parseFilter(text: string): Filter {
  const fail = (reason: string): never => {
    throw new TsnsError(`failed to parse "${text}": ${reason}`);
  };
  const columns: string[] = [];
  if (text === '') return { text, root: null, columns };
  const tokens = tokenize(text, fail);
  let pos = 0;
  const peek = (): Token => tokens[pos];
  const unexpected = (): never => fail(`syntax error, unexpected ${peek().kind === 'end' ? 'end of expression' : `'${peek().text}'`}`);
  let nesting = 0;
  const deeper = (): void => {
    if (++nesting > MAX_NESTING) fail(`expression nested too deeply (more than ${MAX_NESTING} levels)`);
  };

  const logic = (): FilterNode => {
    let left = comparison();
    for (let kind = peek().kind; kind === 'and' || kind === 'or'; kind = peek().kind) {
      pos++;
      left = { kind, left, right: comparison() };
    }
    return left;
  };
  const comparison = (): FilterNode => {
    let left = unary();
    const outer = nesting;
    while (COMPARE_OPS.has(peek().kind)) {
      deeper();
      const op = tokens[pos++].kind as CompareOp;
      const right = unary();
      if (op !== '=~' && op !== '!~') left = { kind: 'compare', op, left, right };
      else if (right.kind !== 'value' || right.type !== 'string') fail(`the right side of ${op} must be a quoted string`);
      else left = { kind: 'compare', op, left, right, regex: compileRegex(right.value as string, fail) };
    }
    nesting = outer;
    return left;
  };
  const unary = (): FilterNode => {
    if (peek().kind !== 'not') return primary();
    pos++;
    deeper();
    const operand = unary();
    nesting--;
    return { kind: 'not', operand };
  };
  const primary = (): FilterNode => {
    const token = peek();
    if (token.kind === '(') {
      pos++;
      deeper();
      const inner = logic();
      if (peek().kind !== ')') unexpected();
      pos++;
      nesting--;
      return inner;
    }
    if (token.kind === 'value') {
      pos++;
      return token.value as FilterNode;
    }
    if (token.kind === 'name') {
      pos++;
      if (!columns.includes(token.text)) columns.push(token.text);
      return { kind: 'column', name: token.text };
    }
    return unexpected();
  };

  const root = logic();
  if (peek().kind !== 'end') unexpected();
  return { text, root, columns };
}

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  xdigit: '0-9A-Fa-f',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
};

/** A POSIX extended regex as a RegExp: bracket expressions get [:class:] translated and a literal backslash. */
function compileRegex(source: string, fail: (reason: string) => never): RegExp {
  let js = '';
  for (let i = 0; i < source.length; i++) {
    if (source[i] === '\\') {
      js += source.slice(i, i + 2);
      i++;
    } else if (source[i] !== '[') {
      js += source[i];
    } else {
      let j = i + 1;
      let set = '[';
      if (source[j] === '^') set += source[j++];
      if (source[j] === ']') set += '\\' + source[j++];
      for (; j < source.length && source[j] !== ']'; j++) {
        const cls = /^\[:([a-z]+):\]/.exec(source.slice(j));
        if (cls && Object.hasOwn(POSIX_CLASSES, cls[1])) {
          set += POSIX_CLASSES[cls[1]];
          j += cls[0].length - 1;
        } else {
          set += source[j] === '\\' ? '\\\\' : source[j];
        }
      }
      js += j < source.length ? set + ']' : source.slice(i); // unterminated: let RegExp say so
      i = j;
    }
  }
  try {
    return new RegExp(js, 's');
  } catch (err) {
    return fail(`invalid regular expression "${source}": ${(err as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /, '')}`);
  }
}

// ---- Evaluation

/** A typed value; null is an empty cell. */
interface Datum {
  type: FilterType;
  value: string | number | boolean | null;
}

const applyError = (reason: string): never => {
  throw new TsnsError(`failed to apply filter: ${reason}`);
};

/** %Lg, as libsmartcols prints a float it compares as a string. */
function formatFloat(x: number): string {
  const exp = Number(x.toExponential(5).split('e')[1]);
  if (x === 0 || (exp >= -4 && exp < 6)) return String(Number(x.toPrecision(6)));
  const [mantissa, e] = x.toExponential(5).split('e');
  return `${mantissa.replace(/\.?0+$/, '')}e${e[0]}${e.slice(1).padStart(2, '0')}`;
}

function cast(d: Datum, type: FilterType, label: string): Datum {
  if (d.type === type || d.value === null) return { type, value: d.value };
  const v = d.value;
  if (typeof v === 'string') {
    if (type === 'boolean') return { type, value: v === '1' || /^true$/i.test(v) || /^[yY]/.test(v) };
    const ok = type === 'number' ? /^\d+$/.test(v) && BigInt(v) <= U64_MAX : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v);
    if (!ok) applyError(`${label}"${v}" is not ${type === 'number' ? 'a number' : 'a float'}`);
    return { type, value: Number(v) };
  }
  const n = typeof v === 'boolean' ? Number(v) : v;
  if (type === 'string') return { type, value: typeof v === 'boolean' ? String(v) : d.type === 'float' ? formatFloat(n) : String(n) };
  if (type === 'boolean') return { type, value: n > 0 };
  return { type, value: type === 'number' ? Math.trunc(n) : n };
}

/** strcmp: UTF-8 byte order, an empty cell below everything. */
function compareStrings(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function holds(op: CompareOp, order: number): boolean {
  switch (op) {
    case '==':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    default:
      return order >= 0;
  }
}

/**
 * Whether a row passes: `cell(name)` gives what the column named in the expression (as written) holds
 * on the row. An unknown name, or a string that does not convert, is a TsnsError.
 */
export function evaluateFilter(filter: Filter, cell: (name: string) => FilterCell | undefined): boolean {
  const lookup = (name: string): FilterCell => cell(name) ?? applyError(`unknown column: ${name}`);
  const typeOf = (n: FilterNode): FilterType => (n.kind === 'value' ? n.type : n.kind === 'column' ? lookup(n.name).type : 'boolean');
  const datum = (n: FilterNode): Datum => {
    if (n.kind === 'value') return n;
    if (n.kind !== 'column') return { type: 'boolean', value: test(n) };
    const { type, value } = lookup(n.name);
    return cast({ type: typeof value === 'number' ? 'number' : 'string', value: typeof value === 'string' ? trim(value) : value }, type, `${n.name} `);
  };
  const label = (n: FilterNode): string => (n.kind === 'column' ? `${n.name} ` : '');
  const test = (n: FilterNode): boolean => {
    switch (n.kind) {
      case 'and':
      case 'or': {
        // a && b || c ... is a tree as deep as the chain is long, all on the left: walk that spine in
        // a loop (recursing only into the right operands), stopping early as && and || do.
        const links: FilterNode[] = [];
        let first: FilterNode = n;
        while (first.kind === 'and' || first.kind === 'or') {
          links.push(first);
          first = first.left;
        }
        let value = test(first);
        for (let i = links.length - 1; i >= 0; i--) {
          const link = links[i] as Extract<FilterNode, { kind: 'and' | 'or' }>;
          value = link.kind === 'and' ? value && test(link.right) : value || test(link.right);
        }
        return value;
      }
      case 'not':
        return !test(n.operand);
      case 'compare':
        break;
      default: {
        const { value } = datum(n);
        return value !== null && value !== '' && value !== 0 && value !== false;
      }
    }
    if (n.regex) {
      const { value } = cast(datum(n.left), 'string', label(n.left));
      return n.regex.test((value as string | null) ?? '') === (n.op === '=~');
    }
    const lt = typeOf(n.left);
    const rt = typeOf(n.right);
    let type = lt;
    if (lt !== rt) {
      if (n.left.kind === 'column' && n.right.kind !== 'column') type = rt;
      if (type === 'number' && (lt === 'float' || rt === 'float')) type = 'float';
    }
    const l = cast(datum(n.left), type, label(n.left)).value;
    const r = cast(datum(n.right), type, label(n.right)).value;
    if (type === 'string') return holds(n.op, compareStrings(l as string | null, r as string | null));
    if (l === null || r === null) return false;
    return holds(n.op, Number(l) - Number(r));
  };
  return filter.root === null || test(filter.root);
}

// ---- Rows of the column registry

/** A filter bound to the column registry, for rows of a listing. */
export interface RowFilter<R = never, N extends string = string> {
  filter: Filter;
  /** The columns it reads (each once): computed for it even when not shown. */
  columns: Column<R, N>[];
  matches(row: R, ctx: RenderContext): boolean;
}

/** What a column holds on a row, as the filter sees it: the cell's text, or its number. */
export function filterCell<R>(column: Column<R>, row: R, ctx: RenderContext): FilterCell {
  const v = column.value(row, ctx);
  const type = column.json === 'number' ? 'number' : 'string';
  if (v === null || v === undefined) return { type, value: null };
  return { type, value: typeof v === 'number' || typeof v === 'string' ? v : v.join(listSeparator(column, ctx)) };
}

/** Parse `text` and bind its names (case-insensitive) to columns; an unknown name is `unknown column: NAME`. */
export function compileRowFilter<R, N extends string>(text: string, lookup: (name: string) => Column<R, N> | undefined): RowFilter<R, N> {
  const filter = parseFilter(text);
  const byName = new Map<string, Column<R, N>>();
  for (const name of filter.columns) {
    const column = lookup(name);
    if (!column) throw new TsnsError(`unknown column: ${name}`);
    byName.set(name, column);
  }
  return {
    filter,
    columns: [...new Set(byName.values())],
    matches: (row, ctx) =>
      evaluateFilter(filter, (name) => {
        const column = byName.get(name);
        return column && filterCell(column, row, ctx);
      }),
  };
}
