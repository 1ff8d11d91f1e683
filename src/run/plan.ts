/**
 * RunSpec -> the words of a tsns-stage plan (native/PROTOCOL.md). The stage creates; the TypeScript
 * side writes maps, time offsets and pins during the `sync` handshake (src/run/setup.ts).
 */
import path from 'node:path';
import { RunSpec } from './options';
import { IdRange, formatMap } from './ids';
import type { SetupSpec } from './setup';

/** The fd the stage gets the sync socket on (spawn's stdio[3]). */
export const SYNC_FD = 3;

/** True when the stage must stop after unsharing and let us set things up from outside. */
export function needsSync(spec: SetupSpec): boolean {
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
  /** The stage expects the library's end of the handshake on fd 3. */
  sync: boolean;
  /** What is left to do from outside (the stage writes what the kernel takes from itself). */
  setup: SetupSpec;
}

/** One range of the writer's own id: a map the kernel takes from the process itself. */
function ownIdOnly(map: IdRange[] | undefined, id: number): boolean {
  return map === undefined || (map.length === 1 && map[0].count === 1 && map[0].outer === id);
}

/**
 * True when the stage can write setgroups, uid_map, gid_map and timens_offsets itself, as unshare(1)
 * does: each map one line of the caller's own id (gid_map after setgroups deny), no newuidmap, no
 * --owner (the stage has become another user then, and may not touch its own /proc files).
 */
export function stageWritesIds(spec: RunSpec): boolean {
  const euid = process.geteuid?.() ?? 0;
  const egid = process.getegid?.() ?? 0;
  return (
    spec.owner === undefined &&
    !spec.uidMapHelper &&
    !spec.gidMapHelper &&
    ownIdOnly(spec.uidMap, euid) &&
    ownIdOnly(spec.gidMap, egid) &&
    (spec.gidMap === undefined || spec.singleGidMap)
  );
}

/**
 * The stage's plan. When the namespaces need setting up from outside (needsSync), `setup` is the argv
 * of a helper the stage forks before unsharing to do it (the CLI, which execs the stage: `setup=`);
 * without one the stage expects the other end of the handshake on fd 3 (the library, which spawns it
 * and answers itself: `sync=3`).
 */
export function buildPlan(spec: RunSpec, helper?: (setup: SetupSpec) => string[]): StagePlan {
  const words: string[] = [];
  if (spec.owner) words.push(`owner-uid=${spec.owner.uid}`, `owner-gid=${spec.owner.gid}`);
  if (spec.unshare.length) words.push(`unshare=${spec.unshare.join(',')}`);
  if (spec.unshare.includes('mnt') && spec.propagation !== 'unchanged') words.push(`propagation=${spec.propagation}`);
  let setup: SetupSpec = spec;
  if (stageWritesIds(spec)) {
    const setgroups = spec.setgroups ?? (spec.singleGidMap ? 'deny' : undefined);
    if (setgroups) words.push(`setgroups=${setgroups}`);
    if (spec.uidMap) words.push(`uid-map=${formatMap(spec.uidMap).trim()}`);
    if (spec.gidMap) words.push(`gid-map=${formatMap(spec.gidMap).trim()}`);
    if (spec.monotonic !== undefined) words.push(`monotonic=${spec.monotonic}`);
    if (spec.boottime !== undefined) words.push(`boottime=${spec.boottime}`);
    setup = { pins: spec.pins, singleGidMap: false, uidMapHelper: false, gidMapHelper: false };
  }
  const sync = needsSync(setup);
  if (sync && helper) {
    const argv = helper(setup);
    words.push(`setup=${argv[0]}`, ...argv.slice(1).map((arg) => `setup-arg=${arg}`));
  } else if (sync) words.push(`sync=${SYNC_FD}`);
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
  return { words, argv: spec.command, sync: sync && !helper, setup };
}
