/**
 * scan(): run the sources over /proc (and mountinfo) into one ScanModel, then complete what the
 * caller asked for. A source is a function of the scan's context (src/scan/context.ts); the default
 * list runs every discovery source. Costly extras (process details, the nsfs ioctls, netlink,
 * containers) are opt-in through ScanOptions so `tsns ls` pays only for the columns it prints; the
 * library default is everything.
 */
import { NS_TYPES, isNsType, type NsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { ownNamespace } from '../proc/ns';
import { timed } from '../profile';
import { ScanContext, type ResolvedScanOptions, type Source } from './context';
import { newModel, type Namespace, type ScanModel } from './model';
import { prune, readProcessDetails, readRepresentatives } from './details';
import { processSource } from './sources/processes';
import { taskSource } from './sources/tasks';
import { fdSource } from './sources/fds';
import { socketSource } from './sources/sockets';
import { nsfsSource, ownPinSource } from './sources/nsfs';
import { hierarchySource, readRelations } from './sources/hierarchy';
import { containerSource } from './sources/containers';
import type * as NetnsidModule from './netnsid';

export interface ScanOptions {
  /** Namespace types to list (default: all eight). Discovery looks at every type regardless, so a
   *  namespace of these types is found however it is held. */
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
  /** Name the container of each namespace (Namespace.container, ScanModel.containers). Default true. */
  containers?: boolean;
  /** The sources to run, in order (default: defaultSources). */
  sources?: readonly Source[];
}

/** Every discovery source, in the order scan() runs them: processes first (they list /proc for the
 *  rest), pins, threads, fds, sockets (they need the fd walk), the hierarchy (from all of those), and
 *  containers. */
export const defaultSources: readonly Source[] = Object.freeze([
  processSource,
  nsfsSource,
  taskSource,
  fdSource,
  socketSource,
  hierarchySource,
  containerSource,
]);

/** The sources lsns itself has: every process's links and the pins in our own mount namespace. */
export const lsnsSources: readonly Source[] = Object.freeze([processSource, ownPinSource]);

export function resolveScanOptions(options: ScanOptions = {}): ResolvedScanOptions {
  for (const type of options.types ?? []) if (!isNsType(type)) throw new TsnsError(`unknown namespace type '${type}' (one of ${NS_TYPES.join(', ')})`);
  return {
    types: options.types && options.types.length > 0 ? options.types : NS_TYPES,
    details: options.details ?? 'all',
    relations: options.relations ?? true,
    addMissingRelations: options.addMissingRelations ?? false,
    netnsid: options.netnsid ?? true,
    containers: options.containers ?? true,
    sources: options.sources ?? defaultSources,
  };
}

/** Scan the host: every namespace tsns can see, with the processes in them. */
export function scan(options: ScanOptions = {}): ScanModel {
  const opts = resolveScanOptions(options);
  const model = newModel(ownNamespace('mnt'));
  const ctx = new ScanContext(model, opts);
  for (const source of opts.sources) timed(source.name || 'source', () => source(ctx));
  // Discovery kept every type; the model keeps those asked for.
  if (opts.types.length < NS_TYPES.length) for (const [id, ns] of model.namespaces) if (!opts.types.includes(ns.type)) model.namespaces.delete(id);
  for (const ns of model.namespaces.values()) if (ns.pid === undefined && ns.pids.length > 0) ns.pid = ns.pids[0];

  if (opts.details === 'all') {
    const gone = new Set(readProcessDetails(model, [...model.processes.keys()]));
    for (const ns of model.namespaces.values()) if (ns.pid !== undefined && gone.has(ns.pid)) ns.pid = ns.pids[0];
    prune(model);
  } else if (opts.details === 'representatives') {
    readRepresentatives(model, model.namespaces.values());
  }
  if (opts.relations) readRelations(model, model.namespaces.values(), { addMissing: opts.addMissingRelations ? opts.types : [] });
  if (opts.netnsid) readNetnsids(model, model.namespaces.values());
  return model;
}

/** Namespaces sorted by inode, as lsns lists them. */
export function sortedNamespaces(model: ScanModel): Namespace[] {
  return [...model.namespaces.values()].sort((a, b) => a.id - b.id);
}

/** NETNSID of the given network namespaces (netlink; loaded when first asked for). */
export function readNetnsids(...args: Parameters<typeof NetnsidModule.readNetnsids>): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./netnsid') as typeof NetnsidModule).readNetnsids(...args);
}

export { readProcessDetails, readRepresentatives, readRelations };
export { processSource, taskSource, fdSource, socketSource, nsfsSource, ownPinSource, hierarchySource, containerSource };
export { openNamespaceFd } from './open';
export type { Source, ResolvedScanOptions } from './context';
export type * from './model';
