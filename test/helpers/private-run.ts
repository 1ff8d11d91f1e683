/**
 * A mount namespace of the test's own, with a private tmpfs on /run, for the suites that make pins by
 * NAME (/run/netns, /run/tsns): another suite on this host (another checkout's run, say) makes and
 * removes those directories at the same time, and must neither see ours nor disturb them.
 *
 *   const leave = await enterPrivateRun();  // in before(): this process's main thread, and all it spawns
 *   leave();                                // in after(): back in the mount namespace it came from
 *
 * Only the main thread moves (namespaces are per thread; setns into a mount namespace needs
 * unshare(CLONE_FS) first): the synchronous fs calls and every spawn of the suite happen there; libuv's
 * pool threads (asynchronous fs) stay behind, so a suite using this keeps to synchronous fs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { closeSync, openSync } from 'node:fs';

const CLONE_FS = 0x00000200;
const CLONE_NEWNS = 0x00020000;

/** NS_GET_MNTNS_ID (_IOR(0xb7, 5, __u64), Linux 6.10+): a mount namespace's 64-bit id. */
const NS_GET_MNTNS_ID = 0x8008b705;

/** A process holding a new mount namespace with a private tmpfs on /run, made on `cpu` (or anywhere). */
async function startRunHolder(cpu?: number): Promise<ChildProcess> {
  const argv = ['unshare', '--mount', '--propagation=private', 'sh', '-c', 'mount -t tmpfs tsns-test-run /run && echo ready && exec sleep 60'];
  const holder = spawn(cpu === undefined ? argv[0] : 'taskset', cpu === undefined ? argv.slice(1) : ['-c', String(cpu), ...argv], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`the private /run holder exited (${code})`)));
  });
  return holder;
}

export async function enterPrivateRun(): Promise<() => void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  const unshare = lib.func('int unshare(int)') as (flags: number) => number;
  const setns = lib.func('int setns(int, int)') as (fd: number, type: number) => number;
  const ioctlU64 = lib.func('ioctl', 'int', ['int', 'unsigned long', koffi.out(koffi.pointer('uint64_t'))]) as (
    fd: number,
    req: number,
    out: bigint[],
  ) => number;
  const mntnsId = (pid: number): bigint | undefined => {
    const fd = openSync(`/proc/${pid}/ns/mnt`, 'r');
    try {
      const out = [0n];
      return ioctlU64(fd, NS_GET_MNTNS_ID, out) === 0 ? BigInt(out[0]) : undefined;
    } finally {
      closeSync(fd);
    }
  };
  // The kernel pins a mount namespace only for a caller whose own has a smaller id, and (measured on
  // 6.18) ids come from per-CPU batches: a namespace made later on another CPU can have a smaller id
  // than ours. So one namespace is made on each CPU and the one with the smallest id is kept: every
  // namespace the suite makes after it has a larger one, as on a kernel that counts them in order.
  const cpus = Array.from({ length: availableParallelism() }, (_, i) => i);
  const candidates = await Promise.all(cpus.map((cpu) => startRunHolder(cpu).catch(() => undefined)));
  const made = candidates.filter((c): c is ChildProcess => c !== undefined);
  if (made.length === 0) made.push(await startRunHolder());
  const ids = made.map((c) => mntnsId(c.pid as number));
  let best = 0;
  for (let i = 1; i < made.length; i++) {
    const [a, b] = [ids[i], ids[best]];
    if (a !== undefined && (b === undefined || a < b)) best = i;
  }
  const holder = made[best];
  for (const other of made) if (other !== holder) other.kill('SIGKILL');
  try {
    const home = openSync('/proc/thread-self/ns/mnt', 'r');
    const cwd = process.cwd();
    const there = openSync(`/proc/${holder.pid}/ns/mnt`, 'r');
    try {
      if (unshare(CLONE_FS) !== 0 || setns(there, CLONE_NEWNS) !== 0) throw new Error(`cannot join the private /run namespace (errno ${koffi.errno()})`);
    } finally {
      closeSync(there);
    }
    process.chdir(cwd); // setns put us at the namespace's root
    return () => {
      const ok = setns(home, CLONE_NEWNS) === 0;
      closeSync(home);
      process.chdir(cwd);
      if (!ok) throw new Error(`cannot go back to the mount namespace the suite started in (errno ${koffi.errno()})`);
    };
  } finally {
    holder.kill('SIGKILL');
  }
}
