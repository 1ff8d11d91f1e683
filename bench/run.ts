/**
 * `npm run bench`: what a scan costs, against lsns, nsenter, a bare node and the C floor, with a line
 * per target of issue 13 saying met or not met. Prints markdown; writes bench/RESULTS.md and README's
 * figures only with --write-readme.
 *
 *   npm run bench -- [--sizes 2500,10000] [--namespaces 1000] [--runs 7] [--loads quiet,busy]
 *                    [--only startup,ls,poll,walk,enter,run] [--write-readme]
 *
 * Builds thousands of processes (unshare, sleep) and kills them again by PID; needs root.
 */
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { abort, buildHost, countNamespaces, countProcesses } from './host';
import { FLOOR, LSNS, lsSubjects, measurePolling, profileLs, timeUnderLoad, TSNS_CORE, TSNS_LS, type LoadName, type PollFigures } from './ls';
import { measureWalks, type WalkFigures } from './walk';
import { measureStartup, type StartupFigures } from './startup';
import { measureEnter, overhead, type EnterRow } from './enter';
import { measureRunFork, type RunForkChain } from './runfork';
import type { Figures, Stats } from './measure';
import { embedResults } from './readme';

const ms = (s: number): string => (Number.isFinite(s) ? `${(s * 1000).toFixed(s < 0.01 ? 1 : 0)} ms` : '-');
const mb = (m: number): string => `${m.toFixed(0)} MB`;
const x = (r: number): string => `${r.toFixed(2)}x`;
const n = (v: number): string => v.toLocaleString('en-US');

/** One ls measurement: a host size, a load, every subject's figures. */
interface LsRun {
  procs: number;
  namespaces: number;
  load: LoadName;
  figures: Map<string, Figures>;
}

interface Target {
  text: string;
  met: boolean;
}

const targets: Target[] = [];
function target(text: string, met: boolean): void {
  targets.push({ text, met });
}

function lsTable(runs: LsRun[], load: LoadName): string {
  const mine = runs.filter((r) => r.load === load);
  const names = [...(mine[0]?.figures.keys() ?? [])];
  const head = ['command', ...mine.flatMap((r) => [`wall, ${n(r.procs)} processes`, 'CPU', 'peak RSS'])];
  const lines = [`| ${head.join(' | ')} |`, `|---|${mine.map(() => '---:|---:|---:|').join('')}`];
  for (const name of names) {
    const cells = mine.flatMap((r) => {
      const f = r.figures.get(name) as Figures;
      const l = r.figures.get(LSNS) as Figures;
      const rel = (a: Stats, b: Stats): string => (name === LSNS ? '' : ` (${x(a.median / b.median)})`);
      return [`${ms(f.wall.median)}${rel(f.wall, l.wall)}`, `${ms(f.cpu.median)}${rel(f.cpu, l.cpu)}`, mb(f.rssMb.median)];
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function lsTargets(runs: LsRun[]): void {
  const bySize = [...new Set(runs.map((r) => r.procs))].sort((a, b) => a - b);
  for (const r of runs) {
    const t = r.figures.get(TSNS_LS) as Figures;
    const l = r.figures.get(LSNS) as Figures;
    const wall = t.wall.median / l.wall.median;
    const cpu = t.cpu.median / l.cpu.median;
    const at = `${n(r.procs)} processes, ${r.load}`;
    if (r.procs < 5000) {
      target(`1. wall <= 0.4x lsns at ~2,500 processes (${at}): ${x(wall)}`, wall <= 0.4);
      target(`1. CPU <= 0.4x lsns at ~2,500 processes (${at}): ${x(cpu)}`, cpu <= 0.4);
      target(`1. peak RSS <= 50 MB at ~2,500 processes (${at}): ${mb(t.rssMb.median)}`, t.rssMb.median <= 50);
    } else {
      target(`2. wall <= 0.1x lsns at ~10,000 processes (${at}): ${x(wall)}`, wall <= 0.1);
      target(`2. peak RSS <= 100 MB at ~10,000 processes (${at}): ${mb(t.rssMb.median)}`, t.rssMb.median <= 100);
    }
  }
  if (bySize.length >= 2) {
    const [small, big] = [bySize[0], bySize[bySize.length - 1]];
    for (const load of ['quiet', 'busy'] as const) {
      const a = runs.find((r) => r.procs === small && r.load === load);
      const b = runs.find((r) => r.procs === big && r.load === load);
      if (!a || !b) continue;
      const fa = a.figures.get(TSNS_LS) as Figures;
      const fb = b.figures.get(TSNS_LS) as Figures;
      // Two sizes cannot tell a line from a curve; what they can tell is growth faster than proportional
      // (lsns's O(n^2) walk), which no fixed cost hides.
      const more = x(big / small);
      const gt = fb.wall.median / fa.wall.median;
      const gm = fb.rssMb.median / fa.rssMb.median;
      // The kernel's own cost per process is not constant either: the floor's growth says how much.
      const fl = (b.figures.get(FLOOR) as Figures).cpu.median / (a.figures.get(FLOOR) as Figures).cpu.median;
      const gc = fb.cpu.median / fa.cpu.median;
      target(
        `2. time linear in processes (${load}): ${x(gt)} the wall time (${x(gc)} the CPU; the C floor's CPU ${x(fl)}) for ${more} the processes`,
        gt <= big / small,
      );
      target(`2. memory linear in processes (${load}): ${x(gm)} the peak RSS for ${more} the processes`, gm <= big / small);
    }
  }
}

function pollSection(p: PollFigures, procs: number): string {
  const r = p.scan.wall.median / p.floor.wall.median;
  target(
    `3. a second scan() <= 1.5x the C floor (${n(procs)} processes): ${x(r)} wall (${ms(p.scan.wall.median)} vs ${ms(p.floor.wall.median)}), ${x(p.scan.cpu.median / p.floor.cpu.median)} CPU`,
    r <= 1.5,
  );
  const row = (name: string, f: { wall: Stats; cpu: Stats }): string =>
    `| ${name} | ${ms(f.wall.median)} | ${x(f.wall.median / p.floor.wall.median)} | ${ms(f.cpu.median)} | ${x(f.cpu.median / p.floor.cpu.median)} |`;
  return [
    `## A second scan() in the same process, against the C floor (${n(procs)} processes)`,
    '',
    '| a pass after the first | wall | / floor | CPU | / floor |',
    '|---|---:|---:|---:|---:|',
    row('scan(), what tsns ls asks for', p.scan),
    row('C floor', p.floor),
    '',
    'Medians over the passes after the first of several processes each (bench/poll.ts, `floor -n`). CPU counts every thread.',
  ].join('\n');
}

function walkSection(walks: WalkFigures[], procs: number): string {
  const lines = [
    `## The walk alone: every ns link, fd and thread (${n(procs)} processes)`,
    '',
    '| walk | process: wall | CPU | peak RSS | the walk, first pass: wall | CPU | a later pass: wall | CPU |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const w of walks) {
    lines.push(
      `| ${w.name} | ${ms(w.process.wall.median)} | ${ms(w.process.cpu.median)} | ${mb(w.process.rssMb.median)} | ${ms(w.first.wall.median)} | ${ms(w.first.cpu.median)} | ${ms(w.later.wall.median)} | ${ms(w.later.cpu.median)} |`,
    );
  }
  lines.push(
    '',
    'Each walk in a process of its own (bench/walk-probe.ts), interleaved; a later pass is what a poller pays once Node, modules and the library are loaded.',
  );
  return lines.join('\n');
}

function startupSection(s: StartupFigures): string {
  const row = (name: string, f: Figures): string =>
    `| ${name} | ${ms(f.wall.median)} | ${x(f.wall.median / s.node.wall.median)} | ${ms(f.cpu.median)} | ${x(f.cpu.median / s.node.cpu.median)} | ${mb(f.rssMb.median)} |`;
  for (const [name, f] of [
    ['--version', s.version],
    ['--help', s.help],
  ] as const) {
    const r = f.wall.median / s.node.wall.median;
    target(
      `4. tsns ${name} <= 1.2x node -e 0: ${x(r)} wall (${ms(f.wall.median)} vs ${ms(s.node.wall.median)}), ${x(f.cpu.median / s.node.cpu.median)} CPU`,
      r <= 1.2,
    );
  }
  const lines = [
    '## Start-up',
    '',
    '| command | wall | / node | CPU | / node | peak RSS |',
    '|---|---:|---:|---:|---:|---:|',
    row('node -e 0', s.node),
    row('tsns --version', s.version),
    row('tsns --help', s.help),
    '',
    'Where the time goes, measured inside a fresh Node process (bench/startup-probe.ts, medians):',
    '',
    '| probe | step | ms |',
    '|---|---|---:|',
    ...s.steps.map((st) => `| ${st.probe} | ${st.step} | ${st.ms.toFixed(1)} |`),
  ];
  return lines.join('\n');
}

function enterSection(rows: EnterRow[]): string {
  const lines = ['## tsns enter against nsenter', '', '| case | measure | nsenter | tsns enter | node -e 0 | overhead |', '|---|---|---:|---:|---:|---:|'];
  for (const r of rows) {
    for (const m of ['wall', 'cpu'] as const) {
      lines.push(
        `| ${r.case} | ${m === 'wall' ? 'wall' : 'CPU'} | ${ms(r.nsenter[m].median)} | ${ms(r.tsns[m].median)} | ${ms(r.node[m].median)} | ${ms(overhead(r, m))} |`,
      );
    }
    const w = overhead(r, 'wall');
    target(`4. tsns enter ${r.case}: overhead over nsenter + node start-up <= 10 ms: ${ms(w)} wall, ${ms(overhead(r, 'cpu'))} CPU`, w <= 0.01);
  }
  lines.push('', 'Same unshare-made target; overhead = tsns enter - nsenter - node -e 0 (medians); CPU counts the whole process tree.');
  return lines.join('\n');
}

function runForkSection(c: RunForkChain): string {
  const chain = c.chain.map((p) => `${p.exe} (${mb(p.rssMb)})`).join(' -> ');
  target(`5. tsns run --fork leaves no Node process waiting: ${chain}`, !c.nodeWaits);
  return ['## tsns run --fork', '', `\`tsns run --pid --fork -- sleep\`: ${chain}; unshare leaves unshare -> sleep.`].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      namespaces: { type: 'string' },
      runs: { type: 'string' },
      loads: { type: 'string' },
      only: { type: 'string' },
      'write-readme': { type: 'boolean' },
    },
  });
  const sizes = (values.sizes ?? '2500,10000').split(',').map(Number);
  const namespaces = Number(values.namespaces ?? 1000);
  const runs = Number(values.runs ?? 7);
  const loads = (values.loads ?? 'quiet,busy').split(',') as LoadName[];
  const only = new Set((values.only ?? 'startup,ls,poll,walk,enter,run').split(','));
  if (process.getuid?.() !== 0) throw new Error('the benchmark makes namespaces with unshare: run it as root');
  if (![namespaces, runs, ...sizes].every((v) => Number.isInteger(v) && v > 0)) throw new Error('--sizes, --namespaces and --runs take positive integers');
  if (!loads.every((l) => l === 'quiet' || l === 'busy')) throw new Error('--loads takes quiet and/or busy');

  const stamp = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} CPUs, Node ${process.version}, ${execSync('lsns --version').toString().trim()}, load average ${loadavg()[0].toFixed(1)} at the start`;
  const sections: string[] = [];
  const print = (text: string): void => {
    sections.push(text);
    process.stdout.write(`${text}\n\n`);
  };
  const say = (text: string): void => void process.stderr.write(`${text}\n`);

  if (only.has('startup')) print(startupSection(measureStartup(runs * 3)));

  const lsRuns: LsRun[] = [];
  let profile: { procs: number; steps: [string, number][] } | undefined;
  const polls: string[] = [];
  const walks: string[] = [];
  if (only.has('ls') || only.has('poll') || only.has('walk')) {
    for (const size of sizes) {
      say(`building a host of ${n(size)} processes in ~${n(namespaces)} new namespaces (${n(countProcesses())} processes now)...`);
      const host = await buildHost(size, namespaces);
      try {
        const procs = countProcesses();
        const nss = countNamespaces();
        if (only.has('ls')) {
          for (const load of loads) {
            say(`${n(procs)} processes, ${n(nss)} namespaces, ${load}: ${runs} interleaved rounds...`);
            lsRuns.push({ procs, namespaces: nss, load, figures: await timeUnderLoad(load, lsSubjects(), runs) });
          }
          profile = { procs, steps: profileLs(Math.min(runs, 5)) };
        }
        if (only.has('poll')) polls.push(pollSection(measurePolling(3, 5), procs));
        if (only.has('walk')) walks.push(walkSection(measureWalks(runs), procs));
      } finally {
        say('tearing the host down...');
        await host.teardown();
      }
    }
  }
  if (lsRuns.length > 0) {
    lsTargets(lsRuns);
    const sizesText = [...new Set(lsRuns.map((r) => `${n(r.procs)} processes in ${n(r.namespaces)} namespaces`))].join('; ');
    const text = [`## tsns ls against lsns (${sizesText})`];
    for (const load of loads) {
      text.push(
        '',
        `${load === 'quiet' ? 'On the host as it is' : 'Beside a CPU-bound job (one busy loop per core beyond the first)'}:`,
        '',
        lsTable(lsRuns, load),
      );
    }
    text.push(
      '',
      `Medians of ${runs} interleaved rounds; in parentheses, the ratio to lsns. "${TSNS_CORE}" is tsns ls with the discovery sources (threads, fds, sockets, pins in other mount namespaces, hierarchy) switched off: what lsns itself looks at. "${FLOOR}" (bench/floor.c) makes the reads a default tsns ls makes, in C, and prints a summary. tsns runs as a user runs it: bin/tsns, through its shebang.`,
    );
    print(text.join('\n'));
  }
  if (profile) {
    print(
      [
        `## Where tsns ls spends its time (${n(profile.procs)} processes, TSNS_PROFILE=1, medians; the rest is Node start-up and module loading)`,
        '',
        '| step | time |',
        '|---|---:|',
        ...profile.steps.map(([name, t]) => `| ${name} | ${t.toFixed(1)} ms |`),
      ].join('\n'),
    );
  }
  for (const p of polls) print(p);
  for (const w of walks) print(w);
  if (only.has('enter')) print(enterSection(await measureEnter(runs * 3)));
  if (only.has('run')) print(runForkSection(await measureRunFork()));
  say(`(${n(countProcesses())} processes left after teardown)`);

  const targetText = ['## Targets (issue 13)', '', ...targets.map((t) => `- ${t.met ? 'met' : '**not met**'}: ${t.text}`)].join('\n');
  process.stdout.write(`${targetText}\n`);
  const results = [
    `# Benchmark results\n\nLatest \`npm run bench\` (${stamp}). Every command is run by bench/rusage (wall time; CPU = user + system of the whole process tree; peak RSS), its output to /dev/null, interleaved with the commands it is compared with.`,
    targetText,
    ...sections,
  ].join('\n\n');
  if (values['write-readme']) {
    const file = resolve(__dirname, '../../bench/RESULTS.md');
    writeFileSync(file, `${results}\n`);
    const readme = resolve(__dirname, '../../README.md');
    writeFileSync(readme, embedResults(readFileSync(readme, 'utf8'), `${results}\n`));
    say(`wrote ${file} and its figures into ${readme}`);
  }
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    abort();
    process.stderr.write(`bench: ${signal}: stopped what it had started\n`);
    process.exit(130);
  });
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exitCode = 1;
});
