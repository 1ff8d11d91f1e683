/**
 * Plain OCI runtimes: runc keeps ROOT/ID/state.json, crun ROOT/ID/status (next to a config.json). The
 * roots differ per engine and per user (/run/runc, /run/docker/runtime-runc/moby,
 * /run/containerd/runc/k8s.io, /run/user/1000/runc, ...), so they are found: a shallow walk of /run
 * and of each user's runtime directory for directories that hold such a file. Every engine that uses
 * runc leaves a state here too; discovery merges them into the more specific engine's container.
 */
import { basename, join } from 'node:path';
import { listDir, readJsonFile, subdirs, type ReadOptions } from './read';
import type { Container, DiscoveryContext, Engine } from './types';
import { readSystemFile } from './read';
import { unescapeMountPath } from '../scan/mountinfo';

/** Directories under /run that never hold runtime state and can be large. */
const SKIP = new Set(['systemd', 'udev', 'netns', 'lock', 'log', 'shm', 'mount', 'initramfs', 'sendsigs.omit.d', 'user']);
/** ROOT/ID is at most 4 levels below the walk's start (/run/containerd/runc/k8s.io/ID,
 *  /run/user/UID/docker/runtime-runc/moby/ID counted from /run/user/UID). */
const MAX_DEPTH = 4;
/** Of the directories the walk cannot read, those that are runtime roots by name are reported denied;
 *  the rest (a daemon's private directory) say nothing about containers. */
const ROOT_NAMES = new Set(['runc', 'crun', 'youki', 'runtime-runc', 'runtime-crun', 'docker', 'containerd']);

export interface StateDir {
  dir: string;
  file: 'state.json' | 'status';
  /** Under a user's runtime directory: that user, who must own the state. */
  user?: number;
}

/** Mount points of FUSE file systems (a FUSE server could make a readdir hang): never entered. */
function fuseMounts(): Set<string> {
  const out = new Set<string>();
  const text = readSystemFile('/proc/self/mountinfo') ?? '';
  if (!text.includes(' - fuse')) return out;
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - fuse');
    if (sep >= 0) out.add(unescapeMountPath(line.slice(0, sep).split(' ')[4] ?? ''));
  }
  return out;
}

/** Every ROOT/ID/{state.json,status} under /run and the users' runtime directories. */
export function findStateDirs(ctx: DiscoveryContext): StateDir[] {
  const found: StateDir[] = [];
  const seen = fuseMounts();
  const walk = (dir: string, depth: number, user: number | undefined): void => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const opts: ReadOptions = { root: dir, quiet: !ROOT_NAMES.has(basename(dir)) };
    const entries = listDir(dir, ctx, opts);
    if (!entries) return;
    let next: string[] | undefined;
    for (const e of entries) {
      if (e.isFile() && (e.name === 'state.json' || e.name === 'status')) {
        // crun's status sits next to a config.json; a bare "status" elsewhere is not state.
        if (e.name === 'status' && !entries.some((x) => x.name === 'config.json')) continue;
        if (depth > 1) found.push({ dir, file: e.name, user });
        return;
      }
      if (e.isDirectory() && depth < MAX_DEPTH && !(depth === 0 && dir === '/run' && SKIP.has(e.name))) (next ??= []).push(e.name);
    }
    if (next) for (const name of next) walk(join(dir, name), depth + 1, user);
  };
  walk('/run', 0, undefined);
  for (const uid of subdirs('/run/user', ctx, { quiet: true })) {
    const n = Number(uid);
    if (Number.isInteger(n) && n >= 0) walk(join('/run/user', uid), 0, n === 0 ? undefined : n);
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

/** One state directory -> a container (alive or not: discovery checks the pid). */
export function readState(sd: StateDir, ctx: DiscoveryContext): Container | undefined {
  const opts: ReadOptions = { owner: sd.user, root: sd.dir };
  const s = readJsonFile<Record<string, unknown>>(join(sd.dir, sd.file), ctx, opts);
  if (!s) return undefined;
  const id = basename(sd.dir);
  let c: Container;
  if (sd.file === 'state.json') {
    if (typeof s.id === 'string' && s.id !== id) return undefined;
    const config = (s.config ?? {}) as { labels?: unknown; rootfs?: unknown };
    const labels = labelsOf(config.labels);
    const bundle = labels.bundle;
    delete labels.bundle;
    c = {
      engine: 'runc',
      id,
      name: id,
      pid: Number(s.init_process_pid),
      pidStart: s.init_process_start === undefined ? undefined : Number(s.init_process_start),
      labels,
      stateDir: sd.dir,
      bundle,
      rootfs: typeof config.rootfs === 'string' ? config.rootfs : undefined,
    };
    // runc leaves exec.fifo in the state directory until the container's process is started.
    if (listDir(sd.dir, ctx, opts)?.some((e) => e.name === 'exec.fifo')) c.status = 'created';
  } else {
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
  if (c.pidStart !== undefined && !Number.isFinite(c.pidStart)) delete c.pidStart;
  if (sd.user !== undefined) c.user = sd.user;
  return c;
}

export const runcEngine: Engine = {
  name: 'runc',
  discover(ctx) {
    const out: Container[] = [];
    for (const sd of findStateDirs(ctx)) {
      const c = readState(sd, ctx);
      if (c) out.push(c);
    }
    return out;
  },
};
