/**
 * TARGET, as `tsns enter` and `tsns pin` take it: a PID (or PID:INODE, the inode of its pidfd), a
 * container name or id, a namespace id (`4026532180`, `net:[4026532180]`, `net:4026532180`), a path to
 * a namespace file (a pin, or /proc/PID/ns/TYPE), a directory of pins named by type (what
 * `tsns pin TARGET --all DIR` makes), or a pin name (/run/netns/NAME, /run/tsns/TYPE/NAME).
 *
 * Resolution reads /proc and the host's files; it loads native code (koffi) only for what needs a
 * pidfd or an nsfs ioctl (PID:INODE, a pin's type, a namespace held only by a socket or a relative).
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readdirSync, readlinkSync, statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readNsfsMounts } from './scan/mountinfo';
import { procStat } from './scan/stat';
import { parseNsLink } from './scan/sources/nsfs';
import { NS_TYPES, NsType, PIDFS_MAGIC, isNsType, nsTypeOfFlag } from './sys/constants';
import { TsnsError } from './sys/errors';

export interface Target {
  /** A live process whose namespaces the target stands for (a container's init, a namespace's member). */
  pid?: number;
  /** Namespace files of the target, by type. For a process: /proc/PID/ns/TYPE of every type. */
  files: Partial<Record<NsType, string>>;
  /** What the user named, for messages: `process 1234`, `container web-1`, `net:[4026532180]`. */
  description: string;
  /** The types the spec itself named (a namespace id or a pin): only these are joined by default. */
  named?: NsType[];
  /** Start time of `pid` (clock ticks, /proc/PID/stat field 22): guards against PID reuse. */
  startTime?: number;
  /** The container, when the spec named one. */
  container?: { id: string; name: string };
  /** Descriptors this process holds open for `files` of the form /proc/self/fd/N: a namespace that has
   *  no path (held only by a socket, or only as another namespace's parent or owner). */
  fds?: number[];
}

/** Linux never hands out PIDs above 2^22 (PID_MAX_LIMIT); namespace ids start at 0xEFFFFFFA. */
export const PID_MAX_LIMIT = 4194304;
const NETNS_DIR = '/run/netns';
const PIN_DIR = '/run/tsns';

/** Types this kernel has (judged by our own /proc entry). */
export function kernelNsTypes(): NsType[] {
  return NS_TYPES.filter((t) => {
    try {
      readlinkSync(`/proc/self/ns/${t}`);
      return true;
    } catch {
      return false;
    }
  });
}

/** Start time of a process (field 22 of /proc/PID/stat); undefined if it is gone. */
export function processStartTime(pid: number): number | undefined {
  return procStat(pid)?.start;
}

/**
 * What namespace a file is: open it (O_NONBLOCK: never hang on a FIFO) and read back the fd's link,
 * which for an nsfs file is `type:[inode]` wherever it is mounted. Undefined when it is not one.
 */
export function namespaceOfFile(path: string): { type: NsType; id: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TsnsError(`${path}: no such file or directory`);
    if (code === 'EACCES' || code === 'EPERM') throw new TsnsError(`${path}: permission denied`);
    throw new TsnsError(`cannot open ${path}: ${(err as Error).message}`);
  }
  try {
    const ns = parseNsLink(readlinkSync(`/proc/self/fd/${fd}`));
    if (ns) return ns;
    // A pin (nsfs bind mount) reads back as its own path, not `type:[inode]`: ask the file itself.
    if (fstatSync(fd).dev !== statSync('/proc/self/ns/net').dev) return undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { nsGetNstype } = require('./sys/libc') as typeof import('./sys/libc');
    const type = nsTypeOfFlag(nsGetNstype(fd));
    return type ? { type, id: fstatSync(fd).ino } : undefined;
  } finally {
    closeSync(fd);
  }
}

function fromPid(pid: number, description = `process ${pid}`): Target {
  const startTime = processStartTime(pid);
  if (startTime === undefined) throw new TsnsError(`no process with PID ${pid}`);
  const files: Target['files'] = {};
  for (const type of kernelNsTypes()) files[type] = `/proc/${pid}/ns/${type}`;
  return { pid, files, description, startTime };
}

/**
 * `PID:INODE` (util-linux 2.42): the process at PID only if a pidfd of it has that inode. pidfs gives
 * every process an inode of its own for its life, so a PID reused since the user looked it up (with
 * getino(1), say) is refused rather than entered.
 */
function fromPidAndInode(pid: number, inode: bigint, spec: string): Target {
  const before = processStartTime(pid);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { pidfdOpen } = require('./sys/libc') as typeof import('./sys/libc');
  let pidfd: number;
  try {
    pidfd = pidfdOpen(pid);
  } catch {
    throw new TsnsError(`no process with PID ${pid}`);
  }
  try {
    // Before pidfs (Linux 6.9) every pidfd shares one anonymous inode, which would match any process.
    if (statfsSync(`/proc/self/fd/${pidfd}`).type !== PIDFS_MAGIC) throw new TsnsError(`${spec}: PID:INODE needs pidfs (Linux 6.9 or later)`);
    if (fstatSync(pidfd, { bigint: true }).ino !== inode) throw new TsnsError(`${spec}: PID ${pid} is another process (its pidfd inode is not ${inode})`);
    // The same start time before and after opening the pidfd: /proc/PID was the pidfd's process.
    const target = fromPid(pid);
    if (target.startTime !== before) throw new TsnsError(`no process with PID ${pid}`);
    target.description = `process ${spec}`;
    return target;
  } finally {
    closeSync(pidfd);
  }
}

function fromFile(path: string, description = path): Target {
  const ns = namespaceOfFile(path);
  if (!ns) throw new TsnsError(`${path} is not a namespace file`);
  return { files: { [ns.type]: path }, description, named: [ns.type] };
}

/** A directory of pins named by type (mnt, net, ...), as `tsns pin TARGET --all DIR` leaves. */
function fromPinDirectory(dir: string): Target {
  const files: Target['files'] = {};
  for (const type of NS_TYPES) {
    const path = join(dir, type);
    try {
      const ns = namespaceOfFile(path);
      if (ns && ns.type === type) files[type] = path;
    } catch {
      // not there: fine
    }
  }
  const named = NS_TYPES.filter((t) => files[t]);
  if (named.length === 0) throw new TsnsError(`${dir} is a directory with no namespace files named by type`);
  return { files, description: dir, named };
}

function numericDirs(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch {
    return [];
  }
}

function readlinkOrUndefined(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Find who holds namespace `id` the quick way: a process (then its thread), a pin in our mount table.
 * Returns a file to open it by and, where a process is a member, that process.
 */
function findNamespace(id: number, type: NsType | undefined): { type: NsType; file: string; pid?: number; fd?: number } | undefined {
  const types = type ? [type] : kernelNsTypes();
  const pids = numericDirs('/proc');
  const match = (link: string | undefined): NsType | undefined => {
    const ns = link ? parseNsLink(link) : undefined;
    return ns && ns.id === id && types.includes(ns.type) ? ns.type : undefined;
  };
  for (const pid of pids) {
    for (const t of types) {
      if (match(readlinkOrUndefined(`/proc/${pid}/ns/${t}`))) return { type: t, file: `/proc/${pid}/ns/${t}`, pid };
    }
  }
  for (const pid of pids) {
    for (const tid of numericDirs(`/proc/${pid}/task`)) {
      if (tid === pid) continue;
      for (const t of types) {
        const file = `/proc/${pid}/task/${tid}/ns/${t}`;
        if (match(readlinkOrUndefined(file))) return { type: t, file };
      }
    }
  }
  // Pins in our mount namespace.
  const pin = readNsfsMounts().find((m) => m.id === id && types.includes(m.type));
  if (pin) return { type: pin.type, file: pin.path };
  // A namespace only an open fd holds is left to the scan, which opens the fd O_PATH and checks it
  // first: by path, /proc/PID/fd/N is whatever its holder put there by then (a FIFO would hang us).
  return undefined;
}

/**
 * The slow way, for what the quick search cannot see (uses the full scan, src/scan): a pin in another
 * mount namespace, a network namespace only a socket holds (the socket borrowed with pidfd_getfd,
 * asked SIOCGSKNS), a namespace that is only another's parent or owner (NS_GET_PARENT /
 * NS_GET_USERNS on that one). Pins inside a container are opened as the scan opens them (O_PATH,
 * resolved inside its root without symlinks, checked to be that nsfs inode), never by a plain path
 * that the container could point elsewhere. The result is an fd this process keeps open, named
 * /proc/self/fd/N.
 */
function findNamespaceByScan(id: number, type: NsType | undefined): { type: NsType; file: string; fd?: number; pid?: number } | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { scan } = require('./scan') as typeof import('./scan');
  // All types: pins in other mount namespaces are found through the mount namespaces' members.
  const model = scan({ details: 'none', relations: true, addMissingRelations: true, netnsid: false });
  const ns = model.namespaces.get(id);
  if (!ns || (type && ns.type !== type)) return undefined;
  const fd = openByRelation(model, ns, 0);
  return fd === undefined ? undefined : { type: ns.type, file: `/proc/self/fd/${fd}`, fd };
}

type ScanModelT = import('./scan').ScanModel;
type NamespaceT = import('./scan').Namespace;

/** fd (of this process) of the namespace behind `fd` if it is `id`; closes `fd` otherwise. */
function keepIf(fd: number, id: number): number | undefined {
  try {
    if (fstatSync(fd).ino === id) return fd;
  } catch {
    // fall through
  }
  closeSync(fd);
  return undefined;
}

/** Any way to an fd of `ns`: a member's /proc entry, a pin of ours, a socket, a relative. */
function openByRelation(model: ScanModelT, ns: NamespaceT, depth: number): number | undefined {
  if (depth > 8) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openNamespaceFd } = require('./scan/nsfile') as typeof import('./scan/nsfile');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { borrowSocketNetns } = require('./scan/sources/sockets') as typeof import('./scan/sources/sockets');
  const direct = openNamespaceFd(model, ns);
  if (direct !== undefined) return direct;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const libc = require('./sys/libc') as typeof import('./sys/libc');
  if (ns.type === 'net' && ns.sources.has('socket') && ns.pid !== undefined) {
    const holder = ns.pid;
    let pidfd: number | undefined;
    try {
      pidfd = libc.pidfdOpen(holder);
      for (const fd of numericDirs(`/proc/${holder}/fd`).slice(0, 4096)) {
        if (!readlinkOrUndefined(`/proc/${holder}/fd/${fd}`)?.startsWith('socket:')) continue;
        const netfd = borrowSocketNetns(pidfd, fd);
        const found = netfd === undefined ? undefined : keepIf(netfd, ns.id);
        if (found !== undefined) return found;
      }
    } catch {
      // the holder is gone or not ours
    } finally {
      if (pidfd !== undefined) closeSync(pidfd);
    }
  }
  for (const child of model.namespaces.values()) {
    const asParent = child.parent === ns.id;
    if (!asParent && child.owner !== ns.id) continue;
    const childFd = openByRelation(model, child, depth + 1);
    if (childFd === undefined) continue;
    try {
      const found = keepIf(asParent ? libc.nsGetParent(childFd) : libc.nsGetUserns(childFd), ns.id);
      if (found !== undefined) return found;
    } catch {
      // outside our view
    } finally {
      closeSync(childFd);
    }
  }
  return undefined;
}

function fromNamespaceId(id: number, type: NsType | undefined): Target {
  const found = findNamespace(id, type) ?? findNamespaceByScan(id, type);
  if (!found) throw new TsnsError(`no namespace ${type ? `${type}:[${id}]` : id} found (no process, thread, fd, socket, pin or relative holds it)`);
  const target: Target = { files: { [found.type]: found.file }, description: `${found.type}:[${id}]`, named: [found.type] };
  if (found.fd !== undefined) target.fds = [found.fd];
  if (found.pid !== undefined) {
    const startTime = processStartTime(found.pid);
    if (startTime !== undefined) Object.assign(target, { pid: found.pid, startTime });
  }
  return target;
}

function pinNamed(name: string): Target | undefined {
  const candidates = [join(NETNS_DIR, name), ...NS_TYPES.map((t) => join(PIN_DIR, t, name))];
  const files: Target['files'] = {};
  for (const path of candidates) {
    let ns;
    try {
      ns = namespaceOfFile(path);
    } catch {
      continue;
    }
    if (ns && !files[ns.type]) files[ns.type] = path;
  }
  const named = NS_TYPES.filter((t) => files[t]);
  return named.length ? { files, description: `pin ${name}`, named } : undefined;
}

function fromContainer(spec: string): Target {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resolveContainer } = require('./scan/containers') as typeof import('./scan/containers');
  const c = resolveContainer(spec);
  const target = fromPid(c.pid, `container ${c.name}`);
  target.container = { id: c.id, name: c.name };
  return target;
}

/**
 * Resolve TARGET. Errors are TsnsErrors with one line for the user. Synchronous today; callers await
 * it, so a resolver that needs an asynchronous scan can replace it without touching them.
 */
export function resolveTarget(spec: string): Promise<Target> | Target {
  return resolveTargetSync(spec);
}

export function resolveTargetSync(spec: string): Target {
  if (spec === '') throw new TsnsError('empty target');
  if (/^\d+$/.test(spec)) {
    const n = Number(spec);
    if (!Number.isSafeInteger(n)) throw new TsnsError(`invalid target: '${spec}'`);
    if (n === 0) throw new TsnsError(`no process with PID 0`);
    return n > PID_MAX_LIMIT ? fromNamespaceId(n, undefined) : fromPid(n);
  }
  const pidInode = /^(\d+):(\d+)$/.exec(spec);
  if (pidInode) {
    const pid = Number(pidInode[1]);
    if (pid === 0 || pid > PID_MAX_LIMIT) throw new TsnsError(`invalid PID in '${spec}'`);
    return fromPidAndInode(pid, BigInt(pidInode[2]), spec);
  }
  const nsId = /^(\w+):\[?(\d+)\]?$/.exec(spec);
  if (nsId && isNsType(nsId[1])) return fromNamespaceId(Number(nsId[2]), nsId[1]);
  if (spec.includes('/')) {
    const st = statOrUndefined(spec);
    if (!st) throw new TsnsError(`${spec}: no such file or directory`);
    return st.isDirectory() ? fromPinDirectory(spec) : fromFile(spec);
  }
  const pin = pinNamed(spec);
  if (pin) return pin;
  const st = statOrUndefined(spec);
  if (st) return st.isDirectory() ? fromPinDirectory(spec) : fromFile(spec);
  try {
    return fromContainer(spec);
  } catch (err) {
    if (err instanceof TsnsError && err.message.startsWith('no such container')) {
      throw new TsnsError(`no such target '${spec}': not a PID, namespace id, namespace file, pin or container`);
    }
    throw err;
  }
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
