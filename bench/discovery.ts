/**
 * What naming containers costs (issue 10 item 7): N real containers (docker, containerd, podman) in the
 * engine node of test/fixtures/engines, then, in the node,
 *   - a fresh process's first scan() and first discoverContainers() (what one `tsns ls -o +CONTAINER`
 *     pays: the scan's processes are passed in, so discovery does not walk /proc again), and repeated calls;
 *   - `tsns ls` wall time, default columns and with CONTAINER (the scan's container source);
 *   - fast-glob against readdir for the two listings that grow with the host (the /run walk for runtime
 *     state, docker's containers directory), and fast-glob's load time.
 * Not part of npm test (it takes a minute to start the containers):
 *
 *   npm run build && node dist/bench/discovery.js [--containers 200]
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startContainerd } from '../test/fixtures/engines/containerd';
import { startDocker } from '../test/fixtures/engines/docker';
import { buildImage } from '../test/fixtures/engines/image';
import { EngineNode, removeCgroups, topCgroups } from '../test/fixtures/engines/node';
import { Podman } from '../test/fixtures/engines/podman';
import { sleep } from '../test/fixtures/engines/util';

const repoRoot = resolve(__dirname, '..', '..');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x: number): string => `${x.toFixed(1)} ms`;

/** Run `jobs` with at most `width` at a time. */
async function pool(jobs: (() => Promise<unknown>)[], width: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
}

// ---------------------------------------------------------------- inside the node

function inside(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const mode = process.argv[3];
  const t = (fn: () => unknown): number => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  /** CPU time (user + system, ms) of `fn`: much less at the mercy of a busy host than wall time. */
  const cpu = (fn: () => unknown): number => {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  if (mode === 'cold') {
    // One fresh process: what a single command pays, module loading apart.
    const { scan } = require('../src/scan') as typeof import('../src/scan');
    const { discoverContainers } = require('../src/containers') as typeof import('../src/containers');
    let model: ReturnType<typeof scan> | undefined;
    let n = 0;
    let discoveryMs = 0;
    let scanMs = 0;
    const scanCpu = cpu(() => (scanMs = t(() => (model = scan({ containers: false })))));
    const discoveryCpu = cpu(() => (discoveryMs = t(() => (n = discoverContainers({ processes: model?.processes.values() }).containers.length))));
    const oldMs = t(() => scan({ containers: true })) - t(() => scan({ containers: false }));
    process.stdout.write(JSON.stringify({ scanMs, discoveryMs, scanCpu, discoveryCpu, oldMs, containers: n, processes: model?.processes.size }));
    return;
  }
  if (mode === 'warm') {
    const { scan } = require('../src/scan') as typeof import('../src/scan');
    const { discoverContainers } = require('../src/containers') as typeof import('../src/containers');
    const scans: number[] = [];
    const alone: number[] = [];
    const given: number[] = [];
    for (let i = 0; i < 10; i++) {
      let model: ReturnType<typeof scan> | undefined;
      scans.push(t(() => (model = scan({ containers: false }))));
      alone.push(t(() => discoverContainers()));
      given.push(t(() => discoverContainers({ processes: model?.processes.values() })));
    }
    process.stdout.write(JSON.stringify({ scan: median(scans), alone: median(alone), given: median(given) }));
    return;
  }
  if (mode === 'profile') {
    // Each engine alone, after one full warm-up discovery.
    const { scan } = require('../src/scan') as typeof import('../src/scan');
    const { discoverContainers, engines } = require('../src/containers') as typeof import('../src/containers');
    const { HostFacts } = require('../src/containers/host') as typeof import('../src/containers/host');
    const { cgroupContainers } = require('../src/containers/cgroup') as typeof import('../src/containers/cgroup');
    const model = scan({ containers: false });
    discoverContainers({ processes: model.processes.values() });
    const host = new HostFacts({ processes: model.processes.values() });
    const ctx = { denied: [] as string[], host };
    const out: Record<string, number> = {};
    out.heads = t(() => host.heads());
    out.monitors = t(() => host.monitors());
    out.users = t(() => host.users());
    for (const e of engines) out[e.name] = t(() => e.discover(ctx));
    out.cgroup = t(() => cgroupContainers(ctx, new Set()));
    out.total = t(() => discoverContainers({ processes: model.processes.values() }));
    process.stdout.write(JSON.stringify(out));
    return;
  }
  if (mode === 'glob') {
    const loadMs = t(() => require('fast-glob'));
    const fg = require('fast-glob') as typeof import('fast-glob');
    const { findStateDirs } = require('../src/containers/runc') as typeof import('../src/containers/runc');
    const { listDir, readStateFile } = require('../src/containers/read') as typeof import('../src/containers/read');
    const ctx = { denied: [] as string[] };
    const runs = (fn: () => unknown): number => median(Array.from({ length: 9 }, () => t(fn)));
    const out = {
      loadMs,
      runWalkReaddir: runs(() => findStateDirs(ctx)),
      runWalkGlob: runs(() =>
        fg.sync(['**/state.json', '**/status'], {
          cwd: '/run',
          deep: 5,
          ignore: ['systemd/**', 'udev/**', 'netns/**', 'lock/**', 'log/**', 'shm/**', 'mount/**', 'user/**'],
          followSymbolicLinks: false,
          suppressErrors: true,
        }),
      ),
      dockerReaddir: runs(() => {
        for (const e of listDir('/var/lib/docker/containers', ctx) ?? []) readStateFile(`/var/lib/docker/containers/${e.name}/config.v2.json`, ctx);
      }),
      dockerGlob: runs(() => {
        for (const f of fg.sync('/var/lib/docker/containers/*/config.v2.json', { followSymbolicLinks: false, suppressErrors: true })) readStateFile(f, ctx);
      }),
    };
    process.stdout.write(JSON.stringify(out));
  }
}

// ---------------------------------------------------------------- on the host

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { containers: { type: 'string', default: '200' }, hold: { type: 'string', default: '0' } } });
  const total = Number(values.containers);
  const dir = mkdtempSync(join(tmpdir(), 'tsns-bench-discovery-'));
  chmodSync(dir, 0o755);
  const before = topCgroups();
  const node = await EngineNode.create(dir, 'bench');
  try {
    const image = await buildImage(dir);
    const ctd = await startContainerd(node, dir, image);
    const docker = await startDocker(node, dir, ctd);
    const podman = new Podman(node, false);
    await Promise.all([docker.cli(['load', '-q', '-i', image.archive]), podman.load(image), ctd.importImage('bench', image)]);
    const nDocker = Math.round(total / 2);
    const nCtr = Math.round(total / 4);
    const nPodman = total - nDocker - nCtr;
    const t0 = Date.now();
    const jobs: (() => Promise<unknown>)[] = [];
    for (let i = 0; i < nDocker; i++) jobs.push(() => docker.cli(['run', '-d', '--network', 'none', image.ref]));
    for (let i = 0; i < nCtr; i++) jobs.push(() => ctd.ctr('bench', ['run', '-d', image.ref, `bench-${i}`]));
    for (let i = 0; i < nPodman; i++) {
      jobs.push(() => podman.cli(['run', '-d', '--network', 'none', '--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768', image.ref]));
    }
    await pool(jobs, 6);
    console.log(`${total} containers (docker ${nDocker}, containerd ${nCtr}, podman ${nPodman}) started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const script = join(repoRoot, 'dist', 'bench', 'discovery.js');
    const inNode = (mode: string): Record<string, number> => {
      const r = node.runSync([process.execPath, script, '--inside', mode]);
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as Record<string, number>;
    };
    const cold = Array.from({ length: 7 }, () => inNode('cold'));
    const c = (k: string): number => median(cold.map((x) => x[k]));
    console.log(`processes ${cold[0].processes}, containers found ${cold[0].containers}`);
    console.log(
      `first scan() ${fmt(c('scanMs'))}; first discoverContainers(scan's processes) ${fmt(c('discoveryMs'))} = ${((100 * c('discoveryMs')) / c('scanMs')).toFixed(0)}% of it`,
    );
    console.log(
      `  CPU time: scan() ${fmt(c('scanCpu'))}, discoverContainers() ${fmt(c('discoveryCpu'))} = ${((100 * c('discoveryCpu')) / c('scanCpu')).toFixed(0)}%`,
    );
    console.log(`the scan's CONTAINER source (scan with containers minus without), first call: ${fmt(c('oldMs'))}`);
    const warm = inNode('warm');
    console.log(`warm: scan() ${fmt(warm.scan)}; discoverContainers() alone ${fmt(warm.alone)}, with the scan's processes ${fmt(warm.given)}`);
    // Wall and CPU time (bash's `time`: user + system of the command) of a tsns command in the node.
    const tsns = (args: string[]): { wall: number; cpu: number } => {
      const walls: number[] = [];
      const cpus: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t = process.hrtime.bigint();
        const cmd = `TIMEFORMAT='%U %S'; time "$0" "$@" >/dev/null`;
        const r = node.runSync(['bash', '-c', cmd, process.execPath, join(repoRoot, 'bin', 'tsns'), ...args]);
        walls.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (r.status !== 0) throw new Error(r.stderr);
        const [user, sys] = r.stderr.trim().split('\n').at(-1)?.split(' ').map(Number) ?? [NaN, NaN];
        cpus.push((user + sys) * 1000);
      }
      return { wall: median(walls), cpu: median(cpus) };
    };
    const plain = tsns(['ls']);
    const withContainer = tsns(['ls', '-o', '+CONTAINER']);
    const pct = (a: number, b: number): string => `+${((100 * (a - b)) / b).toFixed(0)}%`;
    console.log(
      `tsns ls: ${fmt(plain.wall)} wall, ${fmt(plain.cpu)} CPU; tsns ls -o +CONTAINER (today's source): ${fmt(withContainer.wall)} (${pct(withContainer.wall, plain.wall)}), CPU ${fmt(withContainer.cpu)} (${pct(withContainer.cpu, plain.cpu)})`,
    );
    console.log(`  discovery's first-call CPU time against tsns ls's: ${pct(plain.cpu + c('discoveryCpu'), plain.cpu)}`);
    const g = inNode('glob');
    console.log(
      `fast-glob load ${fmt(g.loadMs)}; /run walk: readdir ${fmt(g.runWalkReaddir)}, fast-glob ${fmt(g.runWalkGlob)}; docker containers/: readdir ${fmt(g.dockerReaddir)}, fast-glob ${fmt(g.dockerGlob)}`,
    );
    if (Number(values.hold) > 0) {
      console.log(`holding the node (holder ${node.holder.pid}) for ${values.hold} s`);
      await sleep(Number(values.hold) * 1000);
    }

    await docker.cli(['rm', '--force', ...(await docker.cli(['ps', '-aq'])).split('\n').filter(Boolean)]);
    await podman.cli(['rm', '--all', '--force', '--time', '0']);
    const removeTask = async (id: string): Promise<void> => {
      await ctd.ctr('bench', ['task', 'kill', '-s', 'SIGKILL', id]).catch(() => undefined);
      for (let k = 0; k < 100; k++) {
        if (
          await ctd.ctr('bench', ['task', 'delete', id]).then(
            () => true,
            () => false,
          )
        )
          break;
        await sleep(50); // the shim has not reaped it yet
      }
      await ctd.ctr('bench', ['container', 'delete', id]);
    };
    await pool(
      Array.from({ length: nCtr }, (_, i) => () => removeTask(`bench-${i}`)),
      6,
    );
    await docker.stop();
    await ctd.stop();
  } finally {
    await node.stop();
    const left = removeCgroups(before, (n) => ['docker', 'libpod_parent', 'bench'].includes(n));
    if (left.length) console.log(`cgroups left: ${left.join(', ')}`);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--inside') inside();
else
  main().catch((err: Error) => {
    console.error(err.message);
    process.exitCode = 1;
  });
