/**
 * Zombies count as lsns counts them: a process is in each namespace whose link it can still read (a
 * zombie keeps its pid and user links, its nsproxy is gone), in NPROCS, PID, PPID, COMMAND and the
 * NSID process list. Three real cases, compared with the installed lsns: a zombie a pid namespace's
 * init never reaps (unshare ... sh -c 'sleep 0.1 & exec sleep 300'), a runc container whose init is
 * sleep after a few `tsns enter`s that leave zombies, and a user namespace whose lowest PID is a zombie.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { TSNS, jsonRows, lsns, okOut, tsns, type JsonRow } from './helpers/ls';
import { killAll, nsInode, unshareProcess, type NsProcess } from './helpers/ns';
import { childrenOf, procState, waitFor } from './helpers/proc';
import { startContainer, stopAllContainers, type Container } from './fixtures/runc';
import { NS_TYPES } from '../src/sys/constants';

const COLUMNS = 'NS,TYPE,NPROCS,PID,PPID,COMMAND,UID,USER,PATH';

describe('zombies, counted as lsns counts them', function () {
  this.timeout(60000);
  let reaperless: NsProcess; // sleep 300 as a pid namespace's init, its child a zombie
  let container: Container; // runc, init sleep, zombies of three tsns enters
  let outer = 0; // sleep 301, which never reaps the unshare -U it forked
  let orphan = 0; // sleep 302, left in that user namespace when the unshare'd sh exited
  let lowest = 0; // the user namespace whose lowest PID is the unshare'd sh, a zombie
  const ours = new Set<number>();

  before(async function () {
    reaperless = await unshareProcess(['--pid', '--uts', '--fork'], ['sh', '-c', 'sleep 0.1 & exec sleep 300'], { ready: 'sleep 300' });
    await waitFor('the zombie under sleep 300', () => (childrenOf(reaperless.pid).some((c) => procState(c) === 'Z') ? true : undefined));

    container = startContainer({});
    for (let i = 0; i < 3; i++) {
      const r = spawnSync(process.execPath, [TSNS, 'enter', container.id, '--', 'sh', '-c', 'sleep 0 & exit 0'], { encoding: 'utf8', timeout: 30000 });
      assert.equal(r.status, 0, r.stderr);
    }
    await waitFor('three zombies under the container init', () =>
      childrenOf(container.pid).filter((c) => procState(c) === 'Z').length === 3 ? true : undefined,
    );

    const child = spawn('sh', ['-c', 'unshare -U sh -c "sleep 302 & echo \\$!" & exec sleep 301'], { stdio: ['ignore', 'pipe', 'ignore'] });
    outer = child.pid as number;
    orphan = Number(await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))));
    const zombie = await waitFor('the unshare -U zombie', () => childrenOf(outer).find((c) => procState(c) === 'Z'));
    lowest = Number(/\d+/.exec(readlinkSync(`/proc/${zombie}/ns/user`))?.[0]);
    assert.equal(nsInode(orphan, 'user'), lowest);

    const host = new Set(NS_TYPES.map((t) => nsInode(process.pid, t)));
    for (const pid of [reaperless.pid, container.pid, orphan]) for (const t of NS_TYPES) if (!host.has(nsInode(pid, t))) ours.add(nsInode(pid, t));
  });

  after(async function () {
    for (const pid of [outer, orphan]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    stopAllContainers();
    await killAll();
  });

  it('NPROCS, PID, PPID, COMMAND, UID, USER and PATH of every namespace they are in, as lsns shows them', function () {
    // One scan each, compared on the fixtures' namespaces.
    const rowsOf = (json: string) =>
      new Map(
        jsonRows(json)
          .filter((r) => ours.has(r.ns as number))
          .map((r) => [r.ns, r]),
      );
    const theirs = rowsOf(okOut(lsns(['-J', '-l', '-o', COLUMNS]), 'lsns'));
    const mine = rowsOf(okOut(tsns(['-J', '-l', '-o', COLUMNS]), 'tsns ls'));
    assert.ok(theirs.size >= 8, `${theirs.size} fixture namespaces`);
    assert.deepEqual(mine, theirs);
    // The cases themselves: a zombie is in its pid and user namespaces only.
    assert.equal(theirs.get(reaperless.ns('pid'))?.nprocs, 2);
    assert.equal(theirs.get(reaperless.ns('uts'))?.nprocs, 2); // unshare and sleep 300; not the zombie
    assert.equal(theirs.get(nsInode(container.pid, 'pid'))?.nprocs, 4);
    assert.equal(theirs.get(nsInode(container.pid, 'uts'))?.nprocs, 1);
    const zombieFirst = theirs.get(lowest);
    assert.deepEqual([zombieFirst?.nprocs, procState(zombieFirst?.pid as number), zombieFirst?.command], [2, 'Z', 'sh']);
  });

  it('-t pid counts the same as the full listing and as lsns -t pid (a zombie is no member only when its type is asked for)', function () {
    const rowsOf = (json: string) => new Map(jsonRows(json).map((r) => [r.ns, r]));
    const columns = ['-J', '-l', '-o', 'NS,NPROCS,PID,COMMAND'];
    const full = rowsOf(okOut(tsns(columns), 'tsns ls'));
    const pidOnly = rowsOf(okOut(tsns([...columns, '-t', 'pid']), 'tsns ls -t pid'));
    const theirs = rowsOf(okOut(lsns([...columns, '-t', 'pid']), 'lsns -t pid'));
    for (const [id, members] of [
      [reaperless.ns('pid'), 2],
      [nsInode(container.pid, 'pid'), 4],
    ]) {
      assert.equal(pidOnly.get(id)?.nprocs, members);
      assert.deepEqual(pidOnly.get(id), full.get(id));
      assert.deepEqual(pidOnly.get(id), theirs.get(id));
    }
  });

  it('the NSID process list, zombies and all, as lsns lists it', function () {
    for (const id of [reaperless.ns('pid'), reaperless.ns('uts'), nsInode(container.pid, 'pid'), nsInode(container.pid, 'mnt'), lowest]) {
      const args = ['-J', '-o', 'PID,PPID,USER,COMMAND', String(id)];
      const theirs = jsonRows(okOut(lsns(args), `lsns ${id}`)) as JsonRow[];
      assert.deepEqual(jsonRows(okOut(tsns(args), `tsns ls ${id}`)), theirs, String(id));
    }
  });
});
