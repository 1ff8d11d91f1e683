/**
 * Start-up: `tsns --version` and `tsns --help` (bin/tsns, through its shebang) against a bare
 * `node -e 0` (the target: at most 1.2x), where a command's start-up goes
 * (bench/startup-probe.ts), and what the prototype of bench/napi-exec.c (a Node-API addon for the calls
 * enter makes through koffi) would buy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandSubject, interleave, nodeAsTsns, ROOT, stats, TSNS_ENV, tsnsSubject, type Figures } from './measure';

export interface StartupFigures {
  node: Figures;
  version: Figures;
  help: Figures;
  /** Median milliseconds of each step of a probe, in order. */
  steps: { probe: string; step: string; ms: number }[];
  notes: string[];
}

const ADDON = resolve(ROOT, 'dist/bench/bin/napi-exec.node');

/** Build bench/napi-exec.c against Node's headers; false when they are not installed. */
function buildAddon(): boolean {
  const include = resolve(process.execPath, '..', '..', 'include', 'node');
  if (!existsSync(resolve(include, 'node_api.h'))) return false;
  const src = resolve(ROOT, 'bench/napi-exec.c');
  if (existsSync(ADDON) && statSync(ADDON).mtimeMs >= statSync(src).mtimeMs) return true;
  mkdirSync(resolve(ADDON, '..'), { recursive: true });
  execFileSync('cc', ['-O2', '-Wall', '-shared', '-fPIC', `-I${include}`, '-DNODE_GYP_MODULE_NAME=napi_exec', '-o', ADDON, src], { stdio: 'inherit' });
  return true;
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
  const notes: string[] = [];
  const addon = buildAddon();
  if (!addon) notes.push("Node's headers are not installed: the Node-API addon was not measured.");
  const f = interleave([commandSubject('node', [process.execPath, '-e', '0']), tsnsSubject('version', ['--version']), tsnsSubject('help', ['--help'])], runs);
  const steps = [...probeSteps('ls', runs), ...probeSteps('enter', runs), ...probeSteps('koffi', runs), ...probeSteps('walker', runs)];
  if (addon) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(
        process.execPath,
        [
          '-e',
          `const t0 = process.hrtime.bigint(); const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(ADDON)}); m.exports.pidfdOpen(process.pid); console.log(Number(process.hrtime.bigint() - t0) / 1e6);`,
        ],
        { encoding: 'utf8' },
      );
      samples.push(Number(r.stdout.trim()));
    }
    steps.push({ probe: 'addon', step: 'load bench/napi-exec.c, one pidfd_open', ms: stats(samples).median });
  }
  return {
    node: f.get('node') as Figures,
    version: f.get('version') as Figures,
    help: f.get('help') as Figures,
    steps,
    notes,
  };
}
