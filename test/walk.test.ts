/**
 * src/proc/walk.ts (native/walk.c, in the addon native/tsns.node) on real fixtures, against what node:fs readlink and /proc
 * say for the same processes: a process in new namespaces, fds holding namespaces, sockets, a worker
 * thread in a UTS namespace of its own, a zombie, PID 1's links (unreadable here even for root),
 * processes exiting mid-walk, a buffer too small, and the details of a list of processes.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NS_TYPES, type NsType } from '../src/sys/constants';
import { SysError } from '../src/sys/errors';
import { NS_ABSENT, NS_DENIED, readHierarchy, readProcessDetails, walkProc, type HeldNamespaces, type NamespaceWay, type ProcWalk } from '../src/proc/walk';
import { close, fdInode, nsGetOwnerUid, nsGetParent, nsGetUserns, openReadOnly } from '../src/sys/libc';
import { killAll, unshareProcess, type NsProcess } from './helpers/ns';
import { childrenOf, firstLine, procState, waitFor } from './helpers/proc';

const KOFFI = require.resolve('koffi');
const CLONE_NEWUTS = 0x04000000;

/** What readlink says of a link: its inode, or the walker's marker for the error. */
function readlinkValue(link: string): number {
  try {
    const text = fs.readlinkSync(link);
    return Number(text.slice(text.indexOf(':[') + 2, -1));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return NS_ABSENT;
    if (code === 'EACCES' || code === 'EPERM') return NS_DENIED;
    throw err;
  }
}

function linksOf(pid: number, types: readonly NsType[] = NS_TYPES): number[] {
  return types.map((t) => readlinkValue(`/proc/${pid}/ns/${t}`));
}

function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function rowOf(walk: ProcWalk, pid: number): number[] | undefined {
  const i = walk.pids.indexOf(pid);
  if (i < 0) return undefined;
  const n = walk.types.length;
  return Array.from(walk.ns.subarray(i * n, (i + 1) * n));
}

/** Entries of one process, as "TYPE fd|tid inode" strings, sorted. */
function heldBy(held: HeldNamespaces, pid: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < held.length; i++) if (held.pid[i] === pid) out.push(`${NS_TYPES[held.type[i]]} ${held.id[i]} ${held.inode[i]}`);
  return out.sort();
}

function socketsOf(walk: ProcWalk, pid: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < walk.sockets.length; i++) if (walk.sockets.pid[i] === pid) out.push(`${walk.sockets.fd[i]} ${walk.sockets.inode[i]}`);
  return out.sort();
}

/** The nsfs fds (of `types`) and socket fds of a process, by readlink of each /proc/PID/fd entry. */
function fdsByReadlink(pid: number, types: readonly NsType[] = NS_TYPES): { ns: string[]; sockets: string[] } {
  const ns: string[] = [];
  const sockets: string[] = [];
  for (const name of fs.readdirSync(`/proc/${pid}/fd`)) {
    let link: string;
    try {
      link = fs.readlinkSync(`/proc/${pid}/fd/${name}`);
    } catch {
      continue;
    }
    const m = /^([a-z]+):\[(\d+)\]$/.exec(link);
    if (!m) continue;
    if (m[1] === 'socket') sockets.push(`${name} ${m[2]}`);
    else if ((types as readonly string[]).includes(m[1])) ns.push(`${m[1]} ${name} ${m[2]}`);
  }
  return { ns: ns.sort(), sockets: sockets.sort() };
}

function kill(child: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('walkProc and readProcessDetails: the native /proc walk (real fixtures, against readlink)', function () {
  this.timeout(60000);

  /** sleep in new uts, ipc and net namespaces. */
  let inNew: NsProcess;
  /** sleep holding fd 3 on inNew's net namespace and fd 4 on its uts namespace. */
  let fdHolder: ChildProcess;
  /**
   * A Node process: a worker thread that unshared UTS (only that thread is in it), a listening unix
   * socket, and a command line with UTF-8 and an argument past lsns's 8 KiB.
   */
  let nodeHolder: ChildProcess;
  let threadTid = 0;
  let threadUts = 0;
  const longArg = 'x'.repeat(9000);
  const utf8Arg = 'naïve-日本';
  /** sleep in a user namespace whose parent (made by the outer unshare, which exec'd) has no process. */
  let nested: NsProcess;
  /** A zombie, in a pid namespace of its own so its init reaps it when the fixture goes. */
  let zombieHost: NsProcess;
  let zombie = 0;
  let tmp = '';

  before(async function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-walk-'));
    inNew = await unshareProcess(['--uts', '--ipc', '--net'], ['sleep', '1000']);
    fdHolder = spawn('sh', ['-c', `exec sleep 1000 3</proc/${inNew.pid}/ns/net 4</proc/${inNew.pid}/ns/uts`], { stdio: 'ignore' });
    await waitFor('the fd holder', () => {
      try {
        return fs.readlinkSync(`/proc/${fdHolder.pid}/fd/4`).startsWith('uts:') ? true : undefined;
      } catch {
        return undefined;
      }
    });
    const socketPath = path.join(tmp, 'sock');
    nodeHolder = spawn(
      process.execPath,
      [
        '-e',
        `const { Worker } = require('node:worker_threads');
         const w = new Worker(\`
           const koffi = require(${JSON.stringify(KOFFI)});
           if (koffi.load('libc.so.6').func('int unshare(int)')(${CLONE_NEWUTS}) !== 0) throw new Error('unshare failed');
           const fs = require('node:fs');
           const tid = fs.readlinkSync('/proc/thread-self').split('/').pop();
           require('node:worker_threads').parentPort.postMessage(tid + ' ' + fs.readlinkSync('/proc/thread-self/ns/uts'));
           setInterval(() => {}, 1e6);\`, { eval: true });
         require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => w.on('message', (m) => console.log(m)));
         setInterval(() => {}, 1e6);`,
        utf8Arg,
        longArg,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const [tid, link] = (await firstLine(nodeHolder, 'the thread fixture')).split(' ');
    threadTid = Number(tid);
    threadUts = Number(link.slice(5, -1));
    nested = await unshareProcess(['-Ur', '--pid', '--fork'], ['sh', '-c', 'exec unshare -U sleep 1000'], { ready: 'sleep 1000' });
    zombieHost = await unshareProcess(['--pid', '--fork'], ['sh', '-c', 'sleep 0 & exec sleep 1000'], { ready: 'sleep 1000' });
    zombie = await waitFor('the zombie', () => childrenOf(zombieHost.pid).find((pid) => procState(pid) === 'Z'));
  });

  after(async function () {
    await Promise.all([kill(fdHolder), kill(nodeHolder)]);
    await killAll();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("reads every process's links as readlink does (processes unchanged across the walk)", function () {
    const before = new Map<number, string>();
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      before.set(Number(name), `${startTime(Number(name))} ${linksOf(Number(name)).join(',')}`);
    }
    const walk = walkProc();
    assert.deepEqual(walk.types, NS_TYPES);
    assert.equal(walk.ns.length, walk.pids.length * NS_TYPES.length);
    for (let i = 1; i < walk.pids.length; i++) assert.ok(walk.pids[i - 1] < walk.pids[i], 'PIDs ascending');
    let compared = 0;
    for (const pid of walk.pids) {
      const now = `${startTime(pid)} ${linksOf(pid).join(',')}`;
      if (before.get(pid) !== now) continue; // born, gone or moved during the walk: nothing to compare with
      assert.equal(`${startTime(pid)} ${(rowOf(walk, pid) as number[]).join(',')}`, now, `PID ${pid}`);
      compared++;
    }
    // However busy the host, the fixtures hold still: they are among those compared.
    assert.ok(compared > 0);
    for (const pid of [1, inNew.pid, fdHolder.pid as number, nodeHolder.pid as number, nested.pid, zombie]) {
      assert.equal(`${startTime(pid)} ${(rowOf(walk, pid) as number[]).join(',')}`, before.get(pid), `fixture ${pid}`);
    }
    // ... in the namespaces they were made in.
    const row = rowOf(walk, inNew.pid) as number[];
    for (const type of ['uts', 'ipc', 'net'] as const) assert.equal(row[NS_TYPES.indexOf(type)], inNew.ns(type));
    assert.notEqual(row[NS_TYPES.indexOf('uts')], linksOf(process.pid, ['uts'])[0]);
  });

  it('reads only the types asked for, in NS_TYPES order', function () {
    const walk = walkProc({ types: ['uts', 'net'] });
    assert.deepEqual(walk.types, ['net', 'uts']);
    assert.deepEqual(rowOf(walk, inNew.pid), [inNew.ns('net'), inNew.ns('uts')]);
    assert.equal(walk.fds.length + walk.sockets.length + walk.threads.length, 0, 'no fds or threads unless asked');
  });

  it('a zombie keeps its user and pid links; its other links are NS_ABSENT, as readlink says ENOENT', function () {
    assert.equal(procState(zombie), 'Z');
    const row = rowOf(walkProc({ fds: true, threads: true }), zombie);
    assert.ok(row, 'the zombie is listed');
    assert.deepEqual(row, linksOf(zombie));
    NS_TYPES.forEach((t, i) => assert.ok(t === 'user' || t === 'pid' ? row[i] > 0 : row[i] === NS_ABSENT, `${t}: ${row[i]}`));
  });

  it("PID 1's links: NS_DENIED where readlink says EACCES (here, even for root), the inode where it reads", function () {
    const walk = walkProc({ fds: true, threads: true });
    const expected = linksOf(1);
    assert.deepEqual(rowOf(walk, 1), expected);
    if (expected.every((v) => v === NS_DENIED)) {
      assert.deepEqual(heldBy(walk.fds, 1), [], 'a process closed to us shows no fds');
      assert.deepEqual(heldBy(walk.threads, 1), [], '... and no threads');
    }
  });

  it('nsfs fds (of the types asked for) and socket fds: pid, fd, type and inode as /proc/PID/fd says', function () {
    const walk = walkProc({ fds: true });
    const holder = fdHolder.pid as number;
    assert.deepEqual(heldBy(walk.fds, holder), [`net 3 ${inNew.ns('net')}`, `uts 4 ${inNew.ns('uts')}`]);
    for (const pid of [holder, nodeHolder.pid as number, process.pid]) {
      const expected = fdsByReadlink(pid);
      if (pid !== process.pid) assert.deepEqual(heldBy(walk.fds, pid), expected.ns, `nsfs fds of ${pid}`);
      assert.deepEqual(socketsOf(walk, pid), expected.sockets, `sockets of ${pid}`);
    }
    assert.ok(socketsOf(walk, nodeHolder.pid as number).length > 0, 'the listening socket is listed');
    const utsOnly = walkProc({ types: ['uts'], fds: true });
    assert.deepEqual(heldBy(utsOnly.fds, holder), [`uts 4 ${inNew.ns('uts')}`]);
  });

  it("threads: the worker's own UTS namespace, and nothing for threads that share their leader's", function () {
    const walk = walkProc({ threads: true });
    const pid = nodeHolder.pid as number;
    assert.notEqual(linksOf(pid, ['uts'])[0], threadUts, 'the leader is not in it');
    assert.deepEqual(heldBy(walk.threads, pid), [`uts ${threadTid} ${threadUts}`]);
    assert.ok(fs.readdirSync(`/proc/${pid}/task`).length > 2, 'the fixture has other threads, which share the leader’s namespaces');
    // The entry is what readlink says of that thread.
    assert.equal(readlinkValue(`/proc/${pid}/task/${threadTid}/ns/uts`), threadUts);
    assert.deepEqual(heldBy(walkProc({ types: ['net', 'ipc'], threads: true }).threads, pid), [], 'uts not asked for');
  });

  it('processes that exit mid-walk are left out whole: no half row, no fd or thread of theirs', async function () {
    // Short-lived processes, a few hundred a second, inside a pid namespace that goes with the fixture.
    const churn = await unshareProcess(
      ['--pid', '--fork'],
      ['bash', '-c', 'while :; do for i in 1 2 3 4 5 6 7 8; do sleep 0.0$((RANDOM % 5 + 1)) & done; sleep 0.005; done'],
    );
    try {
      let vanished = 0;
      let walks = 0;
      for (const deadline = Date.now() + 10000; (vanished === 0 || walks < 5) && Date.now() < deadline; walks++) {
        const walk = walkProc({ fds: true, threads: true });
        vanished += walk.vanished;
        const kept = new Set(walk.pids);
        for (let i = 0; i < walk.pids.length; i++) {
          const row = Array.from(walk.ns.subarray(i * walk.types.length, (i + 1) * walk.types.length));
          assert.ok(
            row.some((v) => v !== NS_ABSENT),
            `PID ${walk.pids[i]} is listed with no link`,
          );
        }
        for (const held of [walk.fds, walk.threads, walk.sockets])
          for (const pid of held.pid) assert.ok(kept.has(pid), `an entry of PID ${pid}, which is not listed`);
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(vanished > 0, `no process vanished under ${walks} walks`);
    } finally {
      await churn.kill();
    }
  });

  it('a buffer too small: listed again with room for the rows, resumed when the records fill it; the same answer', function () {
    const full = walkProc({ fds: true, threads: true });
    const small = walkProc({ fds: true, threads: true, bufferBytes: 1 });
    assert.ok(small.resumed >= 1, `resumed ${small.resumed} times`);
    // A process cut off by a full buffer is walked again from its start: none of its entries twice.
    const keys = (held: { length: number; pid: Int32Array }, id: Int32Array, extra?: Uint8Array): string[] =>
      Array.from({ length: held.length }, (_, i) => `${held.pid[i]} ${id[i]} ${extra?.[i] ?? ''}`);
    for (const list of [keys(small.fds, small.fds.id), keys(small.sockets, small.sockets.fd), keys(small.threads, small.threads.id, small.threads.type)]) {
      assert.equal(new Set(list).size, list.length, 'an entry listed twice');
    }
    for (const pid of [inNew.pid, fdHolder.pid as number, nodeHolder.pid as number, zombie, 1]) {
      assert.deepEqual(rowOf(small, pid), rowOf(full, pid), `PID ${pid}`);
      assert.deepEqual(heldBy(small.fds, pid), heldBy(full.fds, pid));
      assert.deepEqual(heldBy(small.threads, pid), heldBy(full.threads, pid));
      assert.deepEqual(socketsOf(small, pid), socketsOf(full, pid));
    }
  });

  it('a /proc that cannot be walked is a SysError (ENOENT, ENOTDIR), not a crash', function () {
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, '');
    for (const [procRoot, code] of [
      [path.join(tmp, 'missing'), 'ENOENT'],
      [file, 'ENOTDIR'],
    ]) {
      assert.throws(
        () => walkProc({ procRoot }),
        (err: unknown) => err instanceof SysError && err.code === code && err.message.includes(procRoot),
      );
    }
  });

  it('details: PPID, owner, state, start time, threads and command as /proc says, and as the scan reads them', function () {
    const gone = spawn('true');
    const pids = [1, 2, process.pid, inNew.pid, fdHolder.pid as number, nodeHolder.pid as number, zombie];
    // Processes that only sleep (or are dead) hold their state and their thread count still.
    const still = new Set([inNew.pid, fdHolder.pid as number, zombie]);
    const details = readProcessDetails(pids);
    assert.equal(details.length, pids.length);
    pids.forEach((pid, i) => {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`).subarray(0, 8192);
      const command = cmdline.length > 0 ? Buffer.from(cmdline.map((b) => (b === 0 ? 32 : b))).toString('utf8', 0, cmdline.length - 1) : comm;
      assert.deepEqual(
        {
          found: details.found[i],
          ppid: details.ppid[i],
          uid: details.uid[i],
          state: still.has(pid) ? String.fromCharCode(details.state[i]) : /[A-Za-z]/.test(String.fromCharCode(details.state[i])),
          startTime: details.startTime[i],
          command: details.command[i],
          threads: still.has(pid) ? details.threads[i] : details.threads[i] > 0,
        },
        {
          found: 1,
          ppid: Number(fields[1]),
          uid: fs.statSync(`/proc/${pid}`).uid,
          state: still.has(pid) ? fields[0] : true,
          startTime: Number(fields[19]),
          command,
          threads: still.has(pid) ? Number(fields[17]) : true,
        },
        `PID ${pid}`,
      );
    });
    const node = pids.indexOf(nodeHolder.pid as number);
    assert.ok(details.command[node]?.includes(utf8Arg), 'UTF-8 arguments come back as they were');
    assert.equal(Buffer.byteLength(details.command[node] as string), 8191, 'cut where lsns cuts: 8 KiB read, its last byte dropped');
    assert.equal(details.command[pids.indexOf(2)], 'kthreadd', 'a kernel thread has its name');
    assert.equal(details.command[pids.indexOf(zombie)], 'sleep', 'so has a zombie');
    assert.equal(String.fromCharCode(details.state[pids.indexOf(zombie)]), 'Z');
    return new Promise<void>((resolve) =>
      gone.once('exit', () => {
        const after = readProcessDetails([gone.pid as number, process.pid]);
        assert.deepEqual([after.found[0], after.command[0], after.found[1]], [0, undefined, 1]);
        resolve();
      }),
    );
  });

  /** What the ioctls say through koffi (src/sys/libc), for the same namespace file. */
  function kernelRelations(path: string, type: NsType): { owner: number; parent: number; ownerUid: number } {
    const fd = openReadOnly(path);
    assert.ok(fd >= 0, `cannot open ${path}`);
    const related = (ask: (fd: number) => number): number => {
      let rel: number;
      try {
        rel = ask(fd);
      } catch {
        return 0;
      }
      const id = fdInode(rel);
      close(rel);
      return id;
    };
    try {
      return {
        owner: related(nsGetUserns),
        parent: type === 'user' || type === 'pid' ? related(nsGetParent) : 0,
        ownerUid: type === 'user' ? nsGetOwnerUid(fd) : -1,
      };
    } finally {
      close(fd);
    }
  }

  it('hierarchy: owner, parent and creator of namespaces reached through a process, a thread and an fd, and of their ancestors, as the ioctls say', function () {
    const node = nodeHolder.pid as number;
    const ways: NamespaceWay[] = [
      { pid: nested.pid, type: 'user', inode: nested.ns('user') },
      { pid: nested.pid, type: 'pid', inode: nested.ns('pid') },
      { pid: inNew.pid, type: 'uts', inode: inNew.ns('uts') },
      { pid: node, tid: threadTid, type: 'uts', inode: threadUts },
      { pid: fdHolder.pid as number, fd: 3, type: 'net', inode: inNew.ns('net') },
      { pid: process.pid, type: 'user', inode: linksOf(process.pid, ['user'])[0] },
      { pid: inNew.pid, type: 'uts', inode: inNew.ns('uts') }, // asked twice: answered twice
    ];
    const paths = [
      `/proc/${nested.pid}/ns/user`,
      `/proc/${nested.pid}/ns/pid`,
      `/proc/${inNew.pid}/ns/uts`,
      `/proc/${node}/task/${threadTid}/ns/uts`,
      `/proc/${fdHolder.pid}/fd/3`,
      '/proc/self/ns/user',
      `/proc/${inNew.pid}/ns/uts`,
    ];
    const h = readHierarchy(ways);
    assert.ok(h.length > ways.length, 'the ancestors come after the answers');
    ways.forEach((w, i) => {
      assert.deepEqual(
        { inode: h.inode[i], type: NS_TYPES[h.type[i]], reached: h.reached[i], owner: h.owner[i], parent: h.parent[i], ownerUid: h.ownerUid[i] },
        { inode: w.inode, type: w.type, reached: 1, ...kernelRelations(paths[i], w.type) },
        `way ${i}: ${paths[i]}`,
      );
    });
    // The nested user namespace's parent has no process: it is among the ancestors, asked through the
    // chain, and its own parent is ours.
    const outer = h.parent[0];
    const hostUser = linksOf(process.pid, ['user'])[0];
    assert.notEqual(outer, hostUser);
    const at = Array.from(h.inode).indexOf(outer);
    assert.ok(at >= ways.length, 'the outer user namespace is listed as an ancestor');
    assert.deepEqual([NS_TYPES[h.type[at]], h.reached[at], h.owner[at], h.parent[at], h.ownerUid[at]], ['user', 1, hostUser, hostUser, 0]);
    assert.equal(new Set(Array.from(h.inode).slice(ways.length)).size, h.length - ways.length, 'each ancestor once');
    // Our own user namespace is the top of our view: no owner, no parent.
    assert.deepEqual([h.owner[5], h.parent[5]], [0, 0]);
  });

  it('hierarchy: a way that leads elsewhere (another inode, an fd that is not that namespace file, a process gone) is not answered', function () {
    const devNull = fs.statSync('/dev/null').ino;
    const h = readHierarchy([
      { pid: inNew.pid, type: 'uts', inode: inNew.ns('net') },
      { pid: fdHolder.pid as number, fd: 0, type: 'net', inode: devNull },
      { pid: 999999999, type: 'net', inode: inNew.ns('net') },
      { pid: inNew.pid, type: 'net', inode: inNew.ns('net') },
    ]);
    assert.deepEqual(Array.from(h.reached.subarray(0, 4)), [0, 0, 0, 1]);
    assert.deepEqual([h.owner[0], h.parent[0], h.ownerUid[0]], [0, 0, -1]);
    assert.equal(readHierarchy([]).length, 0);
    assert.throws(
      () => readHierarchy([], path.join(tmp, 'missing')),
      (err: unknown) => err instanceof SysError && err.code === 'ENOENT',
    );
  });

  it('details of more command lines than one call has room for: every one, in order', function () {
    const pid = nodeHolder.pid as number;
    const pids = [...Array(12).fill(pid), process.pid, 999999999];
    const details = readProcessDetails(pids);
    const one = details.command[0] as string;
    assert.equal(Buffer.byteLength(one), 8191);
    for (let i = 0; i < 12; i++) assert.equal(details.command[i], one, `entry ${i}`);
    assert.equal(details.pid[12], process.pid);
    assert.equal(details.found[12], 1);
    assert.deepEqual([details.found[13], details.command[13]], [0, undefined]);
    assert.equal(readProcessDetails([]).length, 0);
  });
});
