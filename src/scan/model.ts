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

export interface ProcessInfo {
  pid: number;
  /** Parent PID; 0 when unknown (a process that vanished mid-scan) or for PID 1/kthreadd. */
  ppid: number;
  /** Real uid of the process (owner of /proc/PID). */
  uid: number;
  /** Full command line joined by spaces; the kernel thread name when it has none (as lsns). */
  command: string;
  /** Namespace inode per type, as /proc/PID/ns says. */
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
  /** PNS: parent namespace (pid and user namespaces); undefined when unknown or outside our view. */
  parent?: number;
  /** ONS: owning user namespace. */
  owner?: number;
  /** For user namespaces: uid of the creator (NS_GET_OWNER_UID); else the uid of the owning user ns creator. */
  ownerUid?: number;
  /** NETNSID as the network subsystem numbers it (net only), null if unassigned. */
  netnsid?: number | null;
  /** The container whose init process is the namespace's topmost member, by name or id. */
  container?: string;
}

export interface ScanModel {
  /** Keyed by inode: nsfs inodes are unique across types on one host. */
  namespaces: Map<number, Namespace>;
  processes: Map<number, ProcessInfo>;
}
