/**
 * Process details (PPID, UID, COMMAND, state, start time) for the processes a view shows, read after
 * the walk by the native reader in one call; a representative that exited meanwhile is replaced by the
 * next member, so rows are never half-filled.
 */
import { readProcessDetails as readNativeDetails } from '../proc/walk';
import type { Namespace, ScanModel } from './model';

/** Take a process out of the model and out of its namespaces' member lists. */
function removeProcess(model: ScanModel, pid: number): void {
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

/**
 * Fill ppid, uid, command, state and start of the given processes. A process that has exited is removed
 * from the model (from its namespaces too), so no view shows a half row; returns the PIDs removed.
 */
export function readProcessDetails(model: ScanModel, pids: Iterable<number>): number[] {
  const wanted: number[] = [];
  for (const pid of pids) {
    const proc = model.processes.get(pid);
    if (proc && proc.command === undefined) wanted.push(pid);
  }
  if (wanted.length === 0) return [];
  const details = readNativeDetails(wanted);
  const removed: number[] = [];
  for (let i = 0; i < details.length; i++) {
    const pid = details.pid[i];
    const proc = model.processes.get(pid);
    if (!proc) continue;
    if (!details.found[i]) {
      removeProcess(model, pid);
      removed.push(pid);
      continue;
    }
    proc.ppid = details.ppid[i];
    proc.uid = details.uid[i];
    proc.command = details.command[i] ?? '';
    proc.state = String.fromCharCode(details.state[i]);
    proc.start = details.startTime[i];
  }
  return removed;
}

/** Namespaces held by nothing any more (their last member exited before its details were read). */
export function prune(model: ScanModel): void {
  for (const [id, ns] of model.namespaces) {
    if (ns.pids.length === 0 && ns.pid === undefined && ns.sources.length === 1 && ns.sources[0] === 'process') model.namespaces.delete(id);
  }
}

/**
 * Make sure each given namespace's representative process (its PID column) has its details read.
 * A representative that exited meanwhile is dropped and the next member takes its place, so rows are
 * never half-filled. Namespaces left with no member and no other holder leave the model.
 */
export function readRepresentatives(model: ScanModel, namespaces: Iterable<Namespace>): void {
  const list = [...namespaces];
  let gone = new Set<number>();
  for (;;) {
    const pids = new Set<number>();
    for (const ns of list) {
      if (ns.pid !== undefined && gone.has(ns.pid)) ns.pid = undefined;
      if (ns.pid === undefined && ns.pids.length > 0) ns.pid = ns.pids[0];
      if (ns.pid !== undefined) pids.add(ns.pid);
    }
    const removed = readProcessDetails(model, pids);
    if (removed.length === 0) break;
    gone = new Set(removed);
  }
  prune(model);
}
