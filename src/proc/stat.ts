/** /proc/PID/stat: the one parser (the details reader, the target resolver and the container sources use it). */
import { readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** The thread name (comm), as the kernel keeps it. */
  comm: string;
  /** R, S, D, Z (zombie), T, t, X, I ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Start time in clock ticks since boot (field 22): with the PID, names one process for good. */
  start: number;
}

/** Parse "PID (COMM) STATE PPID PGRP SESSION ..."; COMM may hold spaces and parentheses, so the
 *  fields after it are counted from the last ')'. */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const f = text.slice(close + 2).split(' ');
  const stat: ProcStat = {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: f[0] ?? '',
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    start: Number(f[19]),
  };
  return Number.isInteger(stat.ppid) ? stat : undefined;
}

/** /proc/PID/stat (or /proc/PID/task/TID/stat with `tid`), or undefined once gone or unreadable. */
export function readStat(pid: number | 'self', tid?: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseStat(text);
}

/** Start time of a process (field 22 of /proc/PID/stat); undefined once it is gone. */
export function startTime(pid: number): number | undefined {
  return readStat(pid)?.start;
}
