/**
 * The `tsns ls` benchmark at one size: on a host built for the purpose, `lsns`, `tsns ls`, tsns ls with
 * lsns's sources only, and the C floor (bench/floor.c), interleaved, on the host as it is ("quiet") and
 * beside a CPU-bound neighbour ("busy"); then tsns's per-step profile.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import {
  buildC,
  commandSubject,
  devNullForOutput,
  interleave,
  nodeAsTsns,
  passesOf,
  stats,
  TSNS,
  TSNS_ENV,
  tsnsSubject,
  type Figures,
  type Stats,
  type Subject,
} from './measure';
import { startBusyLoad } from './host';

const CORE = resolve(__dirname, 'ls-core.js');

export type LoadName = 'quiet' | 'busy';

/** Subjects of the ls comparison, by the names the tables use. */
export const LSNS = 'lsns';
export const TSNS_LS = 'tsns ls';
export const TSNS_CORE = "tsns ls, lsns's sources";
export const FLOOR = 'C floor';

export function lsSubjects(): Subject[] {
  return [
    // lsns 2.38 gives up (exit 1, no message) when a process vanishes between two of its reads: retry.
    commandSubject(LSNS, ['lsns'], { retries: 5 }),
    tsnsSubject(TSNS_LS, ['ls']),
    commandSubject(TSNS_CORE, nodeAsTsns(CORE, 'ls'), { env: TSNS_ENV }),
    commandSubject(FLOOR, [buildC('floor')]),
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
    const r = spawnSync(TSNS, ['ls'], { stdio: ['ignore', devNullForOutput(), 'pipe'], encoding: 'utf8', env: { ...TSNS_ENV, TSNS_PROFILE: '1' } });
    for (const m of r.stderr.matchAll(/^tsns-profile (\S+) ([\d.]+) ms$/gm)) {
      const list = samples.get(m[1]) ?? [];
      list.push(Number(m[2]));
      samples.set(m[1], list);
    }
  }
  return [...samples].map(([name, list]) => [name, stats(list).median]);
}

export interface PollFigures {
  /** scan() as tsns ls asks for it, after the first pass. */
  scan: { wall: Stats; cpu: Stats };
  /** The C floor's passes after the first. */
  floor: { wall: Stats; cpu: Stats };
}

/**
 * A library user polling: `rounds` times, a Node process (no flags: the library user's own node) running
 * scan() `passes` times and the C floor making its reads `passes` times, one after the other; the passes
 * after each process's first count.
 */
export function measurePolling(rounds: number, passes: number): PollFigures {
  const floor = buildC('floor');
  const poll = resolve(__dirname, 'poll.js');
  const samples: Record<keyof PollFigures, { wall: number; cpu: number }[]> = { scan: [], floor: [] };
  const run = (argv: string[], into: { wall: number; cpu: number }[]): void => {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
    into.push(...passesOf(r.stdout).filter((p) => p.pass > 1));
  };
  for (let i = 0; i < rounds; i++) {
    run([process.execPath, poll, String(passes), 'ls'], samples.scan);
    run([floor, '-n', String(passes)], samples.floor);
  }
  const pick = (xs: { wall: number; cpu: number }[]): { wall: Stats; cpu: Stats } => ({ wall: stats(xs.map((x) => x.wall)), cpu: stats(xs.map((x) => x.cpu)) });
  return { scan: pick(samples.scan), floor: pick(samples.floor) };
}
