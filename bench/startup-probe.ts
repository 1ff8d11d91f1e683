/**
 * Where a command's start-up goes, measured inside a fresh Node process: prints "probe STEP MS" for
 * each step it takes, in order (bench/startup.ts runs it many times and takes medians).
 *
 *   node dist/bench/startup-probe.js ls|enter|addon|koffi
 *
 *   ls      load the modules `tsns ls` loads, then the addon and its first call (a walk's details)
 *   enter   load the modules `tsns enter` loads, then the addon and its first call (clearCloexec)
 *   addon   load native/tsns.node alone and make one call
 *   koffi   require('koffi') alone, then load libc.so.6 and bind one function: what the calls on the
 *           hot paths cost before they moved into the addon, and what a command using any other
 *           system call of src/sys/libc.ts still pays
 */
import { resolve } from 'node:path';

const t0 = process.hrtime.bigint();
let last = t0;
function step(name: string): void {
  const now = process.hrtime.bigint();
  process.stdout.write(`probe ${name} ${(Number(now - last) / 1e6).toFixed(2)}\n`);
  last = now;
}

const dist = resolve(__dirname, '..', 'src');
/* eslint-disable @typescript-eslint/no-require-imports */
const probes: Record<string, () => void> = {
  ls: () => {
    require(`${dist}/cli/main`);
    step('cli/main');
    require(`${dist}/cli/ls`);
    step('cli/ls and what it imports');
    (require(`${dist}/proc/walk`) as typeof import('../src/proc/walk')).readProcessDetails([process.pid]);
    step('the addon, one call');
  },
  enter: () => {
    require(`${dist}/cli/main`);
    step('cli/main');
    require(`${dist}/cli/enter`);
    step('cli/enter and what it imports');
    (require(`${dist}/sys/libc`) as typeof import('../src/sys/libc')).clearCloexec(0);
    step('the addon, one call');
  },
  addon: () => {
    (require(`${dist}/sys/addon`) as typeof import('../src/sys/addon')).addon().pidfdOpen(process.pid);
    step('load native/tsns.node, one pidfd_open');
  },
  koffi: () => {
    const koffi = require('koffi') as typeof import('koffi');
    step('require koffi');
    koffi.load('libc.so.6').func('int getpid()');
    step('load libc.so.6, bind one function');
  },
};
/* eslint-enable @typescript-eslint/no-require-imports */
const probe = probes[process.argv[2]];
if (!probe) throw new Error(`unknown probe '${process.argv[2]}'`);
probe();
process.stdout.write(`probe total ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(2)}\n`);
