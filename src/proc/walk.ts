/**
 * The /proc walk in native code (native/walk.c, in the addon native/tsns.node; formats in
 * native/WALK.md): one call reads every process's namespace links — and, when asked, its nsfs and socket
 * fds and its threads' namespaces — into a buffer reused from call to call; another reads the details a
 * view shows of a list of processes; a third asks the nsfs ioctls (owner, parent, creator) of a list of
 * namespaces and of every ancestor they lead to. Answers are typed arrays, copied out of that buffer (so
 * one answer survives the next call): no object per link, no exception per vanished process.
 *
 * The addon is loaded on first use (src/sys/addon.ts). A failure of the walk itself (a /proc that cannot
 * be opened) is a SysError; a process that vanishes, or whose entries are unreadable, is not an error.
 */
import { statSync } from 'node:fs';
import { addon } from '../sys/addon';
import { NS_TYPES, type NsType } from '../sys/constants';
import { SysError } from '../sys/errors';

/** ns table marker: no such link (ENOENT, ESRCH). A zombie has only its user and pid links. */
export const NS_ABSENT = -2;
/** ns table marker: the link is not ours to read (EACCES, EPERM: PID 1 here, even for root). */
export const NS_DENIED = -13;

export interface WalkRequest {
  /** Namespace types whose /proc/PID/ns links to read (default: all eight). */
  types?: readonly NsType[];
  /** Also list nsfs fds (of these types) and socket fds of every process. */
  fds?: boolean;
  /** Also list the namespaces (of these types, among mnt, net, ipc, uts, cgroup) that a process's other
   *  threads are in and its leader is not. */
  threads?: boolean;
  /** /proc to walk (default /proc). */
  procRoot?: string;
  /** Start from a buffer of this many bytes, of this walk's own, grown by no more than needed (tests
   *  of the growth paths). Default: the buffer every walk shares, sized from /proc's link count. */
  bufferBytes?: number;
}

/** Namespaces held by fds or by threads: one entry per index, `length` entries. */
export interface HeldNamespaces {
  length: number;
  pid: Int32Array;
  /** The fd number (fds) or the thread id (threads). */
  id: Int32Array;
  /** Index into NS_TYPES. */
  type: Uint8Array;
  inode: Float64Array;
}

export interface SocketFds {
  length: number;
  pid: Int32Array;
  fd: Int32Array;
  inode: Float64Array;
}

export interface ProcWalk {
  /** The columns of `ns`: the types asked for that this kernel has, in NS_TYPES order. */
  types: readonly NsType[];
  /** The processes walked, in /proc's (ascending) order. One that vanished during the walk is left out. */
  pids: Int32Array;
  /** ns[i * types.length + j]: the inode of process pids[i]'s namespace of type types[j], or NS_ABSENT,
   *  NS_DENIED, or another -errno when its link could not be read. */
  ns: Float64Array;
  /** nsfs fds (WalkRequest.fds), of the types asked for. */
  fds: HeldNamespaces;
  /** Socket fds (WalkRequest.fds). */
  sockets: SocketFds;
  /** Threads' namespaces that differ from their leader's (WalkRequest.threads). */
  threads: HeldNamespaces;
  /** Processes /proc listed that were gone before their links could be read. */
  vanished: number;
  /** Times the walk went on in a bigger buffer after the fd and thread records had filled one. */
  resumed: number;
}

/** What a view shows of a process besides its namespaces, for a list of PIDs: entry i is pids[i]. */
export interface ProcessDetailsList {
  length: number;
  pid: Int32Array;
  /** 1 where the process was there; 0 where it is gone (its other entries are 0, its command undefined). */
  found: Uint8Array;
  ppid: Int32Array;
  /** Owner of /proc/PID, as lsns reports it (the effective uid; 0 for a non-dumpable process). */
  uid: Uint32Array;
  /** The state letter of /proc/PID/stat, as a character code (R, S, D, Z, T, ...). */
  state: Uint8Array;
  /** Start time in clock ticks after boot (stat field 22): with the PID, names a process for good. */
  startTime: Float64Array;
  threads: Int32Array;
  /** As lsns shows it: cmdline's NULs as spaces, at most 8 KiB; the thread name when it is empty. */
  command: (string | undefined)[];
}

/** A way to a namespace for readHierarchy: its link in a member's /proc/PID/ns (the default), a thread's
 *  /proc/PID/task/TID/ns, or fd `fd` of process `pid` (checked to be that namespace file first). */
export interface NamespaceWay {
  pid: number;
  type: NsType;
  /** The namespace expected there: one found there that is another is not answered for. */
  inode: number;
  tid?: number;
  fd?: number;
}

/**
 * The hierarchy of some namespaces: entries [0, ways.length) answer the ways in order, the rest are the
 * ancestors (owners, parents) they led to, each once.
 */
export interface NamespaceRelations {
  length: number;
  inode: Float64Array;
  /** Index into NS_TYPES. */
  type: Uint8Array;
  /** 1 where the namespace was reached and asked; 0 where its way led nowhere (gone, moved, swapped). */
  reached: Uint8Array;
  /** ONS: the owning user namespace; 0 when it lies outside our view; another -errno if refused. */
  owner: Float64Array;
  /** PNS (user and pid namespaces): the parent; 0 at the top of our view or of the tree. */
  parent: Float64Array;
  /** NS_GET_OWNER_UID of a user namespace: its creator's uid; -1 for the other types, or unanswered. */
  ownerUid: Float64Array;
}

// native/walk.h
const WALK_FDS = 1;
const WALK_THREADS = 2;
const WALK_DONE = 0;
const WALK_FULL = 1;
const WALK_SMALL = 2;
const HEADER = 64;
const HOLDER = 24;
const HOLDER_NSFD = 1;
const HOLDER_SOCKET = 2;
const HOLDER_THREAD = 3;
const DETAILS_HEADER = 24;
const DETAILS_RECORD = 40;
const DETAILS_MORE = 1;
const DETAILS_CMDLINE_MAX = 8192;
const REQUEST = 24;
const RELATIONS_HEADER = 16;
const RELATION = 40;
const RELATIONS_SMALL = 1;
const VIA_PROCESS = 0;
const VIA_FD = 1;
const VIA_THREAD = 2;

/** One buffer, reused by every walk and grown when a host needs more (never shrunk). */
let shared: Buffer | undefined;

/**
 * A buffer of at least `size` bytes, 8-aligned (not from Buffer's pool), with the first `keep` bytes of
 * `from`: the shared one (rounded up to a power of two) unless `exact`.
 */
function bufferOf(size: number, from?: Buffer, keep = 0, exact = false): Buffer {
  if (!exact && shared && shared.length >= size) return shared;
  let length = Math.ceil(size);
  if (!exact) for (length = 1 << 16; length < size;) length *= 2;
  const bigger = Buffer.allocUnsafeSlow(length);
  if (from && keep > 0) from.copy(bigger, 0, 0, keep);
  if (!exact) shared = bigger;
  return bigger;
}

/** Types of this kernel (time before Linux 5.6, cgroup before 4.6 have no link), per /proc. */
const kernelTypes = new Map<string, readonly NsType[]>();

function typesOf(procRoot: string): readonly NsType[] {
  let types = kernelTypes.get(procRoot);
  if (!types) {
    types = NS_TYPES.filter((t) => {
      try {
        return statSync(`${procRoot}/self/ns/${t}`, { throwIfNoEntry: false }) !== undefined;
      } catch {
        return false; // not a proc at all (ENOTDIR, EACCES): the walk says so
      }
    });
    if (types.length > 0) kernelTypes.set(procRoot, types);
  }
  return types;
}

function u32(buf: Buffer, offset: number): number {
  return buf.readUInt32LE(offset);
}

function u64(buf: Buffer, offset: number): number {
  return Number(buf.readBigUInt64LE(offset));
}

function held(length: number): HeldNamespaces {
  return { length, pid: new Int32Array(length), id: new Int32Array(length), type: new Uint8Array(length), inode: new Float64Array(length) };
}

/**
 * Walk /proc once: every process's links of the types asked for, and its fds and threads' namespaces
 * when asked. Throws SysError when /proc itself cannot be read.
 */
export function walkProc(request: WalkRequest = {}): ProcWalk {
  const procRoot = request.procRoot ?? '/proc';
  const present = typesOf(procRoot);
  const wanted = new Set(request.types ?? NS_TYPES);
  const types = present.filter((t) => wanted.has(t));
  let mask = 0;
  for (const t of types) mask |= 1 << NS_TYPES.indexOf(t);
  const flags = (request.fds ? WALK_FDS : 0) | (request.threads ? WALK_THREADS : 0);
  const native = addon();

  const exact = request.bufferBytes !== undefined;
  const records = flags ? 1 << 16 : 0;
  let buf: Buffer;
  if (exact) {
    buf = bufferOf(Math.max(HEADER, request.bufferBytes as number), undefined, 0, true);
  } else {
    // Room for this many processes' rows and a few records each: most hosts need one call.
    let processes = 0;
    try {
      processes = statSync(procRoot).nlink;
    } catch {
      /* the walk says what is wrong */
    }
    buf = bufferOf(HEADER + (processes + 256) * (4 + 8 * types.length + (flags ? 2 * HOLDER : 0)) + records);
  }
  let resumed = 0;
  let status = native.walk(procRoot, mask, flags, buf);
  for (;;) {
    if (status < 0) throw new SysError('tsns_walk', -status, procRoot);
    if (status === WALK_DONE) break;
    if (status === WALK_SMALL) {
      // More processes than the buffer had rows for: list again into a bigger one.
      const needed = u64(buf, 56);
      buf = exact ? bufferOf(needed + 256, undefined, 0, true) : bufferOf(needed * 1.25 + records);
      status = native.walk(procRoot, mask, flags, buf);
    } else if (status === WALK_FULL) {
      // The records filled it: keep what is there, double the room, and go on where it stopped.
      const used = u64(buf, 48) + u32(buf, 32) * HOLDER;
      buf = bufferOf(buf.length * 2, buf, used, exact);
      resumed++;
      status = native.walkResume(procRoot, buf);
    } else {
      throw new SysError('tsns_walk', 22, procRoot); // EINVAL: a status this code does not know
    }
  }

  const count = u32(buf, 28);
  const ntypes = u32(buf, 16);
  const nsOffset = u64(buf, 40);
  const holderOffset = u64(buf, 48);
  const nholders = u32(buf, 32);
  const pids = new Int32Array(buf.buffer, buf.byteOffset + HEADER, count).slice();
  const ns = new Float64Array(buf.buffer, buf.byteOffset + nsOffset, count * ntypes).slice();
  const ints = new Int32Array(buf.buffer, buf.byteOffset + holderOffset, nholders * (HOLDER / 4));
  const doubles = new Float64Array(buf.buffer, buf.byteOffset + holderOffset, nholders * (HOLDER / 8));
  let nfds = 0;
  let nsockets = 0;
  let nthreads = 0;
  for (let i = 0; i < nholders; i++) {
    const kind = ints[i * 6];
    if (kind === HOLDER_NSFD) nfds++;
    else if (kind === HOLDER_SOCKET) nsockets++;
    else if (kind === HOLDER_THREAD) nthreads++;
  }
  const fds = held(nfds);
  const threads = held(nthreads);
  const sockets: SocketFds = { length: nsockets, pid: new Int32Array(nsockets), fd: new Int32Array(nsockets), inode: new Float64Array(nsockets) };
  nfds = nsockets = nthreads = 0;
  for (let i = 0; i < nholders; i++) {
    const kind = ints[i * 6];
    const pid = ints[i * 6 + 1];
    const id = ints[i * 6 + 2];
    const type = ints[i * 6 + 3];
    const inode = doubles[i * 3 + 2];
    if (kind === HOLDER_SOCKET) {
      sockets.pid[nsockets] = pid;
      sockets.fd[nsockets] = id;
      sockets.inode[nsockets++] = inode;
      continue;
    }
    const into = kind === HOLDER_NSFD ? fds : kind === HOLDER_THREAD ? threads : undefined;
    if (!into) continue;
    const k = kind === HOLDER_NSFD ? nfds++ : nthreads++;
    into.pid[k] = pid;
    into.id[k] = id;
    into.type[k] = type;
    into.inode[k] = inode;
  }
  return { types, pids, ns, fds, sockets, threads, vanished: u32(buf, 20) - count, resumed };
}

/** PPID, state, start time, owner, thread count and command of each of `pids` (gone ones marked). */
export function readProcessDetails(pids: ArrayLike<number>, procRoot = '/proc'): ProcessDetailsList {
  const n = pids.length;
  const out: ProcessDetailsList = {
    length: n,
    pid: Int32Array.from(pids),
    found: new Uint8Array(n),
    ppid: new Int32Array(n),
    uid: new Uint32Array(n),
    state: new Uint8Array(n),
    startTime: new Float64Array(n),
    threads: new Int32Array(n),
    command: new Array<string | undefined>(n).fill(undefined),
  };
  const native = addon();
  // Records for the PIDs still to read, then their command lines: typically a few dozen bytes each.
  for (let from = 0; from < n;) {
    const left = n - from;
    const buf = bufferOf(DETAILS_HEADER + left * DETAILS_RECORD + Math.max(DETAILS_CMDLINE_MAX * 2, left * 256));
    const status = native.details(procRoot, out.pid.subarray(from), buf);
    if (status < 0) throw new SysError('tsns_details', -status, procRoot);
    const done = u32(buf, 4);
    const strings = u64(buf, 8);
    for (let i = 0; i < done; i++) {
      const at = DETAILS_HEADER + i * DETAILS_RECORD;
      if (buf[at + 33] & 1) continue; // DETAILS_GONE
      const k = from + i;
      out.found[k] = 1;
      out.ppid[k] = buf.readInt32LE(at + 4);
      out.uid[k] = u32(buf, at + 8);
      out.threads[k] = buf.readInt32LE(at + 12);
      out.startTime[k] = buf.readDoubleLE(at + 16);
      const offset = strings + u32(buf, at + 24);
      out.command[k] = buf.toString('utf8', offset, offset + u32(buf, at + 28));
      out.state[k] = buf[at + 32];
    }
    // EINVAL: an answer that does not add up (no progress, or done early without saying so).
    if (done === 0 || (status !== DETAILS_MORE && done !== left)) throw new SysError('tsns_details', 22, procRoot);
    from += done;
  }
  return out;
}

/**
 * Owner (NS_GET_USERNS), parent (NS_GET_PARENT, for user and pid namespaces) and creator
 * (NS_GET_OWNER_UID, for user namespaces) of each namespace, through the ways given, and of every
 * ancestor those lead to: the whole hierarchy above them, in one call.
 */
export function readHierarchy(ways: readonly NamespaceWay[], procRoot = '/proc'): NamespaceRelations {
  const n = ways.length;
  const requests = Buffer.allocUnsafeSlow(Math.max(REQUEST, n * REQUEST)); // 8-aligned, every byte written
  for (let i = 0; i < n; i++) {
    const w = ways[i];
    const at = i * REQUEST;
    requests.writeInt32LE(w.fd !== undefined ? VIA_FD : w.tid !== undefined ? VIA_THREAD : VIA_PROCESS, at);
    requests.writeInt32LE(w.pid, at + 4);
    requests.writeInt32LE(w.fd ?? w.tid ?? 0, at + 8);
    requests.writeInt32LE(NS_TYPES.indexOf(w.type), at + 12);
    requests.writeDoubleLE(w.inode, at + 16);
  }
  const native = addon();
  // Room for every request and a few ancestors each; a deeper hierarchy asks again with more.
  let records = n * 2 + 64;
  for (;;) {
    const buf = bufferOf(RELATIONS_HEADER + records * RELATION);
    const status = native.relations(procRoot, requests, n, buf);
    if (status < 0) throw new SysError('tsns_relations', -status, procRoot);
    if (status === RELATIONS_SMALL) {
      records = Math.max(records * 2, u32(buf, 12) * 2);
      continue;
    }
    const count = u32(buf, 8);
    const doubles = new Float64Array(buf.buffer, buf.byteOffset + RELATIONS_HEADER, count * (RELATION / 8));
    const ints = new Int32Array(buf.buffer, buf.byteOffset + RELATIONS_HEADER, count * (RELATION / 4));
    const out: NamespaceRelations = {
      length: count,
      inode: new Float64Array(count),
      type: new Uint8Array(count),
      reached: new Uint8Array(count),
      owner: new Float64Array(count),
      parent: new Float64Array(count),
      ownerUid: new Float64Array(count),
    };
    for (let i = 0; i < count; i++) {
      out.inode[i] = doubles[i * 5];
      out.owner[i] = doubles[i * 5 + 1];
      out.parent[i] = doubles[i * 5 + 2];
      out.ownerUid[i] = doubles[i * 5 + 3];
      out.type[i] = ints[i * 10 + 8];
      out.reached[i] = ints[i * 10 + 9] & 1;
    }
    return out;
  }
}
