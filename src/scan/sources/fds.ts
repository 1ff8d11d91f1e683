/**
 * Source: open file descriptors. An fd of a namespace file (readlink /proc/PID/fd/N says
 * "net:[4026532296]") keeps the namespace alive with no process in it — `ip netns` helpers, runc's
 * setns fds, a leaked fd (source `fd`, PATH /proc/PID/fd/N). The same pass collects socket fds
 * ("socket:[INODE]") for the socket source.
 */
import { close, getdents64, openDirectory, readlinkAt } from '../../sys/libc';
import { parseNsLink, type NsId } from '../../proc/ns';
import type { SocketFd, Source } from '../context';

/** An nsfs fd: who holds it, its number and the namespace. */
export interface HeldFd extends NsId {
  pid: number;
  fd: number;
}

// One buffer for a directory listing and one for a link's text.
const direntBuffer = Buffer.allocUnsafe(32768);
const fdLinkBuffer = Buffer.allocUnsafe(256);

/**
 * nsfs and socket fds of one process. Through koffi (getdents64 and readlinkat on the fd directory,
 * into buffers): no array of names, no string for the many links that are plain files, no exception
 * for an fd closed under us. This runs for every fd of every process.
 */
export function scanFds(pid: number, held: HeldFd[], sockets: SocketFd[]): void {
  const dirfd = openDirectory(`/proc/${pid}/fd`);
  if (dirfd < 0) return; // gone, or not ours to read
  try {
    for (;;) {
      const size = getdents64(dirfd, direntBuffer);
      if (size <= 0) return;
      for (let at = 0; at < size; at += direntBuffer.readUInt16LE(at + 16)) {
        // The name is the fd number; "." and ".." are not digits.
        let fd = 0;
        let i = at + 19;
        for (let c = direntBuffer[i]; c >= 48 && c <= 57; c = direntBuffer[++i]) fd = fd * 10 + (c - 48);
        if (i === at + 19 || direntBuffer[i] !== 0) continue;
        const length = readlinkAt(dirfd, String(fd), fdLinkBuffer);
        // Cheap first-byte filter: most fds are files ("/..."), which is all a failed read could be too.
        if (length <= 0 || fdLinkBuffer[0] === 47 /* / */) continue;
        const link = fdLinkBuffer.toString('latin1', 0, length);
        if (link.startsWith('socket:[')) {
          const inode = Number(link.slice(8, -1));
          if (inode > 0) sockets.push({ pid, fd, inode });
          continue;
        }
        const ns = parseNsLink(link);
        if (ns) held.push({ pid, fd, type: ns.type, id: ns.id });
      }
    }
  } finally {
    close(dirfd);
  }
}

/** Source: namespaces held by open fds (source `fd`); socket fds are left in the context for the
 *  socket source. Only processes the process source kept count. */
export const fdSource: Source = function fdSource(ctx) {
  const held: HeldFd[] = [];
  for (const pid of ctx.pids) if (ctx.model.processes.has(pid)) scanFds(pid, held, ctx.socketFds);
  for (const h of held) ctx.hold(h.type, h.id, 'fd', h.pid, { kind: 'fd', path: `/proc/${h.pid}/fd/${h.fd}` });
};
