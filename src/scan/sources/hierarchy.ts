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
import type { NsType } from '../../sys/constants';
import { close, fdInode, nsGetOwnerUid, nsGetParent, nsGetUserns } from '../../sys/libc';
import type { Source } from '../context';
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

/** Source: the hierarchy walk (sources `parent`, `owner`), from every namespace the others found. */
export const hierarchySource: Source = function hierarchySource(ctx) {
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
