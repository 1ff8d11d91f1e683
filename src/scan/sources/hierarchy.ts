/**
 * The hierarchy: owning user namespace (NS_GET_USERNS) of every namespace found, and parent
 * (NS_GET_PARENT) of every user and pid namespace, walked up until the chain leaves our view (EPERM at
 * the top of the caller's own user namespace tree). Ancestors no process is in — the user namespace of
 * a rootless container's outer layer, a pid namespace between two nested ones — appear with source
 * `owner` or `parent`, so `-T owner` and `-T parent` show whole trees. These two sources mean "known
 * only as an ancestor": a namespace some process, thread, fd, socket or pin holds does not get them
 * (nearly every user namespace owns something; saying so on each would say nothing).
 *
 * Also fills ownerUid: NS_GET_OWNER_UID for user namespaces; for the others, their owner's creator, so
 * that USER means something for a namespace no process is in.
 */
import { NS_TYPES, type NsType } from '../../sys/constants';
import { close, fdInode, nsGetOwnerUid, nsGetParent, nsGetUserns } from '../../sys/libc';
import { readHierarchy, type NamespaceRelations, type NamespaceWay } from '../../proc/walk';
import type { ScanContext, Source } from '../context';
import { addSource, newNamespace, type Namespace, type ScanModel } from '../model';
import { openNamespaceFd } from '../open';

/** ioctl -> related namespace's inode (and its fd, for the caller to close); undefined when outside
 *  our view (EPERM at the top of our user namespace tree) or when there is no such relation. */
function related(fd: number, ask: (fd: number) => number): { fd: number; id: number } | undefined {
  let rfd: number;
  try {
    rfd = ask(fd);
  } catch {
    return undefined;
  }
  const id = fdInode(rfd);
  if (id > 0) return { fd: rfd, id };
  close(rfd);
  return undefined;
}

/** Sources that mean "found only as an ancestor": such a namespace also records the other relation. */
function foundOnlyAsRelative(ns: Namespace): boolean {
  return ns.sources.every((s) => s === 'parent' || s === 'owner');
}

/** One walk over a model: each namespace asked once; ancestors of `wanted` types no one holds are added. */
export class HierarchyWalk {
  constructor(
    private readonly model: ScanModel,
    private readonly wanted: ReadonlySet<NsType>,
    /** Namespaces already asked (a scan shares one set among the sources that walk). */
    private readonly done = new Set<number>(),
  ) {}

  /**
   * Fill owner/parent/ownerUid of `ns` from an open fd of it, and walk on to relatives not yet in the
   * model (adding them when their type is wanted). Does not close `fd`.
   */
  fromFd(ns: Namespace, fd: number): void {
    if (this.done.has(ns.id)) return;
    this.done.add(ns.id);
    const { model, wanted, done } = this;
    let ownerCreator: number | undefined; // NS_GET_OWNER_UID of the owner, when it is not in the model
    // 0: no such relative, or it lies outside our view (the model's convention, as lsns prints it).
    const follow = (ask: (fd: number) => number, type: NsType, source: 'owner' | 'parent'): number => {
      const r = related(fd, ask);
      if (!r) return 0;
      try {
        let rel = model.namespaces.get(r.id);
        if (rel && foundOnlyAsRelative(rel)) addSource(rel, source);
        if (!rel && wanted.has(type)) {
          rel = newNamespace(r.id, type, source);
          model.namespaces.set(r.id, rel);
        }
        // Walking a relative now, through the fd in hand, saves opening it by path later.
        if (rel && !done.has(r.id)) this.fromFd(rel, r.fd);
        if (!rel && source === 'owner') {
          try {
            ownerCreator = nsGetOwnerUid(r.fd);
          } catch {
            /* not ours to ask */
          }
        }
        return r.id;
      } finally {
        close(r.fd);
      }
    };
    if (ns.owner === undefined) ns.owner = follow(nsGetUserns, 'user', 'owner');
    else if (ns.owner !== 0 && !model.namespaces.has(ns.owner)) follow(nsGetUserns, 'user', 'owner');
    if (ns.type === 'user' || ns.type === 'pid') {
      if (ns.parent === undefined) ns.parent = follow(nsGetParent, ns.type, 'parent');
      else if (ns.parent !== 0 && !model.namespaces.has(ns.parent)) follow(nsGetParent, ns.type, 'parent');
    } else if (ns.parent === undefined) {
      ns.parent = 0; // only user and pid namespaces have parents
    }
    if (ns.ownerUid === undefined) {
      if (ns.type === 'user') {
        try {
          ns.ownerUid = nsGetOwnerUid(fd);
        } catch {
          /* not ours to ask */
        }
      } else if (ns.owner) {
        ns.ownerUid = model.namespaces.get(ns.owner)?.ownerUid ?? ownerCreator;
      }
    }
  }

  /** Walk from one namespace, when a file of it can be opened at all. */
  from(ns: Namespace): void {
    if (this.done.has(ns.id)) return;
    const fd = openNamespaceFd(this.model, ns);
    if (fd === undefined) return;
    try {
      this.fromFd(ns, fd);
    } finally {
      close(fd);
    }
  }

  /** ownerUid of non-user namespaces whose owner was walked after them. */
  finish(): void {
    for (const ns of this.model.namespaces.values()) {
      if (ns.ownerUid === undefined && ns.owner) ns.ownerUid = this.model.namespaces.get(ns.owner)?.ownerUid;
    }
  }
}

/** The way the native walk reaches a namespace: a member's link, a thread's, or an fd (pins are left
 *  to the JS walk, which opens them the checked way). */
function wayOf(ns: Namespace): NamespaceWay | undefined {
  if (ns.pids.length > 0) return { pid: ns.pids[0], type: ns.type, inode: ns.id };
  for (const p of ns.paths) {
    if (p.kind === 'task' && p.pid !== undefined && p.tid !== undefined) return { pid: p.pid, tid: p.tid, type: ns.type, inode: ns.id };
    if (p.kind === 'fd' && p.pid !== undefined && p.fd !== undefined) return { pid: p.pid, fd: p.fd, type: ns.type, inode: ns.id };
  }
  return undefined;
}

/** Fill the model from the native walk's answers: the namespaces asked (entries below `asked.length`)
 *  and the ancestors they led to (added with source owner/parent when their type is kept). */
function applyRelations(ctx: ScanContext, rel: NamespaceRelations, asked: readonly Namespace[]): void {
  const { model } = ctx;
  const entryOf = new Map<number, number>();
  const asOwner = new Set<number>();
  const asParent = new Set<number>();
  for (let i = 0; i < rel.length; i++) {
    if (!entryOf.has(rel.inode[i])) entryOf.set(rel.inode[i], i);
    if (!rel.reached[i]) continue;
    if (rel.owner[i] > 0) asOwner.add(rel.owner[i]);
    if (rel.parent[i] > 0) asParent.add(rel.parent[i]);
  }
  const creatorOf = (id: number): number | undefined => {
    const known = model.namespaces.get(id)?.ownerUid;
    if (known !== undefined) return known;
    const e = entryOf.get(id);
    return e !== undefined && rel.reached[e] && rel.ownerUid[e] >= 0 ? rel.ownerUid[e] : undefined;
  };
  const fill = (ns: Namespace, i: number): void => {
    ns.owner ??= Math.max(0, rel.owner[i]);
    if (ns.parent === undefined) ns.parent = ns.type === 'user' || ns.type === 'pid' ? Math.max(0, rel.parent[i]) : 0;
    if (ns.ownerUid === undefined)
      ns.ownerUid = ns.type === 'user' ? (rel.ownerUid[i] >= 0 ? rel.ownerUid[i] : undefined) : ns.owner ? creatorOf(ns.owner) : undefined;
    ctx.walked.add(ns.id);
  };
  for (let i = asked.length; i < rel.length; i++) {
    if (!rel.reached[i]) continue;
    const id = rel.inode[i];
    const type = NS_TYPES[rel.type[i]];
    let ns = model.namespaces.get(id);
    if (ns && foundOnlyAsRelative(ns)) {
      if (asOwner.has(id)) addSource(ns, 'owner');
      if (asParent.has(id)) addSource(ns, 'parent');
    } else if (!ns && ctx.options.types.includes(type)) {
      ns = newNamespace(id, type, asOwner.has(id) ? 'owner' : 'parent');
      if (asOwner.has(id) && asParent.has(id)) addSource(ns, 'parent');
      model.namespaces.set(id, ns);
    }
    if (ns) fill(ns, i);
  }
  for (let i = 0; i < asked.length; i++) if (rel.reached[i]) fill(asked[i], i);
}

/** Source: the hierarchy (sources `parent`, `owner`), from every namespace the others found: one native
 *  call for what a member, a thread or an fd reaches, the JS walk for the rest (pins, and ways that led
 *  nowhere because their holder moved on). */
export const hierarchySource: Source = function hierarchySource(ctx) {
  const asked: Namespace[] = [];
  const ways: NamespaceWay[] = [];
  for (const ns of ctx.model.namespaces.values()) {
    if (ctx.walked.has(ns.id)) continue;
    const way = wayOf(ns);
    if (!way) continue;
    asked.push(ns);
    ways.push(way);
  }
  if (ways.length > 0) applyRelations(ctx, readHierarchy(ways), asked);
  const walk = new HierarchyWalk(ctx.model, new Set(ctx.options.types), ctx.walked);
  for (const ns of [...ctx.model.namespaces.values()]) walk.from(ns);
  walk.finish();
};

/**
 * PNS/ONS (and ownerUid) of the given namespaces, by the same walk, for callers whose scan left the
 * hierarchy out (lsns's sources only, or a scan without relations); with `addMissing`, relatives of
 * those types no process is in are added, as lsns does for --tree=owner/parent.
 */
export function readRelations(model: ScanModel, namespaces: Iterable<Namespace>, options: { addMissing?: readonly NsType[] } = {}): void {
  const walk = new HierarchyWalk(model, new Set(options.addMissing ?? []));
  for (const ns of [...namespaces]) {
    if (ns.parent !== undefined && ns.owner !== undefined) continue;
    walk.from(ns);
  }
  walk.finish();
}
