/** What every command shares: errors as one `tsns:` line, whatever the input or the output does. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';

const TSNS = resolve(__dirname, '../../bin/tsns');

describe('tsns (every command)', () => {
  it('output that cannot be written: one tsns: line and exit 1 (full disk), or a quiet end (reader gone)', () => {
    const full = openSync('/dev/full', 'w');
    try {
      for (const args of [['ls'], ['pins', '-J'], ['ls', '-J']]) {
        const r = spawnSync(process.execPath, [TSNS, ...args], { encoding: 'utf8', stdio: ['ignore', full, 'pipe'] });
        assert.equal(r.status, 1, `${args}: ${r.stderr}`);
        assert.match(r.stderr, /^tsns: cannot write output: .*no space left on device.*\n$/i, args.join(' '));
      }
    } finally {
      closeSync(full);
    }
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${TSNS}" ls --output-all | head -c 1 >/dev/null`], { encoding: 'utf8' });
    assert.equal(r.stderr, '');
  });

  it('a control character in an argument does not break the message into several lines', () => {
    for (const args of [
      ['ls', '-Q', 'NS\n=='],
      ['ls', '-o', 'A\nB'],
      ['unpin', 'a\nb'],
    ]) {
      const r = spawnSync(process.execPath, [TSNS, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 1);
      assert.equal(r.stderr.split('\n').length, 2, JSON.stringify(r.stderr));
      assert.match(r.stderr, /^tsns: .*\\x0a/);
    }
  });
});
