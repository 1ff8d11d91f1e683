/**
 * A prototype, for the benchmark only: the scan with src/proc/walk.ts in place of the JavaScript walk
 * (processes.ts, fds.ts with its worker, tasks.ts) and of the representatives' details, the rest of
 * the sources as they are. It shows what integrating the walker would buy before the scan is
 * restructured to use it; it builds the same model (zombies and half-read processes left out, as
 * processes.ts does), so `tsns ls` prints the same.
 */
import { NS_TYPES, type NsType } from '../src/sys/constants';
import { NS_ABSENT, readHierarchy, readProcessDetails, walkProc, type NamespaceWay } from '../src/proc/walk';
import { ownPinSource, sources, type Source } from '../src/scan/index';
import { containerSource } from '../src/scan/containers';
import { addHierarchy } from '../src/scan/sources/hierarchy';
import { holdNamespace, nsfsSource } from '../src/scan/sources/nsfs';
import type { ProcessInfo, ScanModel } from '../src/scan/model';

/** Ways to the namespaces only an fd or a thread holds, from the walk, for the hierarchy. */
const holderWays = new WeakMap<ScanModel, Map<number, NamespaceWay>>();
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
  const ways = new Map<number, NamespaceWay>();
  for (const f of facts.fds) if (!ways.has(f.id)) ways.set(f.id, { pid: f.pid, fd: f.fd, type: f.type, inode: f.id });
  for (const t of facts.threads) if (!ways.has(t.id)) ways.set(t.id, { pid: t.pid, tid: t.tid, type: t.type, inode: t.id });
  holderWays.set(model, ways);
  if (options.types.includes('net')) {
    const sockets = [];
    for (let i = 0; i < walk.sockets.length; i++) {
      const pid = walk.sockets.pid[i];
      if (model.processes.has(pid)) sockets.push({ pid, fd: walk.sockets.fd[i], inode: walk.sockets.inode[i] });
    }
    addSockets(model, sockets, wanted);
  }
};

/**
 * The hierarchy in one native call (readHierarchy) for every namespace a process, a thread or an fd
 * holds, with the same model hierarchy.ts builds (ancestors of the wanted types added as `owner` or
 * `parent`); what it cannot reach (pins no process is in) is left to hierarchy.ts.
 */
export const nativeHierarchySource: Source = function nativeHierarchySource(model, options) {
  const held = holderWays.get(model) ?? new Map<number, NamespaceWay>();
  const ways: NamespaceWay[] = [];
  for (const ns of model.namespaces.values()) {
    const pid = ns.pids[0];
    const way: NamespaceWay | undefined = pid !== undefined ? { pid, type: ns.type, inode: ns.id } : held.get(ns.id);
    if (way) ways.push(way);
  }
  const h = readHierarchy(ways, options.procRoot);
  const wanted = new Set(options.types);
  const index = new Map<number, number>();
  for (let i = 0; i < h.length; i++) if (!index.has(h.inode[i])) index.set(h.inode[i], i);
  const onlyRelative = (sources: Set<string>): boolean => [...sources].every((x) => x === 'parent' || x === 'owner');
  for (let i = 0; i < h.length; i++) {
    if (!h.reached[i]) continue;
    const type = NS_TYPES[h.type[i]];
    // Ancestors come after the ways: one added as a relative below is answered when the loop gets to it.
    const ns = model.namespaces.get(h.inode[i]);
    if (!ns || ns.owner !== undefined) continue; // an ancestor of a type not wanted, or answered already
    ns.owner = h.owner[i] > 0 ? h.owner[i] : 0;
    ns.parent = (type === 'user' || type === 'pid') && h.parent[i] > 0 ? h.parent[i] : 0;
    const ownerAt = index.get(ns.owner);
    ns.ownerUid =
      type === 'user' ? (h.ownerUid[i] >= 0 ? h.ownerUid[i] : undefined) : ownerAt !== undefined && h.ownerUid[ownerAt] >= 0 ? h.ownerUid[ownerAt] : undefined;
    for (const [rel, source, relType] of [
      [ns.owner, 'owner', 'user'],
      [ns.parent, 'parent', type],
    ] as const) {
      if (!rel) continue;
      const known = model.namespaces.get(rel);
      if (known && onlyRelative(known.sources)) known.sources.add(source);
      if (!known && wanted.has(relType)) holdNamespace(model, relType, rel, source);
    }
  }
  // What no way reached (a pin no process is in), the JavaScript walk asks.
  addHierarchy(model, wanted);
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
  sources.splice(0, sources.length, walkSource, ownPinSource, nsfsSource, nativeHierarchySource, containerSource, representativeSource);
}
