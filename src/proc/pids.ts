/** Listing /proc: processes, a process's threads, its fds. Names that are not numbers are skipped. */
import { readdirSync } from 'node:fs';

/** Decimal entries of a directory, in its order (/proc lists PIDs ascending); [] if unreadable. */
export function numericEntries(dir: string): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(n));
  }
  return out;
}

/** The PIDs in /proc (thread group leaders), ascending. */
export function listPids(procRoot = '/proc'): number[] {
  return numericEntries(procRoot);
}

/** The thread ids of a process (its own PID among them); [] once it is gone. */
export function listThreads(pid: number): number[] {
  return numericEntries(`/proc/${pid}/task`);
}

/** The fd numbers a process has open; [] once gone or not ours to read. */
export function listFds(pid: number | 'self'): number[] {
  return numericEntries(`/proc/${pid}/fd`);
}
