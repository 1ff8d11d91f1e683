/**
 * Containers named by cgroup paths, for inits no readable state accounts for (an engine's state is
 * elsewhere, or not ours to read). Container managers put the container id, or name, in the cgroup
 * they make for it:
 *
 *   docker-ID.scope  libpod-ID.scope  cri-containerd-ID.scope  crio-ID.scope  nerdctl-ID.scope  (systemd)
 *   /docker/ID  /libpod_parent/libpod-ID  /crio-ID  .../kubepods/QOS/podUID/ID                   (cgroupfs)
 *   kubepods-QOS-podUID_WITH_UNDERSCORES.slice/...                                              (kubelet, systemd)
 *   lxc.payload.NAME  (LXC)        machine-NAME.scope  (systemd-nspawn, machined; '-' escaped as \x2d)
 *
 * Under kubepods a container is Kubernetes' whichever runtime runs it, and the pod's uid is known.
 */
import { hostOf } from './host';
import { readSystemFile } from './read';
import type { Container, DiscoveryContext, EngineName } from './types';

const HEX = '[0-9a-f]{64}';
const SCOPE_RE = new RegExp(`(?:^|/)(docker|libpod|cri-containerd|crio|nerdctl)-(${HEX})\\.scope(?:/|$)`);
const KUBE_FS_RE = new RegExp(`kubepods.*?/pod([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/(${HEX})(?:/|$)`);
const KUBE_POD_RE = /kubepods.*?pod([0-9a-f]{8}[_-][0-9a-f]{4}[_-][0-9a-f]{4}[_-][0-9a-f]{4}[_-][0-9a-f]{12})/;
const DOCKER_FS_RE = new RegExp(`(?:^|/)docker/(${HEX})(?:/|$)`);
const LIBPOD_FS_RE = new RegExp(`(?:^|/)libpod-(${HEX})(?:/|$)`);
const CRIO_FS_RE = new RegExp(`(?:^|/)crio-(${HEX})(?:/|$)`);
const LXC_RE = /(?:^|\/)lxc\.payload\.([^/]+)(?:\/|$)/;
const MACHINE_RE = /(?:^|\/)machine-([^/]+)\.scope(?:\/|$)/;

const BY_PREFIX: Record<string, EngineName> = { docker: 'docker', libpod: 'podman', 'cri-containerd': 'containerd', crio: 'cri-o', nerdctl: 'containerd' };

export interface CgroupContainer {
  engine: EngineName;
  /** Container id, or the name for LXC and nspawn. */
  id: string;
  /** Kubernetes pod uid, when a kubepods path names it. */
  podUid?: string;
}

/** systemd's unit name escaping: \xNN. */
const unescapeUnit = (s: string): string => s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

/** The container a /proc/PID/cgroup text names (its first line that names one), if any. */
export function containerOfCgroup(text: string): CgroupContainer | undefined {
  for (const line of text.split('\n')) {
    const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    if (path.length < 2) continue;
    const podUid = KUBE_POD_RE.exec(path)?.[1]?.replace(/_/g, '-');
    const kube = (engine: EngineName, id: string): CgroupContainer => (podUid ? { engine: 'kubernetes', id, podUid } : { engine, id });
    let m = SCOPE_RE.exec(path);
    if (m) return kube(BY_PREFIX[m[1]], m[2]);
    m = KUBE_FS_RE.exec(path);
    if (m) return { engine: 'kubernetes', id: m[2], podUid: m[1] };
    m = DOCKER_FS_RE.exec(path);
    if (m) return kube('docker', m[1]);
    m = LIBPOD_FS_RE.exec(path);
    if (m) return { engine: 'podman', id: m[1] };
    m = CRIO_FS_RE.exec(path);
    if (m) return kube('cri-o', m[1]);
    m = LXC_RE.exec(path);
    if (m) return { engine: 'lxc', id: m[1] };
    m = MACHINE_RE.exec(path);
    if (m) return { engine: 'nspawn', id: unescapeUnit(m[1]) };
  }
  return undefined;
}

/** Containers whose inits head a mount namespace, are not among `claimed`, and a cgroup path names. */
export function cgroupContainers(ctx: DiscoveryContext, claimed: Set<number>): Container[] {
  const host = hostOf(ctx);
  const cache = new Map<number, CgroupContainer | undefined>();
  const of = (pid: number): CgroupContainer | undefined => {
    if (!cache.has(pid)) {
      const text = readSystemFile(`/proc/${pid}/cgroup`);
      cache.set(pid, text ? containerOfCgroup(text) : undefined);
    }
    return cache.get(pid);
  };
  const out = new Map<string, Container>();
  for (const head of host.heads()) {
    if (claimed.has(head.pid)) continue;
    const c = of(head.pid);
    if (!c) continue;
    const parent = head.ppid > 0 ? of(head.ppid) : undefined;
    if (parent && parent.id === c.id && parent.engine === c.engine) continue; // not the container's topmost process
    const key = `${c.engine}:${c.id}`;
    const known = out.get(key);
    if (known && (known.pid as number) < head.pid) continue;
    const found: Container = { engine: c.engine, id: c.id, name: c.id, pid: head.pid, labels: {}, seenBy: ['cgroup'] };
    if (c.podUid) found.podUid = c.podUid;
    out.set(key, found);
  }
  return [...out.values()];
}
