/**
 * The /proc walk alone (every ns link, fd and thread): src/proc/walk.ts, the scan's walk, against the C
 * floor's walk (`floor --walk-only`), each in a process of its own, interleaved; with `node -e 0` for
 * what Node itself costs.
 */
import { resolve } from 'node:path';
import { buildC, interleave, measure, passesOf, stats, type Figures, type Stats, type Subject } from './measure';

export interface WalkFigures {
  name: string;
  /** The whole process, as bench/rusage sees it. */
  process: Figures;
  /** The walk itself: its first pass in the process, and the passes after (a poller's). */
  first: { wall: Stats; cpu: Stats };
  later: { wall: Stats; cpu: Stats };
}

export const WALKS: [string, (passes: number) => string[]][] = [
  ['node -e 0', () => [process.execPath, '-e', '0']],
  ['C floor, walk only', (passes) => [buildC('floor'), '--walk-only', '-n', String(passes)]],
  ['native walk (src/proc/walk.ts)', (passes) => [process.execPath, resolve(__dirname, 'walk-probe.js'), String(passes)]],
];

/**
 * `runs` interleaved rounds of one walk per process (the process figures, and the first pass), then
 * `runs` rounds of `passes` walks per process (the later passes).
 */
export function measureWalks(runs: number, passes = 4): WalkFigures[] {
  const rounds = (count: number): { figures: Map<string, Figures>; outputs: Map<string, string[]> } => {
    const outputs = new Map<string, string[]>(WALKS.map(([name]) => [name, []]));
    const subjects: Subject[] = WALKS.map(([name, argv]) => ({
      name,
      run: () => {
        const s = measure(argv(count), undefined, true);
        outputs.get(name)?.push(s.stdout);
        return s;
      },
    }));
    return { figures: interleave(subjects, runs), outputs };
  };
  const once = rounds(1);
  const polled = rounds(passes);
  const pick = (xs: { wall: number; cpu: number }[]): { wall: Stats; cpu: Stats } => ({ wall: stats(xs.map((x) => x.wall)), cpu: stats(xs.map((x) => x.cpu)) });
  return WALKS.map(([name]) => ({
    name,
    process: once.figures.get(name) as Figures,
    first: pick((once.outputs.get(name) ?? []).flatMap(passesOf)),
    later: pick((polled.outputs.get(name) ?? []).flatMap(passesOf).filter((p) => p.pass > 1)),
  }));
}
