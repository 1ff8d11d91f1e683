/**
 * `tsns ls` with only the sources lsns itself has (every process's /proc/PID/ns, pins in our own mount
 * namespace): run by the benchmark beside the full `tsns ls`, to show what the discovery sources cost.
 */
import { lsnsSources } from '../src/scan/index';
import { run } from '../src/cli/ls';

process.exitCode = run(process.argv.slice(3), lsnsSources);
