/**
 * RunSpec -> the words of a tsns-stage plan (native/PROTOCOL.md). The stage creates; the TypeScript
 * side writes maps, time offsets and pins during the `sync` handshake (src/run/setup.ts).
 */
import path from 'node:path';
import { RunSpec } from './options';

/** The fd the stage gets the sync socket on (spawn's stdio[3]). */
export const SYNC_FD = 3;

/** True when the stage must stop after unsharing and let us set things up from outside. */
export function needsSync(spec: RunSpec): boolean {
  return (
    spec.uidMap !== undefined ||
    spec.gidMap !== undefined ||
    spec.setgroups !== undefined ||
    spec.monotonic !== undefined ||
    spec.boottime !== undefined ||
    Object.keys(spec.pins).length > 0
  );
}

export interface StagePlan {
  words: string[];
  argv: string[];
  sync: boolean;
}

/**
 * The stage's plan. When the namespaces need setting up from outside (needsSync), `setup` is the argv
 * of a helper the stage forks before unsharing to do it (the CLI, which execs the stage: `setup=`);
 * without one the stage expects the other end of the handshake on fd 3 (the library, which spawns it
 * and answers itself: `sync=3`).
 */
export function buildPlan(spec: RunSpec, setup?: string[]): StagePlan {
  const words: string[] = [];
  if (spec.owner) words.push(`owner-uid=${spec.owner.uid}`, `owner-gid=${spec.owner.gid}`);
  if (spec.unshare.length) words.push(`unshare=${spec.unshare.join(',')}`);
  if (spec.unshare.includes('mnt') && spec.propagation !== 'unchanged') words.push(`propagation=${spec.propagation}`);
  const sync = needsSync(spec);
  if (sync && setup) words.push(`setup=${setup[0]}`, ...setup.slice(1).map((arg) => `setup-arg=${arg}`));
  else if (sync) words.push(`sync=${SYNC_FD}`);
  if (spec.clearEnv) words.push('clear-env');
  if (spec.fork) words.push('fork');
  if (spec.pty) words.push('pty');
  if (spec.killChild !== undefined) words.push(`kill-child=${spec.killChild}`);
  if (spec.forwardSignals) words.push('forward-signals');
  // unshare(1) changes root before mounting proc, so DIR is inside the new root; so does the stage.
  if (spec.root !== undefined) words.push(`chroot=${path.resolve(spec.root)}`);
  // unshare(1) mounts proc and binfmt_misc after its chroot and chdir: a relative DIR is taken from
  // the new working directory. The stage mounts before `wdns`, so resolve them here.
  const base = spec.root !== undefined ? '/' : process.cwd();
  const wd = spec.wd !== undefined ? path.posix.resolve(base, spec.wd) : base;
  if (spec.mountProc !== undefined) words.push(`mount-proc=${path.posix.resolve(wd, spec.mountProc)}`);
  if (spec.mountBinfmt !== undefined) words.push(`mount-binfmt=${path.posix.resolve(wd, spec.mountBinfmt)}`);
  if (spec.loadInterp !== undefined) words.push(`load-interp=${spec.loadInterp}`);
  if (spec.hostname !== undefined) words.push(`hostname=${spec.hostname}`);
  // -w is resolved after the new root, as unshare's chdir after chroot.
  if (spec.wd !== undefined) words.push(`wdns=${spec.wd}`);
  // unshare(1) keeps the ids the maps give unless -S/-G ask for others.
  words.push('preserve-credentials');
  if (spec.gid !== undefined) words.push(`gid=${spec.gid}`);
  if (spec.uid !== undefined) words.push(`uid=${spec.uid}`);
  if (spec.keepCaps) words.push('keep-caps');
  if (spec.defaultShell) words.push(`argv0=-${path.basename(spec.command[0])}`);
  return { words, argv: spec.command, sync: sync && !setup };
}
