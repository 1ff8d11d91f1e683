/**
 * PNS and ONS: the parent (pid and user namespaces) and the owning user namespace of each namespace,
 * through the nsfs ioctls NS_GET_PARENT / NS_GET_USERNS, and the creator uid of user namespaces
 * (NS_GET_OWNER_UID). EPERM means the answer lies outside our user namespace: shown as 0, as lsns does.
 *
 * With `addMissing`, a parent or owner that no process is in (so the scan never met it) is added to the
 * model from the fd the ioctl returned, and its own relations are followed in turn: what lsns does for
 * --tree=owner/parent ("ghost" namespaces), and the hierarchy walk of the discovery issue.
 */
import { closeSync, fstatSync } from 'node:fs';
import { nsTypeOfFlag, type NsType } from '../sys/constants';
import { nsGetNstype, nsGetOwnerUid, nsGetParent, nsGetUserns } from '../sys/libc';
import type { Namespace, NsSource, ScanModel } from './model';
import { openNamespace } from './nsfile';

export interface RelationOptions {
  /** Add parents and owners missing from the model (only of these types). */
  addMissing?: readonly NsType[];
}

/** fd of the related namespace, 0 when outside our view (EPERM), undefined on any other failure. */
function related(fd: number, get: (fd: number) => number): number | undefined {
  try {
    return get(fd);
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM' ? 0 : undefined;
  }
}

function inodeOf(fd: number): number | undefined {
  try {
    return fstatSync(fd).ino;
  } catch {
    return undefined;
  }
}

function hasParent(type: NsType): boolean {
  return type === 'pid' || type === 'user';
}

/** Fill parent/owner/ownerUid of `ns` from an open fd of it; follow missing relations when asked. */
function fromFd(model: ScanModel, ns: Namespace, fd: number, addMissing: ReadonlySet<NsType>): void {
  const links: [fd: number | undefined, rel: 'parent' | 'owner'][] = [];
  if (hasParent(ns.type)) {
    const pfd = related(fd, nsGetParent);
    ns.parent = pfd === 0 || pfd === undefined ? 0 : (inodeOf(pfd) ?? 0);
    links.push([pfd, 'parent']);
  } else {
    ns.parent = 0;
  }
  const ofd = related(fd, nsGetUserns);
  ns.owner = ofd === 0 || ofd === undefined ? 0 : (inodeOf(ofd) ?? 0);
  links.push([ofd, 'owner']);
  if (ns.ownerUid === undefined) {
    try {
      ns.ownerUid = ns.type === 'user' ? nsGetOwnerUid(fd) : 0;
    } catch {
      ns.ownerUid = 0;
    }
  }
  for (const [rfd, rel] of links) {
    if (!rfd) continue;
    try {
      const id = rel === 'parent' ? ns.parent : ns.owner;
      if (addMissing.size > 0 && id && !model.namespaces.has(id)) addFromFd(model, rfd, id, rel, addMissing);
    } finally {
      closeSync(rfd);
    }
  }
}

/** A namespace known only as a relation of another: add it (if its type is wanted) and follow it up. */
function addFromFd(model: ScanModel, fd: number, id: number, rel: NsSource, addMissing: ReadonlySet<NsType>): void {
  let type: NsType | undefined;
  try {
    type = nsTypeOfFlag(nsGetNstype(fd));
  } catch {
    return;
  }
  if (!type || !addMissing.has(type)) return;
  const ns: Namespace = { id, type, pids: [], pid: undefined, sources: new Set([rel]), nsfs: [] };
  model.namespaces.set(id, ns);
  fromFd(model, ns, fd, addMissing);
}

/**
 * Read relations for the given namespaces (those whose `parent` is still undefined). Loads koffi: call
 * only when PNS/ONS or a relation tree is wanted.
 */
export function readRelations(model: ScanModel, namespaces: Iterable<Namespace>, options: RelationOptions = {}): void {
  const addMissing = new Set(options.addMissing ?? []);
  for (const ns of [...namespaces]) {
    if (ns.parent !== undefined && ns.owner !== undefined) continue;
    const fd = openNamespace(model, ns);
    if (fd === undefined) continue;
    try {
      fromFd(model, ns, fd, addMissing);
    } finally {
      closeSync(fd);
    }
  }
}

