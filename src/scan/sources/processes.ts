/**
 * Source: processes. Every /proc/PID/ns/TYPE link of every process (the one cost a scan cannot avoid:
 * NPROCS needs them all). Every type the kernel has is read and kept in the model while the sources
 * run, whatever types the caller asked for: the other sources find pins and containers through mount
 * namespaces and ancestors through every namespace, so -t narrows what is shown, never what is found.
 *
 * As lsns counts them: a process is kept with each link it can read. A zombie reads only its pid and
 * user links (the kernel dropped the rest with its nsproxy) and counts in those two; PID 1 here reads
 * none (EACCES, even for root) and is kept with no namespaces. A process that reads nothing because it
 * is gone (ENOENT or ESRCH on every link) is left out.
 */
import { close, openPathDirectory, readlinkAt } from '../../sys/libc';
import { kernelNsTypes } from '../../proc/ns';
import { listPids } from '../../proc/pids';
import type { ScanContext, Source } from '../context';
import { newNamespace, type ProcessInfo } from '../model';

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

const ENOENT = 2;
const ESRCH = 3;
/** A link's text: "cgroup:[4026531835]" at most. */
const linkBuffer = Buffer.allocUnsafe(64);

/** Read the namespaces of every process in ctx.pids into the model. */
function readProcesses(ctx: ScanContext): void {
  const types = kernelNsTypes();
  const ntypes = types.length;
  const inodes = new Array<number>(ntypes);
  const { model, mountNamespaces } = ctx;
  const namespaces = model.namespaces;
  const processes = model.processes;
  for (const pid of ctx.pids) {
    // The links are read relative to an O_PATH handle of /proc/PID/ns (through koffi, into one
    // buffer): no path walk through /proc/PID, no string and no exception per link. O_PATH needs only
    // search permission, as a path walk does.
    const dirfd = openPathDirectory(`/proc/${pid}/ns`);
    if (dirfd === -ENOENT || dirfd === -ESRCH) continue; // gone
    let found = 0;
    let missing = 0;
    for (let t = 0; t < ntypes && dirfd >= 0; t++) {
      const length = readlinkAt(dirfd, types[t], linkBuffer);
      const ino = length > 0 ? inodeOfLink(linkBuffer, length, types[t].length) : 0;
      inodes[t] = ino > 0 ? ino : 0;
      if (ino > 0) found++;
      else if (length === -ENOENT || length === -ESRCH) missing++;
    }
    // An ns directory that cannot be opened for a reason other than the process being gone leaves
    // found at 0: the process is kept with no namespaces, as when every link says EACCES.
    if (dirfd >= 0) close(dirfd);
    if (found === 0 && missing === ntypes) continue; // exited under us
    const nsOf: ProcessInfo['ns'] = {};
    processes.set(pid, { pid, ppid: undefined, uid: undefined, command: undefined, ns: nsOf });
    for (let t = 0; t < ntypes; t++) {
      const ino = inodes[t];
      if (ino === 0) continue;
      const type = types[t];
      nsOf[type] = ino;
      if (type === 'mnt') {
        const members = mountNamespaces.get(ino);
        if (members) members.push(pid);
        else mountNamespaces.set(ino, [pid]);
      }
      let ns = namespaces.get(ino);
      if (ns === undefined) {
        ns = newNamespace(ino, type, 'process');
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

/** Source: every process's namespaces (lists /proc for every per-process source of this scan). */
export const processSource: Source = function processSource(ctx) {
  if (ctx.pids.length === 0) ctx.pids = listPids();
  readProcesses(ctx);
};
