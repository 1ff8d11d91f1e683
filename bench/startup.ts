/**
 * Start-up: `tsns --version` and `tsns --help` (bin/tsns, through its shebang) against a bare
 * `node -e 0` (the target: at most 1.2x), where a command's start-up goes
 * (bench/startup-probe.ts): modules, the addon, and what koffi costs the commands that still load it.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { commandSubject, interleave, nodeAsTsns, stats, TSNS_ENV, tsnsSubject, type Figures } from './measure';

export interface StartupFigures {
  node: Figures;
  version: Figures;
  help: Figures;
  /** Median milliseconds of each step of a probe, in order. */
  steps: { probe: string; step: string; ms: number }[];
}

/** Medians of each "probe STEP MS" line of `runs` runs of startup-probe.js PROBE. */
function probeSteps(probe: string, runs: number): { probe: string; step: string; ms: number }[] {
  const samples = new Map<string, number[]>();
  for (let i = 0; i < runs; i++) {
    const argv = nodeAsTsns(resolve(__dirname, 'startup-probe.js'), probe);
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: TSNS_ENV });
    if (r.status !== 0) throw new Error(`startup-probe ${probe}: ${r.stderr}`);
    for (const m of r.stdout.matchAll(/^probe (.+) ([\d.]+)$/gm)) samples.set(m[1], [...(samples.get(m[1]) ?? []), Number(m[2])]);
  }
  return [...samples].map(([step, list]) => ({ probe, step, ms: stats(list).median }));
}

export function measureStartup(runs: number): StartupFigures {
  const f = interleave([commandSubject('node', [process.execPath, '-e', '0']), tsnsSubject('version', ['--version']), tsnsSubject('help', ['--help'])], runs);
  const steps = ['ls', 'enter', 'addon', 'koffi'].flatMap((probe) => probeSteps(probe, runs));
  return {
    node: f.get('node') as Figures,
    version: f.get('version') as Figures,
    help: f.get('help') as Figures,
    steps,
  };
}
