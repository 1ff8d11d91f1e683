/**
 * `tsns run --fork`: which processes stay for the command's whole life. unshare leaves two (unshare,
 * the command); the target is that no Node process waits there. Started, looked at through
 * /proc, and killed again by PID.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { TSNS, TSNS_ENV } from './measure';

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function exeName(pid: number): string {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return '?';
  }
}

function rssMb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export interface RunForkChain {
  /** The processes from tsns down to the command, by executable name, with their RSS in MiB. */
  chain: { exe: string; rssMb: number }[];
  /** True when a Node process is among those that wait for the command. */
  nodeWaits: boolean;
}

export async function measureRunFork(): Promise<RunForkChain> {
  const child = spawn(TSNS, ['run', '--pid', '--fork', '--', 'sleep', '1000'], { stdio: 'ignore', env: TSNS_ENV });
  const top = child.pid as number;
  try {
    const deadline = Date.now() + 10000;
    for (;;) {
      // Follow the only child down to the sleep.
      const chain: number[] = [top];
      for (let kids = childrenOf(top); kids.length === 1; kids = childrenOf(kids[0])) chain.push(kids[0]);
      const names = chain.map(exeName);
      if (names[names.length - 1] === 'sleep') {
        const waiting = chain.slice(0, -1);
        return {
          chain: chain.map((pid, i) => ({ exe: names[i], rssMb: rssMb(pid) })),
          nodeWaits: waiting.some((pid) => exeName(pid) === basename(process.execPath)),
        };
      }
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('tsns run --fork -- sleep did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    const gone = new Promise((r) => child.once('exit', r));
    // Everything from tsns down is ours: kill it by PID, the command first.
    const all: number[] = [];
    for (let q = [top]; q.length > 0;) {
      const pid = q.shift() as number;
      all.push(pid);
      q.push(...childrenOf(pid));
    }
    for (const pid of all.reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (child.exitCode === null && child.signalCode === null) await gone;
  }
}
