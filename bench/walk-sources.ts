/**
 * A prototype, for the benchmark only: the scan with src/proc/walk.ts in place of the JavaScript walk
 * (processes.ts, fds.ts with its worker, tasks.ts) and of the representatives' details, the rest of
 * the sources as they are. It shows what integrating the walker would buy before the scan is
 * restructured to use it; it builds the same model (zombies and half-read processes left out, as
 * processes.ts does), so `tsns ls` prints the same.
 */
import { NS_TYPES, type NsType } from '../src/sys/constants';
import { NS_ABSENT, readProcessDetails, walkProc } from '../src/proc/walk';
import { ownPinSource, sources, type Source } from '../src/scan/index';
import { containerSource } from '../src/scan/containers';
import { hierarchySource } from '../src/scan/sources/hierarchy';
import { nsfsSource } from '../src/scan/sources/nsfs';
import type { ProcessInfo } from '../src/scan/model';
import { addHolders, type HolderFacts } from '../src/scan/sources/fds';
import { addSockets } from '../src/scan/sources/sockets';

/** Every process's links, fds, sockets and threads, from one walk. */
export const walkSource: Source = function walkSource(model, options) {
  const walk = walkProc({ types: options.types, fds: true, threads: true, procRoot: options.procRoot });
  const ntypes = walk.types.length;
  for (let i = 0; i < walk.pids.length; i++) {
    const pid = walk.pids[i];
    const base = i * ntypes;
    let absent = false;
    for (let t = 0; t < ntypes; t++) if (walk.ns[base + t] === NS_ABSENT) absent = true;
    if (absent) continue; // a zombie, or exited part-way: processes.ts drops it whole
    const nsOf: Partial<Record<NsType, number>> = {};
    const proc: ProcessInfo = { pid, ppid: undefined, uid: undefined, command: undefined, ns: nsOf };
    model.processes.set(pid, proc);
    for (let t = 0; t < ntypes; t++) {
      const ino = walk.ns[base + t];
      if (ino <= 0) continue;
      const type = walk.types[t];
      nsOf[type] = ino;
      let ns = model.namespaces.get(ino);
      if (ns === undefined) {
        ns = { id: ino, type, pids: [], pid: undefined, sources: new Set(['process']), nsfs: [] };
        model.namespaces.set(ino, ns);
      }
      ns.pids.push(pid);
    }
  }
  const facts: HolderFacts = { fds: [], threads: [], sockets: [] };
  for (let i = 0; i < walk.fds.length; i++)
    facts.fds.push({ pid: walk.fds.pid[i], fd: walk.fds.id[i], type: NS_TYPES[walk.fds.type[i]], id: walk.fds.inode[i] });
  for (let i = 0; i < walk.threads.length; i++)
    facts.threads.push({ pid: walk.threads.pid[i], tid: walk.threads.id[i], type: NS_TYPES[walk.threads.type[i]], id: walk.threads.inode[i] });
  const wanted = new Set(options.types);
  addHolders(model, facts, wanted);
  if (options.types.includes('net')) {
    const sockets = [];
    for (let i = 0; i < walk.sockets.length; i++) {
      const pid = walk.sockets.pid[i];
      if (model.processes.has(pid)) sockets.push({ pid, fd: walk.sockets.fd[i], inode: walk.sockets.inode[i] });
    }
    addSockets(model, sockets, wanted);
  }
};

/** The details of each namespace's likely representative (its PID column), in one native call; one
 *  found gone is left for the scan's own reader, which takes it out of the model. */
export const representativeSource: Source = function representativeSource(model, options) {
  const pids = new Set<number>();
  for (const ns of model.namespaces.values()) {
    const pid = ns.pid ?? ns.pids[0];
    if (pid !== undefined) pids.add(pid);
  }
  const details = readProcessDetails([...pids], options.procRoot);
  for (let i = 0; i < details.length; i++) {
    const proc = details.found[i] ? model.processes.get(details.pid[i]) : undefined;
    if (!proc) continue;
    proc.ppid = details.ppid[i];
    proc.uid = details.uid[i];
    proc.command = details.command[i];
  }
};

/** Make scan() (and so tsns ls) run the prototype's sources. */
export function useWalker(): void {
  sources.splice(0, sources.length, walkSource, ownPinSource, nsfsSource, hierarchySource, containerSource, representativeSource);
}
