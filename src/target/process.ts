/** TARGET as a PID — a process, or a thread of one (as nsenter -t takes a thread id) — or PID:INODE. */
import { closeSync, fstatSync, statfsSync } from 'node:fs';
import { PIDFS_MAGIC } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { pidfdOpen } from '../sys/libc';
import { kernelNsTypes } from '../proc/ns';
import { readStatus } from '../proc/status';
import { startTime } from '../proc/stat';
import type { Target } from './types';

/**
 * The process with PID `pid`; a thread id that is not its process's leader becomes a thread target,
 * whose namespaces are that thread's own (/proc/TID/ns shows the thread's, which may differ from its
 * process's).
 */
export function fromPid(pid: number, description?: string): Target {
  const start = startTime(pid);
  if (start === undefined) throw new TsnsError(`no process with PID ${pid}`, 'ENOTARGET');
  const tgid = readStatus(pid)?.tgid;
  const files: Target['files'] = {};
  for (const type of kernelNsTypes()) files[type] = `/proc/${pid}/ns/${type}`;
  if (tgid !== undefined && Number.isInteger(tgid) && tgid !== pid) {
    return { tid: pid, files, description: description ?? `thread ${pid} of process ${tgid}`, startTime: start };
  }
  return { pid, files, description: description ?? `process ${pid}`, startTime: start };
}

/**
 * `PID:INODE` (util-linux 2.42): the process at PID only if a pidfd of it has that inode. pidfs gives
 * every process an inode of its own for its life, so a PID reused since the user looked it up (with
 * getino(1), say) is refused rather than entered.
 */
export function fromPidAndInode(pid: number, inode: bigint, spec: string): Target {
  const before = startTime(pid);
  let pidfd: number;
  try {
    pidfd = pidfdOpen(pid);
  } catch {
    throw new TsnsError(`no process with PID ${pid}`, 'ENOTARGET');
  }
  try {
    // Before pidfs (Linux 6.9) every pidfd shares one anonymous inode, which would match any process.
    if (statfsSync(`/proc/self/fd/${pidfd}`).type !== PIDFS_MAGIC) throw new TsnsError(`${spec}: PID:INODE needs pidfs (Linux 6.9 or later)`, 'ENOSYS');
    if (fstatSync(pidfd, { bigint: true }).ino !== inode)
      throw new TsnsError(`${spec}: PID ${pid} is another process (its pidfd inode is not ${inode})`, 'ENOTARGET');
    // The same start time before and after opening the pidfd: /proc/PID was the pidfd's process.
    const target = fromPid(pid, `process ${spec}`);
    if (target.startTime !== before) throw new TsnsError(`no process with PID ${pid}`, 'EGONE');
    return target;
  } finally {
    closeSync(pidfd);
  }
}
