/**
 * TARGET as a namespace id (`4026532180`, `net:[4026532180]`): whoever holds it — a process, a
 * thread, a pin in our mount namespace (the quick search), else the full scan: a pin in another mount
 * namespace, an open fd, a network namespace only a socket holds (the socket borrowed with
 * pidfd_getfd, asked SIOCGSKNS), a namespace that is only another's parent or owner (NS_GET_PARENT /
 * NS_GET_USERNS on that one). What the scan finds is opened the checked way (O_PATH, inside the
 * holder's root for a pin elsewhere, the nsfs inode verified), never by a plain path a holder
 * controls, and held as an fd of ours, named /proc/self/fd/N.
 */
import { closeSync, fstatSync } from 'node:fs';
import type { NsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { nsGetParent, nsGetUserns, pidfdOpen } from '../sys/libc';
import { tryBorrowSocketNetns } from '../proc/sockets';
import { kernelNsTypes, readNsLinkAt } from '../proc/ns';
import { listPids, listThreads, listFds } from '../proc/pids';
import { nsfsMounts, readMountinfoText } from '../proc/mountinfo';
import { startTime } from '../proc/stat';
import type { Namespace, ScanModel } from '../scan/model';
import { openNamespaceFd } from '../scan/open';
import type { Target } from './types';

interface Found {
  type: NsType;
  file: string;
  pid?: number;
  fd?: number;
}

/** A process, then a thread, then a pin in our mount table. */
function findQuickly(id: number, type: NsType | undefined): Found | undefined {
  const types = type ? [type] : kernelNsTypes();
  const pids = listPids();
  const matches = (file: string): boolean => {
    const ns = readNsLinkAt(file);
    return ns !== undefined && ns.id === id && types.includes(ns.type);
  };
  for (const pid of pids) for (const t of types) if (matches(`/proc/${pid}/ns/${t}`)) return { type: t, file: `/proc/${pid}/ns/${t}`, pid };
  for (const pid of pids) {
    for (const tid of listThreads(pid)) {
      if (tid === pid) continue;
      for (const t of types) if (matches(`/proc/${pid}/task/${tid}/ns/${t}`)) return { type: t, file: `/proc/${pid}/task/${tid}/ns/${t}` };
    }
  }
  const pin = nsfsMounts(readMountinfoText('self') ?? '').find((m) => m.id === id && types.includes(m.type));
  if (pin) return { type: pin.type, file: pin.path };
  // A namespace only an open fd holds is left to the scan, which opens the fd O_PATH and checks it
  // first: by path, /proc/PID/fd/N is whatever its holder put there by then (a FIFO would hang us).
  return undefined;
}

/** fd (of this process) of the namespace behind `fd` if it is `id`; closes `fd` otherwise. */
function keepIf(fd: number, id: number): number | undefined {
  try {
    if (fstatSync(fd).ino === id) return fd;
  } catch {
    // fall through
  }
  closeSync(fd);
  return undefined;
}

/** Any way to an fd of `ns`: a member's /proc entry, a recorded way in, a socket, a relative. */
function openByRelation(model: ScanModel, ns: Namespace, depth: number): number | undefined {
  if (depth > 8) return undefined;
  const direct = openNamespaceFd(model, ns);
  if (direct !== undefined) return direct;
  if (ns.type === 'net' && ns.sources.includes('socket') && ns.pid !== undefined) {
    const holder = ns.pid;
    let pidfd: number | undefined;
    try {
      pidfd = pidfdOpen(holder);
      for (const fd of listFds(holder).slice(0, 4096)) {
        const netfd = tryBorrowSocketNetns(pidfd, fd);
        const found = netfd === undefined ? undefined : keepIf(netfd, ns.id);
        if (found !== undefined) return found;
      }
    } catch {
      // the holder is gone or not ours
    } finally {
      if (pidfd !== undefined) closeSync(pidfd);
    }
  }
  for (const child of model.namespaces.values()) {
    const asParent = child.parent === ns.id;
    if (!asParent && child.owner !== ns.id) continue;
    const childFd = openByRelation(model, child, depth + 1);
    if (childFd === undefined) continue;
    try {
      const found = keepIf(asParent ? nsGetParent(childFd) : nsGetUserns(childFd), ns.id);
      if (found !== undefined) return found;
    } catch {
      // outside our view
    } finally {
      closeSync(childFd);
    }
  }
  return undefined;
}

function findByScan(id: number, type: NsType | undefined): Found | undefined {
  // Loaded only on this slow path: the scan's modules cost `tsns enter` ~15 ms of start-up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { scan } = require('../scan') as typeof import('../scan');
  const model = scan({ details: 'none', relations: true, addMissingRelations: true, netnsid: false, containers: false });
  const ns = model.namespaces.get(id);
  if (!ns || (type && ns.type !== type)) return undefined;
  const fd = openByRelation(model, ns, 0);
  return fd === undefined ? undefined : { type: ns.type, file: `/proc/self/fd/${fd}`, fd };
}

export function fromNamespaceId(id: number, type: NsType | undefined): Target {
  const found = findQuickly(id, type) ?? findByScan(id, type);
  if (!found)
    throw new TsnsError(`no namespace ${type ? `${type}:[${id}]` : id} found (no process, thread, fd, socket, pin or relative holds it)`, 'ENOTARGET');
  const target: Target = { files: { [found.type]: found.file }, description: `${found.type}:[${id}]`, named: [found.type] };
  if (found.fd !== undefined) target.fds = [found.fd];
  if (found.pid !== undefined) {
    const start = startTime(found.pid);
    if (start !== undefined) Object.assign(target, { pid: found.pid, startTime: start });
  }
  return target;
}
