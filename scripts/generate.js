#!/usr/bin/env node
'use strict';
/*
 * The last step of `npm run build`: the man pages (man/man1, from each command's --help text) and the
 * shell completion scripts (share/..., what `tsns completion SHELL` prints), from the CLI just built.
 * Both ship in the package: npm links the man pages on a global install (package.json "man"), and
 * scripts/install.js links the completion scripts.
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const { writeManPages } = require(path.join(root, 'dist', 'src', 'cli', 'man.js'));
const { COMPLETION_PATHS, completionScript } = require(path.join(root, 'dist', 'src', 'cli', 'completion.js'));
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

fs.rmSync(path.join(root, 'man'), { recursive: true, force: true });
writeManPages(path.join(root, 'man'), version);
for (const [shell, file] of Object.entries(COMPLETION_PATHS)) {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), completionScript(shell));
}
