/**
 * NETNSID: the id our own network namespace gives another one (what `ip netns list-id` and
 * `ip link` show as link-netnsid). /proc does not expose it; the kernel answers an RTM_GETNSID
 * request on a NETLINK_ROUTE socket that names the namespace by an fd (NETNSA_FD), as lsns asks.
 * NETNSA_NSID_NOT_ASSIGNED (-1) becomes null ("unassigned").
 */
import { closeSync } from 'node:fs';
import { close, recv, send, socket } from '../sys/libc';
import type { Namespace, ScanModel } from './model';
import { openNamespaceFd } from './open';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;
const RTM_NEWNSID = 88;
const RTM_GETNSID = 90;
const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 1;
const NETNSA_NSID = 1;
const NETNSA_FD = 3;
const NETNSA_NSID_NOT_ASSIGNED = -1;

// nlmsghdr (16) + rtgenmsg (1, padded to 4) + rtattr (4) + int32 (4)
const REQUEST_LENGTH = 28;

/** One request/answer; undefined if the kernel would not say. */
function askNsid(sock: number, nsFd: number, seq: number, reply: Buffer): number | null | undefined {
  const req = Buffer.alloc(REQUEST_LENGTH);
  req.writeUInt32LE(REQUEST_LENGTH, 0); // nlmsg_len
  req.writeUInt16LE(RTM_GETNSID, 4); // nlmsg_type
  req.writeUInt16LE(NLM_F_REQUEST, 6); // nlmsg_flags
  req.writeUInt32LE(seq, 8); // nlmsg_seq
  req.writeUInt8(0, 16); // rtgen_family AF_UNSPEC
  req.writeUInt16LE(8, 20); // rta_len
  req.writeUInt16LE(NETNSA_FD, 22); // rta_type
  req.writeInt32LE(nsFd, 24);
  send(sock, req);
  const n = recv(sock, reply);
  if (n < 16) return undefined;
  const type = reply.readUInt16LE(4);
  if (type === NLMSG_ERROR || type !== RTM_NEWNSID) return undefined;
  // Attributes follow the 4-byte-aligned rtgenmsg.
  let off = 20;
  const end = Math.min(n, reply.readUInt32LE(0));
  while (off + 4 <= end) {
    const len = reply.readUInt16LE(off);
    const attr = reply.readUInt16LE(off + 2) & 0x3fff;
    if (len < 4) break;
    if (attr === NETNSA_NSID && len >= 8) {
      const id = reply.readInt32LE(off + 4);
      return id === NETNSA_NSID_NOT_ASSIGNED ? null : id;
    }
    off += (len + 3) & ~3;
  }
  return undefined;
}

/** Fill `netnsid` of the given network namespaces. Loads koffi. */
export function readNetnsids(model: ScanModel, namespaces: Iterable<Namespace>): void {
  let sock: number;
  try {
    sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  } catch {
    return;
  }
  const reply = Buffer.alloc(512);
  let seq = 1;
  try {
    for (const ns of namespaces) {
      if (ns.type !== 'net' || ns.netnsid !== undefined) continue;
      const fd = openNamespaceFd(model, ns);
      if (fd === undefined) continue;
      try {
        ns.netnsid = askNsid(sock, fd, seq++, reply);
      } catch {
        // a failed send/recv leaves this one unknown
      } finally {
        closeSync(fd);
      }
    }
  } finally {
    close(sock);
  }
}
