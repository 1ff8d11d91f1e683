/**
 * Start-up: `tsns --version` and `tsns --help` against a bare `node -e 0` (the target: at most
 * 1.2x), where a command's start-up goes (bench/startup-probe.ts), and what the prototypes of
 * bench/bundle.ts (a single-file bundle, a V8 snapshot) and bench/napi-exec.c (a Node-API addon for the
 * calls enter makes through koffi) would buy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandSubject, interleave, ROOT, stats, type Figures, type Subject } from './measure';
import { TSNS } from './ls';
import { BUNDLE, BUNDLE_ENV, buildBundle, buildSnapshot, SNAPSHOT } from './bundle';

export interface StartupFigures {
  node: Figures;
  version: Figures;
  help: Figures;
  /** Prototypes (absent when they could not be built): name -> figures. */
  prototypes: Map<string, Figures>;
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
    const r = spawnSync(process.execPath, [resolve(__dirname, 'startup-probe.js'), probe], { encoding: 'utf8', env: BUNDLE_ENV });
    if (r.status !== 0) throw new Error(`startup-probe ${probe}: ${r.stderr}`);
    for (const m of r.stdout.matchAll(/^probe (.+) ([\d.]+)$/gm)) samples.set(m[1], [...(samples.get(m[1]) ?? []), Number(m[2])]);
  }
  return [...samples].map(([step, list]) => ({ probe, step, ms: stats(list).median }));
}

export async function measureStartup(runs: number): Promise<StartupFigures> {
  const notes: string[] = [];
  const bundled = await buildBundle();
  if (!bundled) notes.push('esbuild is not installed: the bundle and the snapshot were not measured (`npm install --no-save esbuild`).');
  const snapshot = bundled && buildSnapshot();
  if (bundled && !snapshot) notes.push('the V8 snapshot could not be built.');
  const addon = buildAddon();
  if (!addon) notes.push("Node's headers are not installed: the Node-API addon was not measured.");
  const subjects: Subject[] = [
    commandSubject('node', [process.execPath, '-e', '0']),
    commandSubject('version', [process.execPath, TSNS, '--version']),
    commandSubject('help', [process.execPath, TSNS, '--help']),
  ];
  const prototypes: [string, string[]][] = [];
  if (bundled)
    prototypes.push(['bundle: tsns --version', [process.execPath, BUNDLE, '--version']], ['bundle: tsns --help', [process.execPath, BUNDLE, '--help']]);
  if (snapshot)
    prototypes.push(
      ['snapshot: tsns --version', [process.execPath, '--snapshot-blob', SNAPSHOT, '--', '--version']],
      ['snapshot: tsns --help', [process.execPath, '--snapshot-blob', SNAPSHOT, '--', '--help']],
    );
  for (const [name, argv] of prototypes) subjects.push(commandSubject(name, argv, { env: BUNDLE_ENV }));
  const f = interleave(subjects, runs);
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
    prototypes: new Map(prototypes.map(([name]) => [name, f.get(name) as Figures])),
    steps,
    notes,
  };
}
