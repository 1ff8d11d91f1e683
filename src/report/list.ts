/**
 * `tsns ls` as a library call: from what a listing shows (its columns, the -Q filter, the tree) to the
 * scan it needs and the rows it prints. The columns decide what is read: process details only for the
 * rows shown, NETNSID, relations and containers only when a column (shown or filtered on) needs them.
 */
import { existsSync } from 'node:fs';
import { NS_TYPES, type NsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { kernelNsTypes, readNsLink } from '../proc/ns';
import { readStatus } from '../proc/status';
import { readNetnsids, readProcessDetails, readRelations, readRepresentatives, scan, sortedNamespaces } from '../scan';
import type { Source } from '../scan/context';
import type { Namespace, ScanModel } from '../scan/model';
import type * as ResolveModule from '../containers/resolve';
import { timed } from '../profile';
import type { RenderContext } from './columns';
import type { ColumnNeed, NamespaceColumn, Row } from './namespace-columns';
import type { RowFilter } from './filter';
import { namespaceRows, processRows, type RowSet, type TreeKind } from './rows';

export interface NamespaceQuery {
  /** Types to list (default all). */
  types?: readonly NsType[];
  /** The columns shown: they decide what is read. */
  columns: readonly NamespaceColumn[];
  /** Rows must pass it (-Q); the columns it reads are computed even when not shown. */
  filter?: RowFilter<Row, ColumnNeed>;
  /** Nesting (default none). */
  tree?: TreeKind;
  /** The processes of this namespace, instead of namespaces (lsns NSID). */
  nsid?: number;
  /** Only the namespaces process `task` is in (lsns -p). */
  task?: number;
  /** Only one container's namespaces (name, id or unique id prefix). */
  container?: string;
  /** Only namespaces no process is in (lsns -P). */
  persistent?: boolean;
  /** Separator between several values of one cell ('\n' by default: a multi-line cell). */
  listSeparator?: string;
  /** The scan's sources (default: every discovery source). */
  sources?: readonly Source[];
}

export interface NamespaceListing {
  model: ScanModel;
  rows: RowSet<Row>;
  /** How cells read, for the renderers (the same the filter used). */
  context: RenderContext;
}

class Needs {
  constructor(private readonly q: NamespaceQuery) {}
  has(need: ColumnNeed): boolean {
    return this.q.columns.some((c) => c.needs.includes(need)) || (this.q.filter?.columns.some((c) => c.needs.includes(need)) ?? false);
  }
}

/** The per-namespace extras the columns ask for, for the namespaces shown. */
function finish(model: ScanModel, needs: Needs, shown: Namespace[], relations: boolean): void {
  if (relations || (needs.has('ownerUid') && shown.some((ns) => ns.pid === undefined && ns.type === 'user' && ns.ownerUid === undefined))) {
    readRelations(model, relations ? shown : shown.filter((ns) => ns.pid === undefined && ns.type === 'user'));
  }
  if (needs.has('netnsid') && shown.some((ns) => ns.type === 'net')) {
    readNetnsids(
      model,
      shown.filter((ns) => ns.type === 'net'),
    );
  }
}

/** Which namespaces a query keeps before rows are made (-p, -P, --container). */
function namespaceFilter(q: NamespaceQuery, model: ScanModel): ((ns: Namespace) => boolean) | undefined {
  let filter: ((ns: Namespace) => boolean) | undefined;
  if (q.task !== undefined) {
    const task = q.task;
    const proc = model.processes.get(task);
    if (!proc && !existsSync(`/proc/${task}`)) throw new TsnsError(`no process with PID ${task}`, 'ENOTARGET');
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
  } else if (q.persistent) {
    filter = (ns) => ns.pids.length === 0;
  }
  if (q.container !== undefined) {
    // Loaded only for --container: it brings the engines' modules, which a default tsns ls never needs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { pickContainer } = require('../containers/resolve') as typeof ResolveModule;
    const { id } = pickContainer(model.containers ?? [], q.container, model.deniedState);
    const inner = filter;
    filter = (ns) => ns.container?.id === id && (!inner || inner(ns));
  }
  return filter;
}

/** Scan what the query needs and build the rows it shows. */
export function listNamespaces(q: NamespaceQuery): NamespaceListing {
  const needs = new Needs(q);
  const tree = q.tree ?? 'none';
  const types = q.types && q.types.length > 0 ? q.types : NS_TYPES;
  const relationTree = tree === 'owner' || tree === 'parent';
  const wantRelations = needs.has('relations') || relationTree;
  const model = scan({
    types,
    details: 'none',
    relations: false,
    netnsid: false,
    containers: needs.has('container') || q.container !== undefined,
    sources: q.sources,
  });
  const context: RenderContext = { listSeparator: q.listSeparator ?? '\n', ownMountNamespace: model.ownMountNamespace };
  const rowFilter = q.filter;
  const keep = rowFilter && ((row: Row): boolean => rowFilter.matches(row, context));

  if (q.nsid !== undefined) {
    const ns = model.namespaces.get(q.nsid);
    if (!ns) throw new TsnsError(`not found namespace: ${q.nsid}`, 'ENOTARGET');
    if (needs.has('details') || tree === 'process') {
      readProcessDetails(model, [...ns.pids]);
      if (ns.pid !== undefined && !model.processes.has(ns.pid)) ns.pid = ns.pids[0];
    }
    finish(model, needs, [ns], wantRelations);
    return { model, context, rows: processRows(model, ns, tree === 'process', keep) };
  }

  const filter = namespaceFilter(q, model);
  if (wantRelations) {
    // A relation tree needs every namespace's links (and adds the parents/owners no process is in).
    const candidates = relationTree || !filter ? model.namespaces.values() : [...model.namespaces.values()].filter(filter);
    readRelations(model, candidates, { addMissing: relationTree ? types : [] });
  }
  const sorted = sortedNamespaces(model);
  const shown = relationTree || !filter ? sorted : sorted.filter(filter);
  if (needs.has('details') || tree === 'process') timed('representatives', () => readRepresentatives(model, shown));
  const live = sortedNamespaces(model);
  finish(model, needs, live, false);
  return { model, context, rows: namespaceRows(model, live, { tree, filter, keep }) };
}
