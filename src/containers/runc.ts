/**
 * Plain OCI runtimes: runc keeps ROOT/ID/state.json, crun ROOT/ID/status (next to a config.json). The
 * roots differ per engine and per user (/run/runc, /run/docker/runtime-runc/moby,
 * /run/containerd/runc/k8s.io, /run/user/1000/runc, ...), so they are found: a shallow walk of /run
 * and of each user's runtime directory for directories that hold such a file. Every engine that uses
 * runc leaves a state here too; discovery merges them into the more specific engine's container.
 */
import { lstatSync } from 'node:fs';
import { basename, join } from 'node:path';
import { listDir, readJsonFile, readStateFile, readStateFileEnds, subdirs, type ReadOptions } from './read';
import type { Container, DiscoveryContext, Engine } from './types';
import { hostOf } from './host';

/** Directories that never hold runtime state and can be large: relative to the walk's start (/run or
 *  /run/user/UID), and by name anywhere (engines' fifo, socket and storage directories, one entry per
 *  container, which the walk would otherwise enter one by one). */
const SKIP_PATHS = new Set([
  'systemd',
  'udev',
  'netns',
  'lock',
  'log',
  'shm',
  'mount',
  'initramfs',
  'sendsigs.omit.d',
  'user',
  'containers',
  'libpod',
  'crio',
  'lxc',
]);
const SKIP_NAMES = new Set(['fifo', 's', 'exits', 'plugins', 'libnetwork', 'netns', 'swarm', 'shm']);
const skipped = (rel: string, name: string): boolean =>
  SKIP_PATHS.has(rel) ||
  SKIP_NAMES.has(name) ||
  rel === 'docker/containerd' || // dockerd's fifo directories, one per container
  name.startsWith('io.containerd.') || // containerd's own state (bundles, CRI), read by the containerd engine
  /-(containers|layers|images|locks)$/.test(name); // containers/storage's run root
/** ROOT/ID is at most 4 levels below the walk's start (/run/containerd/runc/k8s.io/ID,
 *  /run/user/UID/docker/runtime-runc/moby/ID counted from /run/user/UID). */
const MAX_DEPTH = 4;
/** Of the directories the walk cannot read, those that are runtime roots by name are reported denied;
 *  the rest (a daemon's private directory) say nothing about containers. */
const ROOT_NAMES = new Set(['runc', 'crun', 'youki', 'runtime-runc', 'runtime-crun', 'docker', 'containerd']);

/** Runtime roots of engines whose own state knows whether a container has started. */
const ENGINE_ROOT = /\/(runtime-runc|containerd\/runc)\//;

export interface StateDir {
  dir: string;
  file: 'state.json' | 'status';
  /** runc's exec.fifo is there: created, its process not started yet. */
  created?: boolean;
  /** Under a user's runtime directory: that user, who must own the state. */
  user?: number;
  /** Not listed: a sibling of a state directory, whose state file may not be there. */
  probe?: boolean;
}

/** Every ROOT/ID/{state.json,status} under /run and the users' runtime directories. */
export function findStateDirs(ctx: DiscoveryContext): StateDir[] {
  const found: StateDir[] = [];
  const seen = new Set(hostOf(ctx).fuseMounts()); // treated as already seen: never entered
  /** Walk `dir`; true when it is a state directory itself. */
  const walk = (dir: string, rel: string, depth: number, user: number | undefined): boolean => {
    if (seen.has(dir)) return false;
    seen.add(dir);
    const opts: ReadOptions = { root: dir, quiet: !ROOT_NAMES.has(basename(dir)) };
    const entries = listDir(dir, ctx, opts);
    if (!entries) return false;
    let next: string[] | undefined;
    for (const e of entries) {
      if (e.isFile() && (e.name === 'state.json' || e.name === 'status')) {
        // crun's status sits next to a config.json; a bare "status" elsewhere is not state.
        if (e.name === 'status' && !entries.some((x) => x.name === 'config.json')) continue;
        if (depth <= 1) return false;
        found.push({ dir, file: e.name, user, created: entries.some((x) => x.name === 'exec.fifo') || undefined });
        return true;
      }
      if (e.isDirectory() && depth < MAX_DEPTH && !skipped(rel ? `${rel}/${e.name}` : e.name, e.name)) (next ??= []).push(e.name);
    }
    // Once one subdirectory holds runtime state, this is a runtime root: its other subdirectories are
    // containers too, and their state file is opened without listing them first (a root of 200
    // containers would cost 200 directory listings).
    let root: StateDir | undefined;
    for (const name of next ?? []) {
      const sub = join(dir, name);
      if (root) found.push({ dir: sub, file: root.file, user, probe: true });
      else if (walk(sub, rel ? `${rel}/${name}` : name, depth + 1, user)) root = found[found.length - 1];
    }
    return false;
  };
  walk('/run', '', 0, undefined);
  for (const uid of subdirs('/run/user', ctx, { quiet: true })) {
    const n = Number(uid);
    if (Number.isInteger(n) && n >= 0) walk(join('/run/user', uid), '', 0, n === 0 ? undefined : n);
  }
  return found;
}

function labelsOf(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  // runc records the OCI annotations as "key=value" labels, next to "bundle=PATH".
  if (Array.isArray(list)) {
    for (const l of list) {
      if (typeof l !== 'string') continue;
      const eq = l.indexOf('=');
      if (eq > 0) out[l.slice(0, eq)] = l.slice(eq + 1);
    }
  }
  return out;
}

function stringsOf(obj: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (obj && typeof obj === 'object') for (const [k, v] of Object.entries(obj)) if (typeof v === 'string') out[k] = v;
  return out;
}

function existsNoFollow(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The JSON array of strings that follows the first `"KEY":[` in `text` (a key: inside a JSON string
 *  every quote is escaped, so the pattern cannot start there), or undefined. Its end is the first `"]`
 *  after it; a string that itself ends in an escaped quote and a bracket makes the parse fail, and the
 *  caller then parses the whole file. */
function stringArrayAfter(text: string, key: string): unknown[] | undefined {
  const at = text.indexOf(`"${key}":[`);
  if (at < 0) return undefined;
  const open = at + key.length + 3;
  const end = text.startsWith('[]', open) ? open + 1 : text.indexOf('"]', open) + 1;
  if (end <= open) return undefined;
  try {
    return JSON.parse(text.slice(open, end + 1)) as unknown[];
  } catch {
    return undefined;
  }
}

/**
 * runc's state.json, the few fields discovery needs. The file is large (30 KB: the whole libcontainer
 * config, seccomp profile included) and there is one per container, so it is not read and parsed whole:
 * the fields are where runc's encoder puts them — `{"id":…,"init_process_pid":…,"init_process_start":…`
 * and the config's rootfs at its start, the config's labels (OCI annotations and bundle=) near its end.
 * `head` is the file's start (or all of it), `tail` its end. Another shape is parsed whole.
 */
export function parseRuncState(
  head: string,
  tail: string | undefined,
  whole: () => string | undefined,
): { id: string; pid: number; start?: number; labels: unknown; rootfs?: string } | undefined {
  const m = /^\{"id":("(?:[^"\\]|\\.)*"),"init_process_pid":(\d+),"init_process_start":(\d+)[,}]/.exec(head);
  const labels = m && stringArrayAfter(tail ?? head, 'labels');
  if (m && labels) {
    const rootfs = /"rootfs":("(?:[^"\\]|\\.)*")/.exec(head)?.[1];
    try {
      return { id: JSON.parse(m[1]) as string, pid: Number(m[2]), start: Number(m[3]), labels, rootfs: rootfs ? (JSON.parse(rootfs) as string) : undefined };
    } catch {
      /* fall through to the full parse */
    }
  }
  const text = tail === undefined ? head : whole();
  let s: { id?: unknown; init_process_pid?: unknown; init_process_start?: unknown; config?: { labels?: unknown; rootfs?: unknown } };
  try {
    s = JSON.parse(text ?? '') as typeof s;
  } catch {
    return undefined; // being written right now
  }
  if (typeof s.id !== 'string') return undefined;
  return {
    id: s.id,
    pid: Number(s.init_process_pid),
    start: s.init_process_start === undefined ? undefined : Number(s.init_process_start),
    labels: s.config?.labels,
    rootfs: typeof s.config?.rootfs === 'string' ? s.config.rootfs : undefined,
  };
}

/** One state directory -> a container (alive or not: discovery checks the pid). */
export function readState(sd: StateDir, ctx: DiscoveryContext): Container | undefined {
  const opts: ReadOptions = { owner: sd.user, root: sd.dir };
  const id = basename(sd.dir);
  let c: Container;
  if (sd.file === 'state.json') {
    const path = join(sd.dir, sd.file);
    const ends = readStateFileEnds(path, ctx, 4096, opts);
    const s = ends && parseRuncState(ends.head, ends.tail, () => readStateFile(path, ctx, opts));
    if (!s || s.id !== id) return undefined;
    const labels = labelsOf(s.labels);
    const bundle = labels.bundle;
    delete labels.bundle;
    c = { engine: 'runc', id, name: id, pid: s.pid, pidStart: s.start, labels, stateDir: sd.dir, bundle, rootfs: s.rootfs };
    // runc leaves exec.fifo in the state directory until the container's process is started (dockerd's
    // and containerd's own state say that for theirs, so their roots are not asked).
    if (sd.created || (sd.probe && !ENGINE_ROOT.test(sd.dir) && existsNoFollow(join(sd.dir, 'exec.fifo')))) c.status = 'created';
  } else {
    const s = readJsonFile<Record<string, unknown>>(join(sd.dir, sd.file), ctx, opts);
    if (!s) return undefined;
    const config = readJsonFile<{ annotations?: unknown }>(join(sd.dir, 'config.json'), ctx, opts);
    const bundle = typeof s.bundle === 'string' ? s.bundle : undefined;
    let rootfs = typeof s.rootfs === 'string' ? s.rootfs : undefined;
    // crun records the rootfs as config.json gives it, often relative to the bundle.
    if (rootfs && !rootfs.startsWith('/') && bundle) rootfs = join(bundle, rootfs);
    c = {
      engine: 'crun',
      id,
      name: id,
      pid: Number(s.pid),
      pidStart: s['process-start-time'] === undefined ? undefined : Number(s['process-start-time']),
      labels: stringsOf(config?.annotations),
      stateDir: sd.dir,
      bundle,
      rootfs,
    };
  }
  if (!Number.isInteger(c.pid) || (c.pid as number) <= 0) delete c.pid;
  if (c.pidStart === undefined || !Number.isFinite(c.pidStart)) delete c.pidStart;
  if (c.bundle === undefined) delete c.bundle;
  if (c.rootfs === undefined) delete c.rootfs;
  if (sd.user !== undefined) c.user = sd.user;
  return c;
}

export const runcEngine: Engine = {
  name: 'runc',
  discover(ctx) {
    const out: Container[] = [];
    const known = hostOf(ctx).known.runtimePids;
    for (const sd of findStateDirs(ctx)) {
      const c = readState(sd, ctx);
      if (!c) continue;
      out.push(c);
      if (c.pid !== undefined && c.user === undefined) known.set(c.id, c.pid);
    }
    return out;
  },
};
