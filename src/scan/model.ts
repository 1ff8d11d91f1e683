/**
 * The one plain model every source feeds and every view reads. No behaviour here beyond building it:
 * sources (one file each under src/scan/sources) fill it, src/scan/index.ts orchestrates, src/report
 * renders it. JSON.stringify of a model gives plain data in lsns -J's vocabulary (see toJSON).
 */
import type { NsType } from '../sys/constants';
import type { ContainerInfo } from './containers';

/** How tsns learnt that a namespace exists (the SOURCES column), in the order SOURCES lists them. */
export const NS_SOURCES = ['process', 'task', 'fd', 'socket', 'nsfs', 'parent', 'owner'] as const;
export type NsSource = (typeof NS_SOURCES)[number];

/** A bind mount of a namespace file (a "pin"), as seen in some mount namespace's mountinfo. */
export interface NsfsMount {
  path: string;
  /** Inode of the mount namespace whose mount table shows this path. */
  mountNamespace: number;
}

/**
 * A path that designates a namespace no member process shows: a thread's /proc/PID/task/TID/ns/TYPE,
 * an fd's /proc/PID/fd/N, a pin. A pin seen only in another mount namespace is resolved inside `root`
 * (/proc/PID/root of a process there): its path is that namespace's owner's to change, so it is only
 * ever opened the checked way (O_PATH, inside the root, the nsfs inode verified).
 */
export interface NsPath {
  kind: 'task' | 'fd' | 'nsfs';
  path: string;
  root?: string;
}

/** A way in as a path from the scanning process's view: a pin in another mount namespace through the
 *  root of a process there (/proc/PID/root/PATH), the others as they are. */
export function pathFromHere(way: NsPath): string {
  return way.root ? `${way.root}${way.path}` : way.path;
}

/**
 * A process (thread group leader). `ns` is read for every process; the other details are read only
 * for the processes a caller asks for (ScanOptions.details, or readProcessDetails afterwards), because
 * reading them for every process would double the cost of a scan. Undefined means "not read".
 */
export interface ProcessInfo {
  pid: number;
  /** Parent PID (0 for PID 1 and kthreadd). */
  ppid?: number;
  /** Owner of /proc/PID, as lsns reports it: the effective uid, or 0 for a non-dumpable process. */
  uid?: number;
  /** Full command line joined by spaces; the thread name when it has none (a kernel thread, a zombie). */
  command?: string;
  /** State letter of /proc/PID/stat (Z: a zombie, which still shows its pid and user namespaces). */
  state?: string;
  /** Namespace inode per type, as /proc/PID/ns says (a type whose link was unreadable is absent). */
  ns: Partial<Record<NsType, number>>;
}

export interface Namespace {
  /** Inode number: the NS column. */
  id: number;
  type: NsType;
  /** PIDs of processes (thread group leaders) whose /proc/PID/ns has this namespace, ascending. */
  pids: number[];
  /** The process that represents the namespace (PID column): the lowest member, or for a namespace held
   *  only by a thread, fd or socket, the (lowest) process holding it; undefined when only a pin or the
   *  hierarchy knows it. */
  pid?: number;
  /** Ways in for a namespace no member shows (PATH is the first), lowest holder first. */
  paths: NsPath[];
  /** How it was found, in NS_SOURCES order. */
  sources: NsSource[];
  nsfs: NsfsMount[];
  /** PNS: parent namespace (pid and user namespaces); 0 when it has none or it lies outside our view
   *  (as lsns prints it); undefined when not read (ScanOptions.relations). */
  parent?: number;
  /** ONS: owning user namespace; 0 when outside our view; undefined when not read. */
  owner?: number;
  /** uid shown for a namespace no process represents: the creator of a user namespace
   *  (NS_GET_OWNER_UID), 0 for other types (lsns's "uid_fallback"). */
  ownerUid?: number;
  /** NETNSID as the network subsystem numbers it (net only): a number, null if unassigned,
   *  undefined when unknown or not read (ScanOptions.netnsid). */
  netnsid?: number | null;
  /** The container whose init process is the namespace's topmost member, by name or id. */
  container?: string;
}

export interface ScanModel {
  /** Keyed by inode: nsfs inodes are unique across types on one host. */
  namespaces: Map<number, Namespace>;
  processes: Map<number, ProcessInfo>;
  /** Inode of the mount namespace the scan ran in (whose mountinfo NSFS paths come from), if readable. */
  ownMountNamespace?: number;
  /** The live containers found (ScanOptions.containers). */
  containers?: ContainerInfo[];
  /** Container state directories that exist but could not be read (ScanOptions.containers): the
   *  containers there are not in `containers`. */
  containerStateDenied?: string[];
}

/** Plain data for JSON.stringify(model): namespaces sorted by id with lsns -J's names, processes by PID. */
function modelJson(this: ScanModel): unknown {
  const namespaces = [...this.namespaces.values()]
    .sort((a, b) => a.id - b.id)
    .map((ns) => ({
      ns: ns.id,
      type: ns.type,
      nprocs: ns.pids.length,
      pid: ns.pid ?? null,
      pids: ns.pids,
      path: ns.pid !== undefined && ns.pids.length > 0 ? `/proc/${ns.pid}/ns/${ns.type}` : ns.paths[0] ? pathFromHere(ns.paths[0]) : null,
      sources: ns.sources,
      nsfs: ns.nsfs.map((m) => m.path),
      pns: ns.parent ?? null,
      ons: ns.owner ?? null,
      netnsid: ns.netnsid ?? null,
      container: ns.container ?? null,
    }));
  const processes = [...this.processes.values()].sort((a, b) => a.pid - b.pid);
  return { namespaces, processes, ownMountNamespace: this.ownMountNamespace ?? null, containers: this.containers ?? null };
}

/** An empty model (its JSON form is plain data). */
export function newModel(ownMountNamespace?: number): ScanModel {
  const model: ScanModel = { namespaces: new Map(), processes: new Map(), ownMountNamespace };
  Object.defineProperty(model, 'toJSON', { value: modelJson, enumerable: false });
  return model;
}

export function newNamespace(id: number, type: NsType, source: NsSource): Namespace {
  return { id, type, pids: [], pid: undefined, paths: [], sources: [source], nsfs: [] };
}

/** Add a source to a namespace, keeping NS_SOURCES order. */
export function addSource(ns: Namespace, source: NsSource): void {
  if (ns.sources.includes(source)) return;
  ns.sources.push(source);
  if (ns.sources.length > 1) ns.sources.sort((a, b) => NS_SOURCES.indexOf(a) - NS_SOURCES.indexOf(b));
}
