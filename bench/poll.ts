/**
 * A library user polling: scan() PASSES times in one process, each pass's wall and CPU time (all
 * threads) on stdout as "pass I WALL_US CPU_US", like `floor -n PASSES`. The benchmark compares the
 * passes after the first (Node, modules and the addon already loaded) with the C floor's.
 *
 *   node dist/bench/poll.js PASSES [ls|library]
 *
 * `ls` (the default) asks for what a default `tsns ls` reads (representatives' details, NETNSID; no
 * containers), the reads the floor makes; `library` is scan() with its defaults (every process's
 * details, PNS/ONS, NETNSID, containers).
 */
import { scan, type ScanOptions } from '../src/index';

const passes = Number(process.argv[2] ?? 5);
const mode = process.argv[3] ?? 'ls';
const options: ScanOptions = mode === 'library' ? {} : { details: 'representatives', relations: false, containers: false };
let namespaces = 0;
for (let pass = 1; pass <= passes; pass++) {
  const wall0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  namespaces = scan(options).namespaces.size;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`pass ${pass} ${Number(process.hrtime.bigint() - wall0) / 1000} ${cpu.user + cpu.system}\n`);
}
process.stdout.write(`poll namespaces=${namespaces}\n`);
