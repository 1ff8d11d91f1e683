/**
 * One kind of /proc walk, PASSES times in this process, each pass's wall and CPU time (all threads) on
 * stdout as "pass I WALL_US CPU_US" (as `floor -n`): the benchmark compares the walks themselves and,
 * through bench/rusage, the processes that make them.
 *
 *   node dist/bench/walk-probe.js native|js|js-worker PASSES
 *
 *   native     src/proc/walk.ts: every ns link, fd and thread in one call
 *   js         today's JavaScript walk inline: processes.ts (ns links), then fds.ts and tasks.ts
 *   js-worker  the same as a scan runs it on a big host: fds and threads shared with a worker thread
 */
import { NS_TYPES } from '../src/sys/constants';
import { walkProc } from '../src/proc/walk';
import type { ScanModel } from '../src/scan/model';
import { listPids, readProcesses } from '../src/scan/sources/processes';
import { scanHolders, startHolderScan } from '../src/scan/sources/fds';

const kind = process.argv[2];
const passes = Number(process.argv[3] ?? 1);
const walks: Record<string, () => number> = {
  native: () => walkProc({ fds: true, threads: true }).pids.length,
  js: () => {
    const model: ScanModel = { namespaces: new Map(), processes: new Map() };
    const pids = listPids();
    readProcesses(model, NS_TYPES, '/proc', pids);
    scanHolders(pids);
    return model.processes.size;
  },
  'js-worker': () => {
    const model: ScanModel = { namespaces: new Map(), processes: new Map() };
    const pending = startHolderScan(1);
    const pids = listPids();
    pending.setPids(pids);
    readProcesses(model, NS_TYPES, '/proc', pids);
    pending.wait();
    return model.processes.size;
  },
};
const walk = walks[kind];
if (!walk) throw new Error(`unknown walk '${kind}': native, js or js-worker`);
let processes = 0;
for (let pass = 1; pass <= passes; pass++) {
  const wall0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  processes = walk();
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`pass ${pass} ${Number(process.hrtime.bigint() - wall0) / 1000} ${cpu.user + cpu.system}\n`);
}
process.stdout.write(`walk ${kind} processes=${processes}\n`);
