/**
 * The host the benchmark measures on: N processes in about M new namespaces, made with unshare and
 * killed again by PID; and the CPU-bound neighbour (one busy loop per core beyond the first) that the
 * "busy" figures run beside.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every process the benchmark started and has not stopped yet, for abort(). */
const started = new Set<number>();

/** Kill, by PID, whatever the benchmark started and has not stopped (on SIGINT/SIGTERM/SIGHUP). */
export function abort(): void {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  started.clear();
}

export function countProcesses(): number {
  let n = 0;
  for (const name of readdirSync('/proc')) if (name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57) n++;
  return n;
}

export function countNamespaces(): number {
  const r = spawnSync('lsns', ['-n', '-l', '-o', 'NS'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).length;
}

function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** A host of many processes in many namespaces; `teardown` kills what it made, by PID. */
export interface Host {
  holders: number[];
  teardown(): Promise<void>;
}

/**
 * Groups of `unshare --pid --fork --kill-child --uts --ipc --net sh -c 'sleep & ...'`: each group is 4
 * new namespaces (pid, uts, ipc, net) and unshare + sh + K sleeps, K chosen so the host reaches
 * `procs` processes in all.
 */
export async function buildHost(procs: number, namespaces: number): Promise<Host> {
  const groups = Math.max(1, Math.round(namespaces / 4));
  const toMake = Math.max(0, procs - countProcesses());
  const perGroup = Math.max(2, Math.round(toMake / groups));
  const sleeps = perGroup - 2;
  const script = `for g in $(seq ${groups}); do unshare --pid --fork --kill-child --uts --ipc --net sh -c 'i=0; while [ $i -lt ${sleeps} ]; do sleep 100000 & i=$((i+1)); done; wait' </dev/null >/dev/null 2>&1 & echo $!; done`;
  const launcher = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  launcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((r) => launcher.on('close', () => r()));
  const holders = out.split('\n').filter(Boolean).map(Number);
  for (const pid of holders) started.add(pid);
  const teardown = async (): Promise<void> => {
    for (const pid of holders) {
      try {
        // unshare --fork ignores SIGTERM while it waits; SIGKILL it, and --kill-child takes the namespace.
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    const deadline = Date.now() + 60000;
    while (holders.some(alive) && Date.now() < deadline) await sleep(100);
    for (const pid of holders) started.delete(pid);
  };
  // Wait until every sleep has started (or the count stops growing near the goal).
  const target = countProcesses() + groups * sleeps;
  const deadline = Date.now() + 180000;
  let last = -1;
  let stable = 0;
  for (;;) {
    const n = countProcesses();
    if (n >= procs * 0.98 || Date.now() > deadline) break;
    stable = n === last ? stable + 1 : 0;
    if (stable > 50 && n >= target * 0.9) break;
    last = n;
    await sleep(100);
  }
  return { holders, teardown };
}

/** The CPU-bound neighbour: one busy shell loop per core beyond the first. */
export interface Load {
  pids: number[];
  stop(): Promise<void>;
}

export function startBusyLoad(): Load {
  const children: ChildProcess[] = [];
  for (let i = 1; i < Math.max(2, cpus().length); i++) children.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
  for (const c of children) started.add(c.pid as number);
  return {
    pids: children.map((c) => c.pid as number),
    stop: async () => {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGKILL');
              started.delete(c.pid as number);
            }),
        ),
      );
    },
  };
}
