/**
 * Source: open file descriptors. An fd of a namespace file (readlink /proc/PID/fd/N says
 * "net:[4026532296]") keeps the namespace alive with no process in it — `ip netns` helpers, runc's
 * setns fds, a leaked fd (source `fd`, PATH /proc/PID/fd/N). The walk reads every fd table; socket
 * fds ("socket:[INODE]") are left in the context for the socket source.
 */
import { NS_TYPES } from '../../sys/constants';
import type { Source } from '../context';

export const fdSource: Source = Object.assign(
  function fdSource(ctx: Parameters<Source>[0]): void {
    const walk = ctx.walk;
    if (!walk) return;
    const { fds, sockets } = walk;
    for (let i = 0; i < fds.length; i++) {
      const pid = fds.pid[i];
      if (!ctx.model.processes.has(pid)) continue;
      const type = NS_TYPES[fds.type[i]];
      const fd = fds.id[i];
      ctx.hold(type, fds.inode[i], 'fd', pid, { kind: 'fd', path: `/proc/${pid}/fd/${fd}`, pid, fd });
    }
    for (let i = 0; i < sockets.length; i++) {
      if (ctx.model.processes.has(sockets.pid[i])) ctx.socketFds.push({ pid: sockets.pid[i], fd: sockets.fd[i], inode: sockets.inode[i] });
    }
  },
  { walks: { fds: true } },
);
