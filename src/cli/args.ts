/**
 * Command-line parsing with util-linux (getopt_long) option forms, on top of Node's util.parseArgs:
 *   -t net  -tnet  --type net  --type=net  -nu (grouped flags)  --notrunc (unique prefix)  --
 * plus what parseArgs lacks: options with an *optional* argument, which (as getopt's "::") take a value
 * only when attached (`--net=FILE`, `-nFILE`), so `enter --net ip a` runs `ip a`; and commands that
 * stop option parsing at their Nth positional (`enter PID ip -s link` passes `-s` to ip).
 */
import { parseArgs } from 'node:util';
import { TsnsError } from '../sys/errors';

export type OptionKind = 'boolean' | 'string' | 'optional';

export interface OptionSpec {
  short?: string;
  kind: OptionKind;
  /** Repeatable: values collect into an array (strings) or a count (booleans). */
  multiple?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

export type OptionValue = boolean | string | string[] | number;

export interface ParsedArgs {
  /** Option name -> value. An `optional` option given without a value is `true`. */
  values: Record<string, OptionValue | undefined>;
  positionals: string[];
  /** Words after `--` or after the positional that ends option parsing. */
  rest: string[];
  /** True when `--` was given. */
  dashdash: boolean;
}

export interface ParseOptions {
  /** After this many positionals, the next positional and all that follows go to `rest`. */
  stopAfterPositionals?: number;
}

function expandLongPrefix(arg: string, specs: OptionSpecs): string {
  const eq = arg.indexOf('=');
  const name = arg.slice(2, eq < 0 ? undefined : eq);
  // Names starting with '-' stand for short letters (`-m` beside --mount=FILE): never typed as long.
  if (name.startsWith('-')) throw new TsnsError(`unrecognized option '--${name}'`);
  if (name in specs) return arg;
  const matches = Object.keys(specs).filter((n) => n.startsWith(name) && !n.startsWith('-'));
  if (matches.length === 1) return `--${matches[0]}${eq < 0 ? '' : arg.slice(eq)}`;
  if (matches.length > 1) throw new TsnsError(`option '--${name}' is ambiguous; possibilities: ${matches.map((m) => `'--${m}'`).join(' ')}`);
  throw new TsnsError(`unrecognized option '--${name}'`);
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
    if (spec.kind === 'optional') {
      out.push(restOfGroup ? `--${long}=${restOfGroup}` : `--${long}`);
      return out;
    }
    // Required argument: the rest of the group, or the next word (left for parseArgs).
    out.push(restOfGroup ? `--${long}=${restOfGroup}` : `--${long}`);
    return out;
  }
  return out;
}

export function parseCommandLine(args: string[], specs: OptionSpecs, opts: ParseOptions = {}): ParsedArgs {
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) if (spec.short) byShort.set(spec.short, name);

  // Pass 1: normalise every option word before `--` to a long form, remembering where words came from.
  const words: string[] = [];
  let i = 0;
  let positionalsSeen = 0;
  const stopAt = opts.stopAfterPositionals ?? Infinity;
  let rest: string[] = [];
  let dashdash = false;
  const positionals: string[] = [];
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      dashdash = true;
      rest = args.slice(i + 1);
      break;
    }
    if (arg.startsWith('--')) {
      const expanded = expandLongPrefix(arg, specs);
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
    if (positionalsSeen >= stopAt) {
      rest = args.slice(i);
      break;
    }
    positionalsSeen++;
    positionals.push(arg);
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

/** Parse a decimal PID or id; anything else is a `tsns:` error naming what was expected. */
export function parseNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new TsnsError(`invalid ${what}: '${text}'`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new TsnsError(`invalid ${what}: '${text}'`);
  return n;
}
