/**
 * Pins: a namespace file bind-mounted onto a path keeps the namespace alive with no process in it
 * (what `ip netns add` does for net). This module makes, lists and removes them, with every check done
 * before the first change and every change undone when a later step fails.
 *
 * Conventions (documented in README):
 * - A bare NAME (no '/') means /run/netns/NAME for net (so `ip netns` sees it) and /run/tsns/TYPE/NAME
 *   for the other types. Those directories are made on demand: /run/netns the way iproute2 makes it
 *   (a shared mount, bound onto itself), /run/tsns/mnt a private mount bound onto itself (a mount
 *   namespace cannot be pinned on a shared mount), the others plain directories.
 * - Pinning a namespace onto a path that already pins that same namespace succeeds and changes nothing;
 *   a path pinning another namespace is an error.
 * - A pin never hides data: it goes on a file tsns creates, or (forced) on an existing empty regular
 *   file of a file system that stores files; never on a file with contents, nor on a file the kernel
 *   makes (proc, sysfs, ...).
 * - Unpin removes only the file tsns created. The record of that is an extended attribute on the file
 *   itself (user.tsns.pin, naming the file's inode): it outlives the pinning process, travels with
 *   the file, needs no shared state to lock or to go stale, and a copy or a new file at that path
 *   (another inode) does not carry it. Where the file system keeps no such attributes the file stays
 *   after unpin. /run/netns is the one exception: by ip netns's convention every file there is a
 *   pin's mount point, and `ip netns delete` removes it as unpin does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MNT_DETACH, MS_BIND, MS_PRIVATE, MS_REC, MS_SHARED, MS_SLAVE, NS_TYPES, NsType, UMOUNT_NOFOLLOW, isNsType } from '../sys/constants';
import { SysError, TsnsError, codeOfSystemError, describeErrno, errorCode, errorText, msg, option, withArticle } from '../sys/errors';
import * as libc from '../sys/libc';
import { type MountEntry, mountAt, mountHolding, nsfsRoot, readMountinfo } from '../proc/mountinfo';
import { NSFS_MAGIC, nsfsDevice, ownNamespace, readNsLink } from '../proc/ns';
import { type OpenNamespace, openNamespace } from '../proc/nsfile';
import { hasSysAdmin } from '../proc/status';
import { listPids } from '../proc/pids';
import { Transaction } from './transaction';

/** Where `ip netns` keeps network namespace pins. */
export const NETNS_RUN_DIR = '/run/netns';
/** Where tsns keeps named pins of the other types: /run/tsns/TYPE/NAME. */
export const PIN_RUN_DIR = '/run/tsns';

/** A pinned namespace: an nsfs bind mount seen in some mount namespace's mount table. */
export interface Pin {
  /** Mount point, as the mount namespace that has it sees it. */
  path: string;
  type: NsType;
  /** Namespace inode (the NS column). */
  ns: number;
  /** Processes whose namespace of this type is this one (0: only pins and fds hold it). */
  nprocs: number;
  /** Their PIDs, ascending. */
  pids: number[];
  /** Inode of the mount namespace whose mount table holds the pin. */
  mountNamespace: number;
  mountId: number;
}

export interface PinResult {
  path: string;
  type: NsType;
  ns: number;
  /** True when the path already pinned this namespace and nothing was done. */
  alreadyPinned: boolean;
  /** True when tsns created the (empty) file the pin is mounted on. */
  createdFile: boolean;
}

/** A NAME is a single path component: no '/', not '.' or '..'. */
export function isPinName(text: string): boolean {
  return text.length > 0 && !text.includes('/') && text !== '.' && text !== '..';
}

/** Bare NAME -> /run/netns/NAME (net) or /run/tsns/TYPE/NAME; a path -> itself, made absolute. */
export function resolvePinDestination(type: NsType, pathOrName: string): string {
  if (!isNsType(type)) throw new TsnsError(`unknown namespace type '${type}'`);
  if (!pathOrName) throw new TsnsError('empty pin path');
  if (isPinName(pathOrName)) return type === 'net' ? path.join(NETNS_RUN_DIR, pathOrName) : path.join(PIN_RUN_DIR, type, pathOrName);
  return path.resolve(pathOrName);
}

/** The directory tsns manages for named pins of `type` (created on demand). */
function pinDirectory(type: NsType): string {
  return type === 'net' ? NETNS_RUN_DIR : path.join(PIN_RUN_DIR, type);
}

/** The mark on a file tsns created to pin onto (see the module comment), and its value for inode `ino`. */
const PIN_XATTR = 'user.tsns.pin';
const createdMark = (ino: number): string => `created by tsns pin, inode ${ino}`;

/** File systems whose files the kernel makes: a pin there would cover one of them (/proc/version). */
const KERNEL_FILE_SYSTEMS = new Set([
  'proc',
  'sysfs',
  'cgroup',
  'cgroup2',
  'debugfs',
  'tracefs',
  'securityfs',
  'configfs',
  'bpf',
  'pstore',
  'efivarfs',
  'fusectl',
  'devpts',
  'devtmpfs',
  'mqueue',
  'binfmt_misc',
  'nsfs',
  'autofs',
  'rpc_pipefs',
  'selinuxfs',
  'hugetlbfs',
]);

/** An existing empty file where a pin was asked for without `force`. */
export class ExistingFileError extends TsnsError {
  constructor(readonly file: string) {
    super(msg`${file} already exists: tsns pins onto a file it creates; ${option('force')} pins onto an existing empty file`, 'EEXIST');
  }
}

/** open(2) O_PATH (same value on x86_64 and aarch64); Node does not export it. */
const O_PATH = 0o10000000;

const code = errorCode;
const message = errorText;

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    if (code(err) === 'ENOENT') return undefined;
    throw new TsnsError(`cannot access ${p}: ${message(err)}`, codeOfSystemError(err));
  }
}

/**
 * Canonical form of a path whose last component may not exist yet: the parent resolved through
 * symlinks (mountinfo lists canonical paths), the last component kept as given.
 */
function canonical(p: string, missingParentOk = false): { file: string; parent: string; parentExists: boolean } {
  const abs = path.resolve(p);
  const base = path.basename(abs);
  if (abs === '/' || base === '.' || base === '..') throw new TsnsError(`${p}: not a file name`);
  const parent = path.dirname(abs);
  try {
    const real = fs.realpathSync(parent);
    if (!fs.statSync(real).isDirectory()) throw new TsnsError(`${parent} is not a directory`, 'ENOTARGET');
    return { file: path.join(real, base), parent: real, parentExists: true };
  } catch (err) {
    if (err instanceof TsnsError) throw err;
    if (code(err) === 'ENOENT' && missingParentOk) return { file: abs, parent, parentExists: false };
    if (code(err) === 'ENOENT') throw new TsnsError(`${parent}: no such directory (the parent directory of a pin must exist)`, 'ENOTARGET');
    if (code(err) === 'ENOTDIR') throw new TsnsError(`${parent} is not a directory`, 'ENOTARGET');
    throw new TsnsError(`cannot access ${parent}: ${message(err)}`, codeOfSystemError(err));
  }
}

function nsLabel(type: string, inode: number): string {
  return `${type}:[${inode}]`;
}

/** What is at the destination now, decided before anything changes. */
type DestinationState = { kind: 'missing' } | { kind: 'file' } | { kind: 'same-pin' };

function inspectDestination(file: string, ns: OpenNamespace | undefined, table: MountEntry[], force: boolean): DestinationState {
  const st = lstatOrUndefined(file);
  if (st?.isDirectory()) throw new TsnsError(`${file} is a directory; a pin must be a file`, 'EEXIST');
  const mounted = mountAt(table, file);
  if (mounted) {
    const root = nsfsRoot(mounted);
    if (root) {
      if (ns && root.id === ns.inode && root.type === ns.type) return { kind: 'same-pin' };
      throw new TsnsError(`${file} is already a pin of ${nsLabel(root.type, root.id)}; unpin it first`, 'EEXIST');
    }
    throw new TsnsError(`${file} is a mount point (${mounted.fsType}); refusing to cover it with a pin`, 'EEXIST');
  }
  if (!st) return { kind: 'missing' };
  if (st.isSymbolicLink()) throw new TsnsError(`${file} is a symbolic link; give the path it points to`, 'EEXIST');
  if (st.isDirectory()) throw new TsnsError(`${file} is a directory; a pin must be a file`, 'EEXIST');
  // An nsfs file that mountinfo did not show (a mount made in a way this table cannot see).
  if (st.dev === nsfsDevice()) {
    if (ns && st.ino === ns.inode) return { kind: 'same-pin' };
    throw new TsnsError(`${file} is already a namespace file; unpin it first`, 'EEXIST');
  }
  if (!st.isFile()) throw new TsnsError(`${file} is not a regular file`, 'EEXIST');
  const fsType = mountHolding(table, file)?.fsType;
  if (fsType !== undefined && KERNEL_FILE_SYSTEMS.has(fsType))
    throw new TsnsError(`${file} is on ${withArticle(fsType)} file system, whose files the kernel makes: a pin would cover it`, 'EEXIST');
  if (st.size > 0)
    throw new TsnsError(`${file} is not empty (${st.size} bytes): a pin would hide what it holds; pin onto a new path (tsns creates the file)`, 'EEXIST');
  if (!force) throw new ExistingFileError(file);
  return { kind: 'file' };
}

function mkdirOnce(tx: Transaction, dir: string, mode: number): void {
  try {
    fs.mkdirSync(dir, { mode });
  } catch (err) {
    if (code(err) === 'EEXIST') return;
    throw new TsnsError(`cannot create directory ${dir}: ${message(err)}`, codeOfSystemError(err));
  }
  tx.did(() => fs.rmdirSync(dir));
  fs.chmodSync(dir, mode); // the umask may have narrowed mkdir's mode
}

/** Bind `dir` onto itself unless it is already a mount point; undone by unmounting it. */
function ensureMountPoint(tx: Transaction, dir: string, table: MountEntry[], recursive: boolean): void {
  if (mountAt(table, dir)) return;
  try {
    libc.mount(dir, dir, 'none', MS_BIND | (recursive ? MS_REC : 0));
  } catch (err) {
    throw new TsnsError(`cannot bind-mount ${dir} onto itself: ${message(err)}`, codeOfSystemError(err));
  }
  tx.did(() => libc.umount2(dir, MNT_DETACH));
}

/**
 * Make the managed directory for named pins of `type`, as its users expect it:
 * /run/netns as iproute2 (ip/ipnetns.c, netns_add) does: mkdir 0755, then `mount --make-rshared`,
 * binding it onto itself first if it is not a mount point, so an unpin propagates to every mount
 * namespace and frees the namespace sooner; /run/tsns/mnt a private mount of its own, because the kernel
 * refuses (EINVAL) to bind a mount namespace where the mount would propagate; others plain directories.
 */
function prepareManagedDirectory(tx: Transaction, type: NsType, table: MountEntry[]): void {
  const dir = pinDirectory(type);
  if (type === 'net') {
    mkdirOnce(tx, dir, 0o755);
    const current = mountAt(table, dir);
    if (current?.shared !== undefined) return;
    ensureMountPoint(tx, dir, table, true);
    try {
      libc.mount('', dir, 'none', MS_SHARED | MS_REC);
    } catch (err) {
      throw new TsnsError(`cannot make ${dir} a recursively shared mount: ${message(err)}`, codeOfSystemError(err));
    }
    // Undone as it was: a slave mount stays a slave, anything else goes back to private.
    if (current) tx.did(() => libc.mount('', dir, 'none', (current.master !== undefined ? MS_SLAVE : MS_PRIVATE) | MS_REC));
    return;
  }
  mkdirOnce(tx, PIN_RUN_DIR, 0o755);
  mkdirOnce(tx, dir, 0o755);
  if (type !== 'mnt') return;
  const current = mountAt(table, dir);
  if (current && current.shared === undefined && current.master === undefined) return;
  ensureMountPoint(tx, dir, table, false);
  try {
    libc.mount('', dir, 'none', MS_PRIVATE);
  } catch (err) {
    throw new TsnsError(`cannot make ${dir} a private mount: ${message(err)}`, codeOfSystemError(err));
  }
}

function requireMountPrivilege(what: string): void {
  if (!hasSysAdmin()) throw new TsnsError(`${what} needs CAP_SYS_ADMIN (mount privilege): ${describeErrno(1)}`, 'EPERM');
}

function ownMountNamespace(): number | undefined {
  return ownNamespace('mnt');
}

interface PlannedDestination {
  file: string;
  parent: string;
  managed: boolean;
  state: DestinationState;
}

/** Every check of a destination for a pin of `type` (of namespace `ns`, when known), nothing changed. */
function planDestination(type: NsType, dest: string, table: MountEntry[], force: boolean, ns?: OpenNamespace): PlannedDestination {
  const managedDir = pinDirectory(type);
  // Named-pin directories are made on demand, so compare them as far as they exist (/var/run -> /run).
  const managed = realpathLoose(path.dirname(path.resolve(dest))) === realpathLoose(managedDir);
  const target = canonical(dest, managed);
  const file = target.parentExists ? target.file : path.join(managedDir, path.basename(target.file));
  const state = inspectDestination(file, ns, table, force);
  if (type === 'mnt' && state.kind !== 'same-pin') {
    if (ns && ns.inode === ownMountNamespace())
      throw new TsnsError(
        `cannot pin ${nsLabel('mnt', ns.inode)}: it is this process's own mount namespace, and a pin inside the namespace it holds would loop (the kernel refuses it)`,
        'EKERNEL',
      );
    if (!managed) {
      const holder = mountHolding(table, target.parent);
      if (holder && holder.shared !== undefined)
        throw new TsnsError(
          `cannot pin a mount namespace on ${target.parent}: it is on a shared mount (${holder.mountPoint}, shared:${holder.shared}), where the pin could propagate into a loop; ` +
            `use a NAME (pinned under ${managedDir}) or make the directory private first: mount --bind DIR DIR && mount --make-private DIR`,
          'EKERNEL',
        );
    }
  }
  return { file, parent: target.parent, managed, state };
}

/**
 * Check, changing nothing, that a namespace of `type` could be pinned at `pathOrName` (a path or bare
 * NAME): the parent directory exists (or is a named-pin directory), the path is not a directory, not a
 * symlink, not a mount point or pin, not a file with contents or one the kernel makes, an existing empty
 * file only with `force`, and for mnt not on a shared mount. Returns the path the pin would have. For
 * callers that create the namespace only after this (tsns run --net=FILE), so that bad input fails
 * before anything exists; pinNamespace repeats every check.
 */
export function checkPinDestination(type: NsType, pathOrName: string, options: { force?: boolean } = {}): string {
  return planDestination(type, resolvePinDestination(type, pathOrName), readMountinfo(), options.force === true).file;
}

type PlannedPin = PlannedDestination & { ns: OpenNamespace };

/** Every check for one pin, nothing changed. */
function planPin(ns: OpenNamespace, dest: string, table: MountEntry[], force: boolean): PlannedPin {
  return { ns, ...planDestination(ns.type, dest, table, force, ns) };
}

function safeRealpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** realpath of the longest existing prefix, the rest appended as given. */
function realpathLoose(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch (err) {
    const parent = path.dirname(p);
    if (code(err) !== 'ENOENT' || parent === p) return p;
    return path.join(realpathLoose(parent), path.basename(p));
  }
}

/** The changes for one planned pin, each recorded in `tx`. */
function makePin(tx: Transaction, plan: PlannedPin, table: MountEntry[]): PinResult {
  const { ns, file } = plan;
  const result: PinResult = { path: file, type: ns.type, ns: ns.inode, alreadyPinned: plan.state.kind === 'same-pin', createdFile: false };
  if (result.alreadyPinned) return result;
  if (plan.managed) prepareManagedDirectory(tx, ns.type, table);
  // The mount goes onto an fd of the very file checked (or created), never a path resolved again: a
  // symlink or directory swapped in meanwhile cannot redirect it.
  let destFd: number;
  if (plan.state.kind === 'missing') {
    try {
      // As iproute2: O_EXCL, mode 0 (what counts is the mode of the nsfs file mounted on top).
      destFd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0);
    } catch (err) {
      throw new TsnsError(`cannot create ${file}: ${message(err)}`, codeOfSystemError(err));
    }
    tx.did(() => fs.unlinkSync(file));
    result.createdFile = true;
    try {
      libc.fsetxattr(destFd, PIN_XATTR, createdMark(fs.fstatSync(destFd).ino));
    } catch {
      // A file system without user attributes: unpin will leave the (empty) file.
    }
  } else {
    try {
      destFd = fs.openSync(file, O_PATH | fs.constants.O_NOFOLLOW);
    } catch (err) {
      throw new TsnsError(`cannot open ${file}: ${message(err)}`, codeOfSystemError(err));
    }
  }
  try {
    if (!fs.fstatSync(destFd).isFile()) throw new TsnsError(`${file} is no longer a regular file; not pinned`, 'EEXIST');
    libc.mount(`/proc/self/fd/${ns.fd}`, `/proc/self/fd/${destFd}`, 'none', MS_BIND);
  } catch (err) {
    if (err instanceof TsnsError) throw err;
    if (err instanceof SysError && err.code === 'EINVAL' && ns.type === 'mnt')
      throw new TsnsError(
        `the kernel refused to pin ${nsLabel('mnt', ns.inode)} on ${file} (${describeErrno(err.errno)}): the kernel pins a mount namespace only for a caller whose own mount namespace is older (has a smaller id), and only on a mount that does not propagate`,
        'EKERNEL',
      );
    if (err instanceof SysError && err.code === 'EPERM')
      throw new TsnsError(`cannot pin onto ${file}: ${describeErrno(err.errno)} (mounting needs CAP_SYS_ADMIN)`, 'EPERM');
    throw new TsnsError(`cannot pin onto ${file}: ${message(err)}`, codeOfSystemError(err));
  } finally {
    fs.closeSync(destFd);
  }
  tx.did(() => libc.umount2(file, MNT_DETACH | UMOUNT_NOFOLLOW));
  // Trust but verify: the path must now show the namespace we opened.
  const st = fs.statSync(file);
  if (st.ino !== ns.inode || st.dev !== ns.dev)
    throw new TsnsError(`${file}: the pin does not show ${nsLabel(ns.type, ns.inode)} after mounting; undone`, 'EKERNEL');
  return result;
}

function runPins(namespaces: OpenNamespace[], dests: string[], force: boolean): PinResult[] {
  requireMountPrivilege('pinning');
  const table = readMountinfo();
  const plans = namespaces.map((ns, i) => planPin(ns, dests[i], table, force));
  const files = new Set<string>();
  for (const p of plans) {
    if (files.has(p.file)) throw new TsnsError(`${p.file} given twice`, 'EINVAL');
    files.add(p.file);
  }
  const tx = new Transaction();
  try {
    const results = plans.map((p) => makePin(tx, p, readMountinfo()));
    tx.commit();
    return results;
  } catch (err) {
    tx.rollback();
    throw err;
  }
}

export interface PinOptions {
  /**
   * Called once the namespace files are open, before anything changes; throw to abort. For a target
   * named by PID: check the process is still the one resolved (not a reused PID), so the namespace
   * held open is the one meant.
   */
  verifyOpened?: () => void;
  /** Pin onto an existing empty regular file (of a file system that stores files) too, not only onto
   *  a file tsns creates. Never onto a file with contents. */
  force?: boolean;
}

/**
 * Pin the namespace behind `nsFile` (e.g. /proc/PID/ns/uts, or another pin) onto the path `dest`
 * (relative to the working directory, as unshare's --net=FILE; map a bare NAME with
 * resolvePinDestination first), creating an empty file there when none exists. The parent directory
 * must exist, except for the named-pin directories (/run/netns, /run/tsns/TYPE), which are made as
 * their users expect.
 * Throws TsnsError (and leaves nothing behind) on any failure.
 */
export function pinNamespace(nsFile: string, type: NsType, dest: string, options: PinOptions = {}): PinResult {
  if (!isNsType(type)) throw new TsnsError(`unknown namespace type '${type}'`);
  const ns = openNamespace(nsFile, type);
  try {
    options.verifyOpened?.();
    return runPins([ns], [path.resolve(dest)], options.force === true)[0];
  } finally {
    ns.close();
  }
}

export interface PinAllResult {
  pins: PinResult[];
  /** Types not pinned, and why: the caller's own namespaces (as `enter --all` skips them). */
  skipped: Array<{ type: NsType; reason: string }>;
}

export interface PinAllOptions extends PinOptions {
  /** Types to pin even when they are the caller's own (those the target itself named: a pin
   *  directory, a namespace id). The caller's own mount namespace is never pinnable by the caller. */
  named?: readonly NsType[];
}

/**
 * Pin the namespaces in `files` (type -> namespace file) as DIR/<type>: all or none. DIR must exist.
 * The caller's own namespaces are skipped (they are not the target's to keep), unless `named`; its own
 * mount namespace always (the kernel refuses that pin: it would loop).
 */
export function pinAll(files: Partial<Record<NsType, string>>, dir: string, options: PinAllOptions = {}): PinAllResult {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    throw new TsnsError(code(err) === 'ENOENT' ? `${dir}: no such directory` : `cannot access ${dir}: ${message(err)}`, codeOfSystemError(err));
  }
  if (!st.isDirectory()) throw new TsnsError(`${dir} is not a directory`, 'ENOTARGET');
  const opened: OpenNamespace[] = [];
  const skipped: PinAllResult['skipped'] = [];
  try {
    for (const type of NS_TYPES) {
      const file = files[type];
      if (!file) continue;
      const ns = openNamespace(file, type);
      const own = ns.inode === ownNamespace(type);
      if (own && (type === 'mnt' || !options.named?.includes(type))) {
        ns.close();
        skipped.push({ type, reason: `${nsLabel(type, ns.inode)} is this process's own ${type} namespace` });
        continue;
      }
      opened.push(ns);
    }
    if (!opened.length)
      throw new TsnsError(
        skipped.length
          ? `no namespace to pin: ${skipped.map((s) => s.type).join(', ')} ${skipped.length > 1 ? 'are' : 'is'} this process's own`
          : 'no namespace to pin',
        'ENOTARGET',
      );
    options.verifyOpened?.();
    const pins = runPins(
      opened,
      opened.map((ns) => path.join(path.resolve(dir), ns.type)),
      options.force === true,
    );
    return { pins, skipped };
  } finally {
    for (const ns of opened) ns.close();
  }
}

interface PinToRemove {
  file: string;
  type: NsType;
  ns: number;
}

/** Bare NAME -> the one named pin of that name (in /run/netns or /run/tsns/TYPE), or an error. */
function findNamedPin(name: string, table: MountEntry[], type?: NsType): string {
  const candidates = (type ? [type] : [...NS_TYPES])
    .map((t) => path.join(safeRealpath(pinDirectory(t)), name))
    .filter((p) => {
      const mounted = mountAt(table, p);
      return mounted !== undefined && nsfsRoot(mounted) !== undefined;
    });
  if (candidates.length === 1) return candidates[0];
  if (!candidates.length)
    throw new TsnsError(`no pin named '${name}'${type ? ` of type ${type}` : ''} (looked in ${NETNS_RUN_DIR} and ${PIN_RUN_DIR}/TYPE)`, 'ENOTARGET');
  throw new TsnsError(msg`pin name '${name}' is ambiguous: ${candidates.join(', ')}; give the path or ${option('type', 'the type')}`, 'EAMBIGUOUS');
}

/** Check that `given` is a pin (an nsfs mount, per mountinfo, statfs and NS_GET_NSTYPE), changing nothing. */
function inspectPin(given: string, table: MountEntry[], type?: NsType): PinToRemove {
  const p = isPinName(given) ? findNamedPin(given, table, type) : given;
  const { file } = canonical(p);
  const st = lstatOrUndefined(file);
  if (!st) throw new TsnsError(`${given}: no such file or directory`, 'ENOTARGET');
  const mounted = mountAt(table, file);
  if (!mounted) throw new TsnsError(`${given} is not a mount point, so not a pin; nothing unmounted`, 'ENOTNS');
  const root = nsfsRoot(mounted);
  if (!root || !isNsType(root.type)) throw new TsnsError(`${given} is ${withArticle(mounted.fsType)} mount, not a namespace pin; nothing unmounted`, 'ENOTNS');
  if (Number(fs.statfsSync(file).type) !== NSFS_MAGIC) throw new TsnsError(`${given} is not on nsfs; nothing unmounted`, 'ENOTNS');
  const ns = openNamespace(file);
  try {
    if (ns.inode !== root.id || ns.type !== root.type) throw new TsnsError(`${given}: mount table and file disagree; nothing unmounted`, 'EGONE');
  } finally {
    ns.close();
  }
  if (type && root.type !== type) throw new TsnsError(`${given} pins ${withArticle(root.type)} namespace, not ${type}; nothing unmounted`, 'ENOTNS');
  return { file, type: root.type, ns: root.id };
}

export interface UnpinResult {
  path: string;
  type: NsType;
  ns: number;
  /** True when the file under the pin, which tsns created, was removed. */
  removedFile: boolean;
  /** The file tsns created could not be removed (a read-only file system): why. The unpin stands. */
  removeError?: string;
}

/** Whether the file left at `file` after unmounting (`st`) is the one tsns created to pin onto (see the
 *  module comment), or an empty pin file in /run/netns. */
function createdForPin(file: string, st: fs.Stats): boolean {
  if (!st.isFile() || st.size !== 0) return false;
  if (libc.getxattr(file, PIN_XATTR) === createdMark(st.ino)) return true;
  return path.dirname(file) === safeRealpath(NETNS_RUN_DIR);
}

/**
 * Unpin every path (or bare pin NAME): all are checked first, and if any is not an nsfs mount nothing
 * is unmounted. Each is lazily unmounted (MNT_DETACH), and its file removed only if tsns created it
 * (or it is an empty file in /run/netns, as ip netns delete removes it); a file that cannot be removed
 * then is reported in the result, not thrown: the unpin happened.
 */
export function unpinAll(paths: string[], type?: NsType): UnpinResult[] {
  if (!paths.length) throw new TsnsError('no pin given', 'EINVAL');
  const table = readMountinfo();
  // A pin named twice (its path and its NAME, say) is unpinned once.
  const pins = [...new Map(paths.map((p) => inspectPin(p, table, type)).map((pin) => [pin.file, pin])).values()];
  requireMountPrivilege('unpinning');
  const results: UnpinResult[] = [];
  const already = (): string => (results.length ? ` (already unpinned: ${results.map((r) => r.path).join(', ')})` : '');
  for (const pin of pins) {
    try {
      libc.umount2(pin.file, MNT_DETACH | UMOUNT_NOFOLLOW);
    } catch (err) {
      throw new TsnsError(`cannot unmount ${pin.file}: ${message(err)}${already()}`, codeOfSystemError(err));
    }
    const result: UnpinResult = { path: pin.file, type: pin.type, ns: pin.ns, removedFile: false };
    let under: fs.Stats | undefined;
    try {
      under = fs.lstatSync(pin.file);
    } catch {
      // gone already (removed by whoever made it, between the unmount and now)
    }
    // Still a mount point: a pin stacked under this one keeps the file.
    if (under && !mountAt(readMountinfo(), pin.file) && createdForPin(pin.file, under)) {
      try {
        fs.unlinkSync(pin.file);
        result.removedFile = true;
      } catch (err) {
        result.removeError = message(err);
      }
    }
    results.push(result);
  }
  return results;
}

/** Unpin one path; see unpinAll. */
export function unpin(p: string): UnpinResult {
  return unpinAll([p])[0];
}

export interface ListPinsOptions {
  /** Only these types. */
  types?: NsType[];
  /** Also the pins in every other mount namespace (read through one process of each). */
  allMountNamespaces?: boolean;
}

function readNsInode(pid: number, type: NsType): number | undefined {
  return readNsLink(pid, type)?.id; // vanished or unreadable: skipped quietly
}

/**
 * Every nsfs mount in this mount namespace (and, on request, in all others), with the processes still
 * inside each pinned namespace.
 */
export function listPins(options: ListPinsOptions = {}): Pin[] {
  const own = ownMountNamespace() ?? 0;
  const tables: Array<{ mountNamespace: number; table: MountEntry[] }> = [{ mountNamespace: own, table: readMountinfo() }];
  const pids = listPids();
  if (options.allMountNamespaces) {
    const seen = new Set<number>([own]);
    for (const pid of pids) {
      const mntns = readNsInode(pid, 'mnt');
      if (mntns === undefined || seen.has(mntns)) continue;
      try {
        tables.push({ mountNamespace: mntns, table: readMountinfo(Number(pid)) });
        seen.add(mntns);
      } catch {
        // Process gone or unreadable: another member of that namespace may do.
      }
    }
  }
  const pins: Pin[] = [];
  for (const { mountNamespace, table } of tables) {
    for (const entry of table) {
      const root = nsfsRoot(entry);
      if (!root || !isNsType(root.type)) continue;
      if (options.types && !options.types.includes(root.type)) continue;
      pins.push({ path: entry.mountPoint, type: root.type, ns: root.id, nprocs: 0, pids: [], mountNamespace, mountId: entry.mountId });
    }
  }
  if (!pins.length) return pins;
  const wanted = new Map<NsType, Set<number>>();
  for (const pin of pins) {
    if (!wanted.has(pin.type)) wanted.set(pin.type, new Set());
    wanted.get(pin.type)?.add(pin.ns);
  }
  const members = new Map<number, number[]>();
  for (const pid of pids) {
    for (const [type, inodes] of wanted) {
      const inode = readNsInode(pid, type);
      if (inode === undefined || !inodes.has(inode)) continue;
      const list = members.get(inode) ?? [];
      list.push(Number(pid));
      members.set(inode, list);
    }
  }
  for (const pin of pins) {
    pin.pids = (members.get(pin.ns) ?? []).slice().sort((a, b) => a - b);
    pin.nprocs = pin.pids.length;
  }
  return pins;
}
