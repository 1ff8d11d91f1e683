/** Errors speak words: every errno as glibc's strerror(3) says it, and articles that fit the word. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeErrno, errnoName, errorText, withArticle } from '../src/sys/errors';

describe('error messages in words', () => {
  it("every errno reads as this machine's C library says it, never as a bare name (EROFS)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as typeof import('koffi');
    const strerror = koffi.load('libc.so.6').func('const char *strerror(int)') as (n: number) => string;
    for (let errno = 1; errno <= 133; errno++) {
      assert.equal(describeErrno(errno), strerror(errno), `errno ${errno}`);
      assert.doesNotMatch(describeErrno(errno), /^E[A-Z0-9]+$/);
    }
    assert.equal(errnoName(30), 'EROFS');
    assert.equal(describeErrno(4242), strerror(4242));
    let thrown: unknown;
    try {
      readFileSync('/nonexistent/tsns');
    } catch (err) {
      thrown = err;
    }
    assert.equal(errorText(thrown), 'No such file or directory');
  });

  it('a or an as the word is said: an ext4 mount, a tmpfs mount, an ipc namespace, a uts namespace', () => {
    const said = ['ext4', 'xfs', 'nsfs', 'overlay', 'ipc', 'tmpfs', 'proc', 'btrfs', 'uts', 'user', 'net', 'mnt', 'cgroup2', 'sysfs'].map(withArticle);
    assert.deepEqual(said, [
      'an ext4',
      'an xfs',
      'an nsfs',
      'an overlay',
      'an ipc',
      'a tmpfs',
      'a proc',
      'a btrfs',
      'a uts',
      'a user',
      'a net',
      'a mnt',
      'a cgroup2',
      'a sysfs',
    ]);
  });
});
