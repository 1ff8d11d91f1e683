/** /proc/PID/uid_map and gid_map: what ids a user namespace maps, and how. */
import { readFileSync } from 'node:fs';

/** One line of uid_map/gid_map: `count` ids from `outer` (parent namespace) seen as `inner` inside. */
export interface IdRange {
  inner: number;
  outer: number;
  count: number;
}

export function parseIdMap(text: string): IdRange[] {
  const ranges: IdRange[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/).map(Number);
    if (f.length === 3 && f.every(Number.isFinite)) ranges.push({ inner: f[0], outer: f[1], count: f[2] });
  }
  return ranges;
}

/** A process's uid_map ('user') or gid_map ('group'). Throws what readFileSync throws. */
export function readIdMap(pid: number | 'self', kind: 'user' | 'group'): IdRange[] {
  return parseIdMap(readFileSync(`/proc/${pid}/${kind === 'user' ? 'uid' : 'gid'}_map`, 'utf8'));
}

/** A host id as a user namespace with these ranges names it, or undefined when it maps it not. */
export function idInside(ranges: readonly IdRange[], hostId: number): number | undefined {
  for (const r of ranges) if (hostId >= r.outer && hostId < r.outer + r.count) return hostId - r.outer + r.inner;
  return undefined;
}
