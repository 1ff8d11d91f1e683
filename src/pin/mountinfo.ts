/**
 * /proc/PID/mountinfo, parsed: the one place that tells whether a path is a mount point, what is mounted
 * there (nsfs for a pin) and how the mount propagates (shared:N, master:N).
 */
import fs from 'node:fs';
import path from 'node:path';
import { unescapeMountPath } from '../scan/mountinfo';
import { parseNsLink } from '../scan/sources/nsfs';

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

export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (dash < 0 || fields.length < dash + 3) continue;
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
    entries.push(entry);
  }
  return entries;
}

/** The mount table of a process (default: this one). Throws what readFileSync throws. */
export function readMountinfo(pid: number | 'self' = 'self'): MountEntry[] {
  return parseMountinfo(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
}

/**
 * The mount visible at exactly `mountPoint` (canonical absolute path). Mounts stacked on one point are
 * each the parent of the next: the visible one is the one no other mount there sits on.
 */
export function mountAt(table: MountEntry[], mountPoint: string): MountEntry | undefined {
  const here = table.filter((m) => m.mountPoint === mountPoint);
  const covered = new Set(here.map((m) => m.parentId));
  return here.filter((m) => !covered.has(m.mountId)).pop() ?? here.pop();
}

/** The mount that holds `file` (canonical absolute path): the deepest mount point above it, last wins. */
export function mountHolding(table: MountEntry[], file: string): MountEntry | undefined {
  let found: MountEntry | undefined;
  for (const m of table) {
    const mp = m.mountPoint;
    const inside = mp === '/' || file === mp || file.startsWith(mp.endsWith('/') ? mp : mp + path.sep);
    if (inside && (!found || mp.length >= found.mountPoint.length)) found = m;
  }
  return found;
}

/** For an nsfs mount: the namespace its root names ("net:[4026532286]"), else undefined. */
export function nsfsRoot(entry: MountEntry): { type: string; inode: number } | undefined {
  if (entry.fsType !== 'nsfs') return undefined;
  const ns = parseNsLink(entry.root);
  return ns ? { type: ns.type, inode: ns.id } : undefined;
}
