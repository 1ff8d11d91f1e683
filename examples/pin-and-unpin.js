#!/usr/bin/env node
// Keep the UTS namespace of a process alive under a name, show the pin, and remove it again.
//   node examples/pin-and-unpin.js PID NAME   (or a PATH instead of a NAME)
'use strict';
const { listPins, pin, unpin } = require('tsns');

const [target, name] = process.argv.slice(2);
if (!target || !name) {
  console.error('usage: pin-and-unpin.js TARGET NAME');
  process.exit(2);
}
const made = pin(target, 'uts', name); // a bare NAME is /run/tsns/uts/NAME
console.log(`pinned uts:[${made.ns}] on ${made.path}`);
for (const p of listPins({ types: ['uts'] })) if (p.path === made.path) console.log(`listed: ${p.path} (${p.nprocs} processes inside)`);
const removed = unpin(made.path);
console.log(`unpinned ${removed.path}${removed.removedFile ? ', file removed' : ''}`);
