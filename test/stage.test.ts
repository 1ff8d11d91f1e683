/**
 * The exec stage's plan parser (native/plan.c) on hostile input: what the fuzzer found
 * (native/fuzz/regressions/, replayed as they are: NUL-separated words) and the edges of every limit.
 * Each is refused before the stage does anything: exit 125, nothing on stdout, one `tsns:` line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers/nobody';

const STAGE = path.join(repoRoot, 'native', 'tsns-stage');
const REGRESSIONS = path.join(repoRoot, 'native', 'fuzz', 'regressions');

function refused(words: string[], pattern: RegExp = /^tsns: internal error: /): void {
  const r = spawnSync(STAGE, words, { encoding: 'latin1', timeout: 10000 });
  assert.equal(r.error, undefined);
  assert.equal(r.status, 125, `exit ${r.status} (signal ${r.signal}); stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n');
  assert.equal(lines.length, 2, `one line: ${JSON.stringify(r.stderr)}`);
  assert.equal(lines[1], '');
  assert.match(lines[0], pattern);
}

const times = (n: number, word: string) => Array.from({ length: n }, () => word);

describe('tsns-stage plan words', () => {
  describe('found by npm run fuzz', () => {
    for (const name of fs.readdirSync(REGRESSIONS)) {
      it(name, () => {
        // A word cannot hold a NUL: the harness splits its input there, and so does this replay.
        refused(fs.readFileSync(path.join(REGRESSIONS, name)).toString('latin1').split('\0'));
      });
    }
  });

  describe('limits and malformed words', () => {
    const cases: [string, string[], RegExp?][] = [
      ['no words at all', [], /^tsns: internal error: the stage got no program to run$/],
      ['nothing after --', ['fork', '--'], /program to run$/],
      ['no --', ['fork', 'true']],
      ['an unknown word', ['bogus', '--', 'true'], /^tsns: internal error: bad stage word 'bogus'$/],
      [
        'a control character in a word is escaped, the line stays one',
        ['host\nname=x\x1b[2J', '--', 'true'],
        /^tsns: internal error: bad stage word 'host\\x0aname=x\\x1b\[2J'$/,
      ],
      ['4097 keep-fd words (4096 at most)', [...times(4097, 'keep-fd=3'), '--', 'true'], /'keep-fd=3'/],
      ['33 cgroup-procs words (32 at most)', [...times(33, 'cgroup-procs=/x'), '--', 'true'], /'cgroup-procs=\/x'/],
      ['17 close-fd words (16 at most)', [...times(17, 'close-fd=3'), '--', 'true'], /'close-fd=3'/],
      ['an fd below 3 to keep or close', ['keep-fd=2', '--', 'true']],
      ['a namespace id past 2^63', ['ns=net:/x', 'ns-id=net:9223372036854775808', '--', 'true']],
      ['an unknown namespace type', ['ns=bogus:/x', '--', 'true']],
      ['an empty namespace path', ['ns=net:', '--', 'true']],
      ['an empty or broken type list', ['nsof=', '--', 'true']],
      ['an empty type in a list', ['pidfd=1', 'nsof=net,,uts', '--', 'true']],
      ['nsof without pidfd', ['nsof=net', '--', 'true'], /'nsof without pidfd'/],
      ['owner-uid without owner-gid', ['owner-uid=1', '--', 'true'], /'owner-uid and owner-gid go together'/],
      ['user-parent without a user namespace', ['user-parent', '--', 'true'], /'user-parent without a user namespace'/],
      ['a signal past the last one', ['kill-child=65', '--', 'true']],
      ['uid (uid_t)-1', ['uid=4294967295', '--', 'true']],
      ['a negative uid', ['uid=-1', '--', 'true']],
      ['an unknown propagation', ['propagation=weird', '--', 'true']],
      ['pid 0', ['pidfd=0', '--', 'true']],
      ['a sync fd that is no number', ['sync=3x', '--', 'true']],
      ['a value where none is taken', ['fork=1', '--', 'true']],
    ];
    for (const [what, words, pattern] of cases) it(what, () => refused(words, pattern));
  });
});
