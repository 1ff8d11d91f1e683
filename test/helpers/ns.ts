/**
 * Real namespaces for tests, made with util-linux unshare, and their cleanup.
 *
 *   const ns = await unshareProcess(['--uts', '--net'], ['sleep', '1000']);
 *   ns.pid          // the process inside the new namespaces
 *   ns.ns('uts')    // its namespace inode
 *   await killAll() // in after(): every process these helpers started, by PID
 *
 * With --fork (needed for --pid and --time) unshare stays as the parent, started with --kill-child so
 * killing it takes the whole child tree (a pid namespace's init takes its namespace) with it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { NsType } from '../../src/sys/constants';
import { childrenOf, sleep, waitFor } from './proc';

export interface NsProcess {
  /** The process in the new namespaces (unshare's child with --fork, else unshare itself after exec). */
  pid: number;
  /** unshare, when it stayed as the parent (--fork); else the same as pid. */
  holderPid: number;
  child: ChildProcess;
  /** Namespace inode of `pid` for a type. */
  ns(type: NsType): number;
  kill(): Promise<void>;
}

const started = new Set<NsProcess>();

export function nsInode(pid: number, type: NsType): number {
  const link = readlinkSync(`/proc/${pid}/ns/${type}`);
  return Number(link.slice(link.indexOf('[') + 1, -1));
}

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}

/**
 * Run `command` under `unshare FLAGS` (any unshare option; --fork gets --kill-child added) and wait
 * until it runs inside. `ready` (optional) is the command line to wait for when `command` is a shell
 * that execs something else.
 */
export async function unshareProcess(flags: string[], command: string[], options: { ready?: string; prefix?: string[] } = {}): Promise<NsProcess> {
  const fork = flags.includes('--fork') || flags.includes('-f');
  const args = [...flags, ...(fork ? ['--kill-child'] : []), '--', ...command];
  return startProcess([...(options.prefix ?? []), 'unshare', ...args], options.ready ?? command.join(' '), fork);
}

/**
 * Start `argv` and wait for a process with command line `want` in its tree (`argv[0]` itself once it
 * has exec'd, unless `fork`: then a descendant). For commands other than unshare that enter or make
 * namespaces (ip netns exec, setpriv ...).
 */
export async function startProcess(argv: string[], want: string, fork = false): Promise<NsProcess> {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const holderPid = child.pid;
  if (holderPid === undefined) throw new Error(`could not start ${argv.join(' ')}`);
  let exited = false;
  child.on('exit', () => (exited = true));
  let pid: number;
  try {
    pid = await waitFor(`${argv.join(' ')} to run`, () => {
      if (exited) throw new Error(`${argv.join(' ')} exited: ${stderr.trim()}`);
      // The holder (or, after a prefix such as setpriv execs, the same PID) or any descendant.
      const queue = [holderPid];
      while (queue.length > 0) {
        const p = queue.shift() as number;
        if (cmdline(p) === want && (p !== holderPid || !fork)) return p;
        queue.push(...childrenOf(p));
      }
      return undefined;
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const proc: NsProcess = {
    pid,
    holderPid,
    child,
    ns: (type) => nsInode(pid, type),
    kill: async () => {
      started.delete(proc);
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGKILL');
        await Promise.race([gone, sleep(2000)]);
      }
      // The process inside (no --fork) is the child itself; with --fork, --kill-child took it.
      await waitFor(`PID ${pid} to go`, () => (cmdline(pid) === undefined || cmdline(pid) === '' ? true : undefined), 3000).catch(() => undefined);
    },
  };
  started.add(proc);
  return proc;
}

/** Kill every process these helpers started (for after/afterEach). */
export async function killAll(): Promise<void> {
  await Promise.all([...started].map((p) => p.kill()));
}

/** A network namespace pinned by `ip netns add` (no process), removed by `remove()`. */
export interface NetnsPin {
  name: string;
  path: string;
  id: number;
  remove(): void;
}

const pins = new Set<NetnsPin>();

/** Whether /run/netns existed before these helpers first ran `ip netns add` (which makes it a mount). */
let netnsDirPreexisted: boolean | undefined;

export function addNetns(name: string): NetnsPin {
  netnsDirPreexisted ??= existsSync('/run/netns');
  const r = spawnSync('ip', ['netns', 'add', name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr}`);
  const path = `/run/netns/${name}`;
  const id = Number(spawnSync('stat', ['-L', '-c', '%i', path], { encoding: 'utf8' }).stdout.trim());
  const pin: NetnsPin = {
    name,
    path,
    id,
    remove: () => {
      pins.delete(pin);
      spawnSync('ip', ['netns', 'del', name]);
    },
  };
  pins.add(pin);
  return pin;
}

/** Remove every netns pin these helpers made. */
export function removeAllNetns(): void {
  for (const p of [...pins]) p.remove();
  // ip netns leaves /run/netns behind as a shared mount of itself: undo that too if the tests made it.
  if (netnsDirPreexisted === false && existsSync('/run/netns') && readdirSync('/run/netns').length === 0) {
    spawnSync('umount', ['-l', '/run/netns']);
    spawnSync('rmdir', ['/run/netns']);
  }
}

/** A Node process whose main thread makes a network namespace, a socket in it, and goes back: the
 *  namespace is held by that socket only. Its link (`net:[ID]`), id and the socket's fd number. The
 *  caller kills `holder`. */
export async function socketOnlyNetns(): Promise<{ holder: ChildProcess; link: string; id: number; fd: number }> {
  const koffi = require.resolve('koffi');
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const lib = require(${JSON.stringify(koffi)}).load('libc.so.6');
       const unshare = lib.func('int unshare(int)'), setns = lib.func('int setns(int, int)'), socket = lib.func('int socket(int, int, int)');
       const fs = require('node:fs');
       const home = fs.openSync('/proc/thread-self/ns/net', 'r');
       if (unshare(0x40000000) !== 0) throw new Error('unshare failed');
       const sock = socket(2, 2, 0);
       if (sock < 0) throw new Error('socket failed');
       const made = fs.readlinkSync('/proc/thread-self/ns/net');
       if (setns(home, 0x40000000) !== 0) throw new Error('setns failed');
       console.log(made + ' ' + sock);
       setInterval(() => {}, 1e6);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  holder.stdout?.on('data', (d) => (out += d));
  const [link, fd] = await waitFor('the socket holder', () => (out.includes('\n') ? out.trim().split(' ') : undefined));
  return { holder, link, id: Number(/\[(\d+)\]/.exec(link)?.[1]), fd: Number(fd) };
}
