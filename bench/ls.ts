/**
 * The `tsns ls` benchmark at one size: on a host built for the purpose, `lsns`, `tsns ls`, tsns ls with
 * lsns's sources only, and the C floor (bench/floor.c), interleaved, on the host as it is ("quiet") and
 * beside a CPU-bound neighbour ("busy"); then tsns's per-step profile.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { buildC, commandSubject, interleave, ROOT, stats, type Figures, type Stats, type Subject } from './measure';
import { startBusyLoad } from './host';

export const TSNS = resolve(ROOT, 'bin/tsns');
const CORE = resolve(__dirname, 'ls-core.js');

export type LoadName = 'quiet' | 'busy';

/** Subjects of the ls comparison, by the names the tables use. */
export const LSNS = 'lsns';
export const TSNS_LS = 'tsns ls';
export const TSNS_CORE = "tsns ls, lsns's sources";
export const FLOOR = 'C floor';

export function lsSubjects(extra: Subject[] = []): Subject[] {
  const floor = buildC('floor');
  return [
    // lsns 2.38 gives up (exit 1, no message) when a process vanishes between two of its reads: retry.
    commandSubject(LSNS, ['lsns'], { retries: 5 }),
    commandSubject(TSNS_LS, [process.execPath, TSNS, 'ls']),
    commandSubject(TSNS_CORE, [process.execPath, CORE, 'ls']),
    commandSubject(FLOOR, [floor]),
    ...extra,
  ];
}

/** Figures of every subject under one load. */
export async function timeUnderLoad(load: LoadName, subjects: Subject[], runs: number): Promise<Map<string, Figures>> {
  const neighbour = load === 'busy' ? startBusyLoad() : undefined;
  try {
    return interleave(subjects, runs);
  } finally {
    await neighbour?.stop();
  }
}

/** Per-step timings of `tsns ls` (TSNS_PROFILE=1), medians over `runs`, in the order they run. */
export function profileLs(runs: number): [string, number][] {
  const samples = new Map<string, number[]>();
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [TSNS, 'ls'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, TSNS_PROFILE: '1' } });
    for (const m of r.stderr.matchAll(/^tsns-profile (\S+) ([\d.]+) ms$/gm)) {
      const list = samples.get(m[1]) ?? [];
      list.push(Number(m[2]));
      samples.set(m[1], list);
    }
  }
  return [...samples].map(([name, list]) => [name, stats(list).median]);
}

/** Wall and CPU seconds of each "pass I WALL_US CPU_US" line after the first. */
function laterPasses(stdout: string): { wall: number; cpu: number }[] {
  const out: { wall: number; cpu: number }[] = [];
  for (const m of stdout.matchAll(/^pass (\d+) ([\d.]+) ([\d.]+)$/gm)) if (m[1] !== '1') out.push({ wall: Number(m[2]) / 1e6, cpu: Number(m[3]) / 1e6 });
  return out;
}

export interface PollFigures {
  /** scan() as tsns ls asks for it, after the first pass. */
  scan: { wall: Stats; cpu: Stats };
  /** The C floor's passes after the first. */
  floor: { wall: Stats; cpu: Stats };
}

/**
 * A library user polling: `rounds` times, a Node process running scan() `passes` times and the C floor
 * making its reads `passes` times, alternately; the passes after each process's first count.
 */
export function measurePolling(rounds: number, passes: number, pollScript = resolve(__dirname, 'poll.js')): PollFigures {
  const floor = buildC('floor');
  const s: { wall: number; cpu: number }[] = [];
  const f: { wall: number; cpu: number }[] = [];
  const run = (argv: string[], into: { wall: number; cpu: number }[]): void => {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
    into.push(...laterPasses(r.stdout));
  };
  for (let i = 0; i < rounds; i++) {
    run([process.execPath, pollScript, String(passes)], s);
    run([floor, '-n', String(passes)], f);
  }
  const pick = (xs: { wall: number; cpu: number }[]): { wall: Stats; cpu: Stats } => ({ wall: stats(xs.map((x) => x.wall)), cpu: stats(xs.map((x) => x.cpu)) });
  return { scan: pick(s), floor: pick(f) };
}
