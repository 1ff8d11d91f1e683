/**
 * `tsns __complete SHELL WORDBREAKS LINE`: what the completion scripts (src/cli/completion.ts) call on
 * TAB. LINE is the command line up to the cursor; the answer is one candidate per line for the word
 * being typed (for zsh and fish with a tab and a description). Options come from the command's --help
 * text; values are live: PIDs, container names, pin names, namespace ids, types, columns, files.
 * bash splits words at its COMP_WORDBREAKS (`=`, `:`), so for bash each candidate is cut to the part
 * after the last such character, which is all bash replaces. Never fails loudly: no candidates.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { constants as osConstants, homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { NS_OPTION, NS_TYPES, isNsType } from '../sys/constants';
import { listPids } from '../proc/pids';
import { commandList, helpOf, helpOptions, type HelpOption } from './help';
import { SHELLS } from './completion';

interface Candidate {
  value: string;
  description?: string;
}

type Values = (cur: string) => Candidate[];

/** Shell-like words of the line; the last is the word being typed ('' after a blank). */
export function splitLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  words.push(word);
  return words;
}

const fixed =
  (...values: string[]): Values =>
  () =>
    values.map((value) => ({ value }));

const types: Values = () => NS_TYPES.map((value) => ({ value }));

function comm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

const pids: Values = (cur) =>
  listPids()
    .filter((pid) => String(pid).startsWith(cur))
    .map((pid) => ({ value: String(pid), description: comm(pid) }));

const containers: Values = () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { listContainers } = require('../containers') as typeof import('../containers');
  const out: Candidate[] = [];
  for (const c of listContainers()) {
    if (c.pid === undefined) continue; // only a running container is a target
    out.push({ value: c.name, description: `${c.engine} container, PID ${c.pid}` });
    if (c.id !== c.name) out.push({ value: c.id, description: `${c.engine} container ${c.name}` });
  }
  return out;
};

/** Pins by name (/run/netns/NAME, /run/tsns/TYPE/NAME) and by path. */
function pins(withPaths: boolean): Values {
  return () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { listPins } = require('../pin') as typeof import('../pin');
    const out: Candidate[] = [];
    for (const p of listPins()) {
      const description = `pin of ${p.type}:[${p.ns}]`;
      if (dirname(p.path) === '/run/netns' || dirname(dirname(p.path)) === '/run/tsns') out.push({ value: basename(p.path), description });
      if (withPaths) out.push({ value: p.path, description });
    }
    return out;
  };
}

/** TYPE:[ID] of the namespaces the processes are in, for a word that starts with a type. */
const namespaceIds: Values = (cur) => {
  const type = /^(\w+):/.exec(cur)?.[1];
  if (!type || !isNsType(type)) return [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { scan, processSource } = require('../scan') as typeof import('../scan');
  const model = scan({ types: [type], details: 'none', relations: false, netnsid: false, containers: false, sources: [processSource] });
  return [...model.namespaces.values()].map((ns) => ({ value: `${type}:[${ns.id}]`, description: `${ns.pids.length} processes` }));
};

/** Files and directories under what has been typed, directories with a trailing '/'. */
function files(onlyDirectories: boolean): Values {
  return (cur) => {
    const home = cur === '~' || cur.startsWith('~/') ? homedir() : undefined;
    const typed = cur === '~' ? '~/' : cur;
    const real = home ? home + typed.slice(1) : typed;
    const dir = real.endsWith('/') ? real : dirname(real);
    const prefix = real.endsWith('/') ? '' : basename(real);
    const shownDir = typed.endsWith('/') ? typed : typed.includes('/') ? typed.slice(0, typed.lastIndexOf('/') + 1) : '';
    let entries: string[];
    try {
      entries = readdirSync(dir === '' ? '.' : dir);
    } catch {
      return [];
    }
    const out: Candidate[] = [];
    for (const name of entries.sort()) {
      if (!name.startsWith(prefix) || (name.startsWith('.') && !prefix.startsWith('.'))) continue;
      let isDir = false;
      try {
        isDir = statSync(join(dir === '' ? '.' : dir, name)).isDirectory();
      } catch {
        // a dangling link: a file to offer
      }
      if (onlyDirectories && !isDir) continue;
      out.push({ value: `${shownDir}${name}${isDir ? '/' : ''}` });
    }
    return out;
  };
}

/** Programs on PATH (or files, for a word with a '/'), for the command to run. */
const programs: Values = (cur) => {
  if (cur.includes('/') || cur.startsWith('~')) return files(false)(cur);
  const seen = new Set<string>();
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    try {
      for (const name of readdirSync(dir)) if (name.startsWith(cur)) seen.add(name);
    } catch {
      // not there
    }
  }
  return [...seen].sort().map((value) => ({ value }));
};

function namesIn(file: string): Values {
  return () => {
    try {
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => ({ value: l.split(':')[0] }));
    } catch {
      return [];
    }
  };
}

const signals: Values = () => Object.keys(osConstants.signals).map((value) => ({ value }));

/** A comma-separated column list (`-o NS,TYPE`, `+LIST`): completes its last name. */
function columnList(names: () => string[]): Values {
  return (cur) => {
    const cut = Math.max(cur.lastIndexOf(','), cur.startsWith('+') ? 0 : -1);
    const head = cur.slice(0, cut + 1);
    return names().map((n) => ({ value: `${head}${n}` }));
  };
}

// The registries themselves, loaded only when a column list is completed.
const lsColumns = columnList(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { namespaceColumns } = require('../report/namespace-columns') as typeof import('../report/namespace-columns');
  return namespaceColumns.columns.map((c) => c.name);
});
const pinColumnNames = columnList(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { pinColumns } = require('../report/pin-columns') as typeof import('../report/pin-columns');
  return pinColumns.columns.map((c) => c.name);
});

/** The values each command's options take. */
function optionValues(command: string, option: HelpOption): Values | undefined {
  const nsFile = NS_TYPES.some((t) => NS_OPTION[t].long === option.long);
  switch (command) {
    case 'ls':
      return {
        type: types,
        task: pids,
        output: lsColumns,
        tree: fixed('owner', 'parent', 'process'),
        color: fixed('auto', 'always', 'never'),
        container: containers,
      }[option.long];
    case 'enter':
      if (nsFile) return files(false);
      return { target: pids, setuid: fixed('follow'), setgid: fixed('follow'), root: files(true), wd: files(true), wdns: undefined }[option.long];
    case 'unpin':
      return option.long === 'type' ? types : undefined;
    case 'pins':
      return option.long === 'type' ? types : option.long === 'output' ? pinColumnNames : undefined;
    case 'run':
      if (nsFile) return files(false);
      return {
        'kill-child': signals,
        'mount-proc': files(true),
        'mount-binfmt': files(true),
        propagation: fixed('private', 'shared', 'slave', 'unchanged'),
        root: files(true),
        wd: files(true),
        'map-user': namesIn('/etc/passwd'),
        'map-group': namesIn('/etc/group'),
        'map-users': fixed('auto', 'subids', 'all'),
        'map-groups': fixed('auto', 'subids', 'all'),
        setgroups: fixed('allow', 'deny'),
        setuid: namesIn('/etc/passwd'),
        setgid: namesIn('/etc/group'),
      }[option.long];
    default:
      return undefined;
  }
}

/** Options --help lists with an ARG that are flags all the same (`tsns pin --all DIR`: DIR is a positional). */
const FLAGS_WITH_OPERAND: Record<string, string[]> = { pin: ['all'] };

function takesSeparateValue(command: string, o: HelpOption): boolean {
  return o.arg !== undefined && !o.optionalArg && !(FLAGS_WITH_OPERAND[command] ?? []).includes(o.long);
}

const targets: Values = (cur) => {
  if (cur.includes('/') || cur.startsWith('.') || cur.startsWith('~')) return files(false)(cur);
  if (/^\w+:/.test(cur)) return namespaceIds(cur);
  return [...containers(cur), ...pins(false)(cur), ...pids(cur), ...NS_TYPES.map((t) => ({ value: `${t}:`, description: `a ${t} namespace by id` }))];
};

/** Where the words stand: the options given, the positionals so far, and a `--` with how many came before it. */
interface State {
  seen: Set<string>;
  positionals: number;
  afterDashes: boolean;
  beforeDashes: number;
}

/** enter's first positional is TARGET, unless -t names the process or `--` came before any positional. */
function enterTakesTarget(state: State): boolean {
  return !state.seen.has('target') && (!state.afterDashes || state.beforeDashes > 0);
}

/** What the next positional takes. */
function positionalValues(command: string, state: State): Values | undefined {
  const index = state.positionals;
  const seen = state.seen;
  switch (command) {
    case 'ls':
      return index === 0 ? (cur) => namespaceIdsOfAnyType(cur) : undefined;
    case 'enter': {
      const target = enterTakesTarget(state);
      if (target && index === 0) return targets;
      return index === (target ? 1 : 0) ? programs : files(false);
    }
    case 'pin':
      if (index === 0) return targets;
      if (seen.has('all')) return index === 1 ? files(true) : undefined;
      if (index === 1) return types;
      return index === 2 ? (cur) => [...files(false)(cur), ...(cur.includes('/') ? [] : pins(false)(cur))] : undefined;
    case 'unpin':
      return (cur) => (cur.includes('/') ? files(false)(cur) : pins(true)(cur));
    case 'run':
      return index === 0 ? programs : files(false);
    case 'debug':
      if (index === 0) return targets;
      return index === 1 ? programs : files(false);
    case 'completion':
      return index === 0 ? fixed(...SHELLS) : undefined;
    default:
      return undefined;
  }
}

/** Namespace ids (bare numbers, as `tsns ls NSID` takes them) of the processes' namespaces. */
function namespaceIdsOfAnyType(cur: string): Candidate[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { scan, processSource } = require('../scan') as typeof import('../scan');
  const model = scan({ details: 'none', relations: false, netnsid: false, containers: false, sources: [processSource] });
  return [...model.namespaces.values()].filter((ns) => String(ns.id).startsWith(cur)).map((ns) => ({ value: String(ns.id), description: ns.type }));
}

/** The candidates for the last word of `words` (words[0] is the program). */
export function candidates(words: string[]): Candidate[] {
  const cur = words[words.length - 1];
  const before = words.slice(1, -1);
  const listed = commandList();
  if (before.length === 0) {
    if (cur.startsWith('-')) return [{ value: '--help' }, { value: '--version' }];
    return listed.map((c) => ({ value: c.name, description: c.description }));
  }
  const command = before[0];
  if (!listed.some((c) => c.name === command)) return [];
  const options = helpOptions(helpOf(command));
  const byLong = new Map(options.map((o) => [o.long, o]));
  const byShort = new Map(options.filter((o) => o.short).map((o) => [o.short as string, o]));
  const state: State = { seen: new Set(), positionals: 0, afterDashes: false, beforeDashes: 0 };
  const { seen } = state;
  let valueFor: HelpOption | undefined;
  for (const word of before.slice(1)) {
    if (valueFor) {
      valueFor = undefined;
      continue;
    }
    if (state.afterDashes || !word.startsWith('-') || word === '-') {
      state.positionals++;
      if (!state.afterDashes) state.beforeDashes++;
      continue;
    }
    if (word === '--') {
      state.afterDashes = true;
      continue;
    }
    const option = word.startsWith('--') ? byLong.get(word.slice(2).split('=')[0]) : byShort.get(word[1]);
    if (!option) continue;
    seen.add(option.long);
    const attached = word.startsWith('--') ? word.includes('=') : word.length > 2;
    if (takesSeparateValue(command, option) && !attached) valueFor = option;
  }
  // enter and run take the command's own options after it: past the command, nothing is ours.
  const { positionals, afterDashes } = state;
  const commandStarted =
    (command === 'run' && positionals > 0) ||
    (command === 'debug' && positionals > 1) ||
    (command === 'enter' && positionals > (enterTakesTarget(state) ? 1 : 0));
  if (valueFor) return optionValues(command, valueFor)?.(cur) ?? [];
  if (!afterDashes && !commandStarted && cur.startsWith('--') && cur.includes('=')) {
    const name = cur.slice(2, cur.indexOf('='));
    const option = byLong.get(name);
    const values = option && optionValues(command, option);
    if (!values) return [];
    return values(cur.slice(cur.indexOf('=') + 1)).map((c) => ({ ...c, value: `--${name}=${c.value}` }));
  }
  if (!afterDashes && !commandStarted && cur.startsWith('-')) {
    return options.map((o) => ({ value: `--${o.long}`, description: o.description }));
  }
  return positionalValues(command, state)?.(cur) ?? [];
}

/** The answer for one shell: candidates that start with the word, in the form that shell wants. */
export function complete(shell: string, wordbreaks: string, line: string): string[] {
  const words = splitLine(line);
  const cur = words[words.length - 1];
  const matching = candidates(words).filter((c) => c.value.startsWith(cur));
  const unique = [...new Map(matching.map((c) => [c.value, c])).values()];
  if (shell !== 'bash') return unique.map((c) => (c.description ? `${c.value}\t${c.description.replace(/\s+/g, ' ')}` : c.value));
  // bash replaces only the part of the word after its last word-break character, and inserts it as
  // it is: what the shell would take apart (a blank, a quote) is escaped.
  let cut = -1;
  for (const ch of wordbreaks) if (!/\s/.test(ch)) cut = Math.max(cut, cur.lastIndexOf(ch));
  return unique.map((c) => c.value.slice(cut + 1).replace(/[\s"'\\$`!*?[\]{}()<>|&;#]/g, (ch) => `\\${ch}`));
}

export function run(args: string[]): number {
  const [shell = 'bash', wordbreaks = '', line = ''] = args;
  try {
    const out = complete(shell, wordbreaks, line);
    if (out.length) process.stdout.write(`${out.join('\n')}\n`);
  } catch {
    // A completion that fails offers nothing; the shell goes on.
  }
  return 0;
}
