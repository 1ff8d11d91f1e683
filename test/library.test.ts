/**
 * tsns as a library, through its public entry point (dist/src/index.js, what `require('tsns')` gives):
 * the surface itself, and spawnIn and pin on real namespaces (their errors: errors.test.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tsns from '../src';
import { TsnsError } from '../src';
import { killAll, nsInode, socketOnlyNetns, unshareProcess, type NsProcess } from './helpers/ns';
import { ok } from './helpers/proc';

/** Everything src/index.ts exports at run time: a change here is a change of the public API. */
const PUBLIC_VALUES = [
  'NS_SOURCES',
  'SysError',
  'TSNS_ERROR_CODES',
  'TsnsError',
  'buildEnterPlan',
  'compileRowFilter',
  'constants',
  'containerSource',
  'defaultSources',
  'discoverContainers',
  'enter',
  'execPlan',
  'fdSource',
  'hierarchySource',
  'isNsType',
  'listContainers',
  'listNamespaces',
  'listPins',
  'lsnsSources',
  'namespaceColumns',
  'nsfsSource',
  'ownPinSource',
  'pickContainer',
  'pin',
  'pinAll',
  'pinNamespace',
  'processSource',
  'readNetnsids',
  'readProcessDetails',
  'readRelations',
  'releaseEnterPlan',
  'releaseTarget',
  'renderJson',
  'renderText',
  'resolveContainer',
  'resolveTarget',
  'resolveTargetSync',
  'runInNewNamespaces',
  'scan',
  'socketSource',
  'sortedNamespaces',
  'spawnIn',
  'spawnPlan',
  'taskSource',
  'unpin',
  'unpinAll',
];

/** The child's output and how it ended. */
function finished(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out })));
}

/** The fds of this process that are open on namespace `id`. */
function ourFdsOn(id: number): string[] {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith(`:[${id}]`);
    } catch {
      return false;
    }
  });
}

describe('library (the public entry point)', () => {
  let target: NsProcess; // sleep in its own uts and net namespaces, hostname lib-target
  let tmp: string;

  before(async function () {
    this.timeout(20000);
    target = await unshareProcess(['--uts', '--net'], ['sh', '-c', 'hostname lib-target && exec sleep 1009'], { ready: 'sleep 1009' });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-lib-'));
  });

  after(async () => {
    await killAll();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe('the surface', () => {
    it('exports exactly the designed names; no syscall numbers or mount flags at the top level', () => {
      assert.deepEqual(Object.keys(tsns).sort(), PUBLIC_VALUES);
      for (const name of Object.keys(tsns)) assert.doesNotMatch(name, /^(SYS_|MS_|MNT_|UMOUNT_|PIDFS_|SIOC|O_)/, name);
    });

    it('constants: the namespace types, their clone flags and the NS_GET_* ioctls, nothing else', () => {
      assert.deepEqual(Object.keys(tsns.constants).sort(), [
        'CLONE_FLAG',
        'CLONE_NEWCGROUP',
        'CLONE_NEWIPC',
        'CLONE_NEWNET',
        'CLONE_NEWNS',
        'CLONE_NEWPID',
        'CLONE_NEWTIME',
        'CLONE_NEWUSER',
        'CLONE_NEWUTS',
        'NS_GET_NSTYPE',
        'NS_GET_OWNER_UID',
        'NS_GET_PARENT',
        'NS_GET_USERNS',
        'NS_TYPES',
      ]);
      assert.deepEqual(tsns.constants.NS_TYPES, ['mnt', 'net', 'ipc', 'user', 'pid', 'uts', 'cgroup', 'time']);
      // The kernel's own values (include/uapi/linux/sched.h, nsfs.h).
      assert.equal(tsns.constants.CLONE_NEWNET, 0x40000000);
      assert.equal(tsns.constants.CLONE_FLAG.mnt, 0x00020000);
      assert.equal(tsns.constants.NS_GET_PARENT, 0xb702);
    });

    it('resolveTarget is always a Promise, also for a bad spec; resolveTargetSync throws', async () => {
      const pending = tsns.resolveTarget('0');
      assert.ok(pending instanceof Promise);
      await assert.rejects(pending, (e: unknown) => e instanceof TsnsError && e.code === 'ENOTARGET');
      const t = await tsns.resolveTarget(String(target.pid));
      assert.equal(t.pid, target.pid);
      assert.throws(() => tsns.resolveTargetSync('0'), TsnsError);
    });
  });

  describe('JSON.stringify(scan())', () => {
    it("is plain data in lsns -J's vocabulary: the same values as lsns -J for what both show", function () {
      this.timeout(20000);
      const file = path.join(tmp, 'net-json');
      tsns.pin(String(target.pid), 'net', file);
      try {
        const text = JSON.stringify(tsns.scan());
        const lsns = JSON.parse(ok(spawnSync('lsns', ['-J', '-o', 'NS,TYPE,PATH,NPROCS,PID,PPID,COMMAND,UID,USER,PNS,ONS'], { encoding: 'utf8' }))) as {
          namespaces: Array<Record<string, unknown>>;
        };
        const model = JSON.parse(text) as tsns.ScanModelJson;
        // Plain data: what JSON gives back is what was written, with no Map, Set or undefined lost.
        assert.equal(JSON.stringify(model), text);
        assert.deepEqual(
          model.namespaces.map((n) => n.ns),
          [...model.namespaces.map((n) => n.ns)].sort((a, b) => a - b),
        );
        for (const type of ['uts', 'net'] as const) {
          const id = target.ns(type);
          const ours = model.namespaces.find((n) => n.ns === id);
          const theirs = lsns.namespaces.find((n) => n.ns === id);
          assert.ok(ours && theirs, `${type}:[${id}] in both`);
          assert.deepEqual(Object.keys(ours), [
            'ns',
            'type',
            'path',
            'nprocs',
            'pid',
            'ppid',
            'command',
            'uid',
            'user',
            'netnsid',
            'nsfs',
            'pns',
            'ons',
            'pids',
            'sources',
            'container',
            'engine',
            'ctrid',
            'pod',
          ]);
          const shared = Object.fromEntries(Object.keys(theirs).map((k) => [k, (ours as unknown as Record<string, unknown>)[k]]));
          assert.deepEqual(shared, theirs);
          assert.deepEqual(ours.pids, [target.pid]);
          assert.equal(ours.sources[0], 'process');
        }
        const net = model.namespaces.find((n) => n.ns === target.ns('net'));
        assert.deepEqual(net?.nsfs, [{ path: file, mountNamespace: model.ownMountNamespace }]);
        assert.ok(net?.sources.includes('nsfs'));
        const proc = model.processes.find((p) => p.pid === target.pid);
        assert.deepEqual(proc && Object.keys(proc), ['pid', 'ppid', 'command', 'uid', 'user', 'state', 'ns']);
        assert.equal(proc?.command, 'sleep 1009');
        assert.equal(proc?.ns.uts, target.ns('uts'));
      } finally {
        tsns.unpin(file);
      }
    });
  });

  describe('spawnIn', () => {
    it("runs a command in the target's namespaces and gives back its exit status", async () => {
      const r = await finished(
        tsns.spawnIn(String(target.pid), { namespaces: { uts: true, net: true }, command: ['sh', '-c', 'hostname; readlink /proc/self/ns/net; exit 3'] }),
      );
      assert.deepEqual(r, { code: 3, signal: null, out: `lib-target\nnet:[${target.ns('net')}]\n` });
    });

    it('a resolved Target works too, and a death by signal comes back as that signal', async () => {
      const resolved = await tsns.resolveTarget(String(target.pid));
      const r = await finished(tsns.spawnIn(resolved, { namespaces: { uts: true }, command: ['sh', '-c', 'kill -TERM $$'] }));
      assert.deepEqual(r, { code: null, signal: 'SIGTERM', out: '' });
    });

    it('a namespace only an fd of ours reaches: the child gets it, we close it, and it goes away with the command', async function () {
      this.timeout(20000);
      const { holder, id } = await socketOnlyNetns();
      let child: ChildProcess | undefined;
      try {
        const resolved = await tsns.resolveTarget(`net:[${id}]`);
        assert.equal(resolved.fds?.length, 1, 'held through an fd of ours');
        assert.equal(ourFdsOn(id).length, 1);
        // The command holds the namespace from here on; the socket holder goes.
        child = tsns.spawnIn(resolved, { command: ['sh', '-c', 'readlink /proc/self/ns/net; read line'], stdio: ['pipe', 'pipe', 'inherit'] });
        const r = finished(child);
        assert.deepEqual(ourFdsOn(id), [], 'our fd is closed once the child has it');
        holder.kill('SIGKILL');
        await new Promise((resolve) => holder.once('exit', resolve));
        child.stdin?.end('\n');
        assert.deepEqual(await r, { code: 0, signal: null, out: `net:[${id}]\n` });
        const after = tsns.scan({ types: ['net'], details: 'none', relations: false, netnsid: false, containers: false });
        assert.equal(after.namespaces.get(id), undefined, 'nothing holds the namespace any more');
      } finally {
        holder.kill('SIGKILL');
        child?.kill('SIGKILL');
      }
    });

    it('bad input throws before anything starts, and a plan built but not run can be released', () => {
      assert.throws(
        () => tsns.spawnIn('4000000', { command: ['true'] }),
        (e: unknown) => e instanceof TsnsError && e.code === 'ENOTARGET',
      );
      const plan = tsns.buildEnterPlan({ target: String(target.pid), namespaces: { uts: true }, command: ['true'] });
      assert.deepEqual(plan.joins, { uts: `process ${target.pid}` });
      tsns.releaseEnterPlan(plan);
    });
  });

  describe('pin', () => {
    it('pins a namespace of any TARGET spec or Target at a path, says so twice, and unpin removes it', () => {
      const file = path.join(tmp, 'uts');
      const made = tsns.pin(String(target.pid), 'uts', file);
      try {
        assert.deepEqual(made, { path: file, type: 'uts', ns: target.ns('uts'), alreadyPinned: false, createdFile: true });
        assert.equal(nsInode(target.pid, 'uts'), fs.statSync(file).ino);
        const again = tsns.pin(tsns.resolveTargetSync(file), 'uts', file);
        assert.equal(again.alreadyPinned, true);
        assert.ok(tsns.listPins({ types: ['uts'] }).some((p) => p.path === file && p.ns === target.ns('uts')));
      } finally {
        tsns.unpin(file);
      }
      assert.equal(fs.existsSync(file), false);
    });
  });
});
