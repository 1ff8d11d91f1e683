/**
 * /proc/PID/mountinfo, parsed in one place: what is mounted where (nsfs for a pin), how each mount
 * propagates (shared:N, master:N), the nsfs mounts alone (the scan's fast path) and FUSE mounts
 * (whose servers could make a lookup under them hang).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
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
 * The mount visible at exactly `mountPoint` (canonical absolute path). Mounts stacked on one point are
 * each the parent of the next: the visible one is the one no other mount there sits on.
 */
export function mountAt(table: readonly MountEntry[], mountPoint: string): MountEntry | undefined {
  const here = table.filter((m) => m.mountPoint === mountPoint);
  const covered = new Set(here.map((m) => m.parentId));
  return here.filter((m) => !covered.has(m.mountId)).pop() ?? here.pop();
}

/** The mount that holds `file` (canonical absolute path): the deepest mount point above it, last wins. */
export function mountHolding(table: readonly MountEntry[], file: string): MountEntry | undefined {
  let found: MountEntry | undefined;
  for (const m of table) {
    const mp = m.mountPoint;
    const inside = mp === '/' || file === mp || file.startsWith(mp.endsWith('/') ? mp : mp + path.sep);
    if (inside && (!found || mp.length >= found.mountPoint.length)) found = m;
  }
  return found;
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
