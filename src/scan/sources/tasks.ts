/**
 * Threads: namespaces are per thread, so a thread that called unshare(2) or setns(2) on its own
 * (Node's worker_threads, Go's locked OS threads, ip's netns helpers) is in a namespace that
 * /proc/PID/ns — the thread group leader's view — does not show. Found in /proc/PID/task/TID/ns and
 * listed with the thread's process as PID.
 *
 * Kept cheap: a single-threaded process is skipped after one statx (the task directory's link count is
 * threads + 2), and only the five types a thread can hold apart from its leader are read — user, pid
 * and time joins and user unshares require a single-threaded caller, so those never differ.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import type { NsType } from '../../sys/constants';
import { pathNlink } from '../../sys/libc';
import type { ScanModel } from '../model';
import { holdNamespace, parseNsLink } from './nsfs';

/** One namespace held by a thread (or fd) of process `pid`, as a plain fact. */
export interface HeldNs {
  pid: number;
  type: NsType;
  id: number;
  /** For fds: the fd number (so the namespace can be opened again through /proc/PID/fd/FD). */
  fd?: number;
  /** For threads: the thread id. */
  tid?: number;
}

const PER_THREAD_TYPES = ['mnt', 'net', 'ipc', 'uts', 'cgroup'] as const;

function readNs(dir: string, type: string): string | undefined {
  try {
    return readlinkSync(`${dir}/${type}`);
  } catch {
    return undefined;
  }
}

/** Namespaces that threads of `pid` are in and its leader is not. */
export function scanThreads(pid: number, out: HeldNs[]): void {
  // statx through koffi: a third of what fs.statSync costs, and this runs for every process.
  if (pathNlink(`/proc/${pid}/task`) <= 3) return; // one thread (or gone): /proc/PID/ns says everything
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  // (A leader that exited while its threads run shows no links: every thread then counts here, though
  // the process scan, which drops such a process, leaves them out of the model.)
  const leader = PER_THREAD_TYPES.map((t) => readNs(`/proc/${pid}/ns`, t));
  const leaderUnreadable = leader.every((l) => l === undefined);
  for (const name of tids) {
    const tid = Number(name);
    if (tid === pid) continue;
    let readable = false;
    for (let i = 0; i < PER_THREAD_TYPES.length; i++) {
      const link = readNs(`/proc/${pid}/task/${tid}/ns`, PER_THREAD_TYPES[i]);
      if (link !== undefined) readable = true;
      if (link === undefined || link === leader[i]) continue;
      const ns = parseNsLink(link);
      if (ns) out.push({ pid, tid, type: ns.type, id: ns.id });
    }
    // A process closed to us (PID 1 here, EACCES even for root) is closed thread by thread too.
    if (leaderUnreadable && !readable) return;
  }
}

/** Add the thread-held namespaces to the model (source `task`). */
export function addThreadHolders(model: ScanModel, held: HeldNs[]): void {
  for (const h of held) holdNamespace(model, h.type, h.id, 'task', h.pid);
}
