/**
 * `tsns ls [options] [NSID]`: list namespaces, with util-linux 2.42 lsns's options, defaults and output.
 * Reads only what the chosen columns (shown, or read by the -Q filter) and tree need: process details
 * for the PID column's processes, netlink for NETNSID, chalk for --color.
 */
import { NS_TYPES, isNsType, type NsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { parseCommandLine, parseNumber, type OptionSpecs } from './args';
import type { Source } from '../scan/context';
import { namespaceColumns, type ColumnNeed, type NamespaceColumn, type Row } from '../report/namespace-columns';
import type { TreeKind } from '../report/rows';
import { listNamespaces, type NamespaceListing } from '../report/list';
import { timed } from '../profile';
import { renderText, type TextOptions } from '../report/table';
import type * as JsonModule from '../report/json';
import type * as ListColumnsModule from '../report/list-columns';
import type * as FilterModule from '../report/filter';

const specs: OptionSpecs = {
  json: { short: 'J', kind: 'boolean' },
  list: { short: 'l', kind: 'boolean' },
  noheadings: { short: 'n', kind: 'boolean' },
  output: { short: 'o', kind: 'string' },
  'output-all': { kind: 'boolean' },
  persistent: { short: 'P', kind: 'boolean' },
  task: { short: 'p', kind: 'string' },
  filter: { short: 'Q', kind: 'string' },
  raw: { short: 'r', kind: 'boolean' },
  notruncate: { short: 'u', kind: 'boolean' },
  nowrap: { short: 'W', kind: 'boolean' },
  type: { short: 't', kind: 'string', multiple: true },
  tree: { short: 'T', kind: 'optional' },
  'list-columns': { short: 'H', kind: 'boolean' },
  color: { kind: 'optional' },
  container: { kind: 'string' },
  help: { short: 'h', kind: 'boolean' },
  version: { short: 'V', kind: 'boolean' },
};

const usage = `
Usage:
 tsns ls [options] [<namespace>]

List system namespaces.

Options:
 -J, --json             use JSON output format
 -l, --list             use list format output
 -n, --noheadings       don't print headings
 -o, --output <list>    define which output columns to use (+<list> adds to the defaults)
     --output-all       output all columns
 -P, --persistent       namespaces without processes
 -p, --task <pid>       print process namespaces (a thread id: that thread's)
 -Q, --filter <expr>    apply display filter
 -r, --raw              use the raw output format
 -u, --notruncate       don't truncate text in columns
 -W, --nowrap           don't use multi-line representation
 -t, --type <name>      namespace type (mnt, net, ipc, user, pid, uts, cgroup, time)
 -T, --tree[=<rel>]     use tree format (parent, owner, or process)
     --color[=<when>]   colorize output (auto, always, never); honours NO_COLOR and FORCE_COLOR
     --container <name> namespaces of one container (name, id or unique id prefix)

 -H, --list-columns     list the available columns
 -h, --help             display this help
 -V, --version          display version
`;

/** Mutually exclusive pairs, as lsns declares them. */
const EXCLUSIVE: [string, string][] = [
  ['json', 'raw'],
  ['persistent', 'task'],
  ['list', 'tree'],
];

function colorWanted(value: string | boolean | undefined, isTTY: boolean): boolean {
  const mode = value === undefined || value === true ? 'auto' : String(value);
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (mode !== 'auto') throw new TsnsError(`unsupported color mode: ${mode}`);
  if (process.env.NO_COLOR) return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  return isTTY;
}

function utf8Locale(): boolean {
  const env = process.env;
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}

function parseTree(value: string | boolean): TreeKind {
  if (value === true) return 'owner';
  const rel = String(value).replace(/^=/, '');
  if (rel === 'owner' || rel === 'parent' || rel === 'process') return rel;
  throw new TsnsError(`unknown tree type: ${rel}`);
}

export interface LsPlan {
  types: readonly NsType[];
  columns: NamespaceColumn[];
  tree: TreeKind;
  nsid?: number;
  task?: number;
  container?: string;
  persistent: boolean;
  format: 'table' | 'raw' | 'json';
  noHeadings: boolean;
  noTruncate: boolean;
  noWrap: boolean;
  color: boolean;
  /** -Q: rows must pass it; the columns it reads are computed even when not shown. */
  filter?: FilterModule.RowFilter<Row, ColumnNeed>;
}

/** Options -> what to scan and how to show it (exported for tests of the parsing alone). */
export function planLs(args: string[], isTTY: boolean): LsPlan | { help: true } | { listColumns: 'table' | 'raw' | 'json' } | { version: true } {
  const { values, positionals } = parseCommandLine(args, specs, { positionals: 1 });
  for (const [a, b] of EXCLUSIVE) {
    if (values[a] !== undefined && values[b] !== undefined) throw new TsnsError(`mutually exclusive arguments: --${a} --${b}`);
  }
  if (values.help) return { help: true };
  if (values.version) return { version: true };
  if (values['list-columns']) return { listColumns: values.json ? 'json' : values.raw ? 'raw' : 'table' };

  const types: NsType[] = [];
  for (const t of (values.type as string[] | undefined) ?? []) {
    if (!isNsType(t)) throw new TsnsError(`unknown namespace type: ${t}`);
    if (!types.includes(t)) types.push(t);
  }
  const task = values.task !== undefined ? parseNumber(String(values.task), 'PID argument') : undefined;
  if (task === 0) throw new TsnsError(`invalid PID argument: '0'`);
  let tree: TreeKind = values.tree !== undefined ? parseTree(values.tree as string | boolean) : 'none';
  const forceList = values.list === true;

  let columns: NamespaceColumn[] = values['output-all'] ? [...namespaceColumns.columns] : [];
  const col = (name: string): NamespaceColumn => namespaceColumns.pick(name)[0];
  let nsid: number | undefined;
  if (positionals.length === 1) {
    if (task !== undefined) throw new TsnsError('--task is mutually exclusive with <namespace>');
    if (values.container !== undefined) throw new TsnsError('--container is mutually exclusive with <namespace>');
    nsid = parseNumber(positionals[0], 'namespace argument');
    if (tree === 'none' && !forceList) tree = 'process';
    if (columns.length === 0) columns = ['PID', 'PPID', 'USER', 'COMMAND'].map(col);
  }
  if (columns.length === 0) {
    columns = ['NS', 'TYPE', 'NPROCS', 'PID', 'USER'].map(col);
    if (types.includes('net')) columns.push(col('NETNSID'), col('NSFS'));
    columns.push(col('COMMAND'));
    if (tree === 'none' && !forceList) tree = 'process';
  }
  if (values.output !== undefined) columns = namespaceColumns.parseList(String(values.output), columns);

  const format = values.json ? 'json' : values.raw ? 'raw' : 'table';
  // The filter language is loaded only when used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const filterModule = values.filter !== undefined ? (require('../report/filter') as typeof FilterModule) : undefined;
  const filter = filterModule?.compileRowFilter(String(values.filter), (name) => namespaceColumns.find(name));
  return {
    types: types.length > 0 ? types : NS_TYPES,
    columns,
    tree,
    nsid,
    task,
    container: values.container !== undefined ? String(values.container) : undefined,
    persistent: values.persistent === true,
    format,
    noHeadings: values.noheadings === true,
    noTruncate: values.notruncate === true,
    noWrap: values.nowrap === true || values.raw === true,
    color: format === 'table' && colorWanted(values.color as string | boolean | undefined, isTTY),
    filter,
  };
}

/** Scan and build the rows the plan shows (src/report/list.ts does the work). */
export function collect(plan: LsPlan, sources?: readonly Source[]): NamespaceListing {
  return listNamespaces({ ...plan, listSeparator: plan.noWrap ? ',' : '\n', sources });
}

export function renderLs(plan: LsPlan, { rows, context: ctx }: NamespaceListing, terminalWidth?: number): string {
  const treeName = plan.tree === 'process' ? 'COMMAND' : plan.tree === 'owner' || plan.tree === 'parent' ? 'NS' : undefined;
  const treeColumn = treeName === undefined ? -1 : plan.columns.findIndex((c) => c.name === treeName);
  if (plan.format === 'json') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../report/json') as typeof JsonModule).renderJson('namespaces', plan.columns, rows, ctx, treeColumn >= 0);
  }
  const options: TextOptions = {
    raw: plan.format === 'raw',
    noHeadings: plan.noHeadings,
    treeColumn,
    ascii: !utf8Locale(),
    fitWidth: plan.format === 'table' && !plan.noTruncate ? terminalWidth : undefined,
  };
  if (plan.color) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const chalk = new (require('chalk') as typeof import('chalk')).Instance({ level: 1 });
    options.style = { header: (s) => chalk.bold(s), tree: (s) => chalk.dim(s) };
  }
  return renderText(plan.columns, rows, ctx, options);
}

/** `tsns ls ARGS`; `sources` replaces the scan's sources (the benchmark's lsns-sources-only run). */
export function run(args: string[], sources?: readonly Source[]): number {
  const out = process.stdout;
  const plan = planLs(args, out.isTTY === true);
  if ('help' in plan) {
    out.write(usage);
    return 0;
  }
  if ('version' in plan) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    out.write(`tsns ls ${(require('../../../package.json') as { version: string }).version}\n`);
    return 0;
  }
  if ('listColumns' in plan) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { renderColumnList } = require('../report/list-columns') as typeof ListColumnsModule;
    out.write(renderColumnList(namespaceColumns, 'lsns-columns', plan.listColumns, !utf8Locale()));
    return 0;
  }
  const listing = collect(plan, sources);
  out.write(timed('render', () => renderLs(plan, listing, out.isTTY ? out.columns || 80 : undefined)));
  return 0;
}
