/**
 * Sockets: a socket belongs to the network namespace it was created in and keeps it alive, whichever
 * namespace its holder is in now (a process that setns'd into a namespace, made a socket and came back;
 * a namespace whose last process exited while another process holds one of its sockets).
 *
 * Placing every socket with pidfd_getfd + SIOCGSKNS would cost several system calls per socket, so
 * first the cheap way: the socket tables of each holder's own network namespace (/proc/PID/net/unix,
 * tcp, udp, raw, packet, netlink, ...; one read each per namespace) list the inodes that live there.
 * Only sockets missing from their holder's tables — in another namespace, or of a family with no table —
 * are borrowed with pidfd_getfd and asked SIOCGSKNS. Such a namespace gets source `socket`, and, when no
 * process is in it, the holder as PID (NPROCS 0).
 */
import { closeSync, fstatSync, readFileSync } from 'node:fs';
import * as libc from '../../sys/libc';
import { tryBorrowSocketNetns } from '../../proc/sockets';
import type { ScanContext, SocketFd, Source } from '../context';
import { HierarchyWalk } from './hierarchy';

/** /proc/PID/net tables, the column (0-based, whitespace-separated) holding the socket inode, and
 *  whether reading it is costly: tcp and tcp6 walk the whole connection hash (milliseconds even when
 *  empty), the others cost tens of microseconds. Cheap ones first. */
const TABLES: [string, number, boolean][] = [
  ['unix', 6, false],
  ['netlink', 9, false],
  ['packet', 8, false],
  ['raw', 9, false],
  ['raw6', 9, false],
  ['icmp', 9, false],
  ['icmp6', 9, false],
  ['udp6', 9, false],
  ['udplite6', 9, false],
  ['udp', 9, false],
  ['udplite', 9, false],
  ['tcp6', 9, true],
  ['tcp', 9, true],
];

/** Up to this many sockets left after the cheap tables are borrowed (a few syscalls each) rather than
 *  found in the costly tables. */
const BORROW_RATHER_THAN_READ = 64;

/** Borrowing sockets costs syscalls: bound the work a pathological host can cause. */
const MAX_BORROWED = 4096;

/** Inodes listed in one socket table. */
function tableInodes(text: string, column: number, into: Set<number>): void {
  let pos = text.indexOf('\n') + 1; // skip the header
  while (pos > 0 && pos < text.length) {
    const end = text.indexOf('\n', pos);
    const line = text.slice(pos, end < 0 ? text.length : end);
    pos = end < 0 ? text.length : end + 1;
    let col = 0;
    let i = 0;
    // Walk to the column'th whitespace-separated field without splitting the whole line.
    while (i < line.length && line.charCodeAt(i) === 32) i++;
    while (col < column && i < line.length) {
      while (i < line.length && line.charCodeAt(i) !== 32) i++;
      while (i < line.length && line.charCodeAt(i) === 32) i++;
      col++;
    }
    let n = 0;
    while (i < line.length) {
      const d = line.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
      i++;
    }
    if (n > 0) into.add(n);
  }
}

/** The socket tables of one network namespace, read through one of its processes, table by table. */
class NetnsTables {
  private next = 0;
  constructor(
    readonly netns: number,
    private readonly reader: number,
  ) {}

  get complete(): boolean {
    return this.next >= TABLES.length;
  }

  /** Read the next table into `where` (inode -> this namespace); false when none is left (or only
   *  costly ones, unless `costly`). */
  readNext(where: Map<number, number>, costly = false): boolean {
    if (this.complete || (!costly && TABLES[this.next][2])) return false;
    const [table, column] = TABLES[this.next++];
    let text: string;
    try {
      text = readFileSync(`/proc/${this.reader}/net/${table}`, 'latin1');
    } catch {
      return true; // no such table here (a protocol not built in), or the reader is gone
    }
    const seen = new Set<number>();
    tableInodes(text, column, seen);
    for (const ino of seen) where.set(ino, this.netns);
    return true;
  }
}

/**
 * Add the network namespaces of sockets held from outside them. Each holder namespace's tables are
 * read only until its holders' sockets are all found in the tables read so far; only sockets in none
 * of them are borrowed (reading every table of every namespace to spare a borrow costs more).
 */
function addSockets(ctx: ScanContext, sockets: SocketFd[]): void {
  const { model } = ctx;
  if (sockets.length === 0) return;
  const where = new Map<number, number>(); // socket inode -> network namespace
  const tables = new Map<number, NetnsTables>();
  const byNetns = new Map<number, SocketFd[]>();
  for (const s of sockets) {
    const net = model.processes.get(s.pid)?.ns.net;
    if (net === undefined) continue; // holder's namespace unreadable: left for the kernel to answer
    let list = byNetns.get(net);
    if (!list) {
      byNetns.set(net, (list = []));
      tables.set(net, new NetnsTables(net, s.pid));
    }
    list.push(s);
  }
  // 1. The common case, cheaply: a holder's sockets are in its own namespace, or in one whose tables
  //    were already read (the host's, read first as it usually holds the most: a socketpair made on the
  //    host and handed to a process in a container is a host socket).
  const order = [...byNetns].sort((a, b) => b[1].length - a[1].length);
  for (const [net, list] of order) {
    const t = tables.get(net) as NetnsTables;
    while (list.some((s) => !where.has(s.inode)) && t.readNext(where));
  }
  const left = (): SocketFd[] => sockets.filter((s) => !where.has(s.inode));
  // Many left (a busy server's TCP connections): the costly tables are cheaper than borrowing each.
  if (left().length > BORROW_RATHER_THAN_READ) {
    for (const [net, list] of order) {
      const t = tables.get(net) as NetnsTables;
      while (list.some((s) => !where.has(s.inode)) && t.readNext(where, true));
    }
  }
  // 2. Placed in another namespace than the holder's: held from outside.
  for (const s of sockets) {
    const net = where.get(s.inode);
    if (net !== undefined && net !== model.processes.get(s.pid)?.ns.net) ctx.hold('net', net, 'socket', s.pid);
  }
  // 3. In no table read: a namespace no process is in, or a family with no table. Ask the kernel.
  const unplaced = left();
  if (unplaced.length > 0) borrowAndPlace(ctx, unplaced.slice(0, MAX_BORROWED));
}

/** pidfd_getfd + SIOCGSKNS for sockets the tables could not place. */
function borrowAndPlace(ctx: ScanContext, sockets: SocketFd[]): void {
  const { model } = ctx;
  const walk = new HierarchyWalk(model, new Set(ctx.options.types), ctx.walked);
  const byPid = new Map<number, SocketFd[]>();
  for (const s of sockets) {
    const list = byPid.get(s.pid);
    if (list) list.push(s);
    else byPid.set(s.pid, [s]);
  }
  const placed = new Set<number>(); // socket inodes already answered (a socket may be held twice)
  for (const [pid, list] of byPid) {
    let pidfd: number;
    try {
      pidfd = libc.pidfdOpen(pid);
    } catch {
      continue; // gone
    }
    try {
      const holderNet = model.processes.get(pid)?.ns.net;
      for (const s of list) {
        if (placed.has(s.inode)) continue;
        const netfd = tryBorrowSocketNetns(pidfd, s.fd, s.inode);
        if (netfd === undefined) continue;
        try {
          const netns = fstatSync(netfd).ino;
          placed.add(s.inode);
          if (netns === holderNet) continue;
          const known = model.namespaces.has(netns);
          const ns = ctx.hold('net', netns, 'socket', pid);
          // No path reaches a namespace only a socket holds: walk its owners now, through this fd.
          if (!known) walk.fromFd(ns, netfd);
        } finally {
          closeSync(netfd);
        }
      }
    } finally {
      libc.close(pidfd);
    }
  }
}

/** Source: network namespaces of sockets held from outside them (source `socket`). After the fd source. */
export const socketSource: Source = Object.assign(
  function socketSource(ctx: Parameters<Source>[0]): void {
    // Whatever types are asked for: a network namespace only a socket holds may be the way to its owner.
    addSockets(ctx, ctx.socketFds);
  },
  { walks: { fds: true } },
);
