#!/usr/bin/env node
'use strict';
/*
 * npm's install step for tsns (also `npm rebuild tsns`): build the native parts (native/Makefile: the
 * exec stage, and whatever else it builds) with this machine's compiler where there is one, so they
 * match this machine's architecture and libc; else keep the ones the package ships. Then check every
 * native binary can run here and say plainly when one cannot (tsns ls works without them; enter and
 * run do not). Never fails the install: the commands report a missing or unusable stage themselves.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const native = path.join(root, 'native');

function say(text) {
  process.stderr.write(`tsns: ${text}\n`);
}

/** `command` is an executable on PATH (or a path to one). */
function found(command) {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH || '')
        .split(':')
        .filter(Boolean)
        .map((dir) => path.join(dir, command));
  return candidates.some((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** The ELF files in native/: what the Makefile built or the package shipped. */
function nativeBinaries() {
  return fs
    .readdirSync(native)
    .map((name) => path.join(native, name))
    .filter((file) => {
      try {
        const fd = fs.openSync(file, 'r');
        const magic = Buffer.alloc(4);
        fs.readSync(fd, magic, 0, 4, 0);
        fs.closeSync(fd);
        return magic.toString('latin1') === '\x7fELF' && !/\.tmp\./.test(file);
      } catch {
        return false;
      }
    });
}

function build() {
  const cc = (process.env.CC || 'cc').split(/\s+/)[0];
  const missing = ['make', cc].filter((c) => !found(c));
  if (missing.length) {
    say(`${missing.join(' and ')} not found: keeping the native parts the package ships`);
    return;
  }
  // -B: a shipped binary has the same time stamp as the sources (npm packs every file with one), so
  // make would call it up to date; this machine's build is the one to trust.
  const r = spawnSync('make', ['-B', '-s', '-C', native], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) say('building the native parts failed (see above): keeping the ones the package ships');
}

function check() {
  let nativeProblem;
  try {
    ({ nativeProblem } = require(path.join(root, 'dist', 'src', 'sys', 'elf.js')));
  } catch {
    return; // a checkout before its first build: `npm run build` follows
  }
  for (const file of nativeBinaries()) {
    const problem = nativeProblem(file);
    if (problem)
      say(`${file} cannot run here: ${problem}; 'tsns enter' and 'tsns run' will refuse to start (install make and a C compiler, then 'npm rebuild tsns')`);
  }
}

build();
check();
