/**
 * Containers found without asking any engine: what OCI runtimes leave on disk, and what container
 * managers write into cgroup paths.
 *
 * 1. OCI runtime state. runc (and docker's, containerd's and podman's use of it) keeps
 *    ROOT/ID/state.json; crun keeps ROOT/ID/status. The roots differ per engine and per user
 *    (/run/runc, /run/docker/runtime-runc/moby, /run/containerd/runc/k8s.io, /run/user/1000/crun, ...),
 *    so they are discovered: a shallow readdir walk of /run (and $XDG_RUNTIME_DIR) for directories that
 *    hold such a file. A state counts only while its init process is alive with the recorded start time
 *    (a recycled PID is not the container).
 * 2. Where no state is readable (an engine's root is elsewhere or not ours to read), container ids in
 *    cgroup paths: docker-<id>.scope, libpod-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope,
 *    /docker/<id>, kubepods .../pod<uid>/<id>. The init is the topmost process of that cgroup.
 *
 * Names come from annotations (io.kubernetes.cri.container-name, io.kubernetes.container.name,
 * nerdctl/name) or docker's on-disk config (/var/lib/docker/containers/ID/config.v2.json); else the id.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TsnsError, describeErrno, errorCode } from '../sys/errors';
import type { NsType } from '../sys/constants';
import type { ScanModel } from './model';
import { readStat as procStat } from '../proc/stat';
import { ownNamespace, readNsLink } from '../proc/ns';
import { fuseMountPoints as fuseMounts, readMountinfoText } from '../proc/mountinfo';
import { readCgroupText } from '../proc/cgroup';
import { listPids } from '../proc/pids';

export interface ContainerInfo {
  id: string;
  /** Human name (annotation or engine metadata), else the id. */
  name: string;
  /** Host PID of the container's init process. */
  pid: number;
  /** The OCI runtime (runc, crun) when found by its state, else the manager named by the cgroup. */
  runtime: string;
  /** How it was found. */
  source: 'state' | 'cgroup';
  bundle?: string;
  rootfs?: string;
  /** The runtime state directory (ROOT/ID). */
  stateDir?: string;
  /** Kubernetes pod uid, when the cgroup path names one. */
  pod?: string;
}

/** Directories under /run that never hold runtime state and can be large. */
const SKIP_DIRS = new Set(['systemd', 'udev', 'netns', 'lock', 'log', 'shm', 'mount', 'initramfs', 'sendsigs.omit.d']);
/** ROOT/ID/state.json is at most 4 levels below /run (/run/containerd/runc/k8s.io/ID) or below a
 *  user's runtime directory (/run/user/UID/docker/runtime-runc/moby/ID). */
const MAX_DEPTH = 4;

const NAME_ANNOTATIONS = ['io.kubernetes.cri.container-name', 'io.kubernetes.container.name', 'nerdctl/name', 'io.podman.annotations.name'];

/** Runtime state can sit in a directory an unprivileged user owns (/run/user/UID): read a file there
 *  only if it is a regular file of sane size, without following a symlink or waiting on a FIFO. */
const MAX_STATE_BYTES = 4 << 20;
function readStateFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    return st.isFile() && st.size <= MAX_STATE_BYTES ? readFileSync(fd, 'utf8') : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Mount points of FUSE file systems (whose servers could make a readdir or open hang): not walked. */
function fuseMountPoints(): Set<string> {
  return new Set(fuseMounts(readMountinfoText('self') ?? ''));
}

/** A runtime state directory found by the walk: ROOT/ID with its state file. */
interface StateDir {
  dir: string;
  file: 'state.json' | 'status';
}

/** A directory whose name says it is an engine's or runtime's: one we could not read may hide containers. */
const ENGINE_DIR = /^(runc|crun|youki|runsc|containerd|docker|moby|podman|libpod|containers|lxc|crio|cri-o|kata-containers|k3s)$/;

/** What the walk found: state directories, and the engine directories it was refused (EACCES). */
export interface StateDirs {
  dirs: StateDir[];
  /** Engine or runtime directories (runc's /run/runc is 0700) that exist but could not be read. */
  denied: string[];
}

/** Walk /run (and $XDG_RUNTIME_DIR) for ROOT/ID/{state.json,status}; cheap: directories only. */
export function findStateDirs(): StateDirs {
  const found: StateDir[] = [];
  const denied: string[] = [];
  const seen = fuseMountPoints(); // treated as already seen: never entered
  const walk = (dir: string, depth: number): void => {
    if (seen.has(dir)) return;
    seen.add(dir);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      const code = errorCode(err);
      if ((code === 'EACCES' || code === 'EPERM') && dir.split('/').some((part) => ENGINE_DIR.test(part))) denied.push(dir);
      return;
    }
    let subdirs: string[] | undefined;
    for (const e of entries) {
      if (e.isFile() && (e.name === 'state.json' || e.name === 'status')) {
        // crun's status file sits next to a config.json; a bare "status" elsewhere is not state.
        if (e.name === 'status' && !entries.some((x) => x.name === 'config.json')) continue;
        if (depth > 1) found.push({ dir, file: e.name }); // ROOT/ID below the walk's start
        return;
      }
      if (e.isDirectory() && depth < MAX_DEPTH && !(depth === 0 && SKIP_DIRS.has(e.name))) {
        (subdirs ??= []).push(e.name);
      }
    }
    if (subdirs) for (const name of subdirs) walk(join(dir, name), depth + 1);
  };
  // Each user's runtime directory (/run/user/UID, $XDG_RUNTIME_DIR) mirrors /run for rootless
  // engines (UID/runc/ID, UID/docker/runtime-runc/moby/ID), so it is walked as a root of its own.
  seen.add('/run/user');
  walk('/run', 0);
  try {
    for (const uid of readdirSync('/run/user')) walk(join('/run/user', uid), 0);
  } catch {
    /* no per-user directories */
  }
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg) walk(xdg, 0);
  return { dirs: found, denied };
}

function annotationsOf(labels: unknown, annotations: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(labels)) {
    // runc records annotations as "key=value" labels next to "bundle=PATH".
    for (const l of labels) {
      if (typeof l !== 'string') continue;
      const eq = l.indexOf('=');
      if (eq > 0) out[l.slice(0, eq)] = l.slice(eq + 1);
    }
  }
  if (annotations && typeof annotations === 'object') {
    for (const [k, v] of Object.entries(annotations)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** Name from docker's own record of the container, readable with no daemon running. */
function dockerName(id: string): string | undefined {
  const text = readStateFile(`/var/lib/docker/containers/${id}/config.v2.json`);
  if (!text) return undefined;
  try {
    const name = (JSON.parse(text) as { Name?: unknown }).Name;
    return typeof name === 'string' && name ? name.replace(/^\//, '') : undefined;
  } catch {
    return undefined;
  }
}

function nameFrom(id: string, ann: Record<string, string>, dockerish: boolean): string {
  for (const key of NAME_ANNOTATIONS) if (ann[key]) return ann[key];
  return (dockerish ? dockerName(id) : undefined) ?? id;
}

function runtimeOf(dir: string, file: string): string {
  if (file === 'status') return 'crun';
  if (dir.includes('crun')) return 'crun';
  if (dir.includes('youki')) return 'youki';
  return 'runc';
}

/** One state directory -> a live container, or undefined (stopped, recycled pid, unreadable). */
function fromState(sd: StateDir): ContainerInfo | undefined {
  const text = readStateFile(join(sd.dir, sd.file));
  if (!text) return undefined;
  let s: Record<string, unknown>;
  try {
    s = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined; // being written right now
  }
  const id = basename(sd.dir);
  let pid: number;
  let start: number | undefined;
  let ann: Record<string, string>;
  let bundle: string | undefined;
  let rootfs: string | undefined;
  if (sd.file === 'state.json') {
    pid = Number(s.init_process_pid);
    start = s.init_process_start === undefined ? undefined : Number(s.init_process_start);
    const config = (s.config ?? {}) as { labels?: unknown; rootfs?: unknown };
    ann = annotationsOf(config.labels, undefined);
    bundle = ann.bundle;
    rootfs = typeof config.rootfs === 'string' ? config.rootfs : undefined;
    if (typeof s.id === 'string' && s.id !== id) return undefined;
  } else {
    pid = Number(s.pid);
    start = s['process-start-time'] === undefined ? undefined : Number(s['process-start-time']);
    bundle = typeof s.bundle === 'string' ? s.bundle : undefined;
    rootfs = typeof s.rootfs === 'string' ? s.rootfs : undefined;
    let configAnn: unknown;
    const config = readStateFile(join(sd.dir, 'config.json'));
    if (config) {
      try {
        configAnn = (JSON.parse(config) as { annotations?: unknown }).annotations;
      } catch {
        /* ignore */
      }
    }
    ann = annotationsOf(undefined, configAnn);
  }
  // crun records the rootfs as given in config.json, often relative to the bundle.
  if (rootfs && !rootfs.startsWith('/') && bundle) rootfs = join(bundle, rootfs);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const live = procStat(pid);
  if (!live || live.state === 'Z' || live.state === 'X') return undefined; // stopped
  if (start !== undefined && Number.isFinite(start) && live.start !== start) return undefined; // PID reused
  const dockerish = sd.dir.includes('/docker/') || sd.dir.includes('/moby');
  return {
    id,
    name: nameFrom(id, ann, dockerish),
    pid,
    runtime: runtimeOf(sd.dir, sd.file),
    source: 'state',
    bundle,
    rootfs,
    stateDir: sd.dir,
  };
}

/** What discovery found: live containers, and the state directories it could not read. */
export interface ContainerDiscovery {
  containers: ContainerInfo[];
  /** Engine or runtime state directories that exist but are not ours to read (runc's is 0700). */
  denied: string[];
}

/** Containers of the OCI runtimes' state, live ones only. */
function stateContainers(): ContainerDiscovery {
  const { dirs, denied } = findStateDirs();
  const containers: ContainerInfo[] = [];
  for (const sd of dirs) {
    const c = fromState(sd);
    if (c) containers.push(c);
  }
  return { containers, denied };
}

/** Containers of the OCI runtimes' state, live ones only. */
export function listStateContainers(): ContainerInfo[] {
  return stateContainers().containers;
}

const HEX64 = '[0-9a-f]{64}';
const SCOPE_RE = new RegExp(`(?:^|/)(docker|libpod|cri-containerd|crio|nerdctl)-(${HEX64})\\.scope(?:/|$)`);
const DOCKER_FS_RE = new RegExp(`(?:^|/)docker/(${HEX64})(?:/|$)`);
const KUBE_FS_RE = new RegExp(`kubepods[^\\n]*?/pod([0-9a-f_-]{36})/(${HEX64})(?:/|$)`);
const KUBE_POD_RE = /kubepods[^\n]*?pod([0-9a-f]{8}[_-][0-9a-f]{4}[_-][0-9a-f]{4}[_-][0-9a-f]{4}[_-][0-9a-f]{12})/;

const MANAGER: Record<string, string> = {
  docker: 'docker',
  libpod: 'podman',
  'cri-containerd': 'containerd',
  crio: 'cri-o',
  nerdctl: 'nerdctl',
};

/** A container id named by a cgroup path (any hierarchy of /proc/PID/cgroup), with its manager. */
export function containerOfCgroup(cgroupFile: string): { id: string; manager: string; pod?: string } | undefined {
  for (const line of cgroupFile.split('\n')) {
    const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    if (path.length < 64) continue;
    const pod = KUBE_POD_RE.exec(path)?.[1]?.replace(/_/g, '-');
    let m = SCOPE_RE.exec(path);
    if (m) return { id: m[2], manager: MANAGER[m[1]] ?? m[1], pod };
    m = KUBE_FS_RE.exec(path);
    if (m) return { id: m[2], manager: 'kubepods', pod: m[1].replace(/_/g, '-') };
    m = DOCKER_FS_RE.exec(path);
    if (m) return { id: m[1], manager: 'docker', pod };
  }
  return undefined;
}

function cgroupContainer(pid: number): { id: string; manager: string; pod?: string } | undefined {
  const text = readCgroupText(pid);
  return text ? containerOfCgroup(text) : undefined;
}

/**
 * Containers named by cgroup paths, among candidate processes (each a possible init: pass processes
 * that head a mount namespace, since every OCI container has its own). A candidate is the init when
 * its parent is not in the same container cgroup. Ids already known from state are skipped.
 */
export function cgroupContainers(candidates: Iterable<{ pid: number; ppid: number }>, known: Set<string>): ContainerInfo[] {
  const byId = new Map<string, ContainerInfo>();
  for (const { pid, ppid } of candidates) {
    const c = cgroupContainer(pid);
    if (!c || known.has(c.id)) continue;
    if (ppid > 0 && cgroupContainer(ppid)?.id === c.id) continue; // not the container's topmost process
    const prev = byId.get(c.id);
    if (prev && prev.pid < pid) continue;
    byId.set(c.id, {
      id: c.id,
      name: nameFrom(c.id, {}, c.manager === 'docker'),
      pid,
      runtime: c.manager,
      source: 'cgroup',
      pod: c.pod,
    });
  }
  return [...byId.values()];
}

/** Processes that head a mount namespace other than ours: the possible container inits. */
function mountNamespaceHeads(): { pid: number; ppid: number }[] {
  const own = ownNamespace('mnt');
  if (own === undefined) return [];
  const mnt = new Map<number, number>();
  for (const pid of listPids()) {
    const id = readNsLink(pid, 'mnt')?.id;
    if (id !== undefined && id !== own) mnt.set(pid, id);
  }
  const heads: { pid: number; ppid: number }[] = [];
  for (const [pid, id] of mnt) {
    const st = procStat(pid);
    if (st && mnt.get(st.ppid) !== id) heads.push({ pid, ppid: st.ppid });
  }
  return heads;
}

/** Every live container on the host (OCI runtime state first, cgroup paths for the rest), and the
 *  state directories that could not be read. */
export function discoverContainers(): ContainerDiscovery {
  const fromStates = stateContainers();
  const known = new Set(fromStates.containers.map((c) => c.id));
  const containers = [...fromStates.containers, ...cgroupContainers(mountNamespaceHeads(), known)].sort((a, b) => a.pid - b.pid);
  return { containers, denied: fromStates.denied };
}

/** Every live container on the host: OCI runtime state first, cgroup paths for the rest. */
export function listContainers(): ContainerInfo[] {
  return discoverContainers().containers;
}

/**
 * Pick one container by exact name, exact id, or unique id prefix, among `containers`.
 * Unknown or ambiguous -> TsnsError (one line). An unknown name where some state could not be read
 * (`denied`) is EACCES: the container may well be there.
 */
export function pickContainer(containers: ContainerInfo[], nameOrId: string, denied: readonly string[] = []): ContainerInfo {
  if (!nameOrId) throw new TsnsError('empty container name');
  const unique = (list: ContainerInfo[]): ContainerInfo | undefined => {
    const ids = new Set(list.map((c) => c.id));
    if (ids.size > 1) {
      const names = [...ids].slice(0, 4).join(', ');
      throw new TsnsError(`container '${nameOrId}' is ambiguous: matches ${names}${ids.size > 4 ? ', ...' : ''}`, 'EAMBIGUOUS');
    }
    return list[0];
  };
  const exact = unique(containers.filter((c) => c.name === nameOrId || c.id === nameOrId));
  if (exact) return exact;
  const prefix = unique(containers.filter((c) => c.id.startsWith(nameOrId)));
  if (prefix) return prefix;
  if (denied.length > 0) {
    throw new TsnsError(
      `no container '${nameOrId}' among those readable: the container state in ${denied.join(', ')} could not be read (${describeErrno(13)}); ` +
        `run as root, or as the user that runs the container`,
      'EACCES',
    );
  }
  throw new TsnsError(`no such container: ${nameOrId}`, 'ENOTARGET');
}

/** `tsns enter NAME`, `tsns pin NAME`, `tsns ls --container NAME`: one live container. */
export function resolveContainer(nameOrId: string): ContainerInfo {
  try {
    return pickContainer(listStateContainers(), nameOrId);
  } catch (err) {
    // Only an unknown name is worth the slower cgroup look; ambiguity among states stands.
    if (!(err instanceof TsnsError) || err.code !== 'ENOTARGET') throw err;
  }
  const { containers, denied } = discoverContainers();
  return pickContainer(containers, nameOrId, denied);
}

/**
 * Fill Namespace.container: the container whose init process is the namespace's topmost member, that
 * is, a member whose parent process is not in the namespace (a container's init has its runtime or
 * shim, outside the container, or PID 1 after re-parenting, as parent). A parent whose namespace
 * cannot be read (PID 1 here, even for root) counts as being in the initial namespaces, as kthreadd
 * (PID 2) shows them. When several containers' inits qualify (a pod's containers joining the pause
 * container's network namespace), the oldest init wins (lowest start time, then lowest PID).
 * Namespaces with no member process (held by a thread, fd, socket or pin only) get none.
 * Returns the containers it considered, for `--container` filtering, and the state it could not read.
 */
export function markContainers(model: ScanModel, mountNamespaces: ReadonlyMap<number, readonly number[]>): ContainerDiscovery {
  const { containers: states, denied } = stateContainers();
  const known = new Set(states.map((c) => c.id));
  // Cgroup candidates: the oldest member (lowest PID) of each mount namespace but the host's, since
  // every OCI container has its own mount namespace and its init is normally its first process.
  const candidates: { pid: number; ppid: number }[] = [];
  const hostMnt = initialNamespace(model, 'mnt');
  for (const [id, pids] of mountNamespaces) {
    if (id === hostMnt || pids.length === 0) continue;
    const pid = pids[0];
    const ppid = model.processes.get(pid)?.ppid ?? procStat(pid)?.ppid;
    if (ppid !== undefined) candidates.push({ pid, ppid });
  }
  const containers = [...states, ...cgroupContainers(candidates, known)];
  const byInit = new Map<number, ContainerInfo>();
  for (const c of containers) byInit.set(c.pid, c);
  if (byInit.size === 0) return { containers, denied };
  const startOf = new Map<number, number>();
  const start = (pid: number): number => {
    let s = startOf.get(pid);
    if (s === undefined) {
      s = procStat(pid)?.start ?? Number.MAX_SAFE_INTEGER;
      startOf.set(pid, s);
    }
    return s;
  };
  // The CONTAINER column names a container, or gives its id where several live containers share the
  // name (two pods' "app" containers), so that one value always means one container.
  const nameCount = new Map<string, number>();
  for (const c of containers) nameCount.set(c.name, (nameCount.get(c.name) ?? 0) + 1);
  const labels = new Map(containers.map((c) => [c, (nameCount.get(c.name) ?? 0) > 1 ? c.id : c.name]));
  const ppidOf = new Map<number, number>();
  for (const c of containers) ppidOf.set(c.pid, model.processes.get(c.pid)?.ppid ?? procStat(c.pid)?.ppid ?? 0);
  for (const ns of model.namespaces.values()) {
    let best: ContainerInfo | undefined;
    for (const pid of ns.pids) {
      const c = byInit.get(pid);
      if (!c) continue;
      const parentNs = namespaceOf(model, ppidOf.get(pid) ?? 0, ns.type) ?? initialNamespace(model, ns.type);
      if (parentNs === ns.id) continue; // its parent is in it too: not the namespace's top
      if (!best || start(c.pid) < start(best.pid) || (start(c.pid) === start(best.pid) && c.pid < best.pid)) best = c;
    }
    if (best) ns.container = labels.get(best) ?? best.id;
  }
  return { containers, denied };
}

/** Namespace of `type` that process `pid` is in (from the scan, else its link), if readable. */
function namespaceOf(model: ScanModel, pid: number, type: NsType): number | undefined {
  if (pid <= 0) return undefined;
  return model.processes.get(pid)?.ns[type] ?? readNsLink(pid, type)?.id;
}

/** The initial namespace of `type`: kthreadd's (PID 2 is always in them), else our own. */
function initialNamespace(model: ScanModel, type: NsType): number | undefined {
  return namespaceOf(model, 2, type) ?? namespaceOf(model, process.pid, type);
}
