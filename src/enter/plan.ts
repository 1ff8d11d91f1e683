/**
 * From what the user asked (`tsns enter` options, or the library's EnterOptions) to the stage's plan:
 * argv words for native/tsns-stage (see native/PROTOCOL.md), the command and its environment.
 * Everything that can be refused is refused here, before any namespace is touched.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { NS_OPTION, NS_TYPES, NsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { Target, kernelNsTypes, namespaceOfFile, resolveTargetSync } from '../target';
import { defaultShell } from '../shell';
import { readMountinfo } from '../pin/mountinfo';
import type { IdRange } from '../run/ids';

export interface EnterOptions {
  /** TARGET: PID (or PID:INODE), container, namespace id, namespace file, pin directory or pin name. */
  target?: string;
  /** -t/--target (nsenter's form): a PID, or PID:INODE (the inode of the process's pidfd). */
  targetPid?: number | string;
  /** -a/--all: every namespace of the target, except those the caller already shares. */
  all?: boolean;
  /** -m -u -i -n -p -C -U -T: `true` = the target's, a string = that namespace file. */
  namespaces?: Partial<Record<NsType, true | string>>;
  /** -S/--setuid, -G/--setgid: an id, or 'follow' (the target process's, as seen inside). */
  setuid?: number | 'follow';
  setgid?: number | 'follow';
  preserveCredentials?: boolean;
  keepCaps?: boolean;
  /** -r/--root, -w/--wd: `true` = the target's, a string = that directory. */
  root?: true | string;
  wd?: true | string;
  /** -W/--wdns: a directory inside the entered mount namespace. */
  wdns?: string;
  /** -e/--env: the target process's environment instead of ours. */
  env?: boolean;
  /** -F/--no-fork. */
  noFork?: boolean;
  /** -c/--join-cgroup. */
  joinCgroup?: boolean;
  /** -N/--net-socket FD: the network namespace of the target process's socket FD (util-linux 2.41+). */
  netSocket?: number;
  /** --user-parent: the parent of the target's user namespace. */
  userParent?: boolean;
  /** --preserve-fds N: fds 3..3+N-1 reach the command too. */
  preserveFds?: number;
  /** When fd 0 is a terminal, the command gets a new one of its own, relayed (default true; false:
   *  --no-pty, the command gets the caller's terminal itself). */
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
  /** fds above 2 the command keeps (--preserve-fds N: the caller's fds among 3..3+N-1). */
  keepFds: number[];
  /** Our own fds the stage must inherit to open a namespace by /proc/self/fd/N (it closes them). */
  heldFds: number[];
  /** Namespaces joined, with where from (for --verbose-like reporting and tests). */
  joins: Partial<Record<NsType, string>>;
  /** What the user should know before it runs (a namespace named that is ours already): one line each. */
  notices: string[];
  target?: Target;
}

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

function readlinkOrUndefined(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** The environment of a process, from /proc/PID/environ (read on the host, before any join). */
function processEnvironment(pid: number): NodeJS.ProcessEnv {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch (err) {
    throw new TsnsError(`cannot read the environment of process ${pid}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const env: NodeJS.ProcessEnv = {};
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** /proc/PID/status's effective uid or gid (as the host sees it). */
function processId(pid: number, field: 'Uid' | 'Gid'): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    throw new TsnsError(`no process with PID ${pid}`);
  }
  const m = new RegExp(`^${field}:\\s+\\d+\\s+(\\d+)`, 'm').exec(status);
  if (!m) throw new TsnsError(`cannot read the ${field === 'Uid' ? 'uid' : 'gid'} of process ${pid}`);
  return Number(m[1]);
}

/** A host id as the target's user namespace names it (uid_map/gid_map read from the host). */
function idInside(pid: number, hostId: number, map: 'uid_map' | 'gid_map'): number {
  let ranges: IdRange[];
  try {
    // Loaded here: only -S/-G follow need it, and every module costs `tsns enter` start-up.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { readIdMap } = require('../run/ids') as typeof import('../run/ids');
    ranges = readIdMap(pid, map === 'uid_map' ? 'user' : 'group');
  } catch {
    return hostId;
  }
  for (const r of ranges) {
    if (hostId >= r.outer && hostId < r.outer + r.count) return hostId - r.outer + r.inner;
  }
  throw new TsnsError(`id ${hostId} of process ${pid} has no mapping in its user namespace`);
}

/**
 * The cgroup.procs files that put a process where `pid` is: one per hierarchy it is in, v2 and (unlike
 * nsenter, which knows only v2) v1 hierarchies too, found through our mount table. Hierarchies where
 * we already are in the same cgroup are left alone.
 */
export function cgroupProcsOf(pid: number): string[] {
  const read = (p: number | 'self'): Map<string, string> => {
    let text: string;
    try {
      text = readFileSync(`/proc/${p}/cgroup`, 'utf8');
    } catch {
      throw new TsnsError(`no process with PID ${p}`);
    }
    const map = new Map<string, string>();
    for (const line of text.split('\n')) {
      const m = /^\d+:([^:]*):(.*)$/.exec(line);
      if (m) map.set(m[1], m[2]);
    }
    return map;
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

/** An fd (ours) of the network namespace of socket `fd` of process `pid`: pidfd_getfd + SIOCGSKNS. */
function socketNetns(pid: number, fd: number): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const libc = require('../sys/libc') as typeof import('../sys/libc');
  let pidfd: number | undefined;
  let sock: number | undefined;
  try {
    pidfd = libc.pidfdOpen(pid);
    sock = libc.pidfdGetfd(pidfd, fd);
    return libc.sockGetNetns(sock);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EBADF') throw new TsnsError(`process ${pid} has no fd ${fd}`);
    if (code === 'ENOTTY' || code === 'ENOTSOCK' || code === 'EINVAL') throw new TsnsError(`fd ${fd} of process ${pid} is not a socket`);
    throw new TsnsError(`cannot get the network namespace of fd ${fd} of process ${pid}: ${(err as Error).message}`);
  } finally {
    if (sock !== undefined) libc.close(sock);
    if (pidfd !== undefined) libc.close(pidfd);
  }
}

function processOf(target: Target | undefined, what: string): number {
  if (target?.pid === undefined) throw new TsnsError(`${what} needs a target process (${target ? `${target.description} has none` : 'give TARGET or -t PID'})`);
  return target.pid;
}

/** Build the plan: resolve the target, decide the joins, validate everything. Throws TsnsError. */
export function buildEnterPlan(o: EnterOptions): EnterPlan {
  const ns = o.namespaces ?? {};
  if (o.wd !== undefined && o.wdns !== undefined) throw new TsnsError('--wd and --wdns are mutually exclusive');
  if (o.preserveFds !== undefined && (!Number.isInteger(o.preserveFds) || o.preserveFds < 0 || o.preserveFds > MAX_PRESERVE_FDS)) {
    throw new TsnsError(`invalid --preserve-fds: '${o.preserveFds}'`);
  }
  if (o.target !== undefined && o.targetPid !== undefined) throw new TsnsError('give either TARGET or --target, not both');

  let target: Target | undefined;
  if (o.targetPid !== undefined) {
    target = resolveTargetSync(String(o.targetPid));
    if (target.pid === undefined) throw new TsnsError(`no process with PID ${o.targetPid}`);
  } else if (o.target !== undefined) {
    target = resolveTargetSync(o.target);
  } else if (needsTarget(o)) {
    throw new TsnsError('no target: give TARGET (PID, container, namespace id or pin), -t PID, or every namespace as --TYPE=FILE');
  }

  const available = kernelNsTypes();
  const joins: Partial<Record<NsType, string>> = {};
  const fromProcess = new Set<NsType>();
  const fromFile: Partial<Record<NsType, string>> = {};

  const takeFromTarget = (type: NsType): void => {
    if (target?.named?.includes(type) || (target && target.pid === undefined)) {
      const file = target.files[type];
      if (!file) throw new TsnsError(`${target.description} has no ${type} namespace; name one with --${NS_OPTION[type].long}=FILE`);
      fromFile[type] = file;
    } else if (target?.pid !== undefined) {
      fromProcess.add(type);
    } else {
      throw new TsnsError(`--${NS_OPTION[type].long} needs a target or =FILE`);
    }
  };

  const heldFds: number[] = [];
  if (o.netSocket !== undefined) {
    if (ns.net !== undefined) throw new TsnsError('--net-socket and --net are mutually exclusive');
    const fd = socketNetns(processOf(target, '--net-socket'), o.netSocket);
    fromFile.net = `/proc/self/fd/${fd}`;
    heldFds.push(fd);
  }
  const requested = NS_TYPES.filter((t) => ns[t] !== undefined || (t === 'net' && o.netSocket !== undefined));
  // Named types that are ours already: joined all the same (as nsenter does), and said once.
  const ours = (type: NsType, link: string | undefined) => link !== undefined && link === readlinkOrUndefined(`/proc/self/ns/${type}`);
  const sharedWithTarget: NsType[] = [];
  const sharedFiles: [NsType, string][] = [];
  for (const type of requested) {
    if (type === 'net' && o.netSocket !== undefined) continue;
    if (!available.includes(type)) throw new TsnsError(`this kernel has no ${type} namespaces`);
    const v = ns[type];
    if (typeof v === 'string') {
      const found = namespaceOfFile(v);
      if (!found) throw new TsnsError(`${v} is not a namespace file`);
      if (found.type !== type) throw new TsnsError(`${v} is not a ${type} namespace (it is ${found.type})`);
      fromFile[type] = v;
      if (ours(type, linkOfFile(v))) sharedFiles.push([type, v]);
    } else {
      takeFromTarget(type);
      const file = fromFile[type];
      if (ours(type, file ? linkOfFile(file) : readlinkOrUndefined(`/proc/${target?.pid}/ns/${type}`))) sharedWithTarget.push(type);
    }
  }
  const notices: string[] = [];
  if (sharedWithTarget.length) {
    const list = sharedWithTarget.join(' and ').replace(/ and (?=.* and )/g, ', ');
    const many = sharedWithTarget.length > 1;
    notices.push(`${target?.description} is in our ${list} namespace${many ? 's' : ''}: nothing entered for ${many ? 'them' : 'it'}`);
  }
  for (const [type, file] of sharedFiles) notices.push(`${file} is our own ${type} namespace: nothing entered for it`);

  // --all, or nothing named: every namespace of the target that is not already ours. A namespace id
  // or pin target with nothing named means just its own namespaces.
  if (o.all || requested.length === 0) {
    const candidates = !o.all && target?.named ? target.named : available;
    for (const type of candidates) {
      if (ns[type] !== undefined || fromFile[type]) continue;
      const theirs = target?.named?.includes(type) || target?.pid === undefined ? undefined : readlinkOrUndefined(`/proc/${target.pid}/ns/${type}`);
      const file = target?.files[type];
      if (theirs === undefined && !file && target?.pid === undefined) continue;
      const link = theirs ?? (file ? linkOfFile(file) : undefined);
      if (link !== undefined && link === readlinkOrUndefined(`/proc/self/ns/${type}`)) continue;
      takeFromTarget(type);
    }
  }

  if (o.userParent && !fromFile.user && !fromProcess.has('user')) takeFromTarget('user');
  // The kernel refuses setns into one's own user namespace (nsenter -U then fails with EINVAL). Through
  // a file, the stage treats it as joined: no setns, ids still set as after a join.
  if (fromProcess.has('user') && !o.userParent && target?.pid !== undefined) {
    const theirs = readlinkOrUndefined(`/proc/${target.pid}/ns/user`);
    if (theirs !== undefined && theirs === readlinkOrUndefined('/proc/self/ns/user')) {
      fromProcess.delete('user');
      fromFile.user = `/proc/${target.pid}/ns/user`;
    }
  }

  const words: string[] = [];
  const joinTypes = NS_TYPES.filter((t) => fromProcess.has(t) || fromFile[t]);
  // --all on a target that shares every namespace with us joins nothing and runs the command (what
  // nsenter -a does in effect: it re-enters the same namespaces).
  if (joinTypes.length === 0 && !(o.all || requested.length === 0)) throw new TsnsError('no namespace specified');
  if (fromProcess.size > 0 || o.root === true || o.wd === true) {
    const pid = processOf(target, 'joining a process');
    words.push(`pidfd=${pid}`);
    if (target?.startTime !== undefined) words.push(`pid-start=${target.startTime}`);
  }
  if (fromProcess.size > 0) {
    words.push(`nsof=${NS_TYPES.filter((t) => fromProcess.has(t)).join(',')}`);
    for (const t of fromProcess) joins[t] = `${target?.description}`;
  }
  for (const t of NS_TYPES) {
    const file = fromFile[t];
    if (!file) continue;
    words.push(`ns=${t}:${file}`);
    const held = /^\/proc\/self\/fd\/(\d+)$/.exec(file);
    if (held && (target?.fds?.includes(Number(held[1])) || heldFds.includes(Number(held[1])))) {
      if (!heldFds.includes(Number(held[1]))) heldFds.push(Number(held[1]));
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

  if (o.root !== undefined) words.push(`root=${o.root === true ? `/proc/${processOf(target, '--root')}/root` : o.root}`);
  if (o.wd !== undefined) words.push(`wd=${o.wd === true ? `/proc/${processOf(target, '--wd')}/cwd` : o.wd}`);
  if (o.wdns !== undefined) {
    if (o.wdns === '') throw new TsnsError('--wdns needs a directory');
    words.push(`wdns=${o.wdns}`);
  }
  if (o.joinCgroup) for (const file of cgroupProcsOf(processOf(target, '--join-cgroup'))) words.push(`cgroup-procs=${file}`);

  const joiningUser = joinTypes.includes('user');
  if (o.preserveCredentials) words.push('preserve-credentials');
  if (o.setuid !== undefined) {
    const pid = o.setuid === 'follow' ? processOf(target, '--setuid follow') : 0;
    const uid = o.setuid === 'follow' ? (joiningUser ? idInside(pid, processId(pid, 'Uid'), 'uid_map') : processId(pid, 'Uid')) : o.setuid;
    words.push(`uid=${uid}`);
  }
  if (o.setgid !== undefined) {
    const pid = o.setgid === 'follow' ? processOf(target, '--setgid follow') : 0;
    const gid = o.setgid === 'follow' ? (joiningUser ? idInside(pid, processId(pid, 'Gid'), 'gid_map') : processId(pid, 'Gid')) : o.setgid;
    words.push(`gid=${gid}`);
  }
  if (o.keepCaps) words.push('keep-caps');

  if (joinTypes.includes('pid') && !o.noFork) words.push('fork', 'forward-signals');
  if (o.pty !== false) words.push('pty');
  const keepFds = o.preserveFds ? callerFds(o.preserveFds, heldFds) : [];
  if (keepFds.length > 4096) throw new TsnsError(`--preserve-fds ${o.preserveFds}: more than 4096 open fds to pass`);
  for (const fd of keepFds) words.push(`keep-fd=${fd}`);

  const env = o.env ? processEnvironment(processOf(target, '--env')) : (o.environment ?? process.env);
  let argv = o.command && o.command.length > 0 ? o.command : undefined;
  if (!argv) {
    const shell = defaultShell(env);
    argv = [shell];
    words.push(`argv0=-${basename(shell)}`);
    // $SHELL is the host's: a busybox or distroless target has none. The stage's exec finds out.
    if (shell !== FALLBACK_SHELL) words.push(`fallback=${FALLBACK_SHELL}`);
  }
  return { words, argv, env, keepFds, heldFds, joins, notices, target };
}

/** What runs when no command is given and the default shell is not in the target. */
const FALLBACK_SHELL = '/bin/sh';

/** --preserve-fds accepts at most this N (the stage passes at most 4096 fds). */
const MAX_PRESERVE_FDS = 1 << 20;

/**
 * The fds among 3..3+count-1 that the caller gave us, as nsenter would pass them: not the ones Node
 * opened for itself that happen to sit there (its epoll and eventfd, the pipes it holds both ends of),
 * nor the namespace fds we hold for the stage.
 */
function callerFds(count: number, held: readonly number[]): number[] {
  const links = new Map<number, string>();
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      links.set(Number(name), readlinkSync(`/proc/self/fd/${name}`));
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

function linkOfFile(path: string): string | undefined {
  try {
    const ns = namespaceOfFile(path);
    return ns ? `${ns.type}:[${ns.id}]` : undefined;
  } catch {
    return undefined;
  }
}
