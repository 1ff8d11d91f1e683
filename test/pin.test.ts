/**
 * tsns pin / unpin / pins on real namespaces: made with unshare, pinned, every process killed, then
 * still listed, entered with the installed nsenter (and ip netns), unpinned and gone. Every refusal is
 * checked against the mount table and the file system before and after.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asNobody, tsnsAsNobody, NOBODY_UID } from './helpers/nobody';
import { startContainer, stopAllContainers } from './fixtures/runc';
import {
  ExistingFileError,
  NETNS_RUN_DIR,
  PIN_RUN_DIR,
  checkPinDestination,
  isPinName,
  listPins,
  pinNamespace,
  resolvePinDestination,
  unpin,
} from '../src/pin';
import { parseMountinfo, visibleMounts } from '../src/proc/mountinfo';
import { ok, sleep } from './helpers/proc';
import { enterPrivateRun } from './helpers/private-run';

const repoRoot = path.resolve(__dirname, '..', '..');
const TSNS = path.join(repoRoot, 'bin', 'tsns');
const PINNED_TYPES = ['uts', 'net', 'ipc', 'mnt'] as const;
const HOSTNAME = 'tsns-pin-test';
const NET_ADDRESS = '10.123.45.67';

function run(argv: string[]): SpawnSyncReturns<string> {
  return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 20000 });
}

function tsns(...args: string[]): SpawnSyncReturns<string> {
  return run([process.execPath, TSNS, ...args]);
}

function nsInode(pid: number | 'self', type: string): number {
  const m = /\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/ns/${type}`));
  assert.ok(m);
  return Number(m[1]);
}

function mountinfo() {
  return parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** The mounts a lookup of `p` passes through that sit at `p` itself (stacked pins: more than one). A mount
 *  hidden under a later one on a parent path (the host's /run/netns under this suite's /run) is not one. */
function mountedAt(p: string) {
  return visibleMounts(mountinfo(), p).filter((m) => m.mountPoint === p);
}

interface PinsRow {
  path: string;
  type: string;
  ns: number;
  nprocs: number;
}

function pinsJson(...args: string[]): PinsRow[] {
  return (JSON.parse(ok(tsns('pins', '-J', ...args))) as { pins: PinsRow[] }).pins;
}

/** A process in new uts, net, ipc, mnt (and optionally more) namespaces, each marked so a pin can be recognised. */
interface Holder {
  proc: ChildProcess;
  /** unshare's child (--fork): the process inside the namespaces. */
  pid: number;
}

const holders: Holder[] = [];

async function startHolder(markDir: string, extra: string[] = []): Promise<Holder> {
  // Markers: a hostname (uts), an address on lo (net), a shared memory segment (ipc), a tmpfs with a file that
  // only this mount namespace sees (mnt).
  const script = [
    `hostname ${HOSTNAME}`,
    `ip addr add ${NET_ADDRESS}/32 dev lo`,
    // A segment whose size and mode no other test would pick: the host's ipcs never shows it.
    'ipcmk -M 73731 -p 0604 >/dev/null',
    `mount -t tmpfs tsns-pin-mark "$0"`,
    `touch "$0/inside" "$0/hidden-pin"`,
    // A pin only this mount namespace sees (for tsns pins --all-mounts).
    `mount --bind /proc/self/ns/uts "$0/hidden-pin"`,
    'echo ready',
    'exec sleep 1000',
  ].join(' && ');
  const proc = spawn('unshare', ['--uts', '--net', '--ipc', '--mount', '--propagation=private', ...extra, '--fork', 'sh', '-c', script, markDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('ready')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`holder exited ${code}: ${stderr}`)));
  });
  const unsharePid = proc.pid as number;
  const children = fs.readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(/\s+/);
  assert.equal(children.length, 1);
  const holder = { proc, pid: Number(children[0]) };
  holders.push(holder);
  return holder;
}

/** Kill every process of the holder and wait until none is left. */
async function killHolder(h: Holder): Promise<void> {
  for (const pid of [h.pid, h.proc.pid as number]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (h.proc.exitCode === null && h.proc.signalCode === null) await new Promise((resolve) => h.proc.once('exit', resolve));
  for (let i = 0; i < 200 && fs.existsSync(`/proc/${h.pid}/ns`); i++) {
    try {
      fs.readlinkSync(`/proc/${h.pid}/ns/uts`);
    } catch {
      break; // a zombie has no namespaces left
    }
    await sleep(10);
  }
}

/** Namespaces of the live holders, as nsfs mount roots ("uts:[N]"). */
function holderNamespaces(): Set<string> {
  const labels = new Set<string>();
  for (const h of holders)
    for (const type of ['mnt', 'net', 'ipc', 'user', 'pid', 'uts', 'cgroup', 'time']) {
      try {
        labels.add(fs.readlinkSync(`/proc/${h.pid}/ns/${type}`));
      } catch {
        // holder gone
      }
    }
  return labels;
}

/**
 * Everything a pin operation could change: the mounts and files under `trees` (walked), the mounts and
 * files at `points` (named-pin directories and our pin names there), and any mount of a holder's
 * namespace wherever it is. Only what this suite owns: other suites, or another run of this one, may be
 * making pins of their own at the same time.
 */
function snapshot({ trees, points }: { trees: string[]; points: string[] }): { mounts: string[]; files: string[] } {
  const ours = holderNamespaces();
  const mounts = mountinfo()
    .filter(
      (m) =>
        (m.fsType === 'nsfs' && ours.has(m.root)) || points.includes(m.mountPoint) || trees.some((d) => m.mountPoint === d || m.mountPoint.startsWith(d + '/')),
    )
    .map((m) => `${m.mountId} ${m.mountPoint} ${m.fsType} ${m.root} ${m.shared ?? '-'}`);
  const files: string[] = [];
  const visit = (p: string, recurse: boolean) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    files.push(`${p} ${st.mode.toString(8)} ${st.size}`);
    if (recurse && st.isDirectory()) for (const e of fs.readdirSync(p).sort()) visit(path.join(p, e), true);
  };
  for (const d of trees) visit(d, true);
  for (const p of points) visit(p, false);
  return { mounts, files };
}

function assertOneTsnsLine(r: SpawnSyncReturns<string>, pattern: RegExp): void {
  assert.notEqual(r.status, 0, `expected failure, got exit 0: ${r.stdout}`);
  assert.equal(r.signal, null);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line expected on stderr, got: ${r.stderr}`);
  assert.match(lines[0], /^tsns: /);
  assert.match(lines[0], pattern);
  assert.equal(r.stdout, '');
}

describe('tsns pin, unpin, pins', function () {
  this.timeout(30000);
  let testDir: string;
  let markDir: string;
  let sharedDir: string;
  const names: string[] = [];
  const uniqueName = (what: string) => {
    const n = `tsns-test-${what}-${process.pid}`;
    names.push(n);
    return n;
  };
  const ALL_TYPES = ['mnt', 'net', 'ipc', 'user', 'pid', 'uts', 'cgroup', 'time'];
  const watched = () => ({
    trees: [testDir],
    points: [
      NETNS_RUN_DIR,
      PIN_RUN_DIR,
      ...ALL_TYPES.map((t) => path.join(PIN_RUN_DIR, t)),
      ...names.flatMap((n) => [path.join(NETNS_RUN_DIR, n), ...ALL_TYPES.map((t) => path.join(PIN_RUN_DIR, t, n))]),
    ],
  });

  // Named-pin directories the tests may make; removed afterwards if they did not exist before.
  const managedDirs = [NETNS_RUN_DIR, path.join(PIN_RUN_DIR, 'mnt'), path.join(PIN_RUN_DIR, 'uts'), path.join(PIN_RUN_DIR, 'net'), PIN_RUN_DIR];
  const preexisting = new Set<string>();

  let leavePrivateRun: (() => void) | undefined;

  before(async () => {
    // Named pins go in /run/netns and /run/tsns, which other suites on this host use at the same time:
    // this suite has a /run of its own, so it neither sees their pins nor removes their directories.
    leavePrivateRun = await enterPrivateRun();
    for (const d of managedDirs) if (fs.existsSync(d)) preexisting.add(d);
    testDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-pin-'));
    fs.chmodSync(testDir, 0o755);
    // Mount namespaces can only be pinned where mounts do not propagate: make the test directory a
    // private mount of its own, as unshare(1) documents for --mount=FILE (/ is shared on systemd hosts).
    ok(run(['mount', '--bind', testDir, testDir]));
    ok(run(['mount', '--make-private', testDir]));
    markDir = path.join(testDir, 'mark');
    fs.mkdirSync(markDir);
    // A shared mount with a peer: a mount namespace pinned there would propagate.
    sharedDir = path.join(testDir, 'shared');
    fs.mkdirSync(sharedDir);
    fs.mkdirSync(path.join(testDir, 'peer'));
    ok(run(['mount', '-t', 'tmpfs', 'tsns-pin-shared', sharedDir]));
    ok(run(['mount', '--make-shared', sharedDir]));
    ok(run(['mount', '--bind', sharedDir, path.join(testDir, 'peer')]));
  });

  afterEach(async () => {
    while (holders.length) await killHolder(holders.pop() as Holder);
    stopAllContainers();
  });

  after(() => {
    // Unmount everything under the test directory (deepest first), the named pins, then remove files.
    const under = mountinfo()
      .filter((m) => m.mountPoint.startsWith(testDir + '/'))
      .sort((a, b) => b.mountPoint.length - a.mountPoint.length || b.mountId - a.mountId);
    for (const m of under) run(['umount', '-l', m.mountPoint]);
    run(['umount', '-l', testDir]);
    fs.rmSync(testDir, { recursive: true, force: true });
    for (const name of names) {
      for (const p of [path.join(NETNS_RUN_DIR, name), ...ALL_TYPES.map((t) => path.join(PIN_RUN_DIR, t, name))]) {
        while (mountedAt(p).length) run(['umount', '-l', p]);
        fs.rmSync(p, { force: true });
      }
    }
    for (const d of managedDirs) {
      if (preexisting.has(d) || !fs.existsSync(d) || fs.readdirSync(d).length) continue;
      while (mountedAt(d).length) run(['umount', '-l', d]);
      fs.rmdirSync(d);
    }
    leavePrivateRun?.();
  });

  describe('library', () => {
    it('maps a bare NAME to /run/netns (net) or /run/tsns/TYPE, and a path to itself', () => {
      assert.equal(resolvePinDestination('net', 'blue'), '/run/netns/blue');
      assert.equal(resolvePinDestination('uts', 'blue'), '/run/tsns/uts/blue');
      assert.equal(resolvePinDestination('mnt', 'blue'), '/run/tsns/mnt/blue');
      assert.equal(resolvePinDestination('net', './blue'), path.resolve('blue'));
      assert.equal(resolvePinDestination('ipc', '/x/y'), '/x/y');
      assert.equal(isPinName('..'), false);
      assert.throws(() => resolvePinDestination('bogus' as 'net', 'x'), /unknown namespace type 'bogus'/);
    });

    it('checkPinDestination refuses what pinNamespace would, creating nothing', () => {
      const before = snapshot(watched());
      assert.equal(checkPinDestination('uts', path.join(testDir, 'free')), path.join(testDir, 'free'));
      assert.equal(checkPinDestination('net', 'tsns-check-only'), path.join(NETNS_RUN_DIR, 'tsns-check-only'));
      assert.throws(() => checkPinDestination('uts', path.join(testDir, 'nodir', 'x')), /no such directory/);
      assert.throws(() => checkPinDestination('uts', testDir), /is a directory/);
      assert.throws(() => checkPinDestination('mnt', path.join(sharedDir, 'm')), /on a shared mount/);
      assert.equal(checkPinDestination('uts', path.join(sharedDir, 'm')), path.join(sharedDir, 'm'));
      const empty = path.join(testDir, 'lib-empty');
      fs.writeFileSync(empty, '');
      assert.throws(
        () => checkPinDestination('uts', empty),
        (err: Error) => err instanceof ExistingFileError && (err as ExistingFileError).code === 'EEXIST',
      );
      assert.equal(checkPinDestination('uts', empty, { force: true }), empty);
      fs.unlinkSync(empty);
      assert.throws(() => checkPinDestination('uts', '/proc/version', { force: true }), /on a proc file system/);
      assert.deepEqual(snapshot(watched()), before);
    });

    it('pinNamespace, listPins and unpin in-process', async () => {
      const h = await startHolder(markDir);
      const file = path.join(testDir, 'lib-ipc');
      const result = pinNamespace(`/proc/${h.pid}/ns/ipc`, 'ipc', file);
      assert.deepEqual(result, { path: file, type: 'ipc', ns: nsInode(h.pid, 'ipc'), alreadyPinned: false, createdFile: true });
      await killHolder(h);
      const listed = listPins({ types: ['ipc'] }).find((p) => p.path === file);
      assert.ok(listed);
      assert.equal(listed.nprocs, 0);
      assert.equal(listed.mountNamespace, nsInode('self', 'mnt'));
      assert.throws(() => pinNamespace(`/proc/self/ns/uts`, 'ipc', path.join(testDir, 'lib-x')), /is a uts namespace, not ipc/);
      assert.throws(() => pinNamespace(`/proc/self/ns/ipc`, 'uts', path.join(testDir, 'lib-x')), /is an ipc namespace, not uts/);
      // A relative path is relative to the working directory (unshare's --net=FILE), never a NAME.
      const cwd = process.cwd();
      process.chdir(testDir);
      try {
        assert.equal(pinNamespace(`/proc/self/ns/uts`, 'uts', 'lib-relative').path, path.join(testDir, 'lib-relative'));
        unpin(path.join(testDir, 'lib-relative'));
      } finally {
        process.chdir(cwd);
      }
      assert.equal(fs.existsSync(path.join(testDir, 'lib-x')), false);
      assert.equal(unpin(file).removedFile, true);
      assert.equal(fs.existsSync(file), false);
    });
  });

  describe('lifecycle: pin, kill every process, still listed and enterable, unpin, gone', () => {
    const enterChecks: Record<(typeof PINNED_TYPES)[number], { nsenter: string[]; expect: RegExp }> = {
      uts: { nsenter: ['hostname'], expect: new RegExp(`^${HOSTNAME}$`, 'm') },
      net: { nsenter: ['ip', '-o', 'addr', 'show', 'dev', 'lo'], expect: new RegExp(NET_ADDRESS.replace(/\./g, '\\.')) },
      ipc: { nsenter: ['ipcs', '-m'], expect: /^0x[0-9a-f]+ +\d+ +root +604 +73731 /m },
      mnt: { nsenter: ['ls', 'MARK'], expect: /^inside$/m },
    };

    for (const type of PINNED_TYPES) {
      it(`${type}`, async () => {
        const h = await startHolder(markDir);
        const ns = nsInode(h.pid, type);
        assert.notEqual(ns, nsInode('self', type));
        const file = path.join(testDir, `pin-${type}`);
        ok(tsns('pin', String(h.pid), type, file));
        assert.equal(fs.statSync(file).ino, ns);
        const before = pinsJson('-t', type).find((p) => p.path === file);
        assert.ok(before && before.nprocs >= 1, 'listed with its processes while they live');
        // The installed lsns (2.38) sees the same pin in its NSFS column while a process is in there.
        const lsns = JSON.parse(ok(run(['lsns', '-J', '-t', type, '-o', 'NS,NSFS']))) as { namespaces: Array<{ ns: number | string; nsfs: string | null }> };
        const row = lsns.namespaces.find((n) => Number(n.ns) === ns);
        assert.ok(row && (row.nsfs ?? '').split('\n').includes(file), `lsns NSFS: ${row?.nsfs}`);

        await killHolder(h);
        assert.deepEqual(
          pinsJson('-t', type).find((p) => p.path === file),
          { path: file, type, ns, nprocs: 0 },
        );
        // tsns ls --persistent: the namespace with no process left, held by its pin.
        const persistent = (
          JSON.parse(ok(tsns('ls', '--persistent', '-J', '-t', type, '-o', 'NS,TYPE,NPROCS,NSFS,SOURCES'))) as {
            namespaces: Array<{ ns: number; type: string; nprocs: number; nsfs: string | null; sources: string[] }>;
          }
        ).namespaces.find((n) => n.ns === ns);
        assert.ok(persistent, 'listed by tsns ls --persistent');
        assert.equal(persistent.nprocs, 0);
        assert.ok((persistent.nsfs ?? '').split('\n').includes(file), `NSFS ${persistent.nsfs}`);
        assert.ok(persistent.sources.includes('nsfs'));
        const raw = ok(tsns('pins', '-r', '-n', '-t', type)).split('\n');
        assert.ok(raw.includes(`${file} ${type} ${ns} 0`), raw.join('\n'));

        const check = enterChecks[type];
        const cmd = check.nsenter.map((w) => (w === 'MARK' ? markDir : w));
        const inside = ok(run(['nsenter', `--${type === 'mnt' ? 'mount' : type}=${file}`, ...cmd]));
        assert.match(inside, check.expect);
        assert.doesNotMatch(ok(run(cmd)), check.expect, 'the marker is not visible outside the namespace');
        assert.match(ok(tsns('enter', `--${type === 'mnt' ? 'mount' : type}=${file}`, ...cmd)), check.expect, 'tsns enter --TYPE=PATH');
        assert.match(ok(tsns('enter', file, ...cmd)), check.expect, 'tsns enter PATH');

        ok(tsns('unpin', file));
        assert.equal(mountedAt(file).length, 0, 'mount gone');
        assert.equal(fs.existsSync(file), false, 'file removed');
        assert.equal(
          pinsJson().find((p) => p.path === file),
          undefined,
          'no longer listed',
        );
        const after = JSON.parse(ok(tsns('ls', '--persistent', '-J', '-t', type, '-o', 'NS,NSFS'))) as { namespaces: Array<{ nsfs: string | null }> };
        assert.ok(!after.namespaces.some((n) => (n.nsfs ?? '').split('\n').includes(file)), 'gone from tsns ls --persistent');
      });
    }

    it('net by NAME: /run/netns as ip netns sets it up, usable through ip netns exec', async () => {
      const h = await startHolder(markDir);
      const name = uniqueName('net');
      const ns = nsInode(h.pid, 'net');
      ok(tsns('pin', String(h.pid), 'net', name));
      await killHolder(h);
      const file = path.join(NETNS_RUN_DIR, name);
      const dirMount = mountedAt(NETNS_RUN_DIR).pop();
      assert.ok(dirMount && dirMount.shared !== undefined, '/run/netns is a shared mount point, as ip netns makes it');
      assert.ok(
        ok(run(['ip', 'netns', 'list']))
          .split('\n')
          .some((l) => l.split(' ')[0] === name),
      );
      assert.match(ok(run(['ip', 'netns', 'exec', name, 'ip', '-o', 'addr', 'show', 'dev', 'lo'])), new RegExp(NET_ADDRESS.replace(/\./g, '\\.')));
      assert.match(ok(tsns('enter', name, 'ip', '-o', 'addr', 'show', 'dev', 'lo')), new RegExp(NET_ADDRESS.replace(/\./g, '\\.')), 'tsns enter NAME');
      assert.deepEqual(
        pinsJson('-t', 'net').find((p) => p.path === file),
        { path: file, type: 'net', ns, nprocs: 0 },
      );
      ok(tsns('unpin', name));
      assert.equal(fs.existsSync(file), false);
      assert.equal(mountedAt(file).length, 0);
      assert.ok(
        !ok(run(['ip', 'netns', 'list']))
          .split('\n')
          .some((l) => l.split(' ')[0] === name),
      );
    });

    it('mnt by NAME: /run/tsns/mnt is a private mount of its own', async () => {
      const h = await startHolder(markDir);
      const name = uniqueName('mnt');
      ok(tsns('pin', String(h.pid), 'mnt', name));
      await killHolder(h);
      const dirMount = mountedAt(path.join(PIN_RUN_DIR, 'mnt')).pop();
      assert.ok(dirMount, '/run/tsns/mnt is a mount point');
      assert.equal(dirMount.shared, undefined, 'and not shared');
      const file = path.join(PIN_RUN_DIR, 'mnt', name);
      assert.match(ok(run(['nsenter', `--mount=${file}`, 'ls', markDir])), /^inside$/m);
      assert.match(ok(tsns('enter', name, 'ls', markDir)), /^inside$/m, 'tsns enter NAME');
      ok(tsns('unpin', '-t', 'mnt', name));
      assert.equal(fs.existsSync(file), false);
    });

    it('uts by NAME, and pinning the same namespace again changes nothing', async () => {
      const h = await startHolder(markDir);
      const name = uniqueName('uts');
      ok(tsns('pin', String(h.pid), 'uts', name));
      const file = path.join(PIN_RUN_DIR, 'uts', name);
      const before = snapshot(watched());
      ok(tsns('pin', String(h.pid), 'uts', file));
      ok(tsns('pin', file, 'uts', name)); // a pin as TARGET
      assert.deepEqual(snapshot(watched()), before);
      await killHolder(h);
      assert.equal(ok(run(['nsenter', `--uts=${file}`, 'hostname'])).trim(), HOSTNAME);
      assert.equal(ok(tsns('enter', name, 'hostname')).trim(), HOSTNAME, 'tsns enter NAME');
      ok(tsns('unpin', file));
      assert.equal(fs.existsSync(file), false);
    });

    it('an existing empty file: only with --force, and unpin leaves it (tsns did not create it)', async () => {
      const h = await startHolder(markDir);
      const mine = path.join(testDir, 'mine');
      fs.writeFileSync(mine, ''); // touch mine
      assertOneTsnsLine(
        tsns('pin', String(h.pid), 'uts', mine),
        /^tsns: \S+\/mine already exists: tsns pins onto a file it creates; --force pins onto an existing empty file$/,
      );
      assert.equal(mountedAt(mine).length, 0);
      ok(tsns('pin', '--force', String(h.pid), 'uts', mine));
      assert.equal(fs.statSync(mine).ino, nsInode(h.pid, 'uts'));
      assert.equal(ok(tsns('unpin', '-v', mine)), `unpinned uts:[${nsInode(h.pid, 'uts')}] from ${mine} (file kept)\n`);
      assert.deepEqual([fs.existsSync(mine), mountedAt(mine).length, fs.statSync(mine).size], [true, 0, 0]);
      fs.unlinkSync(mine);
    });

    it('unpin removes the file tsns created, by a mark on the file itself (a copy of it is not that file)', async () => {
      const h = await startHolder(markDir);
      const made = path.join(testDir, 'made');
      const copy = path.join(testDir, 'made-copy');
      const mark = (file: string) => run(['python3', '-c', 'import os, sys; print(os.getxattr(sys.argv[1], "user.tsns.pin").decode())', file]);
      ok(tsns('pin', String(h.pid), 'uts', made));
      // Unmounted behind tsns's back (the pinning process long gone): the file and its mark are there.
      ok(run(['umount', made]));
      assert.equal(ok(mark(made)).trim(), `created by tsns pin, inode ${fs.statSync(made).ino}`);
      ok(run(['cp', '-a', made, copy]));
      const copied = mark(copy);
      assert.match(ok(copied).trim(), /^created by tsns pin, inode \d+$/, 'cp -a carries the mark');
      // Pins made by other tools on both: unpin removes tsns's own file only.
      for (const f of [made, copy]) ok(run(['mount', '--bind', `/proc/${h.pid}/ns/uts`, f]));
      const uts = nsInode(h.pid, 'uts');
      assert.equal(ok(tsns('unpin', '-v', made, copy)), `unpinned uts:[${uts}] from ${made} (file removed)\nunpinned uts:[${uts}] from ${copy} (file kept)\n`);
      assert.deepEqual([fs.existsSync(made), fs.existsSync(copy)], [false, true]);
      fs.unlinkSync(copy);
    });

    it('an unpin that unmounted is a success even when the file cannot be removed: one warning, exit 0', async () => {
      const h = await startHolder(markDir);
      const ro = path.join(testDir, 'ro');
      fs.mkdirSync(ro);
      ok(run(['mount', '-t', 'tmpfs', 'tsns-pin-ro', ro]));
      const file = path.join(ro, 'pin');
      ok(tsns('pin', String(h.pid), 'uts', file));
      ok(run(['mount', '-o', 'remount,ro', ro]));
      const r = tsns('unpin', file);
      assert.deepEqual(
        [r.status, r.stdout, r.stderr],
        [0, '', `tsns: warning: unpinned ${file}, but cannot remove the file tsns made there: Read-only file system\n`],
      );
      assert.deepEqual([mountedAt(file).length, fs.existsSync(file)], [0, true]);
      ok(run(['umount', ro]));
    });

    it('ip netns add, then tsns unpin NAME: the pin file in /run/netns goes, as ip netns delete removes it', () => {
      const name = uniqueName('ipnetns');
      ok(run(['ip', 'netns', 'add', name]));
      ok(tsns('unpin', name));
      assert.equal(fs.existsSync(path.join(NETNS_RUN_DIR, name)), false);
      assert.ok(
        !ok(run(['ip', 'netns', 'list']))
          .split('\n')
          .some((l) => l.split(' ')[0] === name),
      );
    });

    it('a container and a namespace id as TARGET; the pin outlives the container', () => {
      const c = startContainer({ hostname: 'tsns-pin-box' });
      const uts = nsInode(c.pid, 'uts');
      const net = nsInode(c.pid, 'net');
      const utsFile = path.join(testDir, 'container-uts');
      const netFile = path.join(testDir, 'container-net');
      ok(tsns('pin', c.id, 'uts', utsFile));
      ok(tsns('pin', `net:[${net}]`, 'net', netFile));
      c.stop();
      assert.equal(ok(run(['nsenter', `--uts=${utsFile}`, 'hostname'])).trim(), 'tsns-pin-box');
      const listed = pinsJson().filter((p) => p.path === utsFile || p.path === netFile);
      assert.deepEqual(listed.map((p) => [p.type, p.ns, p.nprocs]).sort(), [
        ['net', net, 0],
        ['uts', uts, 0],
      ]);
      ok(tsns('unpin', utsFile, netFile));
      assert.equal(fs.existsSync(utsFile) || fs.existsSync(netFile), false);
    });

    it('stacked pins (mount --bind twice): unpin takes the visible one, the file goes with the last', async () => {
      const h = await startHolder(markDir);
      const file = path.join(testDir, 'stacked');
      ok(tsns('pin', String(h.pid), 'uts', file));
      ok(run(['mount', '--bind', `/proc/${h.pid}/ns/net`, file]));
      ok(tsns('unpin', '-t', 'net', file));
      assert.equal(fs.statSync(file).ino, nsInode(h.pid, 'uts'), 'the uts pin under it is still there');
      ok(tsns('unpin', file));
      assert.equal(fs.existsSync(file), false);
      // One pin named twice is unpinned once, without an error after the fact.
      ok(tsns('pin', String(h.pid), 'uts', file));
      ok(tsns('unpin', file, file));
      assert.equal(fs.existsSync(file), false);
    });

    it('pins --all-mounts also lists pins in other mount namespaces', async () => {
      const h = await startHolder(markDir);
      const hidden = path.join(markDir, 'hidden-pin');
      const expected = { path: hidden, type: 'uts', ns: nsInode(h.pid, 'uts'), mntns: nsInode(h.pid, 'mnt') };
      assert.equal(
        pinsJson().find((p) => p.path === hidden),
        undefined,
        'not in our mount table',
      );
      const all = (JSON.parse(ok(tsns('pins', '-A', '-J', '-o', 'PATH,TYPE,NS,MNTNS'))) as { pins: (typeof expected)[] }).pins;
      assert.deepEqual(
        all.find((p) => p.path === hidden),
        expected,
      );
      const table = ok(tsns('pins', '--all-mounts', '-t', 'uts'));
      assert.match(table.split('\n')[0], /^PATH +TYPE +NS +NPROCS +MNTNS$/);
      assert.ok(
        table.split('\n').some((l) => l.startsWith(hidden + ' ') && l.endsWith(` ${expected.mntns}`)),
        table,
      );
    });

    it('--all DIR pins every namespace of the target as DIR/<type>', async () => {
      const h = await startHolder(markDir, ['--pid', '--cgroup', '--time', '--user', '--map-root-user']);
      const dir = path.join(testDir, 'all');
      fs.mkdirSync(dir);
      ok(tsns('pin', String(h.pid), '--all', dir));
      const types = ['mnt', 'net', 'ipc', 'user', 'pid', 'uts', 'cgroup', 'time'];
      const expected = Object.fromEntries(types.map((t) => [t, nsInode(h.pid, t)]));
      await killHolder(h);
      assert.deepEqual(fs.readdirSync(dir).sort(), [...types].sort());
      for (const t of types) assert.equal(fs.statSync(path.join(dir, t)).ino, expected[t], t);
      const listed = pinsJson().filter((p) => p.path.startsWith(dir + '/'));
      assert.equal(listed.length, 8);
      for (const p of listed) assert.equal(p.ns, expected[p.type]);
      assert.equal(ok(run(['nsenter', `--uts=${path.join(dir, 'uts')}`, 'hostname'])).trim(), HOSTNAME);
      ok(tsns('unpin', ...types.map((t) => path.join(dir, t))));
      assert.deepEqual(fs.readdirSync(dir), []);
    });

    it('--all DIR skips the namespaces the target shares with the caller, unless the target named them', async () => {
      const h = await startHolder(markDir); // uts, net, ipc and mnt of its own; user, pid, cgroup, time ours
      const dir = path.join(testDir, 'own-only');
      fs.mkdirSync(dir);
      const out = ok(tsns('pin', '-v', String(h.pid), '--all', dir));
      assert.deepEqual(fs.readdirSync(dir).sort(), ['ipc', 'mnt', 'net', 'uts']);
      for (const t of ['user', 'pid', 'cgroup', 'time']) {
        assert.ok(out.includes(`skipped ${t}: ${t}:[${nsInode('self', t)}] is this process's own ${t} namespace\n`), out);
      }
      // A pin directory names its types: its pin of our own uts namespace is pinned again.
      const named = path.join(testDir, 'named');
      const again = path.join(testDir, 'named-again');
      fs.mkdirSync(named);
      fs.mkdirSync(again);
      ok(tsns('pin', String(process.pid), 'uts', path.join(named, 'uts')));
      ok(tsns('pin', named, '--all', again));
      assert.equal(fs.statSync(path.join(again, 'uts')).ino, nsInode('self', 'uts'));
      // Nothing of its own: nothing to pin.
      assertOneTsnsLine(
        tsns('pin', String(process.pid), '--all', again),
        /^tsns: no namespace to pin: mnt, net, ipc, user, pid, uts, cgroup, time are this process's own$/,
      );
      ok(tsns('unpin', ...['ipc', 'mnt', 'net', 'uts'].map((t) => path.join(dir, t)), path.join(named, 'uts'), path.join(again, 'uts')));
    });
  });

  describe('refusals: one tsns: line, non-zero exit, mount table and files unchanged', () => {
    let h: Holder;
    let taken: string;
    let plainFile: string;
    let openDir: string;

    beforeEach(async () => {
      h = await startHolder(markDir);
      taken = path.join(testDir, 'taken');
      if (!fs.existsSync(taken)) ok(tsns('pin', String(process.pid), 'uts', taken));
      plainFile = path.join(testDir, 'plain');
      fs.writeFileSync(plainFile, '');
      openDir = path.join(testDir, 'open');
      fs.mkdirSync(openDir, { recursive: true });
      fs.chmodSync(openDir, 0o1777);
    });

    function refuse(args: string[], pattern: RegExp, asNobody = false): void {
      const before = snapshot(watched());
      const r = asNobody ? tsnsAsNobody(args) : tsns(...args);
      assertOneTsnsLine(r, pattern);
      assert.deepEqual(snapshot(watched()), before);
    }

    it('no such target', () => {
      refuse(['pin', '2147483', 'uts', path.join(testDir, 'x')], /no process with PID/);
      refuse(['pin', 'no-such-pin-name', 'uts', path.join(testDir, 'x')], /no such target/);
      refuse(['pin', '/etc/hostname', 'uts', path.join(testDir, 'x')], /not a namespace file/);
      refuse(['pin', taken, 'net', path.join(testDir, 'x')], /has no net namespace|is a uts namespace/);
    });

    it('no such type', () => {
      refuse(['pin', String(h.pid), 'bogus', path.join(testDir, 'x')], /unknown namespace type 'bogus'/);
    });

    it('parent directory missing, PATH a directory', () => {
      refuse(['pin', String(h.pid), 'uts', path.join(testDir, 'nodir', 'x')], /no such directory/);
      refuse(['pin', String(h.pid), 'uts', openDir], /is a directory/);
      refuse(['pin', String(h.pid), '--all', path.join(testDir, 'nodir')], /no such directory/);
    });

    it('PATH a symbolic link, a mount point, not a regular file', () => {
      const link = path.join(testDir, 'link');
      if (!fs.existsSync(link)) fs.symlinkSync(plainFile, link);
      refuse(['pin', String(h.pid), 'uts', link], /symbolic link/);
      refuse(['pin', String(h.pid), 'uts', '/dev/null'], /not a regular file/);
      refuse(['pin', String(h.pid), 'uts', '/proc'], /is a directory/);
    });

    it('PATH a file with contents, or one the kernel makes: refused even with --force, the file as it was', () => {
      const full = path.join(testDir, 'full');
      fs.writeFileSync(full, 'keep me\n');
      const keep = path.join(testDir, 'keep-dir');
      fs.mkdirSync(keep, { recursive: true });
      fs.writeFileSync(path.join(keep, 'uts'), 'data');
      for (const force of [[], ['--force']]) {
        refuse(
          ['pin', ...force, String(h.pid), 'uts', full],
          /full is not empty \(8 bytes\): a pin would hide what it holds; pin onto a new path \(tsns creates the file\)$/,
        );
        refuse(
          ['pin', ...force, String(h.pid), 'uts', '/proc/version'],
          /^tsns: \/proc\/version is on a proc file system, whose files the kernel makes: a pin would cover it$/,
        );
        refuse(['pin', ...force, String(h.pid), 'uts', '/sys/kernel/uevent_seqnum'], /is on a sysfs file system/);
        refuse(['pin', ...force, String(h.pid), '--all', keep], /uts is not empty \(4 bytes\)/);
      }
      // tsns run --uts=FILE makes the same checks before it makes any namespace.
      refuse(['run', `--uts=${full}`, 'true'], /full is not empty \(8 bytes\)/);
      assert.equal(fs.readFileSync(full, 'utf8'), 'keep me\n');
      assert.match(fs.readFileSync('/proc/version', 'utf8'), /^Linux version /);
      assert.deepEqual(mountedAt('/proc/version'), []);
    });

    it('PATH already a pin of another namespace', () => {
      refuse(['pin', String(h.pid), 'uts', taken], /already a pin of uts:\[\d+\]/);
      refuse(['pin', String(h.pid), 'net', taken], /already a pin of uts:\[\d+\]/);
    });

    it('--all is all or nothing', () => {
      const dir = path.join(testDir, 'partial');
      fs.mkdirSync(path.join(dir, 'ipc'), { recursive: true });
      refuse(['pin', String(h.pid), '--all', dir], /ipc is a directory/);
      assert.deepEqual(fs.readdirSync(dir), ['ipc']);
    });

    it('a mount namespace on a shared mount, or the caller’s own', () => {
      refuse(['pin', String(h.pid), 'mnt', path.join(sharedDir, 'm')], /shared mount.*loop/);
      refuse(['pin', String(h.pid), '--all', sharedDir], /shared mount/);
      refuse(['pin', String(process.pid), 'mnt', path.join(testDir, 'm')], /own mount namespace/);
    });

    it('a mount namespace the kernel refuses (older than the caller’s): named-pin directory set-up undone', () => {
      const name = uniqueName('older');
      const existed = fs.existsSync(path.join(PIN_RUN_DIR, 'mnt'));
      // Inside a new mount namespace the host's is older: the kernel says EINVAL after tsns made
      // /run/tsns/mnt; the count of its mounts before and after, printed from in there, must agree.
      const script = `b=$(grep -c ' ${PIN_RUN_DIR}' /proc/self/mountinfo); "$@"; rc=$?; a=$(grep -c ' ${PIN_RUN_DIR}' /proc/self/mountinfo); echo "$b $a" >&2; exit $rc`;
      const r = run(['unshare', '--mount', '--propagation=private', 'sh', '-c', script, 'sh', process.execPath, TSNS, 'pin', String(process.pid), 'mnt', name]);
      assert.notEqual(r.status, 0);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0], /^tsns: the kernel refused to pin mnt:\[\d+\]/);
      const [b, a] = lines[1].split(' ');
      assert.equal(a, b, 'no mount left behind in that mount namespace');
      assert.equal(fs.existsSync(path.join(PIN_RUN_DIR, 'mnt', name)), false);
      assert.equal(fs.existsSync(path.join(PIN_RUN_DIR, 'mnt')), existed);
    });

    it('rootless: nobody pins in a user and mount namespace of its own (the privilege is CAP_SYS_ADMIN there)', () => {
      const dir = path.join(openDir, 'rootless');
      fs.mkdirSync(dir, { recursive: true });
      fs.chmodSync(dir, 0o777);
      const { prefix, root, cleanup } = asNobody();
      const script = 'mount -t tmpfs rootless "$0" && "$1" "$2" pin $$ uts "$0/u" && "$1" "$2" pins -r -n -t uts && "$1" "$2" unpin "$0/u" && ls -A "$0"';
      try {
        const out = ok(
          run([
            ...prefix,
            'unshare',
            '--user',
            '--map-root-user',
            '--mount',
            '--uts',
            '--fork',
            'sh',
            '-c',
            script,
            dir,
            process.execPath,
            path.join(root, 'bin', 'tsns'),
          ]),
        );
        assert.match(out, new RegExp(`^${dir}/u uts \\d+ 3$`, 'm'));
        assert.doesNotMatch(out, /^u$/m, 'unpinned and removed');
      } finally {
        cleanup();
      }
      assert.deepEqual(fs.readdirSync(dir), [], 'nothing of it reached the host');
    });

    it('no privilege (user nobody)', () => {
      // Someone else's namespace: not even readable.
      refuse(['pin', String(h.pid), 'uts', path.join(openDir, 'n1')], /Permission denied/, true);
      // Its own namespace: readable, but mounting needs CAP_SYS_ADMIN.
      const mine = spawn('setpriv', [`--reuid=${NOBODY_UID}`, `--regid=${NOBODY_UID}`, '--clear-groups', 'sleep', '1000'], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 100 && fs.statSync(`/proc/${mine.pid}`).uid !== NOBODY_UID; i++) spawnSync('sleep', ['0.01']);
        refuse(['pin', String(mine.pid), 'uts', path.join(openDir, 'n2')], /CAP_SYS_ADMIN/, true);
        refuse(['pin', String(mine.pid), 'net', uniqueName('nobody')], /CAP_SYS_ADMIN/, true);
      } finally {
        mine.kill('SIGKILL');
      }
      refuse(['unpin', taken], /CAP_SYS_ADMIN/, true);
    });

    it('unpin of anything but an nsfs mount unmounts nothing', () => {
      refuse(['unpin', plainFile], /not a mount point/);
      refuse(['unpin', sharedDir], /is a tmpfs mount, not a namespace pin/);
      refuse(['unpin', taken, plainFile], /not a mount point/);
      refuse(['unpin', taken, sharedDir], /not a namespace pin/);
      refuse(['unpin', path.join(testDir, 'nothing-here')], /no such file/);
      refuse(['unpin', 'tsns-no-such-pin'], /no pin named/);
      refuse(['unpin', '/proc'], /proc mount, not a namespace pin/);
      refuse(['unpin'], /no pin given/);
      assert.equal(mountedAt(taken).length, 1, 'the valid pin given with a bad one is still there');
    });

    it('pins: bad type or column', () => {
      refuse(['pins', '-t', 'bogus'], /unknown namespace type/);
      refuse(['pins', '-o', 'PATH,BOGUS'], /unknown column/);
      // The same registry as tsns ls: the same refusals.
      for (const list of ['', ',', '+']) refuse(['pins', '-o', list], /empty column list|unknown column/);
      refuse(['pins', '-Q', 'BOGUS == 1'], /unknown column: BOGUS/);
      refuse(['pins', '-J', '-r'], /mutually exclusive/);
    });
  });
});
