/**
 * /proc/PID/mountinfo, parsed in one place: what is mounted where (nsfs for a pin), how each mount
 * propagates (shared:N, master:N), the nsfs mounts alone (the scan's fast path) and FUSE mounts
 * (whose servers could make a lookup under them hang).
 */
import { readFileSync } from 'node:fs';
import type { NsType } from '../sys/constants';
import { parseNsLink } from './ns';

export interface MountEntry {
  mountId: number;
  parentId: number;
  /** "major:minor" of the file system. */
  device: string;
  /** Root of the mount within its file system; for nsfs the namespace, e.g. "net:[4026532286]". */
  root: string;
  mountPoint: string;
  options: string;
  /** Peer group when the mount is shared (shared:N), else undefined. */
  shared?: number;
  /** Master peer group when the mount is a slave (master:N). */
  master?: number;
  fsType: string;
  source: string;
  /** Per-superblock options (for cgroup v1, its controllers: "rw,cpu,cpuacct"). */
  superOptions: string;
}

/** Undo mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
export function unescapeMountPath(s: string): string {
  return s.includes('\\') ? s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) : s;
}

function parseLine(line: string): MountEntry | undefined {
  const fields = line.split(' ');
  const dash = fields.indexOf('-', 6);
  if (dash < 0 || fields.length < dash + 3) return undefined;
  const entry: MountEntry = {
    mountId: Number(fields[0]),
    parentId: Number(fields[1]),
    device: fields[2],
    root: unescapeMountPath(fields[3]),
    mountPoint: unescapeMountPath(fields[4]),
    options: fields[5],
    fsType: fields[dash + 1],
    source: unescapeMountPath(fields[dash + 2]),
    superOptions: fields[dash + 3] ?? '',
  };
  for (const tag of fields.slice(6, dash)) {
    const [key, value] = tag.split(':');
    if (key === 'shared') entry.shared = Number(value);
    else if (key === 'master') entry.master = Number(value);
  }
  return entry;
}

export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const entry = line ? parseLine(line) : undefined;
    if (entry) entries.push(entry);
  }
  return entries;
}

/** The raw mountinfo text of a process (default: this one); undefined if gone or unreadable. */
export function readMountinfoText(pid: number | 'self' = 'self'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
  } catch {
    return undefined;
  }
}

/** The mount table of a process (default: this one). Throws what readFileSync throws. */
export function readMountinfo(pid: number | 'self' = 'self'): MountEntry[] {
  return parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
}

/** A pin seen in a mount table: an nsfs mount, the namespace its root names and where it is. */
export interface NsfsEntry {
  type: NsType;
  /** Inode of the pinned namespace. */
  id: number;
  /** Mount point, unescaped. */
  path: string;
}

/** The nsfs mounts of a mountinfo text. Most lines are not nsfs: candidates are found by the fstype
 *  marker first and only those lines are parsed (the scan reads every mount namespace's table). */
export function nsfsMounts(text: string): NsfsEntry[] {
  const out: NsfsEntry[] = [];
  let start = 0;
  for (;;) {
    const hit = text.indexOf(' - nsfs ', start);
    if (hit < 0) break;
    const lineStart = text.lastIndexOf('\n', hit) + 1;
    const lineEnd = text.indexOf('\n', hit);
    start = lineEnd < 0 ? text.length : lineEnd;
    const entry = parseLine(text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd));
    const ns = entry ? nsfsRoot(entry) : undefined;
    if (entry && ns) out.push({ type: ns.type, id: ns.id, path: entry.mountPoint });
  }
  return out;
}

/** For an nsfs mount: the namespace its root names ("net:[4026532286]"), else undefined. */
export function nsfsRoot(entry: MountEntry): { type: NsType; id: number } | undefined {
  return entry.fsType === 'nsfs' ? parseNsLink(entry.root) : undefined;
}

/**
 * The mounts a lookup of `file` (canonical absolute path) passes through, from the root down: at each
 * prefix, the child mounted there on the mount reached so far, then whatever is stacked on it (a mount
 * on the same point has the one it covers as parent). A mount hidden under another (an old /run/netns
 * under a tmpfs mounted on /run later) is not on the path, although mountinfo still lists it.
 */
export function visibleMounts(table: readonly MountEntry[], file: string): MountEntry[] {
  const children = new Map<number, MountEntry[]>();
  const ids = new Set(table.map((m) => m.mountId));
  for (const m of table) {
    const list = children.get(m.parentId);
    if (list) list.push(m);
    else children.set(m.parentId, [m]);
  }
  // The last mounted wins where two share a parent and a point (mountinfo lists mounts in order).
  const childAt = (parent: MountEntry, point: string): MountEntry | undefined =>
    children
      .get(parent.mountId)
      ?.filter((m) => m.mountPoint === point && m !== parent)
      .pop();
  let top = table.filter((m) => m.mountPoint === '/' && !ids.has(m.parentId)).pop() ?? table.find((m) => m.mountPoint === '/');
  if (!top) return [];
  const chain: MountEntry[] = [];
  const descend = (point: string): void => {
    for (let next = childAt(top as MountEntry, point); next && chain.length < 4096; next = childAt(next, point)) {
      chain.push(next);
      top = next;
    }
  };
  chain.push(top);
  descend('/');
  const parts = file.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) descend(`/${parts.slice(0, i).join('/')}`);
  return chain;
}

/** The mount visible at exactly `mountPoint` (canonical absolute path), if something is mounted there. */
export function mountAt(table: readonly MountEntry[], mountPoint: string): MountEntry | undefined {
  const holder = mountHolding(table, mountPoint);
  return holder?.mountPoint === mountPoint ? holder : undefined;
}

/** The mount that holds `file` (canonical absolute path): the last one a lookup of it passes through. */
export function mountHolding(table: readonly MountEntry[], file: string): MountEntry | undefined {
  return visibleMounts(table, file).pop();
}

/** Mount points of FUSE file systems in a mountinfo text (cheap when there are none). */
export function fuseMountPoints(text: string): string[] {
  if (!text.includes(' - fuse')) return [];
  return parseMountinfo(text)
    .filter((m) => m.fsType === 'fuse' || m.fsType.startsWith('fuse.') || m.fsType === 'fuseblk')
    .map((m) => m.mountPoint);
}

/** True when `file` is at or below one of `mountPoints`. */
export function isUnder(mountPoints: readonly string[], file: string): boolean {
  return mountPoints.some((mp) => mp === '/' || file === mp || file.startsWith(`${mp}/`));
}
