/** /proc/PID/cmdline as the argument list it is (the scan's COMMAND column, lsns's string, comes from the walker). */
import { readFileSync } from 'node:fs';

/** The process's argv, or undefined once it is gone or unreadable ([] for a kernel thread or a zombie). */
export function readArgv(pid: number): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  const argv = text.split('\0');
  if (argv.at(-1) === '') argv.pop();
  return argv;
}
