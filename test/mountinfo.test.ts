/** What a path lookup sees in a mount table: the one parser of /proc/PID/mountinfo, on tables taken from this machine. */
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { isUnder, mountAt, mountHolding, parseMountinfo, visibleMounts } from '../src/proc/mountinfo';

// As seen in a private mount namespace of this machine: the host's /run/netns is bound onto itself
// (30, on the root file system), then a tmpfs is mounted on /run (40) and /run/netns made there (41):
// 30 is still listed, hidden under 40. Then a pin stacked twice on one file of a tmpfs on /tmp/t.
const TABLE = parseMountinfo(
  [
    '21 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
    '30 21 254:0 /run/netns /run/netns rw,relatime shared:7 - ext4 /dev/vda rw',
    '40 21 0:40 / /run rw,relatime - tmpfs tmpfs rw',
    '41 40 0:41 / /run/netns rw,relatime shared:9 - tmpfs tmpfs rw',
    '50 21 0:50 / /tmp/t rw - tmpfs tmpfs rw',
    '51 50 0:4 uts:[4026531838] /tmp/t/pin rw - nsfs nsfs rw',
    '52 51 0:4 net:[4026531840] /tmp/t/pin rw - nsfs nsfs rw',
  ].join('\n'),
);

describe('mount tables (/proc/PID/mountinfo)', () => {
  it('a mount hidden under one mounted later on its parent path is not what a lookup finds', () => {
    assert.deepEqual(
      visibleMounts(TABLE, '/run/netns/x').map((m) => m.mountId),
      [21, 40, 41],
    );
    assert.equal(mountAt(TABLE, '/run/netns')?.mountId, 41);
    assert.equal(mountAt(TABLE, '/run')?.mountId, 40);
    assert.equal(mountHolding(TABLE, '/run/netns/x')?.mountId, 41);
    assert.equal(mountHolding(TABLE, '/run/other')?.mountId, 40);
    assert.equal(mountAt(TABLE, '/run/other'), undefined);
    // Before /run/netns is made on the tmpfs, nothing is mounted there for a lookup (30 is hidden).
    assert.equal(mountAt(TABLE.slice(0, 3), '/run/netns'), undefined);
    assert.equal(mountHolding(TABLE.slice(0, 3), '/run/netns')?.mountId, 40);
    // Without the tmpfs, the bound /run/netns is the one seen.
    assert.equal(mountAt(TABLE.slice(0, 2), '/run/netns')?.mountId, 30);
  });

  it('mounts stacked on one point: the top one is visible; the root is the mount whose parent is not listed', () => {
    assert.equal(mountAt(TABLE, '/tmp/t/pin')?.mountId, 52);
    assert.equal(mountAt(TABLE.slice(0, 6), '/tmp/t/pin')?.mountId, 51);
    assert.equal(mountHolding(TABLE, '/tmp/t/other')?.mountId, 50);
    assert.equal(mountHolding(TABLE, '/etc/passwd')?.mountId, 21);
    assert.equal(mountHolding(TABLE, '/tmp/tt')?.mountId, 21, 'a prefix of a name is not a parent directory');
  });

  it('finds, for every mount point of this machine, the mount the kernel reaches (mnt_id of an O_PATH fd)', () => {
    const table = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
    const O_PATH = 0o10000000;
    let checked = 0;
    const fuse = table.filter((m) => m.fsType.startsWith('fuse')).map((m) => m.mountPoint);
    for (const point of new Set(table.map((m) => m.mountPoint))) {
      if (isUnder(fuse, point)) continue; // a FUSE server could make the lookup hang
      let fd: number;
      try {
        fd = openSync(point, O_PATH);
      } catch {
        continue; // unmounted meanwhile (another test's), or not ours to reach
      }
      try {
        const reached = Number(/^mnt_id:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1]);
        // Read after the open: a mount made meanwhile is in it; one that is gone only fails the lookup.
        const now = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
        if (!now.some((m) => m.mountId === reached)) continue;
        assert.equal(mountHolding(now, point)?.mountId, reached, point);
        checked++;
      } finally {
        closeSync(fd);
      }
    }
    assert.ok(checked > 10, `only ${checked} mount points checked`);
  });
});
