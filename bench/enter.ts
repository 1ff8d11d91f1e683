/**
 * tsns enter against nsenter for the same target, interleaved in one run: wall time of entering an
 * unshare-made target and running `true`, with and without the pid-namespace fork, next to a bare
 * `node -e 0` (the floor any Node command pays). Target: tsns enter <= nsenter + Node start-up + 20 ms.
 * Wall time on a busy machine swings with the load; where perf is installed, CPU time (task-clock of
 * the whole process tree, averaged by `perf stat -r`) is printed too, which holds steady.
 *
 *   node dist/bench/enter.js [runs]      (bench/run.ts calls benchEnter())
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const TSNS = path.resolve(__dirname, '..', '..', 'bin', 'tsns');

function timeOnce(argv: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return ms;
}

/** Mean CPU time (ms, task-clock of the process and its children) over `runs`, via perf; undefined
 *  where perf is missing or not allowed. */
function cpuMs(argv: string[], runs: number): number | undefined {
  const r = spawnSync('perf', ['stat', '-x', ',', '-r', String(runs), '-e', 'task-clock', '--', ...argv], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0) return undefined;
  const line = r.stderr.split('\n').find((l) => l.includes(',task-clock'));
  const ms = line ? Number(line.split(',')[0]) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function startTarget(): Promise<{ pid: number; proc: ChildProcess }> {
  const proc = spawn('unshare', ['--uts', '--ipc', '--net', '--pid', '--fork', '--kill-child', '--mount', '--mount-proc', 'sleep', '1000'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 250; i++) {
    const [pid] = children(proc.pid as number);
    if (pid !== undefined) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep') return { pid, proc };
      } catch {
        /* not yet */
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  proc.kill('SIGKILL');
  throw new Error('the unshare target did not start');
}

export interface EnterBenchRow {
  case: string;
  nsenterMs: number;
  tsnsMs: number;
  nodeMs: number;
  /** tsns - nsenter - node start-up: what the target bounds at 20 ms. */
  overheadMs: number;
  /** The same in CPU time (perf task-clock means), when perf works here. */
  cpu?: { nsenterMs: number; tsnsMs: number; nodeMs: number; overheadMs: number };
}

/** Measure every case; `runs` interleaved runs of each command (and as many under perf). */
export async function measureEnter(runs = Number(process.env.TSNS_BENCH_ENTER_RUNS) || 30): Promise<EnterBenchRow[]> {
  const { pid, proc } = await startTarget();
  const rows: EnterBenchRow[] = [];
  try {
    const cases: [string, string[], string[]][] = [
      ['--net --uts (exec, no fork)', ['-t', String(pid), '--net', '--uts', 'true'], [String(pid), '--net', '--uts', '--', 'true']],
      ['--all (pid namespace: fork and wait)', ['-t', String(pid), '-a', 'true'], [String(pid), '-a', '--', 'true']],
    ];
    for (const [name, nsenterArgs, tsnsArgs] of cases) {
      const t = { nsenter: [] as number[], tsns: [] as number[], node: [] as number[] };
      // Warm-up (page cache, koffi's native module), then interleaved runs.
      timeOnce(['nsenter', ...nsenterArgs]);
      timeOnce([process.execPath, TSNS, 'enter', ...tsnsArgs]);
      for (let i = 0; i < runs; i++) {
        t.nsenter.push(timeOnce(['nsenter', ...nsenterArgs]));
        t.tsns.push(timeOnce([process.execPath, TSNS, 'enter', ...tsnsArgs]));
        t.node.push(timeOnce([process.execPath, '-e', '0']));
      }
      const row: EnterBenchRow = { case: name, nsenterMs: median(t.nsenter), tsnsMs: median(t.tsns), nodeMs: median(t.node), overheadMs: 0 };
      row.overheadMs = row.tsnsMs - row.nsenterMs - row.nodeMs;
      const cpuNsenter = cpuMs(['nsenter', ...nsenterArgs], runs);
      const cpuTsns = cpuMs([process.execPath, TSNS, 'enter', ...tsnsArgs], runs);
      const cpuNode = cpuMs([process.execPath, '-e', '0'], runs);
      if (cpuNsenter !== undefined && cpuTsns !== undefined && cpuNode !== undefined) {
        row.cpu = { nsenterMs: cpuNsenter, tsnsMs: cpuTsns, nodeMs: cpuNode, overheadMs: cpuTsns - cpuNsenter - cpuNode };
      }
      rows.push(row);
    }
  } finally {
    process.kill(pid, 'SIGKILL');
    proc.kill('SIGKILL');
  }
  return rows;
}

/** The markdown section bench/run.ts puts into bench/RESULTS.md. */
export function enterTable(rows: EnterBenchRow[]): string {
  const f = (n: number): string => n.toFixed(1);
  const line = (name: string, kind: string, r: { nsenterMs: number; tsnsMs: number; nodeMs: number; overheadMs: number }): string =>
    `| ${name} | ${kind} | ${f(r.nsenterMs)} | ${f(r.tsnsMs)} | ${f(r.nodeMs)} | ${f(r.overheadMs)} | ${r.overheadMs <= 20 ? 'ok' : 'over'} |`;
  const lines = ['| case | measure | nsenter (ms) | tsns enter (ms) | node -e 0 (ms) | overhead (ms) | <= 20 ms |', '|---|---|---:|---:|---:|---:|---|'];
  for (const r of rows) {
    lines.push(line(r.case, 'wall, median', r));
    if (r.cpu) lines.push(line(r.case, 'CPU, perf task-clock', r.cpu));
  }
  return [
    '## tsns enter against nsenter',
    '',
    lines.join('\n'),
    '',
    "Same unshare-made target, interleaved runs. Overhead = tsns enter - nsenter - node -e 0 (Node's start-up); target: at most 20 ms. Wall time follows the machine's load; CPU time (perf, all threads) holds steadier.",
  ].join('\n');
}

/** bench/run.ts's entry: measure, print the section, return it. */
export async function benchEnter(runs?: number): Promise<string> {
  const text = enterTable(await measureEnter(runs));
  process.stdout.write(`${text}\n\n`);
  return text;
}

if (require.main === module) {
  benchEnter(Number(process.argv[2]) || undefined).catch((err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
