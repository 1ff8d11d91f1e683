/**
 * What `tsns run` was asked to do, checked as a whole before anything is created: the options of
 * util-linux 2.42 unshare(1) plus --hostname. Every refusal is a TsnsError (one `tsns:` line).
 */
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { NS_TYPES, NsType } from '../sys/constants';
import { TsnsError, msg, option, together } from '../sys/errors';
import { IdRange, kernelRanges, mergeSingle, parseIdRange, resolveId, subordinateRange } from './ids';
import { defaultShell } from '../shell';
import { checkPinDestination } from '../pin';

export type Propagation = 'private' | 'shared' | 'slave' | 'unchanged';
export type Setgroups = 'allow' | 'deny';

/** Options as the user gives them (the library's input; the CLI fills it from argv). */
export interface RunOptions {
  /** Namespaces to create; a string is a file to pin the new namespace on. */
  namespaces?: Partial<Record<NsType, true | string>>;
  fork?: boolean;
  /** Mount a new proc here (true: /proc); implies a mount namespace. */
  mountProc?: true | string;
  /** Mount the new user namespace's binfmt_misc here (true: /proc/sys/fs/binfmt_misc, and a new /proc
   *  too, as unshare 2.42); implies user and mount namespaces. */
  mountBinfmt?: true | string;
  /** A binfmt_misc rule (`:name:type:offset:magic:mask:interpreter:flags`) to register there; implies
   *  --mount-binfmt. */
  loadInterp?: string;
  propagation?: Propagation;
  mapRootUser?: boolean;
  mapCurrentUser?: boolean;
  /** Map the caller's uid/gid to this id or name inside. */
  mapUser?: string | number;
  mapGroup?: string | number;
  /** `inner:outer:count`, or `auto`, `subids`, `all` as in unshare 2.42. */
  mapUsers?: string[];
  mapGroups?: string[];
  mapAuto?: boolean;
  /** Map the first subordinate ranges onto themselves (inner = outer), as unshare 2.42 --map-subids. */
  mapSubids?: boolean;
  setgroups?: Setgroups;
  /** `UID:GID` (ids or names): the new user namespace is owned by them, not by the caller (unshare 2.42
   *  --owner: a privileged caller makes a namespace on behalf of another user). Implies a user namespace. */
  owner?: string;
  /** Run the command with an empty environment (unshare 2.42 --clear-env). */
  clearEnv?: boolean;
  /** Signal (name or number) the command gets when tsns dies; true: SIGKILL. Implies fork. */
  killChild?: true | string | number;
  /** Pass SIGTERM and SIGINT on to the command. Implies fork. */
  forwardSignals?: boolean;
  root?: string;
  wd?: string;
  setuid?: string | number;
  setgid?: string | number;
  keepCaps?: boolean;
  /** Offsets in seconds for the new time namespace. */
  monotonic?: number | string;
  boottime?: number | string;
  /** Hostname of the new UTS namespace; implies --uts. */
  hostname?: string;
  /** Command and arguments; default $SHELL, else the caller's login shell, else /bin/sh. */
  command?: string[];
  /** When fd 0 is a terminal, the command gets a new one of its own, relayed (default true). */
  pty?: boolean;
}

/** The checked, resolved form the plan is built from. */
export interface RunSpec {
  unshare: NsType[];
  pins: Partial<Record<NsType, string>>;
  fork: boolean;
  mountProc?: string;
  mountBinfmt?: string;
  loadInterp?: string;
  propagation: Propagation;
  /** Lines for /proc/PID/uid_map and gid_map, and whether they need newuidmap/newgidmap. */
  uidMap?: IdRange[];
  gidMap?: IdRange[];
  /** Multi-range maps go through newuidmap/newgidmap when the caller is not root, as unshare does. */
  uidMapHelper: boolean;
  gidMapHelper: boolean;
  /** gid_map is one id (-r, -c, --map-group without ranges): setgroups is denied first, as unshare does. */
  singleGidMap: boolean;
  setgroups?: Setgroups;
  owner?: { uid: number; gid: number };
  clearEnv: boolean;
  killChild?: number;
  forwardSignals: boolean;
  root?: string;
  wd?: string;
  uid?: number;
  gid?: number;
  keepCaps: boolean;
  monotonic?: bigint;
  boottime?: bigint;
  hostname?: string;
  command: string[];
  /** No command given: $SHELL runs as a login shell (argv[0] "-sh"), as unshare's exec_shell. */
  defaultShell: boolean;
  pty: boolean;
}

/** A signal by name (KILL, SIGKILL, kill) or number. */
export function parseSignal(value: string | number): number {
  const text = String(value);
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = text.toUpperCase().replace(/^SIG/, '');
    const n = (osConstants.signals as Record<string, number>)[`SIG${name}`];
    if (n !== undefined) return n;
  }
  throw new TsnsError(`unknown signal: ${text}`);
}

function parseOffset(value: number | string, what: string): bigint {
  const text = String(value).trim();
  if (!/^[+-]?\d+$/.test(text)) throw new TsnsError(`failed to parse ${what} offset: '${text}'`);
  const n = BigInt(text);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw new TsnsError(`failed to parse ${what} offset: '${text}'`);
  return n;
}

function idRanges(kind: 'user' | 'group', values: string[], euid: number): IdRange[] {
  const ranges: IdRange[] = [];
  for (const v of values) {
    if (v === 'auto') ranges.push(subordinateRange(kind, euid));
    else if (v === 'subids') ranges.push(subordinateRange(kind, euid, true));
    else if (v === 'all') ranges.push(...kernelRanges(kind));
    else ranges.push(parseIdRange(v));
  }
  return ranges;
}

/** The namespaces asked for, by type: true for a new one, a string for a file to pin it on. */
type Requested = Map<NsType, true | string>;

function requestedNamespaces(o: RunOptions): Requested {
  const requested: Requested = new Map();
  for (const [type, value] of Object.entries(o.namespaces ?? {}) as [NsType, true | string | undefined][]) {
    if (!NS_TYPES.includes(type)) throw new TsnsError(`unknown namespace type '${type}'`);
    if (value === undefined) continue;
    if (value !== true && value === '') throw new TsnsError(msg`${option(`namespaces.${type}`)}: empty file name`);
    requested.set(type, value);
  }
  return requested;
}

/** An option that needs a namespace of a type asks for a new one, unless one was asked for already. */
function want(requested: Requested, type: NsType): void {
  if (!requested.has(type)) requested.set(type, true);
}

interface Mounts {
  mountProc?: string;
  mountBinfmt?: string;
  /** The /proc is there only because binfmt_misc in its default place lives under it. */
  procForBinfmt: boolean;
}

function resolveMounts(o: RunOptions, requested: Requested): Mounts {
  let mountProc = o.mountProc === undefined ? undefined : o.mountProc === true ? '/proc' : o.mountProc;
  if (mountProc === '') throw new TsnsError(msg`${option('mountProc')}: empty directory name`);
  // unshare 2.42: binfmt_misc in its default place comes with a new /proc (it lives under /proc).
  let mountBinfmt = typeof o.mountBinfmt === 'string' ? o.mountBinfmt : undefined;
  if (o.loadInterp !== undefined && !/^:[^:]+:[EM]:/.test(o.loadInterp)) {
    throw new TsnsError(`invalid binfmt_misc rule '${o.loadInterp}': give :name:type:offset:magic:mask:interpreter:flags`);
  }
  if (mountBinfmt === '') throw new TsnsError(msg`${option('mountBinfmt')}: empty directory name`);
  let procForBinfmt = false;
  if ((o.mountBinfmt !== undefined || o.loadInterp !== undefined) && mountBinfmt === undefined) {
    mountBinfmt = '/proc/sys/fs/binfmt_misc';
    procForBinfmt = mountProc === undefined;
    mountProc ??= '/proc';
  }
  if (mountBinfmt !== undefined) {
    want(requested, 'mnt');
    want(requested, 'user');
  }
  if (mountProc !== undefined) want(requested, 'mnt');
  return { mountProc, mountBinfmt, procForBinfmt };
}

interface IdMaps {
  uidMap?: IdRange[];
  gidMap?: IdRange[];
  uidMapHelper: boolean;
  gidMapHelper: boolean;
  singleGidMap: boolean;
  owner?: { uid: number; gid: number };
  /** --map-group, -r or -c without group ranges: the one gid mapped. */
  mapGroup?: number;
  groupRanges: number;
}

/** Id maps and owner, resolved as unshare 2.42 resolves them (later -r/-c/--map-user win over
 *  earlier: here an explicit --map-user/--map-group wins over -r/-c). */
function resolveIdMaps(o: RunOptions, requested: Requested): IdMaps {
  const euid = process.geteuid?.() ?? 0;
  const egid = process.getegid?.() ?? 0;
  let mapUser: number | undefined;
  let mapGroup: number | undefined;
  if (o.mapRootUser) [mapUser, mapGroup] = [0, 0];
  if (o.mapCurrentUser) [mapUser, mapGroup] = [euid, egid];
  if (o.mapUser !== undefined) mapUser = resolveId('user', String(o.mapUser));
  if (o.mapGroup !== undefined) mapGroup = resolveId('group', String(o.mapGroup));
  const implied = [...(o.mapAuto ? ['auto'] : []), ...(o.mapSubids ? ['subids'] : [])];
  const userRanges = idRanges('user', [...implied, ...(o.mapUsers ?? [])], euid);
  const groupRanges = idRanges('group', [...implied, ...(o.mapGroups ?? [])], euid);
  let owner: IdMaps['owner'];
  if (o.owner !== undefined) {
    const m = /^([^:]+):([^:]+)$/.exec(String(o.owner));
    if (!m) throw new TsnsError(`failed to parse owner '${String(o.owner)}': give UID:GID`);
    owner = { uid: resolveId('user', m[1]), gid: resolveId('group', m[2]) };
    want(requested, 'user');
  }
  const mapsSomething = mapUser !== undefined || mapGroup !== undefined || userRanges.length > 0 || groupRanges.length > 0;
  if (mapsSomething) want(requested, 'user');

  let uidMap: IdRange[] | undefined;
  let gidMap: IdRange[] | undefined;
  if (userRanges.length) uidMap = mergeWithSingle(userRanges, mapUser, euid);
  else if (mapUser !== undefined) uidMap = [{ inner: mapUser, outer: euid, count: 1 }];
  if (groupRanges.length) gidMap = mergeWithSingle(groupRanges, mapGroup, egid);
  else if (mapGroup !== undefined) gidMap = [{ inner: mapGroup, outer: egid, count: 1 }];
  return {
    uidMap,
    gidMap,
    uidMapHelper: userRanges.length > 0 && euid !== 0,
    gidMapHelper: groupRanges.length > 0 && euid !== 0,
    // With --owner the privileged caller writes the maps for the owner, and a single gid map needs no
    // setgroups deny (unshare 2.42 writes it from its root helper then, too).
    singleGidMap: groupRanges.length === 0 && mapGroup !== undefined && owner === undefined,
    owner,
    mapGroup,
    groupRanges: groupRanges.length,
  };
}

function checkSetgroups(setgroups: Setgroups | undefined, requested: Requested, maps: IdMaps): void {
  if (setgroups !== undefined && setgroups !== 'allow' && setgroups !== 'deny')
    throw new TsnsError(msg`unsupported ${option('setgroups')} argument '${String(setgroups)}'`);
  if (setgroups !== undefined && !requested.has('user'))
    throw new TsnsError(msg`${option('setgroups')} needs a new user namespace (${option('namespaces.user')})`);
  // An unprivileged single-gid map is only accepted once setgroups is denied (Linux 3.19+).
  if (setgroups === 'allow' && maps.mapGroup !== undefined && !maps.groupRanges) {
    throw new TsnsError(
      msg`options ${option('setgroups')} allow and ${option('mapGroup')} (or ${option('mapRootUser')}, ${option('mapCurrentUser')}) are mutually exclusive`,
    );
  }
}

function resolveTimeOffsets(o: RunOptions, requested: Requested): { monotonic?: bigint; boottime?: bigint } {
  const monotonic = o.monotonic === undefined ? undefined : parseOffset(o.monotonic, 'monotonic');
  const boottime = o.boottime === undefined ? undefined : parseOffset(o.boottime, 'boottime');
  if ((monotonic !== undefined || boottime !== undefined) && !requested.has('time')) {
    throw new TsnsError(msg`options ${option('monotonic')} and ${option('boottime')} require a new time namespace (${option('namespaces.time')})`);
  }
  return { monotonic, boottime };
}

/** Every check `tsns pin` makes on each file a new namespace is to be pinned on, now, so that a bad
 *  file fails before any namespace exists. */
function resolvePins(requested: Requested, fork: boolean): Partial<Record<NsType, string>> {
  const pins: Partial<Record<NsType, string>> = {};
  const seen = new Map<string, NsType>();
  for (const [type, value] of requested) {
    if (value === true) continue;
    const file = path.resolve(value);
    if ((type === 'pid' || type === 'time') && !fork)
      throw new TsnsError(msg`${option(`namespaces.${type}`)}=${value}: a persistent ${type} namespace needs ${option('fork')}`);
    const other = seen.get(file);
    if (other) throw new TsnsError(msg`${value}: given for both ${option(`namespaces.${other}`)} and ${option(`namespaces.${type}`)}`);
    seen.set(file, type);
    // As unshare binds onto the file given (`touch FILE` first is its idiom), an existing empty file
    // will do; one with contents never.
    pins[type] = checkPinDestination(type, file, { force: true });
  }
  return pins;
}

/** Check and resolve everything; nothing is created here. */
export function resolveRunOptions(o: RunOptions, env: NodeJS.ProcessEnv = process.env): RunSpec {
  const requested = requestedNamespaces(o);
  const mounts = resolveMounts(o, requested);
  if (o.hostname !== undefined) {
    if (o.hostname === '' || Buffer.byteLength(o.hostname) > 64) throw new TsnsError(`invalid hostname '${o.hostname}'`);
    want(requested, 'uts');
  }
  const maps = resolveIdMaps(o, requested);
  checkSetgroups(o.setgroups, requested, maps);

  const propagation = o.propagation ?? 'private';
  if (!['private', 'shared', 'slave', 'unchanged'].includes(propagation)) throw new TsnsError(`unsupported propagation mode: ${String(propagation)}`);

  const killChild = o.killChild === undefined ? undefined : o.killChild === true ? osConstants.signals.SIGKILL : parseSignal(o.killChild);
  const forwardSignals = o.forwardSignals === true;
  const fork = o.fork === true || killChild !== undefined || forwardSignals;
  const { monotonic, boottime } = resolveTimeOffsets(o, requested);

  // A new /proc in a new user namespace needs a pid namespace of its own (the kernel refuses it
  // otherwise): say so before anything is made, where unshare 2.42 fails mounting it.
  if (mounts.procForBinfmt && !(requested.has('pid') && fork)) {
    throw new TsnsError(
      msg`${option('mountBinfmt')} and ${option('loadInterp')} mount a new /proc, which needs ${together('namespaces.pid', 'fork')} (or give ${option('mountBinfmt')} a directory)`,
    );
  }
  const pins = resolvePins(requested, fork);

  const uid = o.setuid === undefined ? undefined : resolveId('user', String(o.setuid));
  const gid = o.setgid === undefined ? undefined : resolveId('group', String(o.setgid));
  const clearEnv = o.clearEnv === true;
  // As unshare, the default shell is looked up after the environment is cleared.
  const command = o.command && o.command.length ? o.command : [defaultShell(clearEnv ? {} : env)];
  if (o.root !== undefined && o.root === '') throw new TsnsError(msg`${option('root')}: empty directory name`);
  if (o.wd !== undefined && o.wd === '') throw new TsnsError(msg`${option('wd')}: empty directory name`);

  return {
    unshare: NS_TYPES.filter((t) => requested.has(t)),
    pins,
    fork,
    mountProc: mounts.mountProc,
    mountBinfmt: mounts.mountBinfmt,
    loadInterp: o.loadInterp,
    propagation,
    uidMap: maps.uidMap,
    gidMap: maps.gidMap,
    uidMapHelper: maps.uidMapHelper,
    gidMapHelper: maps.gidMapHelper,
    singleGidMap: maps.singleGidMap,
    setgroups: o.setgroups,
    owner: maps.owner,
    clearEnv,
    killChild,
    forwardSignals,
    root: o.root,
    wd: o.wd,
    uid,
    gid,
    // unshare(1) raises the ambient set only for a new user namespace.
    keepCaps: o.keepCaps === true && requested.has('user'),
    monotonic,
    boottime,
    hostname: o.hostname,
    command,
    defaultShell: !(o.command && o.command.length),
    pty: o.pty !== false,
  };
}

function mergeWithSingle(ranges: IdRange[], single: number | undefined, outer: number): IdRange[] {
  return mergeSingle(ranges, single === undefined ? undefined : { inner: single, outer });
}
