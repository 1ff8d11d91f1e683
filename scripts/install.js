#!/usr/bin/env node
'use strict';
/*
 * npm's install step for tsns (also `npm rebuild tsns`): build the native parts (native/Makefile: the
 * exec stage and the Node-API addon) with this machine's compiler where there is one, so they match
 * this machine's architecture and libc; else keep the ones the package ships. Then check every native
 * binary can run here and say plainly when one cannot (without the stage, enter and run refuse to
 * start; without the addon, so do the scans). On a global install, link the shell completion scripts where the shells look under the
 * npm prefix (npm links the man pages itself, from package.json "man"). Never fails the install: the
 * commands report a missing or unusable stage themselves.
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
  // make would call it up to date; this machine's build is the one to trust. -k: a part that fails to
  // build leaves the others built. NODE: the addon's build asks this node where koffi's Node-API
  // headers are.
  const r = spawnSync('make', ['-B', '-k', '-s', '-C', native, `NODE=${process.execPath}`], { stdio: ['ignore', 'inherit', 'inherit'] });
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
    const refusing = file.endsWith('.node') ? "'tsns ls', 'tsns enter' and 'tsns run'" : "'tsns enter' and 'tsns run'";
    if (problem) say(`${file} cannot run here: ${problem}; ${refusing} will refuse to start (install make and a C compiler, then 'npm rebuild tsns')`);
  }
}

/**
 * A global install (npm -g, prefix P): P/share/bash-completion/completions/tsns and the zsh and fish
 * ones, as symbolic links into the package, so that they go with it (a link left by an uninstall
 * points nowhere, and the shells skip it). A file there that is not ours is left alone.
 */
function linkCompletions() {
  const prefix = process.env.npm_config_prefix;
  if (process.env.npm_config_global !== 'true' || !prefix) return;
  let paths;
  try {
    ({ COMPLETION_PATHS: paths } = require(path.join(root, 'dist', 'src', 'cli', 'completion.js')));
  } catch {
    return;
  }
  for (const rel of Object.values(paths)) {
    const source = path.join(root, rel);
    const link = path.join(prefix, rel);
    if (!fs.existsSync(source)) continue;
    try {
      const existing = fs.lstatSync(link, { throwIfNoEntry: false });
      if (existing && !existing.isSymbolicLink()) {
        say(`${link} exists and is not tsns's: shell completion not linked there`);
        continue;
      }
      if (existing) fs.unlinkSync(link);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.relative(path.dirname(link), source), link);
    } catch (err) {
      say(`cannot link ${link}: ${err.message}`);
    }
  }
}

build();
check();
linkCompletions();
