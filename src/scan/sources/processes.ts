/**
 * Source: processes. Every /proc/PID/ns/TYPE link of every process (the one cost a scan cannot avoid:
 * NPROCS needs them all), then, only for the processes a view shows, the details lsns prints
 * (PPID, UID, COMMAND).
 *
 * Races: a process may exit between readdir and any read. One whose links vanish part-way is dropped
 * whole, so no namespace counts half a process; one whose links are unreadable (EACCES: PID 1 here, even
 * for root) is kept with no namespaces, as lsns keeps it.
 */
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { close, openPathDirectory, readlinkAt } from '../../sys/libc';
import type { NsType } from '../../sys/constants';
import type { Namespace, ProcessInfo, ScanModel } from '../model';

/** Parse the decimal inode out of a link like `net:[4026531840]` held in buf[0, length); NaN if it is not one. */
function inodeOfLink(buf: Buffer, length: number, typeLength: number): number {
  // "TYPE:[" is typeLength + 2 bytes; the digits run to the closing bracket.
  let n = 0;
  const end = length - 1;
  if (buf[end] !== 93 /* ] */ || end <= typeLength + 2) return NaN;
  for (let i = typeLength + 2; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

function newNamespace(id: number, type: NsType): Namespace {
  return { id, type, pids: [], pid: undefined, sources: new Set(['process']), nsfs: [] };
}

const ENOENT = 2;
const ESRCH = 3;
/** A link's text: "cgroup:[4026531835]" at most. */
const linkBuffer = Buffer.allocUnsafe(64);

/** The PIDs in /proc, in its (ascending) order; none if it cannot be read. */
export function listPids(procRoot = '/proc'): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return out;
  }
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(n));
  }
  return out;
}

/**
 * Read the namespaces of every process (`pids`, default: a fresh listing of /proc) into the model.
 * `types` limits which links are read (-t): the links of other types are not even looked at.
 */
export function readProcesses(model: ScanModel, wantedTypes: readonly NsType[], procRoot = '/proc', pids: readonly number[] = listPids(procRoot)): void {
  // A type this kernel lacks (time before Linux 5.6, cgroup before 4.6) has no link in any process:
  // leave it out, so that ENOENT below can only mean "this process is gone".
  const types = wantedTypes.filter((t) => existsSync(`${procRoot}/self/ns/${t}`));
  const ntypes = types.length;
  const inodes = new Array<number>(ntypes);
  const namespaces = model.namespaces;
  const processes = model.processes;
  for (let k = 0; k < pids.length; k++) {
    const pid = pids[k];
    // The links are read relative to an O_PATH handle of /proc/PID/ns (through koffi, into one
    // buffer): no path walk through /proc/PID, no string and no exception per link, which is most of
    // what readlinkSync cost here. O_PATH needs only search permission, as a path walk does.
    const dirfd = openPathDirectory(`${procRoot}/${pid}/ns`);
    if (dirfd === -ENOENT || dirfd === -ESRCH) continue; // gone
    let found = 0;
    let gone = false;
    for (let t = 0; t < ntypes && dirfd >= 0; t++) {
      const type = types[t];
      const length = readlinkAt(dirfd, type, linkBuffer);
      if (length < 0) {
        inodes[t] = 0;
        // ENOENT on the first link: gone (or a zombie, which has no namespaces). ENOENT after a
        // successful one: it exited under us. Anything else (EACCES): unreadable, keep going.
        if (length === -ENOENT || length === -ESRCH) {
          gone = true;
          break;
        }
        continue;
      }
      const ino = inodeOfLink(linkBuffer, length, type.length);
      inodes[t] = ino > 0 ? ino : 0;
      if (ino > 0) found++;
    }
    // An ns directory that cannot be opened for a reason other than the process being gone leaves
    // found at 0: the process is kept with no namespaces, as when every link says EACCES.
    if (dirfd >= 0) close(dirfd);
    if (gone) continue;
    const nsOf: Partial<Record<NsType, number>> = {};
    const proc: ProcessInfo = { pid, ppid: undefined, uid: undefined, command: undefined, ns: nsOf };
    processes.set(pid, proc);
    if (found === 0) continue;
    for (let t = 0; t < ntypes; t++) {
      const ino = inodes[t];
      if (ino === 0) continue;
      const type = types[t];
      nsOf[type] = ino;
      let ns = namespaces.get(ino);
      if (ns === undefined) {
        ns = newNamespace(ino, type);
        namespaces.set(ino, ns);
      }
      ns.pids.push(pid);
    }
  }
  // /proc lists PIDs in ascending order, so the member lists are already sorted; keep the promise
  // even on a kernel that does not.
  for (const ns of namespaces.values()) {
    const pids = ns.pids;
    for (let i = 1; i < pids.length; i++) {
      if (pids[i - 1] > pids[i]) {
        pids.sort((a, b) => a - b);
        break;
      }
    }
  }
}

// One buffer for every small /proc read: no per-process allocation beyond the strings kept.
const buffer = Buffer.allocUnsafe(8192);

/** Read a /proc file into the shared buffer; the byte count, or -1 if it is gone or unreadable. */
function readSmall(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return -1;
  }
  try {
    let total = 0;
    while (total < buffer.length) {
      const n = readSync(fd, buffer, total, buffer.length - total, null);
      if (n <= 0) break;
      total += n;
    }
    return total;
  } catch {
    return -1;
  } finally {
    closeSync(fd);
  }
}

/** What a view shows of a process besides its namespaces. */
export interface ProcessDetails {
  ppid: number;
  uid: number;
  command: string;
}

/** PPID, UID and COMMAND of one process as lsns reads them, or undefined if it is gone. */
export function readDetails(pid: number, procRoot = '/proc'): ProcessDetails | undefined {
  const dir = `${procRoot}/${pid}`;
  const st = statSync(dir, { throwIfNoEntry: false });
  const statLength = st ? readSmall(`${dir}/stat`) : -1;
  if (!st || statLength <= 0) return undefined;
  // stat: "PID (COMM) STATE PPID ..."; COMM may hold spaces and parentheses, so split at the last ')'.
  const stat = buffer.toString('utf8', 0, statLength);
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(open + 1, close);
  const rest = stat.slice(close + 2);
  const sp1 = rest.indexOf(' ');
  const sp2 = rest.indexOf(' ', sp1 + 1);
  const ppid = Number(rest.slice(sp1 + 1, sp2));
  // cmdline as lsns reads it: at most 8 KiB, NULs turned into spaces, the final byte (the
  // terminating NUL) dropped; empty (a kernel thread, a zombie) means the thread name.
  const n = readSmall(`${dir}/cmdline`);
  let command = comm;
  if (n > 0) {
    for (let i = 0; i < n; i++) if (buffer[i] === 0) buffer[i] = 32;
    command = buffer.toString('utf8', 0, n - 1);
  }
  return { ppid: Number.isFinite(ppid) ? ppid : 0, uid: st.uid, command };
}

/**
 * Details read ahead of need by another thread (the holder walk's worker reads the likely
 * representatives while the main thread walks the hierarchy): `take` is called once, when details
 * are first wanted, and may wait for that thread. Only for a scan of the real /proc.
 */
const readAhead = new WeakMap<ScanModel, { take: () => Map<number, ProcessDetails> | undefined; taken?: Map<number, ProcessDetails> }>();

export function offerDetails(model: ScanModel, take: () => Map<number, ProcessDetails> | undefined): void {
  readAhead.set(model, { take });
}

function readAheadOf(model: ScanModel): Map<number, ProcessDetails> | undefined {
  const offer = readAhead.get(model);
  if (!offer) return undefined;
  offer.taken ??= offer.take() ?? new Map();
  return offer.taken;
}

/**
 * Fill ppid, uid and command of the given processes. A process that has exited is removed from the
 * model (from its namespaces too), so no view shows a half row; returns the PIDs removed.
 */
export function readProcessDetails(model: ScanModel, pids: Iterable<number>, procRoot = '/proc'): number[] {
  const removed: number[] = [];
  const ahead = procRoot === '/proc' ? readAheadOf(model) : undefined;
  for (const pid of pids) {
    const proc = model.processes.get(pid);
    if (!proc || proc.command !== undefined) continue;
    // One read ahead is used once: a process found gone there is read again here, not trusted.
    const details = ahead?.get(pid) ?? readDetails(pid, procRoot);
    if (!details) {
      removeProcess(model, pid);
      removed.push(pid);
      continue;
    }
    proc.ppid = details.ppid;
    proc.uid = details.uid;
    proc.command = details.command;
  }
  return removed;
}

/** Take a process out of the model and out of its namespaces' member lists. */
export function removeProcess(model: ScanModel, pid: number): void {
  const proc = model.processes.get(pid);
  if (!proc) return;
  model.processes.delete(pid);
  for (const ino of Object.values(proc.ns)) {
    const ns = ino === undefined ? undefined : model.namespaces.get(ino);
    if (!ns) continue;
    const i = ns.pids.indexOf(pid);
    if (i >= 0) ns.pids.splice(i, 1);
    if (ns.pid === pid) ns.pid = ns.pids[0];
  }
}
