/**
 * The `tsns ls` benchmark at one size: on a host built for the purpose, `lsns`, `tsns ls`, tsns ls with
 * lsns's sources only, and the C floor (bench/floor.c), interleaved, on the host as it is ("quiet") and
 * beside a CPU-bound neighbour ("busy"); then tsns's per-step profile.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { buildC, commandSubject, interleave, passesOf, ROOT, stats, type Figures, type Stats, type Subject } from './measure';
import { startBusyLoad } from './host';

export const TSNS = resolve(ROOT, 'bin/tsns');
const CORE = resolve(__dirname, 'ls-core.js');

export type LoadName = 'quiet' | 'busy';

/** Subjects of the ls comparison, by the names the tables use. */
export const LSNS = 'lsns';
export const TSNS_LS = 'tsns ls';
export const TSNS_CORE = "tsns ls, lsns's sources";
export const FLOOR = 'C floor';
export const TSNS_WALK = 'tsns ls, native walk (prototype)';
export const TSNS_WALK_LITE = 'the same, node --lite-mode';

export function lsSubjects(withWalker = false): Subject[] {
  const floor = buildC('floor');
  const walk = resolve(__dirname, 'ls-walk.js');
  // --lite-mode: V8 without its optimizing compiler, which a run of a few hundred milliseconds barely
  // uses; a bin/tsns shebang could pass it (#!/usr/bin/env -S node --lite-mode).
  const walker = withWalker
    ? [commandSubject(TSNS_WALK, [process.execPath, walk, 'ls']), commandSubject(TSNS_WALK_LITE, [process.execPath, '--lite-mode', walk, 'ls'])]
    : [];
  return [
    // lsns 2.38 gives up (exit 1, no message) when a process vanishes between two of its reads: retry.
    commandSubject(LSNS, ['lsns'], { retries: 5 }),
    commandSubject(TSNS_LS, [process.execPath, TSNS, 'ls']),
    commandSubject(TSNS_CORE, [process.execPath, CORE, 'ls']),
    commandSubject(FLOOR, [floor]),
    ...walker,
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

export interface PollFigures {
  /** scan() as tsns ls asks for it, after the first pass. */
  scan: { wall: Stats; cpu: Stats };
  /** The same with the native walk (walk-sources.ts, a prototype). */
  walker: { wall: Stats; cpu: Stats };
  /** The C floor's passes after the first. */
  floor: { wall: Stats; cpu: Stats };
}

/**
 * A library user polling: `rounds` times, a Node process running scan() `passes` times (today's scan,
 * then the walker prototype's) and the C floor making its reads `passes` times, one after the other;
 * the passes after each process's first count.
 */
export function measurePolling(rounds: number, passes: number): PollFigures {
  const floor = buildC('floor');
  const poll = resolve(__dirname, 'poll.js');
  const samples: Record<keyof PollFigures, { wall: number; cpu: number }[]> = { scan: [], walker: [], floor: [] };
  const run = (argv: string[], into: { wall: number; cpu: number }[]): void => {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
    into.push(...passesOf(r.stdout).filter((p) => p.pass > 1));
  };
  for (let i = 0; i < rounds; i++) {
    run([process.execPath, poll, String(passes), 'ls'], samples.scan);
    run([process.execPath, poll, String(passes), 'ls', 'walker'], samples.walker);
    run([floor, '-n', String(passes)], samples.floor);
  }
  const pick = (xs: { wall: number; cpu: number }[]): { wall: Stats; cpu: Stats } => ({ wall: stats(xs.map((x) => x.wall)), cpu: stats(xs.map((x) => x.cpu)) });
  return { scan: pick(samples.scan), walker: pick(samples.walker), floor: pick(samples.floor) };
}
