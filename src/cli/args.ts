/**
 * Command-line parsing with util-linux (getopt_long) option forms, on top of Node's util.parseArgs:
 *   -t net  -tnet  --type net  --type=net  -nu (grouped flags)  --notrunc (unique prefix)  --
 * plus what parseArgs lacks: options with an *optional* argument, which (as getopt's "::") take a value
 * only when attached (`--net=FILE`, `-nFILE`), so `enter --net ip a` runs `ip a`; aliases (`--mnt`);
 * a fixed number of positional arguments per command, beyond which a word is an error or starts the
 * command to run (`enter PID ip -s link` passes `-s` to ip); and a suggestion for a mistyped option.
 */
import { parseArgs } from 'node:util';
import { NS_OPTION, type NsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';

export type OptionKind = 'boolean' | 'string' | 'optional';

export interface OptionSpec {
  short?: string;
  kind: OptionKind;
  /** Repeatable: values collect into an array (strings) or a count (booleans). */
  multiple?: boolean;
  /** Other long spellings of the same option (`--mnt` for `--mount`); values go under the spec's name. */
  aliases?: string[];
}

export type OptionSpecs = Record<string, OptionSpec>;

export type OptionValue = boolean | string | string[] | number;

export interface ParsedArgs {
  /** Option name -> value. An `optional` option given without a value is `true`. */
  values: Record<string, OptionValue | undefined>;
  positionals: string[];
  /** The command's words (only with ParseOptions.command): from the word after the last positional
   *  slot, or what `--` leaves after filling the positional slots. */
  rest: string[];
  /** True when `--` was given. */
  dashdash: boolean;
}

export interface ParseOptions {
  /** How many positional arguments the command takes (default 0). One more is an error, unless `command`. */
  positionals?: number;
  /** The command runs a COMMAND: once the positional slots are full, the next non-option word and
   *  everything after it go to `rest` untouched (`enter PID ip -s link` passes `-s` to ip). */
  command?: boolean;
}

/** Long names that can be typed (a name starting with '-' stands for a short letter only), each with
 *  the option it spells. */
function longNames(specs: OptionSpecs): Map<string, string> {
  const names = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) {
    if (name.startsWith('-')) continue;
    names.set(name, name);
    for (const alias of spec.aliases ?? []) names.set(alias, name);
  }
  return names;
}

/** Edit distance with adjacent transpositions (optimal string alignment): `moutn` is 1 from `mount`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The known words nearest to a mistyped one, when near enough to be a typo (about one edit in three). */
export function nearest(typed: string, known: Iterable<string>): string[] {
  const limit = Math.max(1, Math.floor(typed.length / 3));
  let best = Infinity;
  let found: string[] = [];
  for (const word of known) {
    // Long inputs cannot be near any name: skip the quadratic work (a fuzzer's 100 kB word).
    if (Math.abs(word.length - typed.length) > limit) continue;
    const d = editDistance(typed, word);
    if (d > limit || d > best) continue;
    if (d < best) [best, found] = [d, []];
    if (!found.includes(word)) found.push(word);
  }
  return found;
}

/** ` did you mean '--a'?` (or '--a' or '--b'), or nothing. */
function suggestion(candidates: string[], prefix: string): string {
  if (candidates.length === 0) return '';
  return `; did you mean ${candidates.map((c) => `'${prefix}${c}'`).join(' or ')}?`;
}

/** An unknown long option `arg` (as typed, `=value` and all, as getopt quotes it), with the nearest
 *  known name when it looks like a typo. */
export function unrecognizedOption(arg: string, known: Iterable<string>): TsnsError {
  const name = arg.replace(/^--/, '').split('=')[0];
  return new TsnsError(`unrecognized option '${arg}'${suggestion(nearest(name, known), '--')}`);
}

/** `--name[=value]` (name unique prefix or alias) -> `--canonical[=value]`, as getopt_long resolves it. */
function expandLongPrefix(arg: string, names: Map<string, string>): string {
  const eq = arg.indexOf('=');
  const name = arg.slice(2, eq < 0 ? undefined : eq);
  const value = eq < 0 ? '' : arg.slice(eq);
  const exact = names.get(name);
  if (exact) return `--${exact}${value}`;
  // Names starting with '-' stand for short letters (`-m` beside --mount=FILE): never typed as long.
  if (name.startsWith('-') || name === '') throw new TsnsError(`unrecognized option '${arg}'`);
  // Prefixes of two spellings of one option (--mnt, --mount) are not ambiguous, as in getopt_long.
  const matches = [...new Set([...names].filter(([n]) => n.startsWith(name)).map(([, canonical]) => canonical))];
  if (matches.length === 1) return `--${matches[0]}${value}`;
  if (matches.length > 1) throw new TsnsError(`option '${arg}' is ambiguous; possibilities: ${matches.map((m) => `'--${m}'`).join(' ')}`);
  throw unrecognizedOption(arg, names.keys());
}

/**
 * Rewrite short groups so parseArgs sees them the getopt way: `-nFILE` for an optional-argument
 * option becomes `--net=FILE`; an unknown short letter is reported as getopt does.
 */
function rewriteShortGroup(arg: string, specs: OptionSpecs, byShort: Map<string, string>): string[] {
  const out: string[] = [];
  for (let i = 1; i < arg.length; i++) {
    const ch = arg[i];
    const long = byShort.get(ch);
    if (!long) throw new TsnsError(`invalid option -- '${ch}'`);
    const spec = specs[long];
    const restOfGroup = arg.slice(i + 1);
    if (spec.kind === 'boolean') {
      out.push(`--${long}`);
      continue;
    }
    // Optional argument: only the rest of the group. Required: the rest of the group, or the next
    // word (left for parseArgs).
    out.push(restOfGroup ? `--${long}=${restOfGroup}` : `--${long}`);
    return out;
  }
  return out;
}

/**
 * Parse a command's argv: options anywhere (as GNU getopt permutes them) until `--`, which ends the
 * options; every other word is a positional argument, up to `opts.positionals` of them; beyond that a
 * word starts the COMMAND (`opts.command`) or is an error. One place for every command, so `tsns ls --
 * 4026531840` and `tsns pins extra` mean the same in all of them.
 */
export function parseCommandLine(args: string[], specs: OptionSpecs, opts: ParseOptions = {}): ParsedArgs {
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) if (spec.short) byShort.set(spec.short, name);
  const names = longNames(specs);
  const slots = opts.positionals ?? 0;

  // Pass 1: normalise every option word before `--` to a long form, remembering where words came from.
  const words: string[] = [];
  let rest: string[] = [];
  let dashdash = false;
  const positionals: string[] = [];
  /** A non-option word at `i`: a positional, the start of the command, or one too many. */
  const nonOption = (i: number): boolean => {
    if (positionals.length < slots) {
      positionals.push(args[i]);
      return true;
    }
    if (opts.command) {
      rest = args.slice(i);
      return false;
    }
    throw new TsnsError(`unexpected argument '${args[i]}'`);
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      dashdash = true;
      // What follows is never an option: positional slots first, then the command.
      for (let j = i + 1; j < args.length && nonOption(j); j++);
      break;
    }
    if (arg.startsWith('--')) {
      const expanded = expandLongPrefix(arg, names);
      words.push(expanded);
      const name = expanded.slice(2).split('=')[0];
      // A required argument may be the next word: carry it along untouched.
      if (specs[name].kind === 'string' && !expanded.includes('=') && i + 1 < args.length) words.push(args[++i]);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const rewritten = rewriteShortGroup(arg, specs, byShort);
      words.push(...rewritten);
      const last = rewritten[rewritten.length - 1];
      const name = last.slice(2).split('=')[0];
      if (specs[name].kind === 'string' && !last.includes('=') && i + 1 < args.length) words.push(args[++i]);
      continue;
    }
    if (!nonOption(i)) break;
  }

  // Pass 2: parseArgs validates and splits `--name=value` / `--name value`.
  const parseArgsOptions: Record<string, { type: 'boolean' | 'string'; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    // Optional-argument options are booleans to parseArgs; their `=value` arrives as an inline value.
    parseArgsOptions[name] = { type: spec.kind === 'string' ? 'string' : 'boolean' };
  }
  let tokens;
  try {
    ({ tokens } = parseArgs({ args: words, options: parseArgsOptions, strict: false, allowPositionals: true, tokens: true }));
  } catch (err) {
    throw new TsnsError((err as Error).message);
  }
  const values: Record<string, OptionValue | undefined> = {};
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = specs[token.name];
    let value: string | boolean;
    if (spec.kind === 'string') {
      if (token.value === undefined) throw new TsnsError(`option '--${token.name}' requires an argument`);
      value = token.value;
    } else if (spec.kind === 'boolean') {
      if (token.inlineValue) throw new TsnsError(`option '--${token.name}' doesn't allow an argument`);
      value = true;
    } else {
      value = token.inlineValue && token.value !== undefined ? token.value : true;
    }
    if (spec.multiple) {
      if (spec.kind === 'boolean') values[token.name] = ((values[token.name] as number | undefined) ?? 0) + 1;
      else values[token.name] = [...((values[token.name] as string[] | undefined) ?? []), String(value)];
    } else {
      values[token.name] = value;
    }
  }
  return { values, positionals, rest, dashdash };
}

/** The namespace type's own name as another spelling of its option (`--mnt` for `--mount`). */
export function typeAlias(type: NsType): string[] | undefined {
  return NS_OPTION[type].long === type ? undefined : [type];
}

/** Parse a decimal PID or id; anything else is a `tsns:` error naming what was expected. */
export function parseNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new TsnsError(`invalid ${what}: '${text}'`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new TsnsError(`invalid ${what}: '${text}'`);
  return n;
}
