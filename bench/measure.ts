/**
 * How the benchmark measures a command: bench/rusage (built here with the system compiler) runs it and
 * reports wall time, CPU time (user + system, its waited-for descendants included) and peak RSS. Runs
 * of several commands are interleaved, in an order that rotates every round, so that none always runs
 * on the others' warm caches or in the same phase of a neighbour's load.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
/** tsns as a user runs it: bin/tsns, through its shebang. */
export const TSNS = resolve(ROOT, 'bin/tsns');
/** The environment tsns runs in: this node first on PATH, so that the shebang's `env` finds it. */
export const TSNS_ENV: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };

/** The node options bin/tsns's shebang passes (`#!/usr/bin/env -S node --opt ...`). */
function shebangOptions(): string[] {
  const words = (/^#!(.*)/.exec(readFileSync(TSNS, 'utf8'))?.[1] ?? '').trim().split(/\s+/);
  const at = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  if (at < 0) throw new Error(`${TSNS}: its shebang names no node`);
  return words.slice(at + 1);
}

/** argv that runs another entry point of tsns's (bench/ls-core.ts, ...) with the node options bin/tsns runs with. */
export function nodeAsTsns(script: string, ...args: string[]): string[] {
  return [process.execPath, ...shebangOptions(), script, ...args];
}
/** Where the benchmark's own C programs are built (dist/ is not tracked). */
const BUILD_DIR = resolve(ROOT, 'dist/bench/bin');

/** Build bench/NAME.c into dist/bench/bin/NAME when the source is newer; its path. */
export function buildC(name: string, extra: string[] = []): string {
  const src = resolve(ROOT, 'bench', `${name}.c`);
  const out = resolve(BUILD_DIR, name);
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(BUILD_DIR, { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-D_GNU_SOURCE', '-o', out, src, ...extra], { stdio: 'inherit' });
  }
  return out;
}

/** One run of a command. Seconds and MiB. */
export interface Sample {
  wall: number;
  cpu: number;
  rssMb: number;
}

let rusagePath: string | undefined;
let devNull: number | undefined;

/** /dev/null opened for writing, as a shell's `>/dev/null` opens it: Node's 'ignore' opens it read-write,
 *  which is what Node also leaves on a closed fd 1, and tsns takes that for `>&-` (util-linux's write error). */
export function devNullForOutput(): number {
  devNull ??= openSync('/dev/null', 'w');
  return devNull;
}

/** Run argv once under bench/rusage, output to /dev/null (or kept, with `keepOutput`); throws if it fails. */
export function measure(argv: string[], env?: NodeJS.ProcessEnv, keepOutput = false): Sample & { stdout: string } {
  rusagePath ??= buildC('rusage');
  const r = spawnSync(rusagePath, argv, {
    stdio: ['ignore', keepOutput ? 'pipe' : devNullForOutput(), 'pipe', 'pipe'],
    encoding: 'utf8',
    env: env ?? process.env,
  });
  const line = /rusage (\d+) (\d+) (\d+) (\d+) (\d+)/.exec(String(r.output[3] ?? ''));
  if (!line) throw new Error(`${argv.join(' ')}: no figures from bench/rusage: ${r.stderr}`);
  if (line[5] !== '0') throw new Error(`${argv.join(' ')} failed (status ${line[5]}): ${r.stderr.trim()}`);
  return { wall: Number(line[1]) / 1e9, cpu: (Number(line[2]) + Number(line[3])) / 1e6, rssMb: Number(line[4]) / 1024, stdout: r.stdout ?? '' };
}

/** Wall and CPU seconds of the "pass I WALL_US CPU_US" lines a poller prints (bench/poll.ts, floor -n). */
export function passesOf(stdout: string): { pass: number; wall: number; cpu: number }[] {
  const out: { pass: number; wall: number; cpu: number }[] = [];
  for (const m of stdout.matchAll(/^pass (\d+) ([\d.]+) ([\d.]+)$/gm)) out.push({ pass: Number(m[1]), wall: Number(m[2]) / 1e6, cpu: Number(m[3]) / 1e6 });
  return out;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

/** Medians (and spread) of wall, CPU and peak RSS over a subject's runs. */
export interface Figures {
  wall: Stats;
  cpu: Stats;
  rssMb: Stats;
  runs: number;
}

export function figures(samples: Sample[]): Figures {
  return {
    wall: stats(samples.map((s) => s.wall)),
    cpu: stats(samples.map((s) => s.cpu)),
    rssMb: stats(samples.map((s) => s.rssMb)),
    runs: samples.length,
  };
}

/** A command the benchmark times. `run` may retry (lsns gives up when a process vanishes under it). */
export interface Subject {
  name: string;
  run: () => Sample;
}

/** `tsns ARGS...` as a user runs it. */
export function tsnsSubject(name: string, args: string[]): Subject {
  return commandSubject(name, [TSNS, ...args], { env: TSNS_ENV });
}

export function commandSubject(name: string, argv: string[], options: { retries?: number; env?: NodeJS.ProcessEnv } = {}): Subject {
  return {
    name,
    run: () => {
      for (let i = 0; ; i++) {
        try {
          return measure(argv, options.env);
        } catch (err) {
          if (i >= (options.retries ?? 0)) throw err;
        }
      }
    },
  };
}

/** One warm-up run of each subject, then `runs` rounds, each running every subject once in an order
 *  that rotates from round to round. */
export function interleave(subjects: Subject[], runs: number): Map<string, Figures> {
  for (const s of subjects) s.run();
  const samples = new Map<string, Sample[]>(subjects.map((s) => [s.name, []]));
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < subjects.length; k++) {
      const s = subjects[(round + k) % subjects.length];
      (samples.get(s.name) as Sample[]).push(s.run());
    }
  }
  return new Map([...samples].map(([name, list]) => [name, figures(list)]));
}
