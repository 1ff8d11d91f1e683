/**
 * Source: processes. Every /proc/PID/ns/TYPE link of every process (the one cost a scan cannot avoid:
 * NPROCS needs them all), read by the native walker in one call — with the fd tables and the threads
 * too when the other sources listed want them, so that /proc is walked once. Every type the kernel has
 * is read and kept in the model while the sources run, whatever types the caller asked for: the other
 * sources find pins and containers through mount namespaces and ancestors through every namespace, so
 * -t narrows what is shown, never what is found (scan() drops the other types at the end).
 *
 * As lsns counts them: a process is kept with each link it can read. A zombie reads only its pid and
 * user links (the kernel dropped the rest with its nsproxy) and counts in those two; PID 1 here reads
 * none (EACCES, even for root) and is kept with no namespaces; a process gone before its links were read
 * is left out by the walk.
 */
import { walkProc } from '../../proc/walk';
import type { ScanContext, Source } from '../context';
import { newNamespace, type ProcessInfo } from '../model';

function readProcesses(ctx: ScanContext): void {
  const { model, options, mountNamespaces } = ctx;
  const fds = options.sources.some((s) => s.walks?.fds);
  const threads = options.sources.some((s) => s.walks?.threads);
  const walk = walkProc({ fds, threads });
  ctx.walk = walk;
  const { pids, ns, types } = walk;
  const ntypes = types.length;
  const mnt = types.indexOf('mnt');
  const namespaces = model.namespaces;
  for (let i = 0; i < pids.length; i++) {
    const pid = pids[i];
    const nsOf: ProcessInfo['ns'] = {};
    model.processes.set(pid, { pid, ns: nsOf });
    for (let t = 0; t < ntypes; t++) {
      const ino = ns[i * ntypes + t];
      if (ino <= 0) continue; // absent (a zombie's), not ours to read, or another error
      const type = types[t];
      nsOf[type] = ino;
      if (t === mnt) {
        const members = mountNamespaces.get(ino);
        if (members) members.push(pid);
        else mountNamespaces.set(ino, [pid]);
      }
      let entry = namespaces.get(ino);
      if (entry === undefined) {
        entry = newNamespace(ino, type, 'process');
        namespaces.set(ino, entry);
      }
      entry.pids.push(pid); // /proc lists PIDs ascending: member lists stay sorted
    }
  }
}

/** Source: every process's namespaces (walks /proc for every per-process source of this scan). */
export const processSource: Source = function processSource(ctx) {
  readProcesses(ctx);
};
