/**
 * Namespaces lsns cannot see, made for real and found by `tsns ls`: one only a thread is in, one only
 * an open fd holds (owned by a user namespace nobody created, itself held only as that owner), one only
 * a socket holds, one pinned inside another mount namespace, and a user namespace that exists only as
 * the parent of another. Each is checked for SOURCES, NPROCS, PID, USER, PNS, ONS and CONTAINER, and
 * against the kernel's own view (/proc links, stat of the pin) rather than against tsns's code.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { firstLine } from './helpers/proc';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tsnsAsNobody } from './helpers/nobody';
import { randomBytes } from 'node:crypto';
import { startContainer, stopAllContainers, type Container } from './fixtures/runc';
import { collect, planLs, renderLs, type LsPlan } from '../src/cli/ls';

const repoRoot = path.resolve(__dirname, '..', '..');
const TSNS = path.join(repoRoot, 'bin', 'tsns');
const KOFFI = require.resolve('koffi');
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWNET = 0x40000000;

function tsns(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [TSNS, ...args], { encoding: 'utf8', timeout: 30000 });
}

function ok(r: SpawnSyncReturns<string>): string {
  assert.equal(r.status, 0, `exit ${r.status} signal ${r.signal}: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout;
}

interface NsRow {
  ns: number;
  type: string;
  nprocs: number;
  pid: number | null;
  user: string | null;
  sources: string[];
  container: string | null;
  pns: number | null;
  ons: number | null;
  nsfs: string | null;
  children?: NsRow[];
}

const COLUMNS = 'NS,TYPE,NPROCS,PID,USER,SOURCES,CONTAINER,PNS,ONS,NSFS';

function lsJson(...args: string[]): NsRow[] {
  return (JSON.parse(ok(tsns('ls', '-J', '-o', COLUMNS, ...args))) as { namespaces: NsRow[] }).namespaces;
}

function row(rows: NsRow[], id: number): NsRow {
  const r = rows.find((x) => x.ns === id);
  assert.ok(r, `namespace ${id} not listed`);
  return r;
}

function inodeOfLink(link: string): number {
  const m = /\[(\d+)\]$/.exec(link);
  assert.ok(m, `not a namespace link: ${link}`);
  return Number(m[1]);
}

function nsInode(pid: number | 'self', type: string): number {
  return inodeOfLink(fs.readlinkSync(`/proc/${pid}/ns/${type}`));
}

const HOST_USER = nsInode('self', 'user');

const children: ChildProcess[] = [];
let tmp = '';

function start(cmd: string, args: string[], options: { uid?: number; gid?: number } = {}): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.push(child);
  return child;
}

async function until(what: string, cond: () => boolean, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (cond()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('holder sources: namespaces no process is in (real fixtures)', function () {
  this.timeout(60000);

  /** A Node process whose one worker thread unshared UTS: only that thread is in the new namespace. */
  let threadHolder: ChildProcess;
  let threadUts = 0;
  let threadTid = 0;

  /** A sleep holding fd 3 on a network namespace whose processes are gone; nobody owns its user ns. */
  let fdHolder: ChildProcess;
  let fdNet = 0;
  let fdOwner = 0;

  /** A Node process holding sockets made in a network namespace it left again. */
  let socketHolder: ChildProcess;
  let socketNet = 0;

  /** A process keeping a private mount namespace alive, in which a UTS namespace is pinned. */
  let mntHolder: ChildProcess;
  let pinPath = '';
  let pinnedUts = 0;
  /** A network namespace pinned in that same mount namespace only (unshare --net=FILE there). */
  let pinnedNet = 0;

  /** A runc container known only by its docker-shaped cgroup (its state lies outside /run). */
  let container: Container;
  let containerId = '';
  let pinMnt = 0;

  /** sleep in a user namespace whose parent no process is in. */
  let nested: ChildProcess;
  let innerUser = 0;
  let outerUser = 0;

  let rows: NsRow[];

  before(async function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-sources-'));

    // Thread-only: unshare in a worker thread. Namespaces are per thread; /proc/PID/ns (the leader's
    // view) does not change.
    threadHolder = start(process.execPath, [
      '-e',
      `const { Worker } = require('node:worker_threads');
       const w = new Worker(\`
         const koffi = require(${JSON.stringify(KOFFI)});
         const unshare = koffi.load('libc.so.6').func('int unshare(int)');
         if (unshare(${CLONE_NEWUTS}) !== 0) throw new Error('unshare failed');
         const fs = require('node:fs');
         const tid = fs.readlinkSync('/proc/thread-self').split('/').pop();
         require('node:worker_threads').parentPort.postMessage(tid + ' ' + fs.readlinkSync('/proc/thread-self/ns/uts'));
         setInterval(() => {}, 1e6);\`, { eval: true });
       w.on('message', (m) => console.log(m));
       setInterval(() => {}, 1e6);`,
    ]);
    const [tid, utsLink] = (await firstLine(threadHolder, 'thread fixture')).split(' ');
    threadTid = Number(tid);
    threadUts = inodeOfLink(utsLink);

    // fd-only: a network namespace in a user namespace made by nobody; a root sleep opens it as fd 3;
    // then its only process is killed.
    const creator = start('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'unshare', '-Urn', 'sleep', '1000000']);
    await until('unshare -Urn', () => nsInode(creator.pid as number, 'user') !== HOST_USER);
    fdNet = nsInode(creator.pid as number, 'net');
    fdOwner = nsInode(creator.pid as number, 'user');
    fdHolder = start('sh', ['-c', `exec sleep 1000000 3</proc/${creator.pid}/ns/net`]);
    await until('fd holder', () => fs.readlinkSync(`/proc/${fdHolder.pid}/fd/3`) === `net:[${fdNet}]`);
    await killAndWait(creator);

    // Socket-only: the main thread enters a new network namespace, makes two sockets there with plain
    // socket(2), and goes back; no thread of anything is left in that namespace.
    socketHolder = start(process.execPath, [
      '-e',
      `const koffi = require(${JSON.stringify(KOFFI)});
       const lib = koffi.load('libc.so.6');
       const unshare = lib.func('int unshare(int)');
       const setns = lib.func('int setns(int, int)');
       const socket = lib.func('int socket(int, int, int)');
       const fs = require('node:fs');
       const home = fs.openSync('/proc/thread-self/ns/net', 'r');
       if (unshare(${CLONE_NEWNET}) !== 0) throw new Error('unshare failed');
       const made = fs.readlinkSync('/proc/thread-self/ns/net');
       if (socket(1, 2, 0) < 0 || socket(2, 2, 0) < 0) throw new Error('socket failed'); // AF_UNIX and AF_INET datagram
       if (setns(home, ${CLONE_NEWNET}) !== 0) throw new Error('setns failed');
       fs.closeSync(home);
       console.log(made);
       setInterval(() => {}, 1e6);`,
    ]);
    socketNet = inodeOfLink(await firstLine(socketHolder, 'socket fixture'));
    assert.notEqual(nsInode(socketHolder.pid as number, 'net'), socketNet);

    // A UTS namespace pinned (unshare --uts=FILE) inside a private mount namespace: invisible from ours.
    pinPath = path.join(tmp, 'uts-pin');
    fs.writeFileSync(pinPath, '');
    const netPinPath = path.join(tmp, 'net-pin');
    fs.writeFileSync(netPinPath, '');
    mntHolder = start('unshare', [
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      `unshare --uts=${pinPath} true && unshare --net=${netPinPath} true && echo ready && exec sleep 1000000`,
    ]);
    await firstLine(mntHolder, 'mount namespace fixture');
    pinMnt = nsInode(mntHolder.pid as number, 'mnt');
    pinnedUts = fs.statSync(`/proc/${mntHolder.pid}/root${pinPath}`).ino;
    pinnedNet = fs.statSync(`/proc/${mntHolder.pid}/root${netPinPath}`).ino;
    assert.notEqual(fs.statSync(netPinPath).ino, pinnedNet);

    containerId = randomBytes(32).toString('hex');
    container = startContainer({
      id: `tsns-sources-${process.pid}`,
      root: path.join(tmp, 'runc'),
      cgroupsPath: `/tsns-sources-${process.pid}/docker-${containerId}.scope`,
    });
    assert.notEqual(fs.statSync(pinPath).ino, pinnedUts, 'the pin must not be visible in our mount namespace');

    // A user namespace with no process, only a child: the outer unshare execs the inner one.
    nested = start('unshare', ['-Ur', 'sh', '-c', 'readlink /proc/self/ns/user; exec unshare -U sleep 1000000']);
    outerUser = inodeOfLink(await firstLine(nested, 'nested user namespaces'));
    await until(
      'inner user namespace',
      () => nsInode(nested.pid as number, 'user') !== outerUser && fs.readlinkSync(`/proc/${nested.pid}/exe`).endsWith('sleep'),
    );
    innerUser = nsInode(nested.pid as number, 'user');

    rows = lsJson();
  });

  after(async function () {
    stopAllContainers();
    await Promise.all(children.map(killAndWait));
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("a namespace only a thread is in: SOURCES task, that thread's process as PID, NPROCS 0", function () {
    assert.notEqual(nsInode(threadHolder.pid as number, 'uts'), threadUts, 'the leader must not be in it');
    assert.equal(inodeOfLink(fs.readlinkSync(`/proc/${threadHolder.pid}/task/${threadTid}/ns/uts`)), threadUts);
    const r = row(rows, threadUts);
    assert.deepEqual(
      { type: r.type, nprocs: r.nprocs, pid: r.pid, sources: r.sources, ons: r.ons, pns: r.pns, container: r.container, user: r.user },
      { type: 'uts', nprocs: 0, pid: threadHolder.pid, sources: ['task'], ons: HOST_USER, pns: 0, container: null, user: 'root' },
    );
    // lsns (processes only) does not list it.
    const lsns = spawnSync('lsns', ['-J', '-t', 'uts'], { encoding: 'utf8' });
    assert.ok(!(JSON.parse(lsns.stdout) as { namespaces: { ns: number }[] }).namespaces.some((n) => n.ns === threadUts));
  });

  it("a thread id is a target as nsenter -t takes one: enter, ls -p and pin reach the thread's own namespace", function () {
    const tid = String(threadTid);
    const own = `uts:[${threadUts}]`;
    const readUts = ['readlink', '/proc/self/ns/uts'];
    assert.equal(ok(spawnSync('nsenter', ['-t', tid, '-u', ...readUts], { encoding: 'utf8' })).trim(), own, 'nsenter -t TID');
    assert.equal(ok(tsns('enter', tid, '-u', '--', ...readUts)).trim(), own, 'enter TID -u');
    assert.equal(ok(tsns('enter', '-t', tid, '-u', ...readUts)).trim(), own, 'enter -t TID -u');
    // With nothing named: every namespace of the thread not already ours, its own uts among them.
    assert.equal(ok(tsns('enter', tid, '--', ...readUts)).trim(), own, 'enter TID');
    // ls -p TID: the thread's namespaces, every type, as /proc/TID/ns shows them.
    const listed = lsJson('-p', tid)
      .map((r) => `${r.type}:[${r.ns}]`)
      .sort();
    const links = ['mnt', 'net', 'ipc', 'user', 'pid', 'uts', 'cgroup', 'time'].map((t) => fs.readlinkSync(`/proc/${tid}/ns/${t}`)).sort();
    assert.deepEqual(listed, links);
    assert.equal(row(lsJson('-p', tid, '-t', 'uts'), threadUts).pid, threadHolder.pid);
    // pin TID uts FILE pins the thread's namespace, not its process's.
    const file = path.join(tmp, 'thread-uts');
    ok(tsns('pin', tid, 'uts', file));
    try {
      assert.equal(fs.statSync(file).ino, threadUts);
      assert.equal(ok(spawnSync('nsenter', [`--uts=${file}`, ...readUts], { encoding: 'utf8' })).trim(), own);
    } finally {
      ok(tsns('unpin', file));
    }
  });

  it("PATH is a way into the row's own namespace that nsenter takes; empty where none exists", function () {
    // A pin in our own mount namespace, its namespace's only holder (unshare --uts=FILE: util-linux's).
    const ownPin = path.join(tmp, 'own-uts-pin');
    fs.writeFileSync(ownPin, '');
    ok(spawnSync('unshare', [`--uts=${ownPin}`, 'true'], { encoding: 'utf8' }));
    try {
      const ownPinned = fs.statSync(ownPin).ino;
      const pathOf = new Map(
        (JSON.parse(ok(tsns('ls', '-J', '-o', 'NS,TYPE,PATH'))) as { namespaces: { ns: number; type: string; path: string | null }[] }).namespaces.map((r) => [
          r.ns,
          r,
        ]),
      );
      const ways: [string, number, string][] = [
        ['only a thread is in it', threadUts, `/proc/${threadHolder.pid}/task/${threadTid}/ns/uts`],
        ['only an fd holds it', fdNet, `/proc/${fdHolder.pid}/fd/3`],
        ['only a pin here holds it', ownPinned, ownPin],
        ['only a pin in another mount namespace holds it', pinnedUts, `/proc/${mntHolder.pid}/root${pinPath}`],
        ['a process is in it', pinMnt, `/proc/${mntHolder.pid}/ns/mnt`],
      ];
      for (const [what, id, way] of ways) {
        const r = pathOf.get(id);
        assert.ok(r, `${what}: ${id} not listed`);
        assert.equal(r.path, way, what);
        // The real nsenter, given that PATH, is in exactly that namespace.
        const option = r.type === 'mnt' ? 'mount' : r.type;
        const inside = spawnSync('nsenter', [`--${option}=${r.path}`, 'readlink', `/proc/self/ns/${r.type}`], { encoding: 'utf8' });
        assert.equal(ok(inside).trim(), `${r.type}:[${id}]`, `${what}: nsenter --${option}=${r.path}`);
      }
      for (const [what, id] of [
        ['only a socket holds it', socketNet],
        ['known only as a parent', outerUser],
        ['known only as an owner', fdOwner],
      ] as [string, number][]) {
        assert.equal(pathOf.get(id)?.path, null, what);
      }
    } finally {
      spawnSync('umount', [ownPin]);
    }
  });

  it('a namespace only an fd holds: SOURCES fd, holder as PID, USER from its owner (nobody), owner listed as owner', function () {
    const r = row(rows, fdNet);
    assert.deepEqual(
      { type: r.type, nprocs: r.nprocs, pid: r.pid, sources: r.sources, ons: r.ons, pns: r.pns, user: r.user, container: r.container },
      { type: 'net', nprocs: 0, pid: fdHolder.pid, sources: ['fd'], ons: fdOwner, pns: 0, user: 'nobody', container: null },
    );
    // Its owner has no process either: found as an owner, created by nobody, child of ours.
    const owner = row(rows, fdOwner);
    assert.deepEqual(
      { type: owner.type, nprocs: owner.nprocs, pid: owner.pid, sources: owner.sources, pns: owner.pns, ons: owner.ons, user: owner.user },
      { type: 'user', nprocs: 0, pid: null, sources: ['owner'], pns: HOST_USER, ons: HOST_USER, user: 'nobody' },
    );
  });

  it('a namespace only a socket holds: SOURCES socket, holder as PID, NPROCS 0', function () {
    const r = row(rows, socketNet);
    assert.deepEqual(
      { type: r.type, nprocs: r.nprocs, pid: r.pid, sources: r.sources, ons: r.ons, pns: r.pns, user: r.user, container: r.container },
      { type: 'net', nprocs: 0, pid: socketHolder.pid, sources: ['socket'], ons: HOST_USER, pns: 0, user: 'root', container: null },
    );
  });

  it('a socket made on the host and held inside another network namespace counts for the host', async function () {
    // Node gives a child its stdio as socketpairs made here, in our network namespace.
    const inside = start('unshare', ['-n', 'sh', '-c', 'echo ready; exec sleep 1000000']);
    await firstLine(inside, 'unshare -n');
    const theirs = nsInode(inside.pid as number, 'net');
    assert.ok(fs.readlinkSync(`/proc/${inside.pid}/fd/1`).startsWith('socket:['));
    const now = lsJson('-t', 'net');
    assert.deepEqual(row(now, theirs).sources, ['process']);
    assert.ok(row(now, nsInode('self', 'net')).sources.includes('socket'));
    await killAndWait(inside);
  });

  it('a pin inside another mount namespace: SOURCES nsfs, NSFS says which mount namespace', function () {
    const r = row(rows, pinnedUts);
    assert.deepEqual(
      { type: r.type, nprocs: r.nprocs, pid: r.pid, sources: r.sources, nsfs: r.nsfs, ons: r.ons, pns: r.pns },
      { type: 'uts', nprocs: 0, pid: null, sources: ['nsfs'], nsfs: `${pinPath} (mnt:[${pinMnt}])`, ons: HOST_USER, pns: 0 },
    );
    // The mount namespace holding the pin is itself listed, by its process.
    assert.equal(row(rows, pinMnt).pid, mntHolder.pid);
  });

  it('a user namespace that is only a parent: SOURCES parent+owner, and PNS/ONS of its child point at it', function () {
    const outer = row(rows, outerUser);
    assert.deepEqual(
      { type: outer.type, nprocs: outer.nprocs, pid: outer.pid, sources: outer.sources, pns: outer.pns, ons: outer.ons, user: outer.user },
      { type: 'user', nprocs: 0, pid: null, sources: ['parent', 'owner'], pns: HOST_USER, ons: HOST_USER, user: 'root' },
    );
    const inner = row(rows, innerUser);
    assert.deepEqual(
      { nprocs: inner.nprocs, pid: inner.pid, sources: inner.sources, pns: inner.pns, ons: inner.ons },
      { nprocs: 1, pid: nested.pid, sources: ['process'], pns: outerUser, ons: outerUser },
    );
  });

  it('-T parent and -T owner put the process-less user namespace between ours and its child', function () {
    for (const tree of ['parent', 'owner']) {
      const top = lsJson('-t', 'user', `--tree=${tree}`);
      const host = top.find((r) => r.ns === HOST_USER);
      assert.ok(host?.children, `${tree}: our user namespace has no children`);
      const outer = host.children.find((r) => r.ns === outerUser);
      assert.ok(outer?.children, `${tree}: ${outerUser} not under ${HOST_USER}`);
      assert.ok(
        outer.children.some((r) => r.ns === innerUser),
        `${tree}: ${innerUser} not under ${outerUser}`,
      );
    }
  });

  it('--persistent lists exactly the namespaces with no process among the fixtures', function () {
    const persistent = new Set(lsJson('--persistent').map((r) => r.ns));
    for (const id of [threadUts, fdNet, fdOwner, socketNet, pinnedUts, outerUser]) assert.ok(persistent.has(id), `${id} missing from -P`);
    for (const id of [innerUser, pinMnt]) assert.ok(!persistent.has(id), `${id} has a process but is in -P`);
  });

  it('-t narrows what is shown, never what is found: a net namespace pinned only in another mount namespace is in ls -t net', function () {
    for (const args of [[], ['-t', 'net'], ['-t', 'net', '-P'], ['-t', 'net', '-t', 'uts']]) {
      const r = row(lsJson(...args), pinnedNet);
      assert.deepEqual({ type: r.type, nprocs: r.nprocs, sources: r.sources }, { type: 'net', nprocs: 0, sources: ['nsfs'] }, args.join(' '));
    }
    // A container known only by its cgroup is found through mount namespaces: with -t uts too.
    assert.deepEqual(
      lsJson('-t', 'uts', '--container', containerId).map((r) => r.ns),
      [nsInode(container.pid, 'uts')],
    );
  });

  it('every -t, -p and --container combination shows the rows the unfiltered scan shows for that selection', function () {
    this.timeout(120000);
    // In-process (the ls command's own planning, scan and JSON rendering): one unfiltered scan, then each
    // selection. Compared on the fixtures' own namespaces (the rest of the host changes meanwhile);
    // every row shown must fit the selection.
    const listing = (args: string[]): NsRow[] => {
      const plan = planLs(['-J', '-l', '--output-all', ...args], false) as LsPlan;
      return (JSON.parse(renderLs(plan, collect(plan))) as { namespaces: NsRow[] }).namespaces;
    };
    const everything = listing([]);
    const links = (pid: number | undefined) => new Set(['mnt', 'net', 'ipc', 'user', 'pid', 'uts', 'cgroup', 'time'].map((t) => nsInode(pid as number, t)));
    const hostOwn = links(process.pid);
    const fixtures = new Set(
      [...[threadUts, fdNet, fdOwner, socketNet, pinnedUts, pinnedNet, outerUser, innerUser], ...links(mntHolder.pid), ...links(container.pid)].filter(
        (id) => !hostOwn.has(id),
      ),
    );
    const byId = new Map(everything.map((r) => [r.ns, r]));
    for (const id of fixtures) assert.ok(byId.has(id), `${id} not in the unfiltered scan`);
    const typeSets: string[][] = [[], ...['mnt', 'net', 'ipc', 'user', 'pid', 'uts', 'cgroup', 'time'].map((t) => [t]), ['net', 'user']];
    const selections: { args: string[]; keeps: (r: NsRow) => boolean }[] = [
      { args: [], keeps: () => true },
      { args: ['-p', String(mntHolder.pid)], keeps: (r) => links(mntHolder.pid).has(r.ns) },
      { args: ['-p', String(container.pid)], keeps: (r) => links(container.pid).has(r.ns) },
      { args: ['--container', containerId], keeps: (r) => r.container === containerId },
      { args: ['-p', String(container.pid), '--container', containerId], keeps: (r) => r.container === containerId },
      { args: ['-P'], keeps: (r) => r.nprocs === 0 },
    ];
    // Each type alone, each selection alone, and each selection with two types: 8 + 5 + 5 scans.
    const combinations = [
      ...typeSets.slice(1).map((types) => ({ types, sel: selections[0] })),
      ...selections.slice(1).flatMap((sel) => [typeSets[0], typeSets[typeSets.length - 1]].map((types) => ({ types, sel }))),
    ];
    let compared = 0;
    for (const { types, sel } of combinations) {
      const args = [...types.flatMap((t) => ['-t', t]), ...sel.args];
      const shown = listing(args);
      const fits = (r: NsRow) => (types.length === 0 || types.includes(r.type)) && sel.keeps(r);
      for (const r of shown) assert.ok(fits(r), `ls ${args.join(' ')}: ${r.type}:[${r.ns}] does not fit`);
      const want = everything.filter((r) => fixtures.has(r.ns) && fits(r));
      assert.deepEqual(
        shown.filter((r) => fixtures.has(r.ns)),
        want,
        `ls ${args.join(' ')}`,
      );
      compared += want.length;
    }
    assert.ok(compared > 30, `only ${compared} rows compared`);
  });

  it('-t filters the holder sources too', function () {
    const netOnly = lsJson('-t', 'net');
    assert.ok(netOnly.every((r) => r.type === 'net'));
    assert.ok(netOnly.some((r) => r.ns === fdNet) && netOnly.some((r) => r.ns === socketNet));
  });

  it('as nobody: no error, no half row; what nobody cannot read is quietly left out', function () {
    const r = tsnsAsNobody(['ls', '-J', '-o', COLUMNS]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const seen = (JSON.parse(r.stdout) as { namespaces: NsRow[] }).namespaces;
    assert.ok(seen.length > 0 && seen.every((x) => x.sources.length > 0));
    // root's fd and socket holders are not nobody's to look into.
    assert.ok(!seen.some((x) => x.ns === fdNet || x.ns === socketNet));
  });

  it('the same namespaces reach the library: scan() from dist', function () {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { scan } = require('../src/scan/index') as typeof import('../src/scan/index');
    const model = scan({ details: 'none' });
    assert.deepEqual([...(model.namespaces.get(threadUts)?.sources ?? [])], ['task']);
    assert.deepEqual([...(model.namespaces.get(socketNet)?.sources ?? [])], ['socket']);
    assert.equal(model.namespaces.get(pinnedUts)?.nsfs[0]?.mountNamespace, pinMnt);
  });
});
