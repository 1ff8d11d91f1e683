/**
 * What a view shows of a process besides its namespaces, read as lsns reads it: PPID and state from
 * /proc/PID/stat, the uid that owns /proc/PID, the command line. One shared buffer for every read:
 * this runs for each process a view shows.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { parseStat } from './stat';

export interface ProcessDetails {
  ppid: number;
  /** Owner of /proc/PID: the effective uid, or 0 for a non-dumpable process (as lsns shows it). */
  uid: number;
  /** The command line, NULs as spaces; the thread name when it has none (a kernel thread, a zombie). */
  command: string;
  /** The state letter (Z for a zombie). */
  state: string;
}

const buffer = Buffer.allocUnsafe(8192);

/** Read a /proc file into the shared buffer (at most its size, as lsns reads cmdline); the byte count,
 *  or -1 if it is gone or unreadable. */
function readSmall(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return -1;
  }
  try {
    let total = 0;
    while (total < buffer.length) {
      const n = readSync(fd, buffer, total, buffer.length - total, null);
      if (n <= 0) break;
      total += n;
    }
    return total;
  } catch {
    return -1;
  } finally {
    closeSync(fd);
  }
}

/** PPID, UID, COMMAND and state of one process, or undefined if it is gone. */
export function readDetails(pid: number, procRoot = '/proc'): ProcessDetails | undefined {
  const dir = `${procRoot}/${pid}`;
  const st = statSync(dir, { throwIfNoEntry: false });
  const statLength = st ? readSmall(`${dir}/stat`) : -1;
  if (!st || statLength <= 0) return undefined;
  const stat = parseStat(buffer.toString('utf8', 0, statLength));
  if (!stat) return undefined;
  // cmdline: NULs turned into spaces, the final byte (the terminating NUL) dropped.
  const n = readSmall(`${dir}/cmdline`);
  let command = stat.comm;
  if (n > 0) {
    for (let i = 0; i < n; i++) if (buffer[i] === 0) buffer[i] = 32;
    command = buffer.toString('utf8', 0, n - 1);
  }
  return { ppid: stat.ppid, uid: st.uid, command, state: stat.state };
}
