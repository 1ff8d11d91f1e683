/**
 * Source: threads. Namespaces are per thread, so a thread that called unshare(2) or setns(2) on its own
 * (Node's worker_threads, Go's locked OS threads, ip's netns helpers) is in a namespace that
 * /proc/PID/ns — the thread group leader's view — does not show. The walk reads /proc/PID/task/TID/ns
 * of every thread of a process with more than one (five types: user, pid and time joins and user
 * unshares require a single-threaded caller, so those never differ); the namespaces a thread is in and
 * its leader is not are listed with the thread's process as PID and its own link as PATH (source `task`).
 */
import { NS_TYPES } from '../../sys/constants';
import type { Source } from '../context';

export const taskSource: Source = Object.assign(
  function taskSource(ctx: Parameters<Source>[0]): void {
    const threads = ctx.walk?.threads;
    if (!threads) return;
    for (let i = 0; i < threads.length; i++) {
      const pid = threads.pid[i];
      // Only processes the walk kept count: a holder born after it is not part of this snapshot.
      if (!ctx.model.processes.has(pid)) continue;
      const type = NS_TYPES[threads.type[i]];
      const tid = threads.id[i];
      ctx.hold(type, threads.inode[i], 'task', pid, { kind: 'task', path: `/proc/${pid}/task/${tid}/ns/${type}`, pid, tid });
    }
  },
  { walks: { threads: true } },
);
