/**
 * Open file descriptors: an fd of a namespace file (readlink /proc/PID/fd/N says "net:[4026532296]")
 * keeps the namespace alive with no process in it — `ip netns` helpers, runc's setns fds, a leaked fd.
 * The same pass collects socket fds ("socket:[INODE]") for the sockets source.
 *
 * This is the one source that touches every process's fd table (a readdir and a readlink per fd: about
 * as much /proc work as the process scan itself), so on a host with many processes it runs in a worker
 * thread, started before the process scan and collected after it: on two cores it costs the scan no
 * wall time. The same worker reads threads (tasks.ts), the other per-process walk. On a small host the
 * worker's start-up (~30 ms) would cost more than the walk, so it runs inline there.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { NS_TYPES, type NsType } from '../../sys/constants';
import type { Source } from '../index';
import type { ScanModel } from '../model';
import { registerOpenPath } from './hierarchy';
import { holdNamespace, parseNsLink } from './nsfs';
import { addThreadHolders, scanThreads, type HeldNs } from './tasks';

/** A socket fd: who holds it and the socket's inode. */
export interface SocketFd {
  pid: number;
  fd: number;
  inode: number;
}

/** What the per-process walk found. */
export interface HolderFacts {
  fds: HeldNs[];
  threads: HeldNs[];
  sockets: SocketFd[];
}

/** nsfs and socket fds of one process. */
export function scanFds(pid: number, held: HeldNs[], sockets: SocketFd[]): void {
  const dir = `/proc/${pid}/fd/`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    let link: string;
    try {
      link = readlinkSync(dir + name);
    } catch {
      continue;
    }
    // Cheap first-character filter: most fds are files ("/..."), pipes ("pipe:[") or anon inodes.
    const c = link.charCodeAt(0);
    if (c === 47 /* / */) continue;
    if (link.startsWith('socket:[')) {
      const inode = Number(link.slice(8, -1));
      if (inode > 0) sockets.push({ pid, fd: Number(name), inode });
      continue;
    }
    const ns = parseNsLink(link);
    if (ns) held.push({ pid, fd: Number(name), type: ns.type, id: ns.id });
  }
}

/** The per-process walk over `pids` (default: every process in /proc). */
export function scanHolders(pids?: number[]): HolderFacts {
  const facts: HolderFacts = { fds: [], threads: [], sockets: [] };
  const list = pids ?? listPids();
  for (const pid of list) {
    scanFds(pid, facts.fds, facts.sockets);
    scanThreads(pid, facts.threads);
  }
  return facts;
}

function listPids(): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(n));
  }
  return out;
}

/** Add the fd-held namespaces to the model (source `fd`), remembering how to open them again. */
export function addFdHolders(model: ScanModel, held: HeldNs[]): void {
  for (const h of held) {
    holdNamespace(model, h.type, h.id, 'fd', h.pid);
    registerOpenPath(model, h.id, `/proc/${h.pid}/fd/${h.fd}`);
  }
}

/**
 * Add thread- and fd-held namespaces of `wanted` types; sockets are left for the sockets source.
 * Only holders the process scan saw count: one born after it is not part of this snapshot (its
 * details would never be read, and a row needs them).
 */
export function addHolders(model: ScanModel, facts: HolderFacts, wanted: ReadonlySet<NsType> = new Set(NS_TYPES)): void {
  const keep = (h: HeldNs): boolean => wanted.has(h.type) && model.processes.has(h.pid);
  const threads = facts.threads.filter(keep);
  addThreadHolders(model, threads);
  for (const h of threads) registerOpenPath(model, h.id, `/proc/${h.pid}/task/${h.tid}/ns/${h.type}`);
  addFdHolders(model, facts.fds.filter(keep));
}

const pendingScans = new WeakMap<ScanModel, PendingHolders>();
const socketFds = new WeakMap<ScanModel, SocketFd[]>();

/** Socket fds the holder walk found for this model (for the sockets source). */
export function socketFdsOf(model: ScanModel): SocketFd[] {
  return socketFds.get(model) ?? [];
}

/** Source, first in the list: start the per-process walk (in a worker on a big host). */
export const holderStartSource: Source = (model) => {
  pendingScans.set(model, startHolderScan());
};

/** Source, after the process scan: collect the walk; threads (`task`) and fds (`fd`) into the model. */
export const holderSource: Source = (model, options) => {
  const pending = pendingScans.get(model) ?? startHolderScan();
  pendingScans.delete(model);
  const facts = pending.wait();
  addHolders(model, facts, new Set(options.types));
  socketFds.set(model, facts.sockets.filter((s) => model.processes.has(s.pid)));
};

/** Above this many processes the walk runs in a worker thread (its start-up pays for itself). */
export const WORKER_THRESHOLD = 600;
/** How long a scan waits for the worker before doing the walk itself. */
const WORKER_TIMEOUT_MS = 20000;

export interface PendingHolders {
  /** Block until the walk is done (worker or inline) and return its facts. */
  wait(): HolderFacts;
}

/**
 * Start the per-process walk: in a worker thread when the host has many processes, else lazily inline.
 * Call before the process scan; call wait() after it.
 */
export function startHolderScan(): PendingHolders {
  const pids = listPids();
  if (pids.length < WORKER_THRESHOLD) return { wait: () => scanHolders(pids) };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wt = require('node:worker_threads') as typeof import('node:worker_threads');
  let worker: import('node:worker_threads').Worker;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new wt.MessageChannel();
  try {
    worker = new wt.Worker(__filename, {
      workerData: { tsnsHolderScan: true, flag, port: port2, pids },
      transferList: [port2],
      stdout: false,
      stderr: false,
    });
  } catch {
    return { wait: () => scanHolders(pids) };
  }
  worker.unref();
  worker.on('error', () => {
    /* reported through the flag; the scan falls back to walking itself */
  });
  return {
    wait(): HolderFacts {
      // The worker sets flag to 1 after posting its result (or 2 on failure).
      Atomics.wait(flag, 0, 0, WORKER_TIMEOUT_MS);
      const msg = wt.receiveMessageOnPort(port1)?.message as HolderFacts | undefined;
      port1.close();
      if (Atomics.load(flag, 0) !== 1 || !msg) {
        void worker.terminate();
        return scanHolders();
      }
      return msg;
    },
  };
}

function runAsWorker(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wt = require('node:worker_threads') as typeof import('node:worker_threads');
  const data = wt.workerData as { flag: Int32Array; port: import('node:worker_threads').MessagePort; pids: number[] };
  let status = 1;
  try {
    data.port.postMessage(scanHolders(data.pids));
  } catch {
    status = 2;
  }
  data.port.close();
  Atomics.store(data.flag, 0, status);
  Atomics.notify(data.flag, 0);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
if ((require('node:worker_threads') as typeof import('node:worker_threads')).workerData?.tsnsHolderScan === true) runAsWorker();
