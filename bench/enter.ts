/**
 * tsns enter against nsenter for the same target, interleaved with a bare `node -e 0` (the start-up any
 * Node command pays): entering an unshare-made target and running `true`, with and without the
 * pid-namespace fork. Overhead = tsns enter - nsenter - node -e 0, in wall and in CPU time (the whole
 * process tree); the target is at most 10 ms.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { commandSubject, interleave, tsnsSubject, type Figures } from './measure';

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

export interface EnterRow {
  case: string;
  nsenter: Figures;
  tsns: Figures;
  node: Figures;
}

/** Overhead in seconds: tsns - nsenter - node, for one measure ('wall' or 'cpu'). */
export function overhead(row: EnterRow, measure: 'wall' | 'cpu'): number {
  return row.tsns[measure].median - row.nsenter[measure].median - row.node[measure].median;
}

export async function measureEnter(runs: number): Promise<EnterRow[]> {
  const { pid, proc } = await startTarget();
  try {
    const cases: [string, string[], string[]][] = [
      ['--net --uts (exec, no fork)', ['-t', String(pid), '--net', '--uts', 'true'], [String(pid), '--net', '--uts', '--', 'true']],
      ['--all (pid namespace: fork and wait)', ['-t', String(pid), '-a', 'true'], [String(pid), '-a', '--', 'true']],
    ];
    const rows: EnterRow[] = [];
    for (const [name, nsenterArgs, tsnsArgs] of cases) {
      const figures = interleave(
        [
          commandSubject('nsenter', ['nsenter', ...nsenterArgs]),
          tsnsSubject('tsns', ['enter', ...tsnsArgs]),
          commandSubject('node', [process.execPath, '-e', '0']),
        ],
        runs,
      );
      rows.push({
        case: name,
        nsenter: figures.get('nsenter') as Figures,
        tsns: figures.get('tsns') as Figures,
        node: figures.get('node') as Figures,
      });
    }
    return rows;
  } finally {
    process.kill(pid, 'SIGKILL');
    proc.kill('SIGKILL');
  }
}
