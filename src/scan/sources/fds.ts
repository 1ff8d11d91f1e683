/**
 * Open file descriptors: an fd of a namespace file (readlink /proc/PID/fd/N says "net:[4026532296]")
 * keeps the namespace alive with no process in it — `ip netns` helpers, runc's setns fds, a leaked fd.
 * The same pass collects socket fds ("socket:[INODE]") for the sockets source.
 *
 * This is the one source that touches every process's fd table (a readdir and a readlink per fd: about
 * as much /proc work as the process scan itself), so on a host with many processes a worker thread,
 * started before the process scan, shares the walk with the main thread (see startHolderScan): on two
 * cores most of it overlaps the process scan. The same walk reads threads (tasks.ts), the other
 * per-process pass. On a small host the walk runs inline.
 */
import { statSync } from 'node:fs';
import { close, getdents64, openDirectory, readlinkAt } from '../../sys/libc';
import { NS_TYPES, type NsType } from '../../sys/constants';
import type { Source } from '../index';
import type { ScanModel } from '../model';
import { holdNamespace, parseNsLink, registerOpenPath } from './nsfs';
import { listPids, offerDetails, readDetails, type ProcessDetails } from './processes';
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

// One buffer for a directory listing and one for a link's text, per thread.
const direntBuffer = Buffer.allocUnsafe(32768);
const fdLinkBuffer = Buffer.allocUnsafe(256);

/**
 * nsfs and socket fds of one process. Through koffi (getdents64 and readlinkat on the fd directory,
 * into buffers): no array of names, no string for the many links that are plain files, no exception
 * for an fd closed under us. This runs for every fd of every process.
 */
export function scanFds(pid: number, held: HeldNs[], sockets: SocketFd[]): void {
  const dirfd = openDirectory(`/proc/${pid}/fd`);
  if (dirfd < 0) return; // gone, or not ours to read
  try {
    for (;;) {
      const size = getdents64(dirfd, direntBuffer);
      if (size <= 0) return;
      for (let at = 0; at < size; at += direntBuffer.readUInt16LE(at + 16)) {
        // The name is the fd number; "." and ".." are not digits.
        let fd = 0;
        let i = at + 19;
        for (let c = direntBuffer[i]; c >= 48 && c <= 57; c = direntBuffer[++i]) fd = fd * 10 + (c - 48);
        if (i === at + 19 || direntBuffer[i] !== 0) continue;
        const length = readlinkAt(dirfd, String(fd), fdLinkBuffer);
        // Cheap first-byte filter: most fds are files ("/..."), which is all a failed read could be too.
        if (length <= 0 || fdLinkBuffer[0] === 47 /* / */) continue;
        const link = fdLinkBuffer.toString('latin1', 0, length);
        if (link.startsWith('socket:[')) {
          const inode = Number(link.slice(8, -1));
          if (inode > 0) sockets.push({ pid, fd, inode });
          continue;
        }
        const ns = parseNsLink(link);
        if (ns) held.push({ pid, fd, type: ns.type, id: ns.id });
      }
    }
  } finally {
    close(dirfd);
  }
}

/** The per-process walk over `pids` (default: every process in /proc). */
export function scanHolders(pids?: readonly number[]): HolderFacts {
  const facts: HolderFacts = { fds: [], threads: [], sockets: [] };
  const list = pids ?? listPids();
  for (const pid of list) {
    scanFds(pid, facts.fds, facts.sockets);
    scanThreads(pid, facts.threads);
  }
  return facts;
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

/** A walk started before the scan was even loaded (see prestartHolderScan), not yet taken. */
let prestarted: { pending: PendingHolders; at: number } | undefined;
/** A prestarted walk older than this is not this scan's: it is called off. */
const PRESTART_MAX_AGE_MS = 2000;

/**
 * Start the walk now, for a scan that is about to come: `tsns ls` calls this before loading the rest
 * of its modules, so the worker thread boots while they load. The next scan takes it over.
 */
export function prestartHolderScan(): void {
  if (prestarted || !holderSourceListed()) return;
  prestarted = { pending: startHolderScan(), at: Date.now() };
}

/** False when a caller already loaded the scan and took this source out of its list (the benchmark's
 *  lsns-sources-only run): then there is no walk to start. */
function holderSourceListed(): boolean {
  const loaded = require.cache[require.resolve('../index')]?.exports as { sources?: Source[] } | undefined;
  return !loaded?.sources || loaded.sources.includes(holderStartSource);
}

function takePrestarted(): PendingHolders | undefined {
  const pre = prestarted;
  prestarted = undefined;
  if (!pre) return undefined;
  if (Date.now() - pre.at <= PRESTART_MAX_AGE_MS) return pre.pending;
  pre.pending.cancel();
  return undefined;
}

const socketFds = new WeakMap<ScanModel, SocketFd[]>();

/** Socket fds the holder walk found for this model (for the sockets source). */
export function socketFdsOf(model: ScanModel): SocketFd[] {
  return socketFds.get(model) ?? [];
}

/** Source, first in the list: start the per-process walk (in a worker on a big host). */
export const holderStartSource: Source = (model) => {
  pendingScans.set(model, takePrestarted() ?? startHolderScan());
};

/** Give the walk the process scan's list of PIDs (else it lists /proc itself when it is waited for). */
export function shareProcessList(model: ScanModel, pids: readonly number[]): void {
  pendingScans.get(model)?.setPids(pids);
}

/**
 * Source, right after the process scan: hand the worker, once its walk is done, the details (PPID, UID,
 * COMMAND) of each namespace's lowest member — the PID column a view will show — so that they are read
 * on the other core while the main thread walks the hierarchy. Unused reads cost only the worker's time.
 */
export const readAheadSource: Source = (model, options) => {
  const pending = pendingScans.get(model);
  if (!pending || options.procRoot !== '/proc') return;
  const pids = new Set<number>();
  for (const ns of model.namespaces.values()) if (ns.pids.length > 0) pids.add(ns.pids[0]);
  const take = pending.readAhead([...pids]);
  if (take) offerDetails(model, take);
};

/** Source, after the process scan: collect the walk; threads (`task`) and fds (`fd`) into the model. */
export const holderSource: Source = (model, options) => {
  const pending = pendingScans.get(model) ?? startHolderScan();
  pendingScans.delete(model);
  const facts = pending.wait();
  addHolders(model, facts, new Set(options.types));
  socketFds.set(
    model,
    facts.sockets.filter((s) => model.processes.has(s.pid)),
  );
};

/** From this many processes on, a worker thread helps with the walk (below, its ~30 ms start-up
 *  would never pay off: the main thread finishes first). */
export const WORKER_THRESHOLD = 1000;
/** WORKER_THRESHOLD, or TSNS_WORKER_MIN_PROCS from the environment (a tuning knob; 1 forces the worker). */
function workerThreshold(): number {
  const env = Number(process.env.TSNS_WORKER_MIN_PROCS);
  return Number.isInteger(env) && env > 0 ? env : WORKER_THRESHOLD;
}
/** How long the main thread waits for a pid the worker claimed before walking everything itself. */
const WORKER_TIMEOUT_MS = 10000;

/** Shared control words: the next index into the pid list, the worker's state, the read-ahead job's
 *  state and next index, whether the pid list is out. */
const NEXT = 0;
const STATE = 1;
const JOB = 2;
const JOB_NEXT = 3;
/** Set to 1 when the list of PIDs has been posted to the worker. */
const LISTED = 4;
const CTL_WORDS = 5;
const NOT_STARTED = 0;
const WORKING = 1;
const CANCELLED = 2;
const DONE = 3;
const FAILED = 4;
/** JOB: none yet; posted; taken by the worker; done (details on the job port); dropped (read inline). */
const JOB_NONE = 0;
const JOB_POSTED = 1;
const JOB_RUNNING = 2;
const JOB_DONE = 3;
const JOB_DROPPED = 4;
/** How long the worker, its walk done, waits for a read-ahead job before it exits. */
const JOB_WAIT_MS = 2000;

/** Details read by the worker, as they cross the job port. */
interface ReadAheadReply {
  pids: number[];
  details: ProcessDetails[];
}

export interface PendingHolders {
  /** Walk (sharing the work with the worker, if it came up in time) and return the facts. */
  wait(): HolderFacts;
  /** Never mind: stop the worker taking more processes. */
  cancel(): void;
  /**
   * Ask the worker to read the details of `pids` after its walk. Returns how to take them (waiting only
   * for a job the worker has begun; undefined, to read inline, for one it has not), or undefined when
   * there is no worker.
   */
  readAhead(pids: number[]): (() => Map<number, ProcessDetails> | undefined) | undefined;
  /** The processes to walk (once; later calls are ignored). */
  setPids(pids: readonly number[]): void;
}

/** The number of processes on the host, from /proc's link count (the kernel adds nr_processes() to it),
 *  without listing /proc: enough to decide whether a worker is worth starting. */
function processCount(): number {
  try {
    return statSync('/proc').nlink;
  } catch {
    return 0;
  }
}

/** Walk the pids at the indices claimed from the shared counter until none are left. */
function walkShared(pids: Int32Array, ctl: Int32Array, facts: HolderFacts): void {
  for (;;) {
    const i = Atomics.add(ctl, NEXT, 1);
    if (i >= pids.length) return;
    scanFds(pids[i], facts.fds, facts.sockets);
    scanThreads(pids[i], facts.threads);
  }
}

/**
 * Start the per-process walk. On a big host a worker thread starts now and begins claiming processes
 * as soon as it is up, while the main thread scans /proc/PID/ns; wait() (after the process scan) makes
 * the main thread claim the rest, so the two share the work through one atomic counter. If the worker
 * is not up by then (one busy core), it is called off and the main thread does it all: never slower
 * than walking inline, by more than the worker's creation.
 */
export function startHolderScan(minProcsForWorker = workerThreshold()): PendingHolders {
  if (processCount() < minProcsForWorker) {
    let list: readonly number[] | undefined;
    return {
      wait: () => scanHolders(list),
      cancel: () => {},
      readAhead: () => undefined,
      setPids: (pids) => void (list ??= pids),
    };
  }
  // The worker boots now; it begins when the process scan hands over its list of PIDs (setPids):
  // so /proc is listed once, on the main thread, while the worker is still starting.
  let pids: Int32Array | undefined;
  const ctl = new Int32Array(new SharedArrayBuffer(4 * CTL_WORDS));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wt = require('node:worker_threads') as typeof import('node:worker_threads');
  const { port1, port2 } = new wt.MessageChannel();
  // The read-ahead job has a channel of its own, so its reply never mixes with the walk's facts.
  const job = new wt.MessageChannel();
  let worker: import('node:worker_threads').Worker | undefined;
  try {
    worker = new wt.Worker(__filename, {
      workerData: { tsnsHolderScan: true, ctl, port: port2, jobPort: job.port2 },
      transferList: [port2, job.port2],
      stdout: false,
      stderr: false,
    });
    worker.unref();
    worker.on('error', () => {
      /* reported through STATE */
    });
  } catch {
    Atomics.store(ctl, STATE, CANCELLED);
  }
  const setPids = (list: readonly number[]): void => {
    if (pids) return;
    pids = new Int32Array(new SharedArrayBuffer(4 * list.length));
    pids.set(list);
    port1.postMessage(pids);
    Atomics.store(ctl, LISTED, 1);
    Atomics.notify(ctl, LISTED);
  };
  return {
    setPids,
    cancel(): void {
      Atomics.store(ctl, NEXT, 0x3fffffff); // past any list, with room for the claims still to come
      Atomics.compareExchange(ctl, STATE, NOT_STARTED, CANCELLED);
      Atomics.store(ctl, JOB, JOB_DROPPED);
      Atomics.notify(ctl, JOB);
      Atomics.notify(ctl, LISTED); // a worker still waiting for its list leaves
      port1.close();
      job.port1.close();
    },
    readAhead(list) {
      const state = Atomics.load(ctl, STATE);
      if (state === CANCELLED || state === FAILED || Atomics.load(ctl, JOB) !== JOB_NONE) return undefined;
      // The pids go over shared memory: whichever thread is free claims the next one (JOB_NEXT).
      const jobPids = new Int32Array(new SharedArrayBuffer(4 * list.length));
      jobPids.set(list);
      job.port1.postMessage(jobPids);
      Atomics.store(ctl, JOB, JOB_POSTED);
      Atomics.notify(ctl, JOB);
      return () => {
        const out = new Map<number, ProcessDetails>();
        const begun = Atomics.compareExchange(ctl, JOB, JOB_POSTED, JOB_DROPPED) !== JOB_POSTED;
        // Read what the worker has not claimed (everything, if it never began), then wait for the
        // pid it is reading.
        for (;;) {
          const i = Atomics.add(ctl, JOB_NEXT, 1);
          if (i >= jobPids.length) break;
          const details = readDetails(jobPids[i]);
          if (details) out.set(jobPids[i], details);
        }
        if (begun) {
          Atomics.wait(ctl, JOB, JOB_RUNNING, WORKER_TIMEOUT_MS);
          const reply = Atomics.load(ctl, JOB) === JOB_DONE ? (wt.receiveMessageOnPort(job.port1)?.message as ReadAheadReply | undefined) : undefined;
          // No reply (the worker failed): its pids are simply not read ahead; the caller reads them.
          if (reply) for (let i = 0; i < reply.pids.length; i++) out.set(reply.pids[i], reply.details[i]);
        }
        job.port1.close();
        return out;
      };
    },
    wait(): HolderFacts {
      if (!pids) setPids(listPids());
      const list = pids as Int32Array;
      const facts: HolderFacts = { fds: [], threads: [], sockets: [] };
      walkShared(list, ctl, facts);
      const state = Atomics.compareExchange(ctl, STATE, NOT_STARTED, CANCELLED);
      if (state === NOT_STARTED || state === CANCELLED) {
        port1.close();
        job.port1.close();
        return facts; // the worker never took a pid: everything is in our facts
      }
      if (state === WORKING) Atomics.wait(ctl, STATE, WORKING, WORKER_TIMEOUT_MS);
      const theirs = wt.receiveMessageOnPort(port1)?.message as HolderFacts | undefined;
      port1.close();
      if (Atomics.load(ctl, STATE) !== DONE || !theirs) {
        void worker?.terminate();
        return scanHolders([...list]); // the worker failed holding pids we never walked: walk them all
      }
      facts.fds.push(...theirs.fds);
      facts.threads.push(...theirs.threads);
      facts.sockets.push(...theirs.sockets);
      return facts;
    },
  };
}

function runAsWorker(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wt = require('node:worker_threads') as typeof import('node:worker_threads');
  type Port = import('node:worker_threads').MessagePort;
  const { ctl, port, jobPort } = wt.workerData as { ctl: Int32Array; port: Port; jobPort: Port };
  Atomics.wait(ctl, LISTED, 0, WORKER_TIMEOUT_MS);
  const pids = Atomics.load(ctl, LISTED) === 1 ? (wt.receiveMessageOnPort(port)?.message as Int32Array | undefined) : undefined;
  // Too late: the main thread has already walked everything (or given up on us).
  if (!pids || Atomics.compareExchange(ctl, STATE, NOT_STARTED, WORKING) !== NOT_STARTED) {
    port.close();
    jobPort.close();
    return;
  }
  let state = DONE;
  try {
    const facts: HolderFacts = { fds: [], threads: [], sockets: [] };
    walkShared(pids, ctl, facts);
    port.postMessage(facts);
  } catch {
    state = FAILED;
  }
  port.close();
  Atomics.store(ctl, STATE, state);
  Atomics.notify(ctl, STATE);
  if (state === DONE) serveReadAhead(wt, ctl, jobPort);
  jobPort.close();
}

/** Worker, after its walk: read the details the main thread asks for, if it asks soon. */
function serveReadAhead(wt: typeof import('node:worker_threads'), ctl: Int32Array, jobPort: import('node:worker_threads').MessagePort): void {
  Atomics.wait(ctl, JOB, JOB_NONE, JOB_WAIT_MS);
  if (Atomics.compareExchange(ctl, JOB, JOB_POSTED, JOB_RUNNING) !== JOB_POSTED) return;
  let done = false;
  try {
    const pids = wt.receiveMessageOnPort(jobPort)?.message as Int32Array | undefined;
    const reply: ReadAheadReply = { pids: [], details: [] };
    for (;;) {
      const i = Atomics.add(ctl, JOB_NEXT, 1);
      if (!pids || i >= pids.length) break;
      const details = readDetails(pids[i]);
      if (!details) continue; // gone, or so it seemed: the main thread looks again
      reply.pids.push(pids[i]);
      reply.details.push(details);
    }
    jobPort.postMessage(reply);
    done = true;
  } catch {
    /* reported through JOB */
  }
  Atomics.store(ctl, JOB, done ? JOB_DONE : JOB_DROPPED);
  Atomics.notify(ctl, JOB);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
if ((require('node:worker_threads') as typeof import('node:worker_threads')).workerData?.tsnsHolderScan === true) runAsWorker();
