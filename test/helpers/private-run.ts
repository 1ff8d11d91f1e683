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
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

const CLONE_FS = 0x00000200;
const CLONE_NEWNS = 0x00020000;

export async function enterPrivateRun(): Promise<() => void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof import('koffi');
  const lib = koffi.load('libc.so.6');
  const unshare = lib.func('int unshare(int)') as (flags: number) => number;
  const setns = lib.func('int setns(int, int)') as (fd: number, type: number) => number;
  // A process that makes the namespace and holds it until we are in.
  const holder = spawn('unshare', ['--mount', '--propagation=private', 'sh', '-c', 'mount -t tmpfs tsns-test-run /run && echo ready && exec sleep 60'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`the private /run holder exited (${code})`)));
    });
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
