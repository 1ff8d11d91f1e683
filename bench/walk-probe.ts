/**
 * The scan's /proc walk (src/proc/walk.ts: every ns link, fd and thread in one native call), PASSES
 * times in this process, each pass's wall and CPU time (all threads) on stdout as "pass I WALL_US CPU_US"
 * (as `floor -n`): the benchmark compares the walk itself and, through bench/rusage, the process that
 * makes it with the C floor's. (The JavaScript walk it replaced, inline and with a worker thread,
 * measured 168/222 ms CPU against its 97 ms at 2,579 processes before it went.)
 *
 *   node dist/bench/walk-probe.js PASSES
 */
import { walkProc } from '../src/proc/walk';

const passes = Number(process.argv[2] ?? 1);
let processes = 0;
for (let pass = 1; pass <= passes; pass++) {
  const wall0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  processes = walkProc({ fds: true, threads: true }).pids.length;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`pass ${pass} ${Number(process.hrtime.bigint() - wall0) / 1000} ${cpu.user + cpu.system}\n`);
}
process.stdout.write(`walk processes=${processes}\n`);
