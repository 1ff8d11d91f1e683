/**
 * The network namespace of another process's socket: borrow the fd (pidfd_getfd, which needs ptrace
 * access to the process) and ask the socket (SIOCGSKNS). Used by the scan's socket source, the target
 * resolver and `enter --net-socket`.
 */
import { closeSync, readlinkSync } from 'node:fs';
import { SysError } from '../sys/errors';
import * as libc from '../sys/libc';

/**
 * An fd (ours, caller closes) of the network namespace of fd `fd` of the process behind `pidfd`.
 * With `inode`, the fd must still be that socket (an fd number may have been reused since it was
 * seen): readlink, not fstat, tells, as fstat of a file on someone's FUSE file system would ask (and
 * could wait on) its server. Throws SysError: EBADF (no such fd), ENOTSOCK (not a socket, or not
 * that one any more), EPERM (not ours to borrow), ESRCH (gone).
 */
export function borrowSocketNetns(pidfd: number, fd: number, inode?: number): number {
  const sock = libc.pidfdGetfd(pidfd, fd);
  try {
    const link = readlinkSync(`/proc/self/fd/${sock}`);
    if (inode !== undefined ? link !== `socket:[${inode}]` : !link.startsWith('socket:')) throw new SysError('SIOCGSKNS', 88 /* ENOTSOCK */, `fd ${fd}`);
    return libc.sockGetNetns(sock);
  } finally {
    closeSync(sock);
  }
}

/** borrowSocketNetns, or undefined for any failure (the scan's way: a socket that went away is no news). */
export function tryBorrowSocketNetns(pidfd: number, fd: number, inode?: number): number | undefined {
  try {
    return borrowSocketNetns(pidfd, fd, inode);
  } catch {
    return undefined;
  }
}
