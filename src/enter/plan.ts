/**
 * From what the user asked (`tsns enter` options, or the library's EnterOptions) to the stage's plan:
 * argv words for native/tsns-stage (see native/PROTOCOL.md), the command and its environment.
 * Everything that can be refused is refused here, before any namespace is touched.
 */
import { closeSync, readlinkSync } from 'node:fs';
import { listFds } from '../proc/pids';
import { basename } from 'node:path';
import { NS_TYPES, type NsType } from '../sys/constants';
import { TsnsError, codeOfSystemError, errorCode, errorText, msg, option, withArticle, type OptionRef } from '../sys/errors';
import { close, pidfdOpen } from '../sys/libc';
import { borrowSocketNetns } from '../proc/sockets';
import { kernelNsTypes, readNsLink, readNsLinkAt } from '../proc/ns';
import { namespaceOfFile } from '../proc/nsfile';
import { readStatus } from '../proc/status';
import { idInside, readIdMap } from '../proc/idmap';
import { readEnviron } from '../proc/environ';
import { readCgroups } from '../proc/cgroup';
import { readMountinfo } from '../proc/mountinfo';
import { releaseTarget, resolveTargetSync, type Target } from '../target';
import { defaultShell } from '../shell';

export interface EnterOptions {
  /** TARGET: PID or thread id (or PID:INODE), container, namespace id, namespace file, pin directory or
   *  pin name; or a Target resolveTarget gave. */
  target?: string | Target;
  /** nsenter's -t: a PID or thread id, or PID:INODE (the inode of the process's pidfd). */
  targetPid?: number | string;
  /** Every namespace of the target, except those the caller already shares. */
  all?: boolean;
  /** Namespaces to join: `true` = the target's, a string = that namespace file. */
  namespaces?: Partial<Record<NsType, true | string>>;
  /** Ids to take in the entered namespaces: a number, or 'follow' (the target process's, as seen inside). */
  setuid?: number | 'follow';
  setgid?: number | 'follow';
  preserveCredentials?: boolean;
  keepCaps?: boolean;
  /** Root and working directory: `true` = the target's, a string = that directory. */
  root?: true | string;
  wd?: true | string;
  /** A working directory inside the entered mount namespace. */
  wdns?: string;
  /** Use the target process's environment instead of ours. */
  env?: boolean;
  /** Do not fork, even into a PID namespace (the command then runs beside it, not in it). */
  noFork?: boolean;
  /** Join the target's cgroups too. */
  joinCgroup?: boolean;
  /** The network namespace of the target process's socket with this fd (util-linux 2.41+). */
  netSocket?: number;
  /** Join the parent of the target's user namespace. */
  userParent?: boolean;
  /** fds 3..3+N-1 reach the command too. */
  preserveFds?: number;
  /** A private /proc of the target's PID namespace (joined for it) on this directory (true: /proc), in
   *  a private copy of the mount namespace the command is in: nothing is mounted where anyone else sees it. */
  mountProc?: true | string;
  /** When fd 0 is a terminal, the command gets a new one of its own, relayed (default true; false: the
   *  command gets the caller's terminal itself, which a process in the target could then type into). */
  pty?: boolean;
  /** COMMAND [ARG...]; default $SHELL, else the caller's login shell, else /bin/sh, as a login shell (nsenter 2.42). */
  command?: string[];
  /** The environment the command gets (default process.env, or the target's with `env`). */
  environment?: NodeJS.ProcessEnv;
}

export interface EnterPlan {
  /** Words for the stage, before `--`. */
  words: string[];
  /** PROGRAM [ARG...] after `--`. */
  argv: string[];
  env: NodeJS.ProcessEnv;
  /** fds above 2 the command keeps (preserveFds: the caller's fds among 3..3+N-1). */
  keepFds: number[];
  /** Our own fds the stage must inherit to open a namespace by /proc/self/fd/N (it closes them). They
   *  stay open in this process until execPlan or spawnPlan hands them over, or releaseEnterPlan. */
  heldFds: number[];
  /** Namespaces joined, with where from (for reporting and tests). */
  joins: Partial<Record<NsType, string>>;
  /** What the user should know before it runs (a namespace named that is ours already: joined all the
   *  same, as nsenter does, and said once): one line each. */
  notices: string[];
  target?: Target;
}

/** preserveFds accepts at most this N (the stage passes at most 4096 fds). */
const MAX_PRESERVE_FDS = 1 << 20;

/** True when the options need a TARGET (a process) to be named: something is taken from it. */
export function needsTarget(o: EnterOptions): boolean {
  if (o.targetPid !== undefined) return false;
  const ns = o.namespaces ?? {};
  const requested = NS_TYPES.filter((t) => ns[t] !== undefined);
  if (requested.length === 0 || o.all) return true;
  if (requested.some((t) => ns[t] === true)) return true;
  if (o.root === true || o.wd === true || o.env || o.joinCgroup) return true;
  if (o.setuid === 'follow' || o.setgid === 'follow') return true;
  if (o.userParent && typeof ns.user !== 'string') return true;
  if (o.netSocket !== undefined) return true;
  return false;
}

/** The /proc directory of the target's process or thread, for what is taken from it (root, cwd,
 *  environment, cgroups, ids). */
function procOf(target: Target | undefined, what: OptionRef): number {
  const pid = target?.pid ?? target?.tid;
  if (pid === undefined) throw new TsnsError(msg`${what} needs a target process (${target ? `${target.description} has none` : 'give a target'})`, 'ENOTARGET');
  return pid;
}

function checkOptions(o: EnterOptions): void {
  if (o.mountProc !== undefined && o.noFork)
    throw new TsnsError(msg`${option('mountProc')} needs a fork: the new proc is mounted from inside the PID namespace`);
  if (o.mountProc === '') throw new TsnsError(msg`${option('mountProc')} needs a directory`);
  if (o.wd !== undefined && o.wdns !== undefined) throw new TsnsError(msg`${option('wd')} and ${option('wdns')} are mutually exclusive`);
  if (o.wdns === '') throw new TsnsError(msg`${option('wdns')} needs a directory`);
  if (o.preserveFds !== undefined && (!Number.isInteger(o.preserveFds) || o.preserveFds < 0 || o.preserveFds > MAX_PRESERVE_FDS)) {
    throw new TsnsError(msg`invalid ${option('preserveFds')}: '${o.preserveFds}'`);
  }
  if (o.target !== undefined && o.targetPid !== undefined) throw new TsnsError(msg`give either ${option('target')} or ${option('targetPid')}, not both`);
}

function resolvePlanTarget(o: EnterOptions): Target | undefined {
  if (o.targetPid !== undefined) {
    const target = resolveTargetSync(String(o.targetPid));
    if (target.pid === undefined && target.tid === undefined) throw new TsnsError(`no process with PID ${o.targetPid}`, 'ENOTARGET');
    return target;
  }
  if (o.target !== undefined) return typeof o.target === 'string' ? resolveTargetSync(o.target) : o.target;
  if (needsTarget(o))
    throw new TsnsError(
      msg`no target: give ${option('target', 'a target')} (PID, container, namespace id or pin), ${option('targetPid', 'a target PID')}, or every namespace as a file`,
      'ENOTARGET',
    );
  return undefined;
}

/** The network namespace of socket `fd` of process `pid`, as an fd of ours. */
function socketNetns(pid: number, fd: number): number {
  let pidfd: number | undefined;
  try {
    pidfd = pidfdOpen(pid);
    return borrowSocketNetns(pidfd, fd);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'EBADF') throw new TsnsError(`process ${pid} has no fd ${fd}`, 'ENOTARGET');
    if (code === 'ENOTTY' || code === 'ENOTSOCK' || code === 'EINVAL') throw new TsnsError(`fd ${fd} of process ${pid} is not a socket`, 'EINVAL');
    if (code === 'EPERM' || code === 'EACCES') throw new TsnsError(`cannot take fd ${fd} of process ${pid}: ${errorText(err)}`, 'EPERM');
    throw new TsnsError(`cannot get the network namespace of fd ${fd} of process ${pid}: ${errorText(err)}`, codeOfSystemError(err));
  } finally {
    if (pidfd !== undefined) close(pidfd);
  }
}

function linkOfFile(path: string): string | undefined {
  try {
    const ns = namespaceOfFile(path);
    return ns ? `${ns.type}:[${ns.id}]` : undefined;
  } catch {
    return undefined;
  }
}

/** Which namespace each type comes from: the target process as a whole (one setns(pidfd, mask)), or a file. */
interface Joins {
  fromProcess: Set<NsType>;
  fromFile: Partial<Record<NsType, string>>;
  heldFds: number[];
  /** Types named that the target shares with us, and files named that are our own namespaces. */
  alreadyShared: NsType[];
  ownFiles: [NsType, string][];
}

/** Fill `j` (its heldFds as soon as an fd is opened, so that a refusal later can close it). */
function chooseJoins(o: EnterOptions, target: Target | undefined, j: Joins): void {
  const ns = o.namespaces ?? {};
  const available = kernelNsTypes();
  const takeFromTarget = (type: NsType): void => {
    if (target?.named?.includes(type) || (target && target.pid === undefined)) {
      const file = target.files[type];
      if (!file) throw new TsnsError(`${target.description} has no ${type} namespace; name ${withArticle(type)} namespace file`, 'ENOTARGET');
      j.fromFile[type] = file;
    } else if (target?.pid !== undefined) {
      j.fromProcess.add(type);
    } else {
      throw new TsnsError(`the ${type} namespace needs a target or a file`, 'ENOTARGET');
    }
  };
  if (o.netSocket !== undefined) {
    if (ns.net !== undefined) throw new TsnsError(msg`${option('netSocket')} and ${option('namespaces.net')} are mutually exclusive`);
    const fd = socketNetns(procOf(target, option('netSocket')), o.netSocket);
    j.fromFile.net = `/proc/self/fd/${fd}`;
    j.heldFds.push(fd);
  }
  const requested = NS_TYPES.filter((t) => ns[t] !== undefined || (t === 'net' && o.netSocket !== undefined));
  for (const type of requested) {
    if (type === 'net' && o.netSocket !== undefined) continue;
    if (!available.includes(type)) throw new TsnsError(`this kernel has no ${type} namespaces`, 'ENOSYS');
    const v = ns[type];
    if (typeof v === 'string') {
      const found = namespaceOfFile(v);
      if (!found) throw new TsnsError(`${v} is not a namespace file`, 'ENOTNS');
      if (found.type !== type) throw new TsnsError(`${v} is not ${withArticle(type)} namespace (it is ${found.type})`, 'ENOTNS');
      j.fromFile[type] = v;
      if (readNsLink('self', type)?.id === found.id) j.ownFiles.push([type, v]);
    } else {
      if (target && sharedWithCaller(target, type)) j.alreadyShared.push(type);
      takeFromTarget(type);
    }
  }
  // all, or nothing named: every namespace of the target that is not already ours. A namespace id
  // or pin target with nothing named means just its own namespaces.
  if (o.all || requested.length === 0) {
    const candidates = !o.all && target?.named ? target.named : available;
    for (const type of candidates) {
      if (ns[type] !== undefined || j.fromFile[type]) continue;
      if (!target?.files[type] && target?.pid === undefined) continue;
      if (target && sharedWithCaller(target, type)) continue;
      takeFromTarget(type);
    }
  }
  if (o.userParent && !j.fromFile.user && !j.fromProcess.has('user')) takeFromTarget('user');
  // The kernel refuses setns into one's own user namespace (nsenter -U then fails with EINVAL). Through
  // a file, the stage treats it as joined: no setns, ids still set as after a join.
  if (j.fromProcess.has('user') && !o.userParent && target?.pid !== undefined && sharedWithCaller(target, 'user')) {
    j.fromProcess.delete('user');
    j.fromFile.user = `/proc/${target.pid}/ns/user`;
  }
}

/** The target's namespace of `type` is the one the caller is in. */
function sharedWithCaller(target: Target, type: NsType): boolean {
  const ours = readNsLink('self', type)?.id;
  if (ours === undefined) return false;
  if (!target.named?.includes(type) && target.pid !== undefined) return readNsLink(target.pid, type)?.id === ours;
  const file = target.files[type];
  if (!file) return false;
  const theirs = file.startsWith('/proc/') && !file.startsWith('/proc/self/') ? readNsLinkAt(file) : undefined;
  return (theirs ? `${theirs.type}:[${theirs.id}]` : linkOfFile(file)) === `${type}:[${ours}]`;
}

/** Words that open and join the namespaces, with `joins` filled for reporting. */
function joinWords(o: EnterOptions, target: Target | undefined, j: Joins, joins: EnterPlan['joins']): string[] {
  const words: string[] = [];
  if (j.fromProcess.size > 0 || ((o.root === true || o.wd === true) && target?.pid !== undefined)) {
    const pid = target?.pid as number;
    words.push(`pidfd=${pid}`);
    if (target?.startTime !== undefined) words.push(`pid-start=${target.startTime}`);
  }
  if (j.fromProcess.size > 0) {
    words.push(`nsof=${NS_TYPES.filter((t) => j.fromProcess.has(t)).join(',')}`);
    for (const t of j.fromProcess) joins[t] = `${target?.description}`;
  }
  for (const t of NS_TYPES) {
    const file = j.fromFile[t];
    if (!file) continue;
    words.push(`ns=${t}:${file}`);
    const held = /^\/proc\/self\/fd\/(\d+)$/.exec(file);
    if (held && (target?.fds?.includes(Number(held[1])) || j.heldFds.includes(Number(held[1])))) {
      if (!j.heldFds.includes(Number(held[1]))) j.heldFds.push(Number(held[1]));
      words.push(`close-fd=${held[1]}`);
      joins[t] = target?.description ?? file;
      continue;
    }
    const id = linkOfFile(file);
    const parsed = id ? /\[(\d+)\]/.exec(id) : null;
    if (parsed && file.startsWith('/proc/')) words.push(`ns-id=${t}:${parsed[1]}`);
    joins[t] = file;
  }
  if (o.userParent) words.push('user-parent');
  return words;
}

/**
 * The cgroup.procs files that put a process where `pid` is: one per hierarchy it is in, v2 and (unlike
 * nsenter, which knows only v2) v1 hierarchies too, found through our mount table. Hierarchies where
 * we already are in the same cgroup are left alone.
 */
function cgroupProcsOf(pid: number): string[] {
  const read = (p: number | 'self'): Map<string, string> => {
    const list = readCgroups(p);
    if (!list) throw new TsnsError(`no process with PID ${p}`, 'ENOTARGET');
    return new Map(list.map((c) => [c.controllers, c.path]));
  };
  const theirs = read(pid);
  const ours = read('self');
  // controllers ('' for v2, 'cpu,cpuacct', 'name=systemd') -> [mount point, root of the mount]
  const mounts = new Map<string, [string, string]>();
  for (const m of readMountinfo()) {
    if (m.fsType === 'cgroup2') {
      if (!mounts.has('')) mounts.set('', [m.mountPoint, m.root]);
    } else if (m.fsType === 'cgroup') {
      const opts = m.superOptions.split(',');
      for (const key of theirs.keys()) {
        if (key && !mounts.has(key) && key.split(',').every((c) => opts.includes(c))) mounts.set(key, [m.mountPoint, m.root]);
      }
    }
  }
  const files: string[] = [];
  for (const [key, path] of theirs) {
    if (ours.get(key) === path) continue;
    const mount = mounts.get(key);
    if (!mount) continue;
    const [point, root] = mount;
    if (root !== '/' && path !== root && !path.startsWith(`${root}/`)) continue;
    const rel = root === '/' ? path : path.slice(root.length);
    files.push(`${point}${rel === '/' ? '' : rel}/cgroup.procs`);
  }
  return files;
}

/** Root, working directory and cgroups. */
function placeWords(o: EnterOptions, target: Target | undefined): string[] {
  const words: string[] = [];
  if (o.root !== undefined) words.push(`root=${o.root === true ? `/proc/${procOf(target, option('root'))}/root` : o.root}`);
  if (o.wd !== undefined) words.push(`wd=${o.wd === true ? `/proc/${procOf(target, option('wd'))}/cwd` : o.wd}`);
  if (o.wdns !== undefined) words.push(`wdns=${o.wdns}`);
  if (o.joinCgroup) for (const file of cgroupProcsOf(procOf(target, option('joinCgroup')))) words.push(`cgroup-procs=${file}`);
  return words;
}

/** The target's effective uid or gid, as its user namespace names it when that is joined. */
function followId(target: Target | undefined, kind: 'user' | 'group', joiningUser: boolean): number {
  const pid = procOf(target, kind === 'user' ? option('setuid', "setuid 'follow'") : option('setgid', "setgid 'follow'"));
  const status = readStatus(pid);
  if (!status) throw new TsnsError(`no process with PID ${pid}`, 'ENOTARGET');
  const hostId = (kind === 'user' ? status.uid : status.gid)[1];
  if (hostId === undefined) throw new TsnsError(`cannot read the ${kind === 'user' ? 'uid' : 'gid'} of process ${pid}`, 'EACCES');
  if (!joiningUser) return hostId;
  let ranges;
  try {
    ranges = readIdMap(pid, kind);
  } catch {
    return hostId;
  }
  const inside = idInside(ranges, hostId);
  if (inside === undefined) throw new TsnsError(`id ${hostId} of process ${pid} has no mapping in its user namespace`);
  return inside;
}

function credentialWords(o: EnterOptions, target: Target | undefined, joiningUser: boolean): string[] {
  const words: string[] = [];
  if (o.preserveCredentials) words.push('preserve-credentials');
  if (o.setuid !== undefined) words.push(`uid=${o.setuid === 'follow' ? followId(target, 'user', joiningUser) : o.setuid}`);
  if (o.setgid !== undefined) words.push(`gid=${o.setgid === 'follow' ? followId(target, 'group', joiningUser) : o.setgid}`);
  if (o.keepCaps) words.push('keep-caps');
  return words;
}

/**
 * The fds among 3..3+count-1 that the caller gave us, as nsenter would pass them: not the ones Node
 * opened for itself that happen to sit there (its epoll and eventfd, the pipes it holds both ends of),
 * nor the namespace fds we hold for the stage.
 */
function callerFds(count: number, held: readonly number[]): number[] {
  const links = new Map<number, string>();
  for (const fd of listFds('self')) {
    try {
      links.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // the fd of the directory listing itself, closed by now
    }
  }
  const uses = new Map<string, number>();
  for (const link of links.values()) uses.set(link, (uses.get(link) ?? 0) + 1);
  const fds: number[] = [];
  for (const [fd, link] of links) {
    if (fd < 3 || fd >= 3 + count || held.includes(fd)) continue;
    if (link.startsWith('anon_inode:') || (link.startsWith('pipe:') && (uses.get(link) ?? 0) > 1)) continue;
    fds.push(fd);
  }
  return fds.sort((a, b) => a - b);
}

function environmentOf(o: EnterOptions, target: Target | undefined): NodeJS.ProcessEnv {
  if (!o.env) return o.environment ?? process.env;
  const pid = procOf(target, option('env'));
  try {
    return readEnviron(pid);
  } catch (err) {
    throw new TsnsError(`cannot read the environment of process ${pid}: ${errorText(err)}`, errorCode(err) === 'EACCES' ? 'EACCES' : 'ENOTARGET');
  }
}

/**
 * Build the plan: resolve the target, decide the joins, validate everything. Throws TsnsError, having
 * closed what it opened. The plan may hold fds (heldFds): run it (execPlan, spawnPlan) or release it
 * (releaseEnterPlan).
 */
export function buildEnterPlan(options: EnterOptions): EnterPlan {
  checkOptions(options);
  // A proc of the target's PID namespace needs that namespace joined.
  const o =
    options.mountProc !== undefined && options.namespaces?.pid === undefined
      ? { ...options, namespaces: { ...options.namespaces, pid: true as const } }
      : options;
  const target = resolvePlanTarget(o);
  const j: Joins = { fromProcess: new Set(), fromFile: {}, heldFds: [], alreadyShared: [], ownFiles: [] };
  try {
    return planFor(o, target, j);
  } catch (err) {
    closeFds(j.heldFds.filter((fd) => !target?.fds?.includes(fd)));
    // A target this call resolved is its own to release; one the caller gave stays the caller's.
    if (target && typeof o.target === 'string') releaseTarget(target);
    throw err;
  }
}

function closeFds(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      closeSync(fd);
    } catch {
      // not open any more
    }
  }
}

/** Close the fds a plan holds, for a plan that is not run (execPlan and spawnPlan hand them over). */
export function releaseEnterPlan(plan: EnterPlan): void {
  closeFds(plan.heldFds.splice(0));
  if (plan.target) releaseTarget(plan.target);
}

function planFor(o: EnterOptions, target: Target | undefined, j: Joins): EnterPlan {
  chooseJoins(o, target, j);
  const joinTypes = NS_TYPES.filter((t) => j.fromProcess.has(t) || j.fromFile[t]);
  const requested = NS_TYPES.some((t) => o.namespaces?.[t] !== undefined) || o.netSocket !== undefined;
  // all on a target that shares every namespace with us joins nothing and runs the command (what
  // nsenter -a does in effect: it re-enters the same namespaces).
  if (joinTypes.length === 0 && !(o.all || !requested)) throw new TsnsError('no namespace specified');
  const joins: EnterPlan['joins'] = {};
  const words = [...joinWords(o, target, j, joins), ...placeWords(o, target), ...credentialWords(o, target, joinTypes.includes('user'))];
  if (o.mountProc !== undefined) {
    // The stage unshares a private copy of the mount namespace after the joins and mounts proc from
    // the forked child, the first process inside the target's PID namespace that can.
    words.push('unshare=mnt', 'propagation=private', `mount-proc=${o.mountProc === true ? '/proc' : o.mountProc}`);
  }
  if (joinTypes.includes('pid') && !o.noFork) words.push('fork', 'forward-signals');
  if (o.pty !== false) words.push('pty');
  const keepFds = o.preserveFds ? callerFds(o.preserveFds, j.heldFds) : [];
  if (keepFds.length > 4096) throw new TsnsError(msg`${option('preserveFds')} ${o.preserveFds}: more than 4096 open fds to pass`);
  for (const fd of keepFds) words.push(`keep-fd=${fd}`);
  const env = environmentOf(o, target);
  let argv = o.command && o.command.length > 0 ? o.command : undefined;
  if (!argv) {
    const shell = defaultShell(env);
    argv = [shell];
    words.push(`argv0=-${basename(shell)}`);
    // $SHELL is the host's: a busybox or distroless target has none. The stage's exec finds out.
    if (shell !== FALLBACK_SHELL) words.push(`fallback=${FALLBACK_SHELL}`);
  }
  return { words, argv, env, keepFds, heldFds: j.heldFds, joins, notices: noticesOf(j, target), target };
}

/** What runs when no command is given and the default shell is not in the target. */
const FALLBACK_SHELL = '/bin/sh';

function noticesOf(j: Joins, target: Target | undefined): string[] {
  const notices: string[] = [];
  const shared = j.alreadyShared;
  if (shared.length) {
    const list = shared.join(' and ').replace(/ and (?=.* and )/g, ', ');
    const many = shared.length > 1;
    notices.push(`${target?.description} is in our ${list} namespace${many ? 's' : ''}: nothing entered for ${many ? 'them' : 'it'}`);
  }
  for (const [type, file] of j.ownFiles) notices.push(`${file} is our own ${type} namespace: nothing entered for it`);
  return notices;
}
