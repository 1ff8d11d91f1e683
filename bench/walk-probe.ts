/**
 * One kind of /proc walk, PASSES times in this process, each pass's wall and CPU time (all threads) on
 * stdout as "pass I WALL_US CPU_US" (as `floor -n`): the benchmark compares the walks themselves and,
 * through bench/rusage, the processes that make them.
 *
 *   node dist/bench/walk-probe.js native PASSES
 *
 *   native     src/proc/walk.ts: every ns link, fd and thread in one call (the JavaScript walk it
 *              replaced, inline and with a worker thread, measured 168/222 ms CPU against its 97 ms at
 *              2,579 processes before it went)
 */
import { walkProc } from '../src/proc/walk';

const kind = process.argv[2];
const passes = Number(process.argv[3] ?? 1);
const walks: Record<string, () => number> = {
  native: () => walkProc({ fds: true, threads: true }).pids.length,
};
const walk = walks[kind];
if (!walk) throw new Error(`unknown walk '${kind}': native`);
let processes = 0;
for (let pass = 1; pass <= passes; pass++) {
  const wall0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  processes = walk();
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`pass ${pass} ${Number(process.hrtime.bigint() - wall0) / 1000} ${cpu.user + cpu.system}\n`);
}
process.stdout.write(`walk ${kind} processes=${processes}\n`);
