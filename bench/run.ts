/**
 * `npm run bench`: tsns ls against lsns on a host built for the purpose, tsns's peak memory, start-up
 * against a bare node, and (when bench/enter.ts exists) tsns enter against nsenter. Prints a markdown
 * table and writes it to bench/RESULTS.md and into README.md's benchmark block.
 *
 *   npm run bench -- [--procs 2500] [--namespaces 1000] [--runs 11] [--sizes 1250,2500,5000]
 *                    [--no-startup] [--no-enter] [--no-write]
 */
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchLs, benchStartup, countProcesses, type LsBenchResult, type StartupResult } from './ls';
import { embedResults } from './readme';

const ms = (s: number): string => `${(s * 1000).toFixed(0)} ms`;
const cpu = (s: number): string => (Number.isFinite(s) ? ms(s) : 'n/a');

function lsTable(results: LsBenchResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.procs} | ${r.namespaces} | ${ms(r.lsns.median)} | ${ms(r.tsns.median)} | ${r.ratio.toFixed(2)} | ${ms(r.core.median)} | ${(r.core.median / r.lsns.median).toFixed(2)} | ${cpu(r.lsnsCpu.median)} | ${cpu(r.tsnsCpu.median)} | ${cpu(r.coreCpu.median)} | ${r.tsnsPeakRssMb.toFixed(0)} MB | ${Number.isFinite(r.lsnsPeakRssMb) ? `${r.lsnsPeakRssMb.toFixed(0)} MB` : 'n/a'} |`,
  );
  return [
    "| processes | namespaces | lsns | tsns ls | tsns / lsns | tsns ls, lsns's sources only | that / lsns | lsns CPU | tsns CPU | tsns CPU, lsns's sources | tsns peak RSS | lsns peak RSS |",
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

function startupTable(s: StartupResult): string {
  return [
    '| processes | node -e 0 (median) | tsns ls (median) | tsns / node |',
    '|---:|---:|---:|---:|',
    `| ${s.procs} | ${ms(s.node.median)} | ${ms(s.tsns.median)} | ${s.ratio.toFixed(2)} |`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      procs: { type: 'string' },
      namespaces: { type: 'string' },
      runs: { type: 'string' },
      sizes: { type: 'string' },
      'no-startup': { type: 'boolean' },
      'no-enter': { type: 'boolean' },
      'no-write': { type: 'boolean' },
    },
  });
  const procs = Number(values.procs ?? 2500);
  const namespaces = Number(values.namespaces ?? 1000);
  const runs = Number(values.runs ?? 11);
  const sizes = values.sizes ? values.sizes.split(',').map(Number) : [procs];
  if (process.getuid?.() !== 0) throw new Error('the benchmark makes namespaces with unshare: run it as root');
  if (![procs, namespaces, runs, ...sizes].every((n) => Number.isInteger(n) && n > 0))
    throw new Error('--procs, --namespaces, --runs and --sizes take positive integers');

  const sections: string[] = [];
  const stamp = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} CPUs, Node ${process.version}, ${execSync('lsns --version').toString().trim()}, load average ${loadavg()[0].toFixed(1)} at the start`;
  sections.push(
    `# Benchmark results\n\nLatest \`npm run bench\` (${stamp}). Wall times are medians of ${runs} interleaved runs, output to /dev/null; CPU is user + system time of the command (GNU time), medians.`,
  );

  if (!values['no-startup']) {
    const s = benchStartup(runs);
    sections.push(`## Start-up on the host as it is (${s.procs} processes)\n\n${startupTable(s)}\n\nTarget: tsns ls within 2x of node -e 0 on a small host.`);
    process.stdout.write(`${sections[sections.length - 1]}\n\n`);
  }

  const results: LsBenchResult[] = [];
  for (const size of sizes) results.push(await benchLs({ procs: size, namespaces, runs }));
  const steps = results[results.length - 1].profile;
  const profileText = steps.map(([name, t]) => `| ${name} | ${t.toFixed(1)} ms |`).join('\n');
  sections.push(
    `## tsns ls against lsns\n\n${lsTable(results)}\n\n"lsns's sources only" is tsns ls with the discovery sources (threads, fds, sockets, pins in other mount namespaces, hierarchy, containers) switched off: what lsns itself looks at.\n\nTargets: tsns ls at most 1/3 of lsns's time at 2,500 processes; at most 150 MB peak at 10,000; time linear in processes.\n\nWhere tsns ls spends its time at ${results[results.length - 1].procs} processes (TSNS_PROFILE=1, medians; the rest is Node start-up and module loading):\n\n| step | time |\n|---|---:|\n${profileText}`,
  );
  process.stdout.write(`${sections[sections.length - 1]}\n\n`);
  process.stderr.write(`(${countProcesses()} processes left after teardown)\n`);

  if (!values['no-enter']) {
    let benchEnter: (() => Promise<void | string>) | undefined;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      benchEnter = (require('./enter') as { benchEnter?: () => Promise<void | string> }).benchEnter;
    } catch {
      benchEnter = undefined; // no enter benchmark in this checkout
    }
    if (benchEnter) {
      const text = await benchEnter();
      if (typeof text === 'string' && text) sections.push(text);
    }
  }

  if (!values['no-write']) {
    const file = resolve(__dirname, '../../bench/RESULTS.md');
    const results = sections.join('\n\n') + '\n';
    writeFileSync(file, results);
    const readme = resolve(__dirname, '../../README.md');
    writeFileSync(readme, embedResults(readFileSync(readme, 'utf8'), results));
    process.stderr.write(`wrote ${file} and its figures into ${readme}\n`);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exitCode = 1;
});
