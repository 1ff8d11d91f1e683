#!/usr/bin/env node
// Every network namespace on the host, however it is held, with the container it belongs to.
//   node examples/list-net-namespaces.js
'use strict';
const { scan, sortedNamespaces } = require('tsns');

const model = scan({ types: ['net'] });
for (const ns of sortedNamespaces(model)) {
  const proc = ns.pid === undefined ? undefined : model.processes.get(ns.pid);
  const held = ns.pids.length ? `${ns.pids.length} processes` : `held by ${ns.sources.join(', ')}`;
  console.log(`net:[${ns.id}]  ${held}  container=${ns.container?.name ?? '-'}  ${proc?.command ?? ns.nsfs[0]?.path ?? ''}`);
}
