/**
 * Source: the CONTAINER, ENGINE, CTRID and POD columns — which container each namespace belongs to.
 * Runs only when ScanOptions.containers asks: it reads the engines' state (src/containers), which a
 * default `tsns ls` never does.
 *
 * A namespace belongs to the container whose init is its topmost member: a member whose parent is not
 * in the namespace (a container's init has its runtime's shim, or PID 1 after re-parenting, as parent).
 * A parent whose namespace cannot be read (PID 1 here, even for root) counts as being in the initial
 * namespaces, as kthreadd (PID 2) shows them. When several inits qualify — a pod's containers joining
 * its sandbox's network, IPC and UTS namespaces — the oldest wins: the sandbox, so the pod's shared
 * namespaces show the sandbox and its pod, and each app container's own namespaces show that container.
 * Namespaces with no member process (held by a thread, fd, socket or pin only) get none.
 */
import type { NsType } from '../../sys/constants';
import { readNsLink } from '../../proc/ns';
import { readStat } from '../../proc/stat';
import type * as ContainersModule from '../../containers';
import type { Container } from '../../containers';
import type { Source } from '../context';
import type { ContainerRef, ScanModel } from '../model';

/** Namespace of `type` that process `pid` is in (from the scan, else its link), if readable. */
function namespaceOf(model: ScanModel, pid: number, type: NsType): number | undefined {
  if (pid <= 0) return undefined;
  return model.processes.get(pid)?.ns[type] ?? readNsLink(pid, type)?.id;
}

/** The initial namespace of `type`: kthreadd's (PID 2 is always in them), else our own. */
function initialNamespace(model: ScanModel, type: NsType): number | undefined {
  return namespaceOf(model, 2, type) ?? namespaceOf(model, process.pid, type);
}

/** Each running container's reference: its name, or ENGINE:NAME where another engine's container has
 *  that name, or its id where even that is shared, so that one value always means one container. */
function references(running: readonly Container[]): Map<Container, ContainerRef> {
  const count = (key: (c: Container) => string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const c of running) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
    return m;
  };
  const byName = count((c) => c.name);
  const byEngineName = count((c) => `${c.engine}:${c.name}`);
  const refs = new Map<Container, ContainerRef>();
  for (const c of running) {
    const name = byName.get(c.name) === 1 ? c.name : byEngineName.get(`${c.engine}:${c.name}`) === 1 ? `${c.engine}:${c.name}` : c.id;
    refs.set(c, { name, engine: c.engine, id: c.id, ...(c.pod ? { pod: c.pod } : {}) });
  }
  return refs;
}

/** Fill Namespace.container for every namespace of the model; the model keeps what was found. */
export function markContainers(model: ScanModel): void {
  // Loaded here, not at the top: the engines' modules cost a default tsns ls ~10 ms it never needs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { discoverContainers } = require('../../containers') as typeof ContainersModule;
  const { containers, denied } = discoverContainers({ processes: model.processes.values() });
  model.containers = containers;
  model.deniedState = denied;
  const running = containers.filter((c) => c.pid !== undefined);
  if (running.length === 0) return;
  const byInit = new Map<number, Container>();
  for (const c of running) byInit.set(c.pid as number, c);
  const refs = references(running);
  const startOf = new Map<number, number>();
  const start = (pid: number): number => {
    let s = startOf.get(pid);
    if (s === undefined) {
      s = model.processes.get(pid)?.start ?? readStat(pid)?.start ?? Number.MAX_SAFE_INTEGER;
      startOf.set(pid, s);
    }
    return s;
  };
  const ppidOf = (pid: number): number => model.processes.get(pid)?.ppid ?? readStat(pid)?.ppid ?? 0;
  for (const ns of model.namespaces.values()) {
    let best: Container | undefined;
    for (const pid of ns.pids) {
      const c = byInit.get(pid);
      if (!c) continue;
      const parentNs = namespaceOf(model, ppidOf(pid), ns.type) ?? initialNamespace(model, ns.type);
      if (parentNs === ns.id) continue; // its parent is in it too: not the namespace's top
      const cp = c.pid as number;
      const bp = best?.pid as number;
      if (!best || start(cp) < start(bp) || (start(cp) === start(bp) && cp < bp)) best = c;
    }
    if (best) ns.container = refs.get(best);
  }
}

export const containerSource: Source = function containerSource(ctx) {
  if (ctx.options.containers) markContainers(ctx.model);
};
