/**
 * `tsns ls` with only the sources lsns itself has (every process's /proc/PID/ns, pins in our own mount
 * namespace): run by the benchmark beside the full `tsns ls`, to show what the discovery sources cost.
 */
import { ownPinSource, processSource, sources } from '../src/scan/index';
import { main } from '../src/cli/main';

sources.splice(0, sources.length, processSource, ownPinSource);
void main(process.argv.slice(2));
