/**
 * TARGET, as `tsns enter`, `tsns pin` and the library take it: a PID or thread id (or PID:INODE, the
 * inode of its pidfd), a container name or id, a namespace id (`4026532180`, `net:[4026532180]`,
 * `net:4026532180`), a path to a namespace file (a pin, or /proc/PID/ns/TYPE), a directory of pins
 * named by type (what `tsns pin TARGET --all DIR` makes), or a pin name (/run/netns/NAME,
 * /run/tsns/TYPE/NAME). One file per kind in this folder.
 *
 * Resolution reads /proc and the host's files; it loads native code (koffi) only for what needs a
 * pidfd or an nsfs ioctl (PID:INODE, a pin's type, a namespace held only by a socket or a relative).
 * Errors are TsnsErrors: ENOTARGET (nothing of that name), EAMBIGUOUS, EACCES (state that exists but
 * cannot be read), ENOTNS (a file that is not a namespace), EINVAL (not a target at all).
 */
import { closeSync, statSync } from 'node:fs';
import { isNsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { fromContainer } from './container';
import { fromFile, fromPinDirectory } from './file';
import { fromNamespaceId } from './nsid';
import { fromPinName } from './pin-name';
import { fromPid, fromPidAndInode } from './process';
import { PID_MAX_LIMIT, type Target } from './types';

export type { Target } from './types';
export { PID_MAX_LIMIT } from './types';
export { NETNS_DIR, PIN_DIR } from './pin-name';

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Resolve TARGET now. Throws TsnsError. */
export function resolveTargetSync(spec: string): Target {
  if (spec === '') throw new TsnsError('empty target');
  if (/^\d+$/.test(spec)) {
    const n = Number(spec);
    if (!Number.isSafeInteger(n)) throw new TsnsError(`invalid target: '${spec}'`);
    if (n === 0) throw new TsnsError(`no process with PID 0`, 'ENOTARGET');
    return n > PID_MAX_LIMIT ? fromNamespaceId(n, undefined) : fromPid(n);
  }
  const pidInode = /^(\d+):(\d+)$/.exec(spec);
  if (pidInode) {
    const pid = Number(pidInode[1]);
    if (pid === 0 || pid > PID_MAX_LIMIT) throw new TsnsError(`invalid PID in '${spec}'`);
    return fromPidAndInode(pid, BigInt(pidInode[2]), spec);
  }
  const nsId = /^(\w+):\[?(\d+)\]?$/.exec(spec);
  if (nsId && isNsType(nsId[1])) return fromNamespaceId(Number(nsId[2]), nsId[1]);
  if (spec.includes('/')) {
    const st = statOrUndefined(spec);
    if (st) return st.isDirectory() ? fromPinDirectory(spec) : fromFile(spec);
    // Not a file: a relative spec may be a namespaced container name (containerd NAMESPACE/ID,
    // Kubernetes NAMESPACE/POD/CONTAINER or POD/CONTAINER).
    if (spec.startsWith('/') || spec.startsWith('.')) throw new TsnsError(`${spec}: No such file or directory`, 'ENOTARGET');
    return containerOrNothing(spec, 'not a file, nor a container');
  }
  const pin = fromPinName(spec);
  if (pin) return pin;
  const st = statOrUndefined(spec);
  if (st) return st.isDirectory() ? fromPinDirectory(spec) : fromFile(spec);
  return containerOrNothing(spec, 'not a PID, namespace id, namespace file, pin or container');
}

/** The container `spec` names, or a no-such-target error saying what else it is not. */
function containerOrNothing(spec: string, notWhat: string): Target {
  try {
    return fromContainer(spec);
  } catch (err) {
    if (err instanceof TsnsError && err.code === 'ENOTARGET') throw new TsnsError(`no such target '${spec}': ${notWhat}`, 'ENOTARGET');
    throw err;
  }
}

/** Resolve TARGET (always a Promise, for callers that stay asynchronous). */
export async function resolveTarget(spec: string): Promise<Target> {
  return resolveTargetSync(spec);
}

/** Close the descriptors a target holds (Target.fds), for a target that no action used. */
export function releaseTarget(target: Target): void {
  for (const fd of target.fds?.splice(0) ?? []) {
    try {
      closeSync(fd);
    } catch {
      // already closed by its owner
    }
  }
}
