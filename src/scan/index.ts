/**
 * scan(): run the sources over /proc (and mountinfo) into one ScanModel, then complete what the
 * caller asked for. Each source is a function that adds to the model; `sources` is the list scan()
 * runs, in order. Costly extras (process details, the nsfs ioctls, netlink) are opt-in through
 * ScanOptions so `tsns ls` pays only for the columns it prints; the library default is everything.
 */
import { readlinkSync } from 'node:fs';
import { NS_TYPES, type NsType } from '../sys/constants';
import type { Namespace, ScanModel } from './model';
import { readNsfsMounts } from './mountinfo';
import type * as NetnsidModule from './netnsid';
import { listPids, readProcessDetails, readProcesses } from './sources/processes';
import { holderSource, holderStartSource, readAheadSource, shareProcessList } from './sources/fds';
import { socketSource } from './sources/sockets';
import { nsfsSource, parseNsLink } from './sources/nsfs';
import { hierarchySource, readRelations } from './sources/hierarchy';
import { containerSource } from './containers';

export interface ScanOptions {
  /** Namespace types to look at (default: all eight). */
  types?: readonly NsType[];
  /** Read PPID, UID and COMMAND for every process ('all', the default), for the PID each namespace
   *  shows ('representatives'), or for none. */
  details?: 'all' | 'representatives' | 'none';
  /** Read PNS/ONS (nsfs ioctls) of namespaces the hierarchy source did not reach. Default true. */
  relations?: boolean;
  /** Also add parents and owners no process is in (lsns --tree=owner/parent does). Default false. */
  addMissingRelations?: boolean;
  /** Read NETNSID of network namespaces (netlink). Default true. */
  netnsid?: boolean;
  /** Name the container of each namespace (Namespace.container). Default true. */
  containers?: boolean;
  /** /proc to read (tests). */
  procRoot?: string;
}

export interface ResolvedScanOptions {
  types: readonly NsType[];
  details: 'all' | 'representatives' | 'none';
  relations: boolean;
  addMissingRelations: boolean;
  netnsid: boolean;
  containers: boolean;
  procRoot: string;
}

/** A source adds what it finds to the model; it must tolerate processes vanishing under it. */
export type Source = (model: ScanModel, options: ResolvedScanOptions) => void;

function inodeOfLink(path: string): number | undefined {
  try {
    return parseNsLink(readlinkSync(path))?.id;
  } catch {
    return undefined;
  }
}

/** Source: every process's /proc/PID/ns links. The fd/thread walk takes the same list of processes
 *  (one listing of /proc for both, and a holder is never a process this scan did not see). */
export const processSource: Source = (model, options) => {
  const pids = listPids(options.procRoot);
  if (options.procRoot === '/proc') shareProcessList(model, pids);
  readProcesses(model, options.types, options.procRoot, pids);
};

/**
 * Source: nsfs bind mounts visible in our own mount namespace (NSFS column), and the namespaces only
 * such a pin keeps alive (lsns --persistent).
 */
export const ownPinSource: Source = (model, options) => {
  const own = model.ownMountNamespace;
  // With mount namespaces scanned, the nsfs source reads our own table with the others.
  if (own === undefined || (model.namespaces.get(own)?.pids.length ?? 0) > 0) return;
  const wanted = new Set(options.types);
  for (const entry of readNsfsMounts(`${options.procRoot}/self/mountinfo`)) {
    if (!wanted.has(entry.type)) continue;
    let ns = model.namespaces.get(entry.id);
    if (!ns) {
      ns = { id: entry.id, type: entry.type, pids: [], pid: undefined, sources: new Set(['nsfs']), nsfs: [] };
      model.namespaces.set(entry.id, ns);
    }
    ns.sources.add('nsfs');
    if (!ns.nsfs.some((m) => m.path === entry.path && m.mountNamespace === own)) ns.nsfs.push({ path: entry.path, mountNamespace: own });
  }
};

/** The sources scan() runs, in order. Discovery sources (threads, fds, sockets, pins elsewhere) go here. */
// The fd/thread walk (holderStart .. holder) runs in a worker meanwhile on a big host: what needs only
// the process scan comes before the main thread joins it; the hierarchy runs again for what the
// holders add. After its walk, the worker reads the likely PID column's details (readAheadSource).
export const sources: Source[] = [
  holderStartSource,
  processSource,
  readAheadSource,
  ownPinSource,
  nsfsSource,
  hierarchySource,
  containerSource,
  holderSource,
  socketSource,
  hierarchySource,
];

/** Namespaces held by nothing any more (their last member exited before its details were read). */
function prune(model: ScanModel): void {
  for (const [id, ns] of model.namespaces) {
    if (ns.pids.length === 0 && ns.pid === undefined && ns.sources.size === 1 && ns.sources.has('process')) model.namespaces.delete(id);
  }
}

/**
 * Make sure each given namespace's representative process (its PID column) has its details read.
 * A representative that exited meanwhile is dropped and the next member takes its place, so rows are
 * never half-filled. Namespaces left with no member and no other holder leave the model.
 */
export function readRepresentatives(model: ScanModel, namespaces: Iterable<Namespace>, procRoot = '/proc'): void {
  const list = [...namespaces];
  let gone = new Set<number>();
  for (;;) {
    const pids = new Set<number>();
    for (const ns of list) {
      if (ns.pid !== undefined && gone.has(ns.pid)) ns.pid = undefined;
      if (ns.pid === undefined && ns.pids.length > 0) ns.pid = ns.pids[0];
      if (ns.pid !== undefined) pids.add(ns.pid);
    }
    const removed = readProcessDetails(model, pids, procRoot);
    if (removed.length === 0) break;
    gone = new Set(removed);
  }
  prune(model);
}

export function resolveScanOptions(options: ScanOptions = {}): ResolvedScanOptions {
  return {
    types: options.types && options.types.length > 0 ? options.types : NS_TYPES,
    details: options.details ?? 'all',
    relations: options.relations ?? true,
    addMissingRelations: options.addMissingRelations ?? false,
    netnsid: options.netnsid ?? true,
    containers: options.containers ?? true,
    procRoot: options.procRoot ?? '/proc',
  };
}

/** Scan the host: every namespace tsns can see, with the processes in them. */
export function scan(options: ScanOptions = {}): ScanModel {
  const opts = resolveScanOptions(options);
  const model: ScanModel = {
    namespaces: new Map(),
    processes: new Map(),
    ownMountNamespace: inodeOfLink(`${opts.procRoot}/self/ns/mnt`),
  };
  // TSNS_PROFILE=1: the time each source takes, on stderr (npm run bench prints it).
  const profile = process.env.TSNS_PROFILE
    ? (name: string, t0: bigint): void => void process.stderr.write(`tsns-profile ${name} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1)} ms\n`)
    : undefined;
  for (const source of sources) {
    const t0 = process.hrtime.bigint();
    source(model, opts);
    profile?.(source.name || 'source', t0);
  }
  for (const ns of model.namespaces.values()) if (ns.pid === undefined && ns.pids.length > 0) ns.pid = ns.pids[0];

  if (opts.details === 'all') {
    const gone = new Set(readProcessDetails(model, [...model.processes.keys()], opts.procRoot));
    for (const ns of model.namespaces.values()) if (ns.pid !== undefined && gone.has(ns.pid)) ns.pid = ns.pids[0];
    prune(model);
  } else if (opts.details === 'representatives') {
    readRepresentatives(model, model.namespaces.values(), opts.procRoot);
  }
  if (opts.relations) {
    readRelations(model, model.namespaces.values(), { addMissing: opts.addMissingRelations ? opts.types : [] });
  }
  if (opts.netnsid) {
    readNetnsids(model, model.namespaces.values());
  }
  return model;
}

/** Namespaces sorted by inode, as lsns lists them. */
export function sortedNamespaces(model: ScanModel): Namespace[] {
  return [...model.namespaces.values()].sort((a, b) => a.id - b.id);
}

export { readProcessDetails } from './sources/processes';
// NETNSID (netlink) is loaded when first asked for: a plain `tsns ls` does not need it.
export { readRelations };
/** NETNSID of the given network namespaces. */
export function readNetnsids(...args: Parameters<typeof NetnsidModule.readNetnsids>): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./netnsid') as typeof NetnsidModule).readNetnsids(...args);
}
export { userName } from './users';
export type * from './model';
