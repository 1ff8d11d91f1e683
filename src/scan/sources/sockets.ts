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
import { NS_TYPES, type NsType } from '../../sys/constants';
import type { Source } from '../index';
import type { ScanModel } from '../model';
import { walkFromFd } from './hierarchy';
import { socketFdsOf, type SocketFd } from './fds';
import { holdNamespace } from './nsfs';

/** /proc/PID/net tables and the column (0-based, whitespace-separated) holding the socket inode. */
const TABLES: [string, number][] = [
  ['unix', 6],
  ['netlink', 9],
  ['tcp', 9],
  ['tcp6', 9],
  ['udp', 9],
  ['udp6', 9],
  ['raw', 9],
  ['raw6', 9],
  ['packet', 8],
  ['icmp', 9],
  ['icmp6', 9],
  ['udplite', 9],
  ['udplite6', 9],
];

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

/** Which of `wanted` are in the network namespace of `pid` (reading tables until all are found). */
function placeInOwnNamespace(pid: number, wanted: Set<number>): Set<number> {
  const found = new Set<number>();
  const seen = new Set<number>();
  for (const [table, column] of TABLES) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'latin1');
    } catch {
      continue;
    }
    seen.clear();
    tableInodes(text, column, seen);
    for (const ino of wanted) if (seen.has(ino)) found.add(ino);
    if (found.size === wanted.size) break;
  }
  return found;
}

/** Add the network namespaces of sockets held from outside them. */
export function addSockets(model: ScanModel, sockets: SocketFd[], wanted: ReadonlySet<NsType> = new Set(NS_TYPES)): void {
  if (sockets.length === 0) return;
  // Group sockets by their holder's network namespace; one member reads that namespace's tables.
  const byNetns = new Map<number, { reader: number; sockets: SocketFd[] }>();
  const unplaced: SocketFd[] = [];
  for (const s of sockets) {
    const net = model.processes.get(s.pid)?.ns.net;
    if (net === undefined) {
      unplaced.push(s);
      continue;
    }
    let g = byNetns.get(net);
    if (!g) byNetns.set(net, (g = { reader: s.pid, sockets: [] }));
    g.sockets.push(s);
  }
  for (const g of byNetns.values()) {
    const wanted = new Set(g.sockets.map((s) => s.inode));
    const here = placeInOwnNamespace(g.reader, wanted);
    for (const s of g.sockets) if (!here.has(s.inode)) unplaced.push(s);
  }
  if (unplaced.length > 0) borrowAndPlace(model, unplaced.slice(0, MAX_BORROWED), wanted);
}

/** pidfd_getfd + SIOCGSKNS for sockets the tables could not place. */
function borrowAndPlace(model: ScanModel, sockets: SocketFd[], wanted: ReadonlySet<NsType>): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const libc = require('../../sys/libc') as typeof import('../../sys/libc');
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
        let sock: number;
        try {
          sock = libc.pidfdGetfd(pidfd, s.fd);
        } catch {
          continue; // closed meanwhile, or not ours to borrow
        }
        try {
          // The fd number may have been reused for something else since the walk.
          if (fstatSync(sock).ino !== s.inode) continue;
          let netfd: number;
          try {
            netfd = libc.sockGetNetns(sock);
          } catch {
            continue;
          }
          try {
            const netns = fstatSync(netfd).ino;
            placed.add(s.inode);
            if (netns === holderNet) continue;
            const known = model.namespaces.has(netns);
            const ns = holdNamespace(model, 'net', netns, 'socket', pid);
            // No path reaches a namespace only a socket holds: walk its owners now, through this fd.
            if (!known) walkFromFd(model, ns, netfd, wanted);
          } finally {
            closeSync(netfd);
          }
        } finally {
          closeSync(sock);
        }
      }
    } finally {
      libc.close(pidfd);
    }
  }
}

/** Source: network namespaces of sockets held from outside them (source `socket`). After the fd source. */
export const socketSource: Source = (model, options) => {
  if (options.types.includes('net')) addSockets(model, socketFdsOf(model), new Set(options.types));
};
