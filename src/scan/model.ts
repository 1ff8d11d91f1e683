/**
 * The one plain model every source feeds and every view reads. No behaviour here beyond building it:
 * sources (one file each under src/scan/sources) fill it, src/scan/index.ts orchestrates, src/report
 * renders it. JSON.stringify of a model gives plain data in lsns -J's vocabulary (see toJSON).
 */
import type { NsType } from '../sys/constants';
import type { Container, EngineName } from '../containers/types';
import { userName } from './users';

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
  /** The holder of a thread's link or an fd, and which (for the hierarchy's native walk). */
  pid?: number;
  tid?: number;
  fd?: number;
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
  /** Start time in clock ticks since boot: with the PID, names the process for good. */
  start?: number;
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
  /** The container whose init process is the namespace's topmost member (a pod's shared namespaces:
   *  its sandbox's). */
  container?: ContainerRef;
}

/** Which container a namespace belongs to, as the CONTAINER, ENGINE, CTRID and POD columns show it. */
export interface ContainerRef {
  /** The name a user of its engine types (ENGINE:NAME, or the id, where another container has it too). */
  name: string;
  engine: EngineName;
  /** Full id. */
  id: string;
  /** Kubernetes: namespace/pod. */
  pod?: string;
}

export interface ScanModel {
  /** Keyed by inode: nsfs inodes are unique across types on one host. */
  namespaces: Map<number, Namespace>;
  processes: Map<number, ProcessInfo>;
  /** Inode of the mount namespace the scan ran in (whose mountinfo NSFS paths come from), if readable. */
  ownMountNamespace?: number;
  /** The containers the engines' state records, running or not (ScanOptions.containers). */
  containers?: Container[];
  /** State that exists but could not be read (ScanOptions.containers): a name found nowhere may be there. */
  deniedState?: string[];
}

/** PATH as lsns shows it: /proc/PID/ns/TYPE of the representing member, else the first way in. */
export function shownPath(ns: Namespace, proc: ProcessInfo | undefined): string | undefined {
  return proc && ns.pids.length > 0 ? `/proc/${proc.pid}/ns/${ns.type}` : ns.paths[0] ? pathFromHere(ns.paths[0]) : undefined;
}

/** UID as lsns shows it: the representing member's; for a namespace no process is in (held by a
 *  thread, fd, socket or pin), its owner's (ownerUid), not its holder's. */
export function shownUid(ns: Namespace, proc: ProcessInfo | undefined): number | undefined {
  return proc && ns.pids.length > 0 ? proc.uid : (ns.ownerUid ?? 0);
}

/** A namespace as plain data, with lsns -J's names for what lsns shows (null: none, or not read). */
export interface NamespaceJson {
  ns: number;
  type: NsType;
  path: string | null;
  nprocs: number;
  pid: number | null;
  ppid: number | null;
  command: string | null;
  uid: number | null;
  user: string | null;
  /** null: unassigned, not a network namespace, or not read. */
  netnsid: number | null;
  nsfs: NsfsMount[];
  pns: number | null;
  ons: number | null;
  /** tsns's own: every member, how the namespace is held, its container. */
  pids: number[];
  sources: NsSource[];
  container: string | null;
  engine: EngineName | null;
  ctrid: string | null;
  pod: string | null;
}

export interface ProcessJson {
  pid: number;
  ppid: number | null;
  command: string | null;
  uid: number | null;
  user: string | null;
  state: string | null;
  ns: Partial<Record<NsType, number>>;
}

/** What JSON.stringify(model) gives: plain data, namespaces sorted by id, processes by PID. */
export interface ScanModelJson {
  namespaces: NamespaceJson[];
  processes: ProcessJson[];
  ownMountNamespace: number | null;
  containers: Container[] | null;
}

function namespaceJson(ns: Namespace, proc: ProcessInfo | undefined): NamespaceJson {
  const uid = shownUid(ns, proc);
  return {
    ns: ns.id,
    type: ns.type,
    path: shownPath(ns, proc) ?? null,
    nprocs: ns.pids.length,
    pid: ns.pid ?? null,
    ppid: proc?.ppid ?? null,
    command: proc?.command ?? null,
    uid: uid ?? null,
    user: uid === undefined ? null : userName(uid),
    netnsid: ns.netnsid ?? null,
    nsfs: ns.nsfs.map((m) => ({ path: m.path, mountNamespace: m.mountNamespace })),
    pns: ns.parent ?? null,
    ons: ns.owner ?? null,
    pids: [...ns.pids],
    sources: [...ns.sources],
    container: ns.container?.name ?? null,
    engine: ns.container?.engine ?? null,
    ctrid: ns.container?.id ?? null,
    pod: ns.container?.pod ?? null,
  };
}

function processJson(p: ProcessInfo): ProcessJson {
  return {
    pid: p.pid,
    ppid: p.ppid ?? null,
    command: p.command ?? null,
    uid: p.uid ?? null,
    user: p.uid === undefined ? null : userName(p.uid),
    state: p.state ?? null,
    ns: { ...p.ns },
  };
}

function modelJson(this: ScanModel): ScanModelJson {
  const namespaces = [...this.namespaces.values()]
    .sort((a, b) => a.id - b.id)
    .map((ns) => namespaceJson(ns, ns.pid === undefined ? undefined : this.processes.get(ns.pid)));
  const processes = [...this.processes.values()].sort((a, b) => a.pid - b.pid).map(processJson);
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
