/**
 * `tsns ls [options] [NSID]`: list namespaces, with util-linux 2.42 lsns's options, defaults and output.
 * Reads only what the chosen columns (shown, or read by the -Q filter) and tree need: process details
 * for the PID column's processes, netlink for NETNSID, chalk for --color.
 */
import { existsSync } from 'node:fs';
import { kernelNsTypes, readNsLink } from '../proc/ns';
import { readStatus } from '../proc/status';
import { NS_TYPES, isNsType, type NsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { parseCommandLine, parseNumber, type OptionSpecs } from './args';
import { readNetnsids, readProcessDetails, readRelations, readRepresentatives, scan, sortedNamespaces } from '../scan/index';
import type { Namespace, ScanModel } from '../scan/model';
import type { Source } from '../scan/context';
import { columns as allColumns, findColumn, parseColumnList, type Column, type RenderContext, type Row } from '../report/columns';
import { pickContainer } from '../scan/containers';
import { namespaceRows, processRows, type RowSet, type TreeKind } from '../report/rows';
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
  columns: Column[];
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
  filter?: FilterModule.RowFilter;
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

  let columns: Column[] = values['output-all'] ? [...allColumns] : [];
  const col = (name: string): Column => findColumn(name) as Column;
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
  if (values.output !== undefined) columns = parseColumnList(String(values.output), columns);

  const format = values.json ? 'json' : values.raw ? 'raw' : 'table';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const filter = values.filter !== undefined ? (require('../report/filter') as typeof FilterModule).compileRowFilter(String(values.filter)) : undefined;
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

/** TSNS_PROFILE=1: how long each step takes, on stderr (the benchmark prints it). */
function timed<T>(name: string, step: () => T): T {
  if (!process.env.TSNS_PROFILE) return step();
  const t0 = process.hrtime.bigint();
  const out = step();
  process.stderr.write(`tsns-profile ${name} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms\n`);
  return out;
}

/** Whether a column shown, or one the filter reads, needs this from the scan. */
function needs(plan: LsPlan, need: Column['needs'][number]): boolean {
  return plan.columns.some((c) => c.needs.includes(need)) || (plan.filter?.columns.some((c) => c.needs.includes(need)) ?? false);
}

/** How cells read: the same for the filter as for the output. */
function renderContext(plan: LsPlan, model: ScanModel): RenderContext {
  return { listSeparator: plan.noWrap ? ',' : '\n', ownMountNamespace: model.ownMountNamespace };
}

/** Scan and build the rows the plan shows. */
export function collect(plan: LsPlan, sources?: readonly Source[]): { model: ScanModel; rows: RowSet } {
  const wantRelations = needs(plan, 'relations') || plan.tree === 'owner' || plan.tree === 'parent';
  // Containers only for the CONTAINER column (shown or filtered on) and --container: they read the
  // engines' state.
  const wantContainers = needs(plan, 'container') || plan.container !== undefined;
  const model = scan({ types: plan.types, details: 'none', relations: false, netnsid: false, containers: wantContainers, sources });
  const containers = model.containers ?? [];
  const ctx = renderContext(plan, model);
  const rowFilter = plan.filter;
  const keep = rowFilter && ((row: Row): boolean => rowFilter.matches(row, ctx));

  if (plan.nsid !== undefined) {
    const ns = model.namespaces.get(plan.nsid);
    if (!ns) throw new TsnsError(`not found namespace: ${plan.nsid}`);
    if (needs(plan, 'details') || plan.tree === 'process') {
      readProcessDetails(model, [...ns.pids]);
      if (ns.pid !== undefined && !model.processes.has(ns.pid)) ns.pid = ns.pids[0];
    }
    finish(model, plan, [ns], wantRelations);
    return { model, rows: processRows(model, ns, plan.tree === 'process', keep) };
  }

  let filter: ((ns: Namespace) => boolean) | undefined;
  if (plan.task !== undefined) {
    const task = plan.task;
    const proc = model.processes.get(task);
    if (!proc && !existsSync(`/proc/${task}`)) throw new TsnsError(`no process with PID ${task}`);
    if (proc) {
      const mine = new Set(Object.values(proc.ns));
      filter = (ns) => mine.has(ns.id) && ns.pids.includes(task);
    } else {
      // A thread id (as nsenter -t takes one): the namespaces that thread is in, its own included
      // (/proc/TID/ns is the thread's view). Each is listed as the scan has it, its process as PID.
      const tgid = readStatus(task)?.tgid;
      const mine = new Set(tgid !== undefined && tgid !== task ? kernelNsTypes().map((t) => readNsLink(task, t)?.id) : []);
      filter = (ns) => mine.has(ns.id);
    }
  } else if (plan.persistent) {
    filter = (ns) => ns.pids.length === 0;
  }
  if (plan.container !== undefined) {
    // CONTAINER holds the name, or the id where the name is shared.
    const { name, id } = pickContainer(containers, plan.container, model.containerStateDenied);
    const inner = filter;
    filter = (ns) => (ns.container === name || ns.container === id) && (!inner || inner(ns));
  }
  if (wantRelations) {
    // A relation tree needs every namespace's links (and adds the parents/owners no process is in).
    const addMissing = plan.tree === 'owner' || plan.tree === 'parent' ? plan.types : [];
    readRelations(
      model,
      plan.tree === 'none' || plan.tree === 'process' ? [...model.namespaces.values()].filter((ns) => !filter || filter(ns)) : model.namespaces.values(),
      { addMissing },
    );
  }
  const sorted = sortedNamespaces(model);
  const shown = plan.tree === 'owner' || plan.tree === 'parent' || !filter ? sorted : sorted.filter(filter);
  if (needs(plan, 'details') || plan.tree === 'process') timed('representatives', () => readRepresentatives(model, shown));
  const live = sortedNamespaces(model);
  finish(model, plan, live, false);
  return { model, rows: namespaceRows(model, live, { tree: plan.tree, filter, keep }) };
}

/** The per-namespace extras the columns ask for, for the namespaces shown. */
function finish(model: ScanModel, plan: LsPlan, shown: Namespace[], relations: boolean): void {
  if (relations || (needs(plan, 'ownerUid') && shown.some((ns) => ns.pid === undefined && ns.type === 'user' && ns.ownerUid === undefined))) {
    readRelations(model, relations ? shown : shown.filter((ns) => ns.pid === undefined && ns.type === 'user'));
  }
  if (needs(plan, 'netnsid') && shown.some((ns) => ns.type === 'net')) {
    readNetnsids(
      model,
      shown.filter((ns) => ns.type === 'net'),
    );
  }
}

export function renderLs(plan: LsPlan, model: ScanModel, rows: RowSet, terminalWidth?: number): string {
  const ctx = renderContext(plan, model);
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
    out.write((require('../report/list-columns') as typeof ListColumnsModule).renderColumnList(plan.listColumns, !utf8Locale()));
    return 0;
  }
  const { model, rows } = collect(plan, sources);
  out.write(timed('render', () => renderLs(plan, model, rows, out.isTTY ? out.columns || 80 : undefined)));
  return 0;
}
