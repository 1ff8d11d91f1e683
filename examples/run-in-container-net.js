#!/usr/bin/env node
// Run a command in the network namespace of a container (or of any TARGET: a PID, a pin, net:[ID]),
// keeping this host's files and programs; exit as the command exits.
//   node examples/run-in-container-net.js CONTAINER -- ip addr
'use strict';
const { spawnIn, TsnsError } = require('tsns');

const [target, dashes, ...command] = process.argv.slice(2);
if (!target || dashes !== '--' || command.length === 0) {
  console.error('usage: run-in-container-net.js TARGET -- COMMAND [ARG...]');
  process.exit(2);
}
try {
  const child = spawnIn(target, { namespaces: { net: true }, command, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
} catch (err) {
  if (!(err instanceof TsnsError)) throw err;
  console.error(`${err.code}: ${err.message}`);
  process.exitCode = 1;
}
