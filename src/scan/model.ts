/**
 * The one plain model every source feeds and every view reads. No behaviour here: sources (one file
 * each under src/scan/sources) fill it, src/scan/index.ts orchestrates, src/report renders it.
 */
import type { NsType } from '../sys/constants';

/** How tsns learnt that a namespace exists (the SOURCES column). */
export type NsSource = 'process' | 'task' | 'fd' | 'socket' | 'nsfs' | 'parent' | 'owner';

/** A bind mount of a namespace file (a "pin"), as seen in some mount namespace's mountinfo. */
export interface NsfsMount {
  path: string;
  /** Inode of the mount namespace whose mount table shows this path. */
  mountNamespace: number;
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
  /** Full command line joined by spaces; the kernel thread name when it has none (as lsns). */
  command?: string;
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
   *  only by a thread, fd, socket or pin, the process holding it; undefined when only a pin/hierarchy holds it. */
  pid?: number;
  sources: Set<NsSource>;
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
}
