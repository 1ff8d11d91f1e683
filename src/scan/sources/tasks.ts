/**
 * Source: threads. Namespaces are per thread, so a thread that called unshare(2) or setns(2) on its own
 * (Node's worker_threads, Go's locked OS threads, ip's netns helpers) is in a namespace that
 * /proc/PID/ns — the thread group leader's view — does not show. Found in /proc/PID/task/TID/ns and
 * listed with the thread's process as PID and the thread's own link as PATH (source `task`).
 *
 * Kept cheap: a single-threaded process is skipped after one statx (the task directory's link count is
 * threads + 2), and only the five types a thread can hold apart from its leader are read — user, pid
 * and time joins and user unshares require a single-threaded caller, so those never differ.
 */
import type { NsType } from '../../sys/constants';
import { pathNlink } from '../../sys/libc';
import { readNsLinkAt } from '../../proc/ns';
import { listThreads } from '../../proc/pids';
import type { Source } from '../context';

/** One namespace held by a thread of process `pid`. */
export interface ThreadNs {
  pid: number;
  tid: number;
  type: NsType;
  id: number;
}

const PER_THREAD_TYPES = ['mnt', 'net', 'ipc', 'uts', 'cgroup'] as const;

/** Namespaces that threads of `pid` are in and its leader is not. */
export function scanThreads(pid: number, out: ThreadNs[]): void {
  // statx through koffi: a third of what fs.statSync costs, and this runs for every process.
  if (pathNlink(`/proc/${pid}/task`) <= 3) return; // one thread (or gone): /proc/PID/ns says everything
  const leader = PER_THREAD_TYPES.map((t) => readNsLinkAt(`/proc/${pid}/ns/${t}`)?.id);
  const leaderUnreadable = leader.every((l) => l === undefined);
  for (const tid of listThreads(pid)) {
    if (tid === pid) continue;
    let readable = false;
    for (let i = 0; i < PER_THREAD_TYPES.length; i++) {
      const ns = readNsLinkAt(`/proc/${pid}/task/${tid}/ns/${PER_THREAD_TYPES[i]}`);
      if (ns !== undefined) readable = true;
      if (ns === undefined || ns.id === leader[i]) continue;
      out.push({ pid, tid, type: ns.type, id: ns.id });
    }
    // A process closed to us (PID 1 here, EACCES even for root) is closed thread by thread too.
    if (leaderUnreadable && !readable) return;
  }
}

/** Source: namespaces only threads are in (source `task`). Only processes the process source kept count:
 *  a holder born after it is not part of this snapshot. */
export const taskSource: Source = function taskSource(ctx) {
  const held: ThreadNs[] = [];
  for (const pid of ctx.pids) if (ctx.model.processes.has(pid)) scanThreads(pid, held);
  for (const h of held) ctx.hold(h.type, h.id, 'task', h.pid, { kind: 'task', path: `/proc/${h.pid}/task/${h.tid}/ns/${h.type}` });
};
