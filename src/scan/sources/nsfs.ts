/**
 * nsfs bind mounts ("pins") in every mount namespace, plus the small helpers the other holder sources
 * (tasks, fds, sockets, hierarchy) share: parsing "net:[4026531840]" and adding a namespace that no
 * process is in.
 *
 * Each mount namespace's mount table is read once, through one of its member processes
 * (/proc/PID/mountinfo shows the mount namespace of PID), so pins made inside a container or an
 * `unshare -m` are found, not only the caller's. A mount namespace with no process in it (itself held by
 * an fd or a pin) has no mountinfo to read; its pins stay unseen.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { isNsType, NS_TYPES, type NsType } from '../../sys/constants';
import type { Source } from '../index';
import type { Namespace, NsSource, ScanModel } from '../model';
import { parseNsfsMounts, unescapeMountPath } from '../mountinfo';

/** "net:[4026531840]" (a /proc/PID/ns link, an nsfs fd's link, an nsfs mount's root) -> type and inode. */
export function parseNsLink(link: string): { type: NsType; id: number } | undefined {
  const open = link.indexOf(':[');
  if (open < 0 || link.charCodeAt(link.length - 1) !== 93 /* ] */) return undefined;
  const type = link.slice(0, open);
  const id = Number(link.slice(open + 2, -1));
  if (!isNsType(type) || !Number.isSafeInteger(id) || id <= 0) return undefined;
  return { type, id };
}

/**
 * The namespace `id`, created when the scan has not met it yet (then with no member process).
 * `holder` becomes its PID column when it has no member (the lowest holder wins).
 */
export function holdNamespace(model: ScanModel, type: NsType, id: number, source: NsSource, holder?: number): Namespace {
  let ns = model.namespaces.get(id);
  if (!ns) {
    ns = { id, type, pids: [], sources: new Set(), nsfs: [] };
    model.namespaces.set(id, ns);
  }
  ns.sources.add(source);
  if (holder !== undefined && ns.pids.length === 0 && (ns.pid === undefined || holder < ns.pid)) ns.pid = holder;
  return ns;
}

/** A way to open a namespace that no process is in: an fd's /proc/PID/fd/N, a thread's
 *  /proc/PID/task/TID/ns/TYPE, a pin's path — resolved inside `root` when the pin is in another mount
 *  namespace (root = /proc/PID/root of one of its processes). */
export interface OpenPath {
  path: string;
  root?: string;
}

/** Ways in, registered by the sources that found namespaces no process is in. */
const openPaths = new WeakMap<ScanModel, Map<number, OpenPath[]>>();

/** The ways in registered for namespace `id`. */
export function openPathsOf(model: ScanModel, id: number): readonly OpenPath[] {
  return openPaths.get(model)?.get(id) ?? [];
}

export function registerOpenPath(model: ScanModel, id: number, path: string, root?: string): void {
  let m = openPaths.get(model);
  if (!m) openPaths.set(model, (m = new Map()));
  const list = m.get(id);
  const entry = root === undefined ? { path } : { path, root };
  if (!list) m.set(id, [entry]);
  else if (list.length < 4) list.push(entry);
}

/** True when a FUSE file system is mounted at `path` or above it in this mountinfo. */
export function underFuse(mountinfo: string, path: string): boolean {
  if (!mountinfo.includes(' - fuse')) return false;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - fuse');
    if (sep < 0) continue;
    const mountPoint = unescapeMountPath(line.slice(0, sep).split(' ')[4] ?? '');
    if (mountPoint === '/' || path === mountPoint || path.startsWith(`${mountPoint}/`)) return true;
  }
  return false;
}

function ownMountNamespace(model: ScanModel): number | undefined {
  if (model.ownMountNamespace !== undefined) return model.ownMountNamespace;
  try {
    return parseNsLink(readlinkSync('/proc/self/ns/mnt'))?.id;
  } catch {
    return undefined;
  }
}

/**
 * Add every nsfs mount of every mount namespace that has a process. NSFS lists each path once: a path
 * in our own mount namespace first; a path seen only in another mount namespace keeps that namespace's
 * inode (shown as "PATH (mnt:[N])"); copies of one of our own pins in other namespaces are not repeated.
 */
export function addNsfsMounts(model: ScanModel, wanted: ReadonlySet<NsType> = new Set(NS_TYPES)): void {
  const own = ownMountNamespace(model);
  const mountNamespaces: { id: number; pids: number[] }[] = [];
  for (const ns of model.namespaces.values()) if (ns.type === 'mnt' && ns.pids.length > 0) mountNamespaces.push(ns);
  // Ours first, so the same path elsewhere counts as a copy.
  mountNamespaces.sort((a, b) => (a.id === own ? -1 : b.id === own ? 1 : a.id - b.id));
  const ownPaths = new Set<string>(); // "inode path" seen in our own mount namespace
  for (const mntns of mountNamespaces) {
    let text: string | undefined;
    let reader = 0;
    // Any member shows the same table; the first that is still there and readable serves.
    for (const pid of mntns.pids) {
      try {
        text = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
        reader = pid;
        break;
      } catch {
        /* gone or unreadable: try the next member */
      }
    }
    if (!text) continue;
    for (const m of parseNsfsMounts(text)) {
      if (!wanted.has(m.type)) continue;
      const key = `${m.id} ${m.path}`;
      if (mntns.id === own) ownPaths.add(key);
      else if (ownPaths.has(key)) continue;
      const ns = holdNamespace(model, m.type, m.id, 'nsfs');
      if (!ns.nsfs.some((x) => x.path === m.path && x.mountNamespace === mntns.id)) {
        ns.nsfs.push({ path: m.path, mountNamespace: mntns.id });
        // The hierarchy source opens a pin no process is in through its path, seen from its namespace —
        // but not through a FUSE mount of someone else's, whose server could make the lookup hang.
        if (mntns.id === own) registerOpenPath(model, m.id, m.path);
        else if (!underFuse(text, m.path)) registerOpenPath(model, m.id, m.path, `/proc/${reader}/root`);
      }
    }
  }
}

/** Source: pins in every mount namespace (source `nsfs`, the NSFS column). */
export const nsfsSource: Source = (model, options) => addNsfsMounts(model, new Set(options.types));
