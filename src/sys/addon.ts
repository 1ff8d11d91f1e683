/**
 * native/tsns.node, the Node-API addon (native/addon.c) of the calls on the hot paths: the /proc walker
 * (src/proc/walk.ts reads its buffers) and the last calls before enter and run hand over to the stage
 * (execve, clearing close-on-exec, pidfd_open; wrapped in src/sys/libc.ts with the rest). Loading it
 * costs a fraction of a millisecond, where koffi costs 10-15: a default `tsns ls` and `tsns enter` load
 * no FFI at all. Loaded on first use.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { nativeProblem, howToBuild } from './elf';
import { TsnsError } from './errors';

/** What the addon exports: each call returns what its C call returns, or -errno (native/addon.c). */
export interface Addon {
  walk(proc: string, types: number, flags: number, buf: Buffer): number;
  walkResume(proc: string, buf: Buffer): number;
  details(proc: string, pids: Int32Array, buf: Buffer): number;
  relations(proc: string, requests: Buffer, n: number, buf: Buffer): number;
  /** Returns only when execve fails: -errno. */
  execve(path: string, argv: string[], envp: string[]): number;
  /** 0 once fd survives execve; 1 when no such fd is open; -errno. */
  clearCloexec(fd: number): number;
  pidfdOpen(pid: number): number;
}

let loaded: Addon | undefined;

/** native/tsns.node of this checkout or package; TSNS_ADDON overrides it (tests, packagers). */
export function addonPath(): string {
  return process.env.TSNS_ADDON || resolve(__dirname, '..', '..', '..', 'native', 'tsns.node');
}

/** The addon, loaded on first use; a TsnsError (ENOSTAGE) that says what is wrong when it cannot be. */
export function addon(): Addon {
  if (loaded) return loaded;
  const path = addonPath();
  const module = { exports: {} as Addon };
  try {
    process.dlopen(module, path);
  } catch (err) {
    const problem = existsSync(path) ? (nativeProblem(path) ?? (err as Error).message.split('\n')[0]) : 'it is not built';
    throw new TsnsError(`the native addon ${path} cannot be loaded: ${problem}; ${howToBuild()}`, 'ENOSTAGE');
  }
  loaded = module.exports;
  return loaded;
}
