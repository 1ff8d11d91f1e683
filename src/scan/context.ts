/**
 * One scan's working state, passed to every source: the model being built, the options, and what one
 * source leaves for another (the PIDs /proc listed, the socket fds the fd walk found, the mount
 * namespaces and their members). Nothing here outlives the scan but the model.
 */
import type { NsType } from '../sys/constants';
import type { ProcWalk } from '../proc/walk';
import { addSource, newNamespace, type Namespace, type NsPath, type NsSource, type ScanModel } from './model';

/** A socket fd seen in a process's fd table: who holds it and the socket's inode. */
export interface SocketFd {
  pid: number;
  fd: number;
  inode: number;
}

/** A source adds what it finds to the model; it must tolerate processes vanishing under it. */
export interface Source {
  (ctx: ScanContext): void;
  /** What it needs the one /proc walk (the process source's) to read besides the namespace links. */
  walks?: { fds?: boolean; threads?: boolean };
}

export interface ResolvedScanOptions {
  /** The types the model keeps (discovery looks at every type: see ScanContext). */
  types: readonly NsType[];
  details: 'all' | 'representatives' | 'none';
  relations: boolean;
  addMissingRelations: boolean;
  netnsid: boolean;
  containers: boolean;
  sources: readonly Source[];
}

export class ScanContext {
  /** The one walk of /proc (src/proc/walk.ts): every process's links, and the fds and threads the
   *  listed sources need. */
  walk?: ProcWalk;
  /** Socket fds the fd source found, for the socket source. */
  socketFds: SocketFd[] = [];
  /** Mount namespaces with their members, whatever types the model keeps: the nsfs source reads each
   *  one's table through a member, and the container source looks for inits among their heads. */
  readonly mountNamespaces = new Map<number, number[]>();
  /** Namespaces whose owner and parent have been asked (by the hierarchy walk, or a socket's). */
  readonly walked = new Set<number>();

  constructor(
    readonly model: ScanModel,
    readonly options: ResolvedScanOptions,
  ) {}

  /**
   * The namespace `id`, created when the scan has not met it yet (then with no member process), with
   * `source` added. `holder` becomes its PID column when it has no member (the lowest holder wins).
   * Discovery keeps every type while the sources run (a namespace of a type not asked for can lead to
   * one that is: an fd-held net namespace to its owning user namespace); scan() drops the types the
   * caller did not ask for at the end.
   */
  hold(type: NsType, id: number, source: NsSource, holder?: number, path?: NsPath): Namespace {
    let ns = this.model.namespaces.get(id);
    if (!ns) {
      ns = newNamespace(id, type, source);
      this.model.namespaces.set(id, ns);
    } else {
      addSource(ns, source);
    }
    if (holder !== undefined && ns.pids.length === 0 && (ns.pid === undefined || holder < ns.pid)) {
      ns.pid = holder;
      // PATH goes with the PID column: the lowest holder's own way in comes first.
      if (path) ns.paths.unshift(path);
    } else if (path) {
      ns.paths.push(path);
    }
    if (ns.paths.length > 4) ns.paths.length = 4;
    return ns;
  }
}
