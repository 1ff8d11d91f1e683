/**
 * `tsns debug TARGET`: the target's world with the host's tools. The command runs in the target's net,
 * uts, ipc, pid, cgroup and time namespaces (its user namespace only when asked), in a new private
 * mount namespace made from the host's: / is the host's, so every host program works; /proc is a
 * proc of the target's PID namespace, /sys a sysfs of its network namespace, the target's
 * /etc/resolv.conf, hosts and hostname lie over the host's, and the target's whole root tree is at
 * $TSNS_TARGET_ROOT. Nothing changes on the host or in the target: the tree is a detached copy
 * (open_tree), every mount is made in the private namespace, which ends with the command.
 *
 * The plan is enter's (src/enter, its public buildEnterPlan) for the joins, plus the stage's debug
 * words (native/PROTOCOL.md, "Debug").
 */
import { existsSync, statSync } from 'node:fs';
import { TsnsError } from '../sys/errors';
import type { NsType } from '../sys/constants';
import { kernelNsTypes, readNsLinkAt } from '../proc/ns';
import { buildEnterPlan, execPlan, type EnterPlan } from '../enter';
import { resolveTargetSync, type Target } from '../target';

export interface DebugOptions {
  /** What to debug: anything enter takes (PID, container, namespace id, pin). */
  target: string;
  /** Join the target's user namespace too (after the mounts, which need our own rights). */
  user?: boolean;
  /** Keep the host's /etc/resolv.conf, hosts and hostname. */
  hostEtc?: boolean;
  /** Where the target's root tree is attached (an existing directory; default: a directory on a tmpfs
   *  mounted on /mnt in the private namespace). */
  targetRoot?: string;
  /** When fd 0 is a terminal, a new one of the command's own, relayed (default true), as enter. */
  pty?: boolean;
  /** COMMAND [ARG...]; default the caller's shell, as enter. */
  command?: string[];
  environment?: NodeJS.ProcessEnv;
}

/** Where the tree goes by default: a tmpfs on /mnt (the conventional place for a temporary mount),
 *  inside the private namespace only. */
const SCRATCH = '/mnt';
const DEFAULT_ROOT = `${SCRATCH}/target`;
const ETC_FILES = ['etc/resolv.conf', 'etc/hosts', 'etc/hostname'];

/** The types debug joins: everything but mnt (copied instead) and user (only when asked). */
function joinedTypes(user: boolean): NsType[] {
  const wanted: NsType[] = ['net', 'uts', 'ipc', 'pid', 'cgroup', 'time'];
  if (user) wanted.push('user');
  return kernelNsTypes().filter((t) => wanted.includes(t));
}

function mountNamespaceOf(target: Target): { path: string; id?: number } {
  const pid = target.pid ?? target.tid;
  const path = target.files.mnt ?? (pid !== undefined ? `/proc/${pid}/ns/mnt` : undefined);
  if (!path) throw new TsnsError(`${target.description} has no mount namespace to take the files from`, 'ENOTARGET');
  return { path, id: readNsLinkAt(path)?.id };
}

/** Build the stage's plan for a debug session. Throws TsnsError, having changed nothing. */
export function buildDebugPlan(o: DebugOptions): EnterPlan {
  const target = resolveTargetSync(o.target);
  if (target.pid === undefined && target.tid === undefined && !target.files.mnt) {
    throw new TsnsError(`${target.description} is not a process or a container: debug needs its mount namespace`, 'EINVAL');
  }
  if (o.targetRoot !== undefined) {
    let st;
    try {
      st = statSync(o.targetRoot);
    } catch {
      throw new TsnsError(`${o.targetRoot}: No such file or directory (the target root must be an existing directory)`, 'ENOTARGET');
    }
    if (!st.isDirectory()) throw new TsnsError(`${o.targetRoot} is not a directory`, 'EINVAL');
  } else if (!existsSync(SCRATCH)) {
    throw new TsnsError(`${SCRATCH} does not exist here: give a directory for the target's files`, 'EINVAL');
  }
  const types = joinedTypes(o.user === true);
  const namespaces: Partial<Record<NsType, true>> = {};
  for (const t of types) namespaces[t] = true;
  const root = o.targetRoot ?? DEFAULT_ROOT;
  const environment = { ...(o.environment ?? process.env), TSNS_TARGET: o.target, TSNS_TARGET_ROOT: root };
  const plan = buildEnterPlan({ target: o.target, namespaces, command: o.command, environment, pty: o.pty });
  const mnt = mountNamespaceOf(plan.target ?? target);
  const words = plan.words.filter((w) => w !== 'fork' && w !== 'forward-signals');
  const debugWords = [`tree-ns=${mnt.path}`, ...(mnt.id ? [`tree-ns-id=${mnt.id}`] : []), `tree-at=${root}`];
  if (o.targetRoot === undefined) debugWords.push(`scratch=${SCRATCH}`);
  if (!o.hostEtc) for (const rel of ETC_FILES) debugWords.push(`tree-bind=${rel}:/${rel}`);
  debugWords.push('mount-sysfs=/sys', 'mount-proc=/proc', 'fork', 'forward-signals');
  return { ...plan, words: [...userLast(words), ...debugWords] };
}

/**
 * With the user namespace: join it last, in the child, once /proc is mounted (the kernel lets the
 * target's root mount nothing in our private namespace). The pidfd's atomic join cannot leave it out,
 * so the user namespace comes as a file.
 */
function userLast(words: string[]): string[] {
  const nsof = words.find((w) => w.startsWith('nsof='));
  const pidfd = words.find((w) => w.startsWith('pidfd='));
  if (!nsof || !pidfd || !nsof.split(/[=,]/).includes('user')) return words;
  const pid = pidfd.slice('pidfd='.length);
  const others = nsof
    .slice('nsof='.length)
    .split(',')
    .filter((t) => t !== 'user');
  const user = readNsLinkAt(`/proc/${pid}/ns/user`);
  const out = words.filter((w) => w !== nsof);
  if (others.length) out.push(`nsof=${others.join(',')}`);
  out.push(`ns=user:/proc/${pid}/ns/user`, ...(user ? [`ns-id=user:${user.id}`] : []), 'user-last');
  return out;
}

/** Debug: build the plan and exec the stage. Never returns normally. */
export function debug(o: DebugOptions): never {
  return execPlan(buildDebugPlan(o));
}
