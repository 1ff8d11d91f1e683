/**
 * From the model to output rows, in lsns's order and nesting:
 *  - namespaces (sorted by inode), flat or as a tree by process (a namespace whose process's parent
 *    is the process of a namespace already listed goes under it), by owner (user namespace) or by
 *    parent (pid and user namespaces), an ancestor listed before its descendants even when a filter
 *    would leave it out, as lsns does;
 *  - the processes of one namespace (NSID), flat or as a process tree within that namespace.
 * A row filter (-Q) leaves rows out: in a listing or a process tree of namespaces before they nest (as
 * -t leaves types out, so a namespace nests under its process's parent's row only if that is kept); in
 * an owner/parent tree and in a process tree of one namespace after, each left-out row's children
 * moving up to its nearest kept ancestor.
 */
import type { Namespace, ProcessInfo, ScanModel } from '../scan/model';
import type { TreeRow } from './columns';
import type { Row } from './namespace-columns';

export type TreeKind = 'none' | 'process' | 'owner' | 'parent';

export interface NamespaceRowOptions {
  tree: TreeKind;
  /** Keep only namespaces this predicate accepts (-p, -P); ancestors a tree needs are still shown. */
  filter?: (ns: Namespace) => boolean;
  /** Keep only the rows this accepts (-Q); no ancestor is shown for the tree's sake. */
  keep?: (row: Row) => boolean;
}

/** Output rows: the top of the tree, and every row in the order it was made (the order lsns prints
 *  when there is no tree column to draw). */
export interface RowSet<R extends TreeRow = Row> {
  top: R[];
  inOrder: R[];
}

/** Rows for a namespace listing. */
export function namespaceRows(model: ScanModel, sorted: readonly Namespace[], options: NamespaceRowOptions): RowSet {
  const top: Row[] = [];
  const inOrder: Row[] = [];
  const { tree, filter, keep } = options;
  const procOf = (ns: Namespace): ProcessInfo | undefined => (ns.pid === undefined ? undefined : model.processes.get(ns.pid));

  if (tree === 'none' || tree === 'process') {
    // The row a process was last shown on, for nesting its children's namespaces under it.
    const lastRowOf = new Map<number, Row>();
    for (const ns of sorted) {
      if (filter && !filter(ns)) continue;
      const proc = procOf(ns);
      const row: Row = { ns, proc, children: [] };
      if (keep && !keep(row)) continue;
      inOrder.push(row);
      const parentRow = tree === 'process' && proc?.ppid !== undefined ? lastRowOf.get(proc.ppid) : undefined;
      if (parentRow) parentRow.children.push(row);
      else top.push(row);
      if (proc) lastRowOf.set(proc.pid, row);
    }
    return { top, inOrder };
  }

  const rowOf = new Map<number, Row>();
  const related = (ns: Namespace, rel: 'parent' | 'owner'): Namespace | undefined => {
    const id = rel === 'parent' ? ns.parent : ns.owner;
    if (!id || id === ns.id) return undefined;
    if (rel === 'parent' && ns.type !== 'pid' && ns.type !== 'user') return undefined;
    return model.namespaces.get(id);
  };
  const show = (ns: Namespace, depth: number): void => {
    if (depth > 64) return; // a cycle cannot happen in the kernel's hierarchy; never loop if it did
    let anchor: Namespace | undefined;
    if (tree === 'owner') {
      const owner = related(ns, 'owner');
      if (owner && !rowOf.has(owner.id)) show(owner, depth + 1);
      anchor = owner;
    } else {
      const parent = related(ns, 'parent');
      if (parent) {
        if (!rowOf.has(parent.id)) show(parent, depth + 1);
        anchor = parent;
      } else {
        // lsns lists the owner first but does not nest under it here.
        const owner = related(ns, 'owner');
        if (owner && !rowOf.has(owner.id)) show(owner, depth + 1);
      }
    }
    if (rowOf.has(ns.id)) return;
    const row: Row = { ns, proc: procOf(ns), children: [] };
    inOrder.push(row);
    rowOf.set(ns.id, row);
    const anchorRow = anchor ? rowOf.get(anchor.id) : undefined;
    if (anchorRow) anchorRow.children.push(row);
    else top.push(row);
  };
  for (const ns of sorted) {
    if (filter && !filter(ns)) continue;
    if (!rowOf.has(ns.id)) show(ns, 0);
  }
  return keep ? pruneRows({ top, inOrder }, keep) : { top, inOrder };
}

/** Rows for the processes of one namespace (lsns NSID): PID order, nested by parent within it. */
export function processRows(model: ScanModel, ns: Namespace, tree: boolean, keep?: (row: Row) => boolean): RowSet {
  const top: Row[] = [];
  const inOrder: Row[] = [];
  const rowOf = new Map<number, Row>();
  const members = new Set(ns.pids);
  const show = (proc: ProcessInfo, depth: number): void => {
    const parent = proc.ppid !== undefined ? model.processes.get(proc.ppid) : undefined;
    if (tree && parent && !rowOf.has(parent.pid) && members.has(parent.pid) && depth < 4096) show(parent, depth + 1);
    if (rowOf.has(proc.pid)) return;
    const row: Row = { ns, proc, children: [] };
    inOrder.push(row);
    rowOf.set(proc.pid, row);
    const parentRow = tree && parent ? rowOf.get(parent.pid) : undefined;
    if (parentRow) parentRow.children.push(row);
    else top.push(row);
  };
  for (const pid of ns.pids) {
    const proc = model.processes.get(pid);
    if (proc && !rowOf.has(pid)) show(proc, 0);
  }
  return keep ? pruneRows({ top, inOrder }, keep) : { top, inOrder };
}

/** The rows `keep` accepts (asked once each, in output order); a refused row's children take its place. */
export function pruneRows<R extends TreeRow>(rows: RowSet<R>, keep: (row: R) => boolean): RowSet<R> {
  const kept = new Set(rows.inOrder.filter(keep));
  const top: R[] = [];
  // Depth first without recursion (a process tree can be deep): each row, and where its kept self goes.
  const stack: [R, R[]][] = rows.top.map((row): [R, R[]] => [row, top]).reverse();
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [row, into] = next;
    const children = row.children as R[];
    let childrenInto = into;
    if (kept.has(row)) {
      row.children = [];
      into.push(row);
      childrenInto = row.children as R[];
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i], childrenInto]);
  }
  return { top, inOrder: rows.inOrder.filter((row) => kept.has(row)) };
}
