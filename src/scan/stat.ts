/** /proc/PID/stat, the few fields tsns needs off the hot path (the process scan has its own buffer parser). */
import { readFileSync } from 'node:fs';

export interface ProcStat {
  /** R, S, D, Z, T ... */
  state: string;
  ppid: number;
  /** Start time in clock ticks since boot (field 22): with the PID, names one process for good. */
  start: number;
}

/** The process's stat fields, or undefined once it is gone (or unreadable). */
export function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so split at the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], ppid: Number(f[1]), start: Number(f[19]) };
}
