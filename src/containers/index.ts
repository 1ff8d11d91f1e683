/**
 * Every container on the host, named as its engine names it, from the files the engines leave on disk
 * — no engine API, no socket, no engine CLI, so it works with an engine wedged or its socket out of
 * reach. Each engine is one module behind the Engine interface; discoverContainers() runs them all,
 * merges what several of them see (a Docker container is also a containerd task in namespace moby and a
 * runc state; a podman container also a runc state; a CRI container a containerd task in k8s.io),
 * keeping the most specific engine's view, adds what only cgroup paths name, and checks that each init
 * is alive (not a zombie, the recorded start time where there is one) and, for a user's container, that
 * the process may be that user's.
 */
import { cgroupContainers } from './cgroup';
import { containerdEngine } from './containerd';
import { dockerEngine } from './docker';
import { HostFacts, type DiscoveryOptions } from './host';
import { kubernetesEngine } from './kubernetes';
import { lxcEngine } from './lxc';
import { nspawnEngine } from './nspawn';
import { podmanEngine } from './podman';
import { isHex64 } from './read';
import { runcEngine } from './runc';
import type { Container, DiscoveryContext, Engine, EngineName } from './types';

export type { Container, DiscoveryContext, Engine, EngineName } from './types';
export type { DiscoveryOptions } from './host';
export { containerOfCgroup } from './cgroup';

/** In this order: the runtime state first and docker before containerd, so that later engines skip
 *  what earlier ones already read (HostFacts.known). */
export const engines: Engine[] = [runcEngine, dockerEngine, podmanEngine, kubernetesEngine, containerdEngine, lxcEngine, nspawnEngine];

/** Most specific first: the engine a user of the container knows it by. */
const RANK: Record<EngineName, number> = { kubernetes: 0, docker: 1, podman: 2, 'cri-o': 3, lxc: 4, nspawn: 5, containerd: 6, crun: 7, runc: 8 };

/** Two records of one id are one container unless they disagree about its init or its user. Ids of 64 hex digits
 *  are unique across engines; short ones (a containerd or runc id, an LXC name) are not, so those need
 *  the same recorded PID. */
function sameContainer(a: Container, b: Container): boolean {
  // State a user wrote is never folded into root's (nor another user's): it could name any id.
  if (a.user !== b.user) return false;
  if (a.pid !== undefined && b.pid !== undefined) {
    return a.pid === b.pid && (a.pidStart === undefined || b.pidStart === undefined || a.pidStart === b.pidStart);
  }
  return isHex64(a.id);
}

/** Fold `b` (less specific) into `a`: a's fields win, b fills the gaps, labels are merged. */
function absorb(a: Container, b: Container): void {
  const target = a as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(b)) if (target[k] === undefined && v !== undefined) target[k] = v;
  a.labels = { ...b.labels, ...a.labels };
  for (const s of b.seenBy ?? [b.engine]) if (!a.seenBy?.includes(s)) (a.seenBy ??= []).push(s);
}

export function mergeContainers(found: Container[]): Container[] {
  const ordered = [...found].sort((x, y) => RANK[x.engine] - RANK[y.engine] || Number(x.seenBy?.[0] === 'cgroup') - Number(y.seenBy?.[0] === 'cgroup'));
  const byId = new Map<string, Container[]>();
  for (const c of ordered) {
    const group = byId.get(c.id) ?? [];
    const into = group.find((g) => sameContainer(g, c));
    if (into) absorb(into, c);
    else group.push({ ...c, labels: { ...c.labels }, seenBy: [...(c.seenBy ?? [c.engine])] });
    byId.set(c.id, group);
  }
  return [...byId.values()].flat();
}

const RUNNING = new Set(['running', 'paused', 'restarting', 'created']);

/** Keep a container's pid only while it is its init: alive, not a zombie, the recorded start time, and
 *  for a user's container, owned by that user or one of its subordinate ids (state in a user's home is
 *  theirs to write, and must not name someone else's process). */
function checkInit(c: Container, host: HostFacts): void {
  if (c.pid === undefined) return;
  const st = host.stat(c.pid);
  let live = st !== undefined && st.state !== 'Z' && st.state !== 'X' && (c.pidStart === undefined || st.start === c.pidStart);
  if (live && c.user !== undefined) {
    const owner = host.ownerOf(c.pid);
    live = owner !== undefined && host.mayBelongTo(owner, c.user);
  }
  if (live) {
    c.status ??= 'running';
    return;
  }
  delete c.pid;
  delete c.pidStart;
  if (c.status === undefined || RUNNING.has(c.status)) c.status = 'stopped';
}

/**
 * Every container the engines' state records (running or not) and every running one a cgroup path
 * names. `denied`: state that exists but this user cannot read.
 */
export function discoverContainers(options: DiscoveryOptions = {}): { containers: Container[]; denied: string[] } {
  const host = new HostFacts(options);
  const ctx: DiscoveryContext = { denied: [], host };
  const found: Container[] = [];
  for (const engine of engines) found.push(...engine.discover(ctx));
  const claimed = new Set<number>();
  for (const c of found) if (c.pid !== undefined) claimed.add(c.pid);
  found.push(...cgroupContainers(ctx, claimed));
  const containers = mergeContainers(found);
  for (const c of containers) checkInit(c, host);
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0); // not localeCompare: ICU's first use costs ~30 ms
  containers.sort((a, b) => RANK[a.engine] - RANK[b.engine] || cmp(a.name, b.name) || cmp(a.id, b.id));
  return { containers, denied: ctx.denied };
}
export { describeContainer, listContainers, pickContainer, resolveContainer } from './resolve';
