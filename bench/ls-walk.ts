/**
 * `tsns ls` with the native walk (the prototype of walk-sources.ts): run by the benchmark beside the
 * real `tsns ls`, to show what integrating src/proc/walk.ts buys.
 */
import { useWalker } from './walk-sources';
import { main } from '../src/cli/main';

useWalker();
void main(process.argv.slice(2));
