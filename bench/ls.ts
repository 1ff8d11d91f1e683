/**
 * The `tsns ls` benchmark: build a host of N processes in about M namespaces with unshare, time
 * `tsns ls` against `lsns` interleaved (medians and ratio), tsns's peak RSS, and tear the host down.
 * Also the small-host start-up comparison against a bare `node -e 0`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const TSNS = resolve(ROOT, 'bin/tsns');
const RSS_HOOK = resolve(__dirname, 'rss-hook.js');
const CORE = resolve(__dirname, 'ls-core.js');

export interface LsBenchOptions {
  /** Processes on the host (total, counting what is already there). */
  procs: number;
  /** New namespaces to make (each group makes 4: pid, uts, ipc, net). */
  namespaces: number;
  /** Timed runs of each command. */
  runs: number;
}

export interface Timing {
  median: number;
  min: number;
  max: number;
}

export interface LsBenchResult {
  procs: number;
  namespaces: number;
  lsns: Timing;
  tsns: Timing;
  /** CPU seconds (user + system), when GNU time is installed. */
  lsnsCpu: Timing;
  tsnsCpu: Timing;
  /** tsns ls with lsns's sources only (processes, own pins). */
  core: Timing;
  coreCpu: Timing;
  ratio: number;
  tsnsPeakRssMb: number;
  lsnsPeakRssMb: number;
  /** Median milliseconds per scan source and step (TSNS_PROFILE), in the order they run. */
  profile: [string, number][];
}

export interface StartupResult {
  procs: number;
  node: Timing;
  tsns: Timing;
  ratio: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function countProcesses(): number {
  let n = 0;
  for (const name of readdirSync('/proc')) if (name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57) n++;
  return n;
}

export function countNamespaces(): number {
  const r = spawnSync('lsns', ['-n', '-l', '-o', 'NS'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).length;
}

function timing(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Wall time of one run, in seconds (output to /dev/null); CPU seconds (user + system) too when GNU
 *  time is there: on a shared, busy machine CPU time says more than wall time. */
function timeRunCpu(cmd: string, args: string[]): { wall: number; cpu: number } {
  const devnull = openSync('/dev/null', 'w');
  try {
    const argv = GNU_TIME ? [GNU_TIME, '-f', 'bench-cpu %U %S', cmd, ...args] : [cmd, ...args];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', devnull, 'pipe'], encoding: 'utf8' });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    const m = /bench-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
    return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : NaN };
  } finally {
    closeSync(devnull);
  }
}

function timeRun(cmd: string, args: string[]): number {
  return timeRunCpu(cmd, args).wall;
}

/** Peak RSS in MiB: of tsns through a --require hook (getrusage in the process itself), of lsns via GNU time. */
function tsnsPeakRss(args: string[]): number {
  const r = spawnSync(process.execPath, ['--require', RSS_HOOK, TSNS, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const m = /tsns-peak-rss-kb=(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no RSS figure from tsns: ${r.stderr}`);
  return Number(m[1]) / 1024;
}

function lsnsPeakRss(): number {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'lsns'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const kb = Number(r.stderr?.trim().split('\n').pop());
  return Number.isFinite(kb) && kb > 0 ? kb / 1024 : NaN;
}

/** Per-step timings of `tsns ls` (TSNS_PROFILE=1), medians over `runs`. */
export function profileLs(runs: number): [string, number][] {
  const samples = new Map<string, number[]>();
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(TSNS, ['ls'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, TSNS_PROFILE: '1' } });
    for (const m of r.stderr.matchAll(/^tsns-profile (\S+) ([\d.]+) ms$/gm)) {
      const list = samples.get(m[1]) ?? [];
      list.push(Number(m[2]));
      samples.set(m[1], list);
    }
  }
  return [...samples].map(([name, list]) => [name, timing(list).median]);
}

/** A host of many processes in many namespaces, made with unshare; `teardown` kills it by PID. */
export interface Host {
  holders: number[];
  teardown(): Promise<void>;
}

export async function buildHost(procs: number, namespaces: number): Promise<Host> {
  const groups = Math.max(1, Math.round(namespaces / 4));
  const toMake = Math.max(0, procs - countProcesses());
  // Each group: unshare (in the new uts/ipc/net namespaces) + sh (init of the new pid namespace) + K sleeps.
  const perGroup = Math.max(2, Math.round(toMake / groups));
  const sleeps = perGroup - 2;
  const script = `for g in $(seq ${groups}); do unshare --pid --fork --kill-child --uts --ipc --net sh -c 'i=0; while [ $i -lt ${sleeps} ]; do sleep 100000 & i=$((i+1)); done; wait' </dev/null >/dev/null 2>&1 & echo $!; done`;
  const launcher = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  launcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((r) => launcher.on('close', () => r()));
  const holders = out.split('\n').filter(Boolean).map(Number);
  const teardown = async (): Promise<void> => {
    for (const pid of holders) {
      try {
        // unshare --fork ignores SIGTERM while it waits; SIGKILL it, and --kill-child takes the namespace.
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    const deadline = Date.now() + 30000;
    while (holders.some(alive) && Date.now() < deadline) await sleep(100);
  };
  // Wait until the host is populated (every sleep started), or give up after a while.
  const target = countProcesses() + groups * sleeps;
  const deadline = Date.now() + 120000;
  let last = -1;
  let stable = 0;
  for (;;) {
    const n = countProcesses();
    if (n >= procs * 0.98 || Date.now() > deadline) break;
    stable = n === last ? stable + 1 : 0;
    if (stable > 50 && n >= target * 0.9) break;
    last = n;
    await sleep(100);
  }
  return { holders, teardown };
}

function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** Interleaved timing of lsns and tsns ls on the current host. */
export function timeLs(runs: number): { lsns: Timing; tsns: Timing; lsnsCpu: Timing; tsnsCpu: Timing; core: Timing; coreCpu: Timing } {
  // Warm both (page cache, dentries) before timing.
  timeRun('lsns', []);
  timeRun(TSNS, ['ls']);
  const l: { wall: number; cpu: number }[] = [];
  const t: { wall: number; cpu: number }[] = [];
  const c: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so neither always runs on the other's warm caches.
    if (i % 2 === 0) {
      l.push(runLsns());
      t.push(timeRunCpu(TSNS, ['ls']));
      c.push(timeRunCpu(process.execPath, [CORE, 'ls']));
    } else {
      c.push(timeRunCpu(process.execPath, [CORE, 'ls']));
      t.push(timeRunCpu(TSNS, ['ls']));
      l.push(runLsns());
    }
  }
  return {
    core: timing(c.map((x) => x.wall)),
    coreCpu: timing(c.map((x) => x.cpu)),
    lsns: timing(l.map((x) => x.wall)),
    tsns: timing(t.map((x) => x.wall)),
    lsnsCpu: timing(l.map((x) => x.cpu)),
    tsnsCpu: timing(t.map((x) => x.cpu)),
  };
}

/** lsns 2.38 gives up (exit 1, no message) when a process vanishes between two of its reads: retry. */
function runLsns(): { wall: number; cpu: number } {
  for (let i = 0; ; i++) {
    try {
      return timeRunCpu('lsns', []);
    } catch (err) {
      if (i >= 5) throw err;
    }
  }
}

export async function benchLs(options: LsBenchOptions): Promise<LsBenchResult> {
  const before = countProcesses();
  process.stderr.write(`building a host of ${options.procs} processes in ~${options.namespaces} new namespaces (${before} processes now)...\n`);
  const host = await buildHost(options.procs, options.namespaces);
  try {
    const procs = countProcesses();
    const namespaces = countNamespaces();
    process.stderr.write(`host: ${procs} processes, ${namespaces} namespaces; timing ${options.runs} interleaved runs...\n`);
    const { lsns, tsns, lsnsCpu, tsnsCpu, core, coreCpu } = timeLs(options.runs);
    const rss = [tsnsPeakRss(['ls']), tsnsPeakRss(['ls']), tsnsPeakRss(['ls'])];
    const profile = profileLs(Math.min(options.runs, 5));
    return {
      profile,
      procs,
      namespaces,
      lsns,
      tsns,
      lsnsCpu,
      tsnsCpu,
      core,
      coreCpu,
      ratio: tsns.median / lsns.median,
      tsnsPeakRssMb: Math.max(...rss),
      lsnsPeakRssMb: lsnsPeakRss(),
    };
  } finally {
    process.stderr.write('tearing the host down...\n');
    await host.teardown();
  }
}

/** `tsns ls` against a bare `node -e 0` on the host as it is (the small-host start-up figure). */
export function benchStartup(runs: number): StartupResult {
  timeRun(process.execPath, ['-e', '0']);
  timeRun(TSNS, ['ls']);
  const n: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    n.push(timeRun(process.execPath, ['-e', '0']));
    t.push(timeRun(TSNS, ['ls']));
  }
  const node = timing(n);
  const tsns = timing(t);
  return { procs: countProcesses(), node, tsns, ratio: tsns.median / node.median };
}
