/** /proc/PID/cgroup: the cgroup of a process in each hierarchy ("" for cgroup v2). */
import { readFileSync } from 'node:fs';

export interface CgroupMembership {
  /** Controllers of a v1 hierarchy ("cpu,cpuacct", "name=systemd"), "" for the unified (v2) one. */
  controllers: string;
  /** Path of the cgroup, relative to the root of the hierarchy (as the reader's cgroup namespace sees it). */
  path: string;
}

export function parseCgroupFile(text: string): CgroupMembership[] {
  const out: CgroupMembership[] = [];
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (second < 0) continue;
    out.push({ controllers: line.slice(first + 1, second), path: line.slice(second + 1) });
  }
  return out;
}

/** The raw text (callers that only search it), or undefined once gone. */
export function readCgroupText(pid: number | 'self'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return undefined;
  }
}

export function readCgroups(pid: number | 'self'): CgroupMembership[] | undefined {
  const text = readCgroupText(pid);
  return text === undefined ? undefined : parseCgroupFile(text);
}
