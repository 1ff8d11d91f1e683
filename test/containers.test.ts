/**
 * Containers found with no engine running, on real runc containers (busybox-static rootfs): one with
 * the host user namespace, one with its own user namespace (0 -> 100000), one whose runtime state lies
 * outside /run (so only its docker-shaped cgroup names it), and state under a per-user root. Checked
 * against `runc list`/`runc state` and /proc, through the resolver and `tsns ls`. (The engines that name
 * containers otherwise — Docker, podman, containerd, Kubernetes, LXC — are in engines.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startContainer, stopAllContainers, USERNS_HOST_ID, type Container } from './fixtures/runc';
import { listContainers, pickContainer, resolveContainer, type Container as Found } from '../src/containers';
import { TsnsError } from '../src/sys/errors';
import { tsnsAsNobody } from './helpers/nobody';

const repoRoot = path.resolve(__dirname, '..', '..');
const TSNS = path.join(repoRoot, 'bin', 'tsns');

function tsns(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [TSNS, ...args], { encoding: 'utf8', timeout: 30000 });
}

interface NsRow {
  ns: number;
  type: string;
  nprocs: number;
  pid: number | null;
  container: string | null;
  pns: number | null;
  ons: number | null;
}

function lsJson(...args: string[]): NsRow[] {
  const r = tsns('ls', '-J', '-o', 'NS,TYPE,NPROCS,PID,CONTAINER,PNS,ONS', ...args);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { namespaces: NsRow[] }).namespaces;
}

function nsInode(pid: number | 'self', type: string): number {
  return Number(/\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/ns/${type}`))?.[1]);
}

const TYPES = ['mnt', 'net', 'ipc', 'user', 'pid', 'uts', 'cgroup', 'time'];

/** The namespaces of a container's init that the host does not share: the container's own. */
function ownNamespaces(pid: number): Map<number, string> {
  const own = new Map<number, string>();
  for (const t of TYPES) {
    const id = nsInode(pid, t);
    if (id !== nsInode('self', t)) own.set(id, t);
  }
  return own;
}

describe('containers without an engine (real runc)', function () {
  this.timeout(60000);
  const tag = randomBytes(3).toString('hex');
  let web: Container; // host user namespace
  let rootless: Container; // own user namespace
  let hidden: Container; // state outside /run; docker-shaped cgroup
  let hiddenId = '';
  let perUser: Container; // state under /run/user/0/runc
  let perUserRoot = '';

  // /run/user/0 exists only while root has a login session: made here if need be, and removed after.
  const madeRunUser: string[] = [];

  before(function () {
    for (const dir of ['/run/user', '/run/user/0']) {
      if (!fs.existsSync(dir)) {
        fs.mkdirSync(dir, { mode: 0o755 });
        madeRunUser.unshift(dir);
      }
    }
    web = startContainer({});
    rootless = startContainer({ userns: true });
    hiddenId = randomBytes(32).toString('hex');
    hidden = startContainer({
      id: `tsns-hidden-${tag}`,
      root: path.join(os.tmpdir(), `tsns-runc-root-${tag}`),
      cgroupsPath: `/tsns-test-${tag}/docker-${hiddenId}.scope`,
    });
    perUserRoot = `/run/user/0/tsns-test-${tag}/runc`;
    perUser = startContainer({ root: perUserRoot, id: `tsns-peruser-${tag}` });
  });

  after(function () {
    stopAllContainers();
    fs.rmSync(path.dirname(perUserRoot), { recursive: true, force: true });
    for (const dir of madeRunUser) fs.rmdirSync(dir);
  });

  it('lists state-based containers as runc does: id, init pid, bundle; a plain runc container is named by its id', function () {
    const runcList = JSON.parse(spawnSync('runc', ['list', '--format', 'json'], { encoding: 'utf8' }).stdout || '[]') as {
      id: string;
      pid: number;
      status: string;
      bundle: string;
    }[];
    const mine = listContainers();
    for (const c of [web, rootless]) {
      const fromRunc = runcList.find((x) => x.id === c.id);
      assert.ok(fromRunc && fromRunc.status === 'running');
      const found = mine.find((x) => x.id === c.id);
      assert.ok(found, `${c.id} not found`);
      assert.deepEqual(
        { pid: found.pid, bundle: found.bundle, engine: found.engine, name: found.name, status: found.status },
        { pid: fromRunc.pid, bundle: fromRunc.bundle, engine: 'runc', name: c.id, status: 'running' },
      );
    }
  });

  it('discovers a runtime root it was not told about (/run/user/0/...)', function () {
    const found = listContainers().find((x) => x.id === perUser.id);
    assert.ok(found, 'per-user root not discovered');
    assert.equal(found.pid, perUser.pid);
    assert.equal(found.engine, 'runc');
  });

  it('finds a container with no readable state by the container id in its cgroup path', function () {
    const found = listContainers().find((x) => x.id === hiddenId);
    assert.ok(found, 'cgroup-only container not found');
    assert.deepEqual({ pid: found.pid, engine: found.engine, seenBy: found.seenBy }, { pid: hidden.pid, engine: 'docker', seenBy: ['cgroup'] });
    // Nor is it confused with its runc id, which nothing outside its private root knows.
    assert.ok(!listContainers().some((x) => x.id === hidden.id));
  });

  it('resolves by name, id and unique id prefix; unknown and ambiguous are one-line errors', function () {
    assert.equal(resolveContainer(web.id).pid, web.pid);
    assert.equal(resolveContainer(`runc:${web.id}`).pid, web.pid);
    assert.equal(resolveContainer(rootless.id.slice(0, rootless.id.length - 2)).pid, rootless.pid);
    assert.equal(resolveContainer(hiddenId.slice(0, 12)).pid, hidden.pid);
    assert.throws(
      () => resolveContainer(`nope-${tag}`),
      (e: unknown) => e instanceof TsnsError && e.message === `no such container: nope-${tag}`,
    );
    // Both fixture containers' ids start with tsns-test-PID-.
    const common = 'tsns-test-';
    assert.throws(
      () => resolveContainer(common),
      (e: unknown) => e instanceof TsnsError && /ambiguous/.test(e.message) && !e.message.includes('\n'),
    );
  });

  it("reads crun's state format (ROOT/ID/status + config.json), checked against the init's start time", async function () {
    // crun itself refuses this host's hybrid cgroup layout, so its state is written here in crun's format
    // (status: pid, process-start-time, bundle, rootfs relative to it; config.json: the OCI config)
    // for a real process in its own mount namespace.
    const init = spawn('unshare', ['-m', 'sleep', '1000000'], { stdio: 'ignore' });
    const root = `/run/user/0/tsns-crunfmt-${tag}/crun`;
    try {
      const deadline = Date.now() + 5000;
      while (nsInode(init.pid as number, 'mnt') === nsInode('self', 'mnt') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const start = Number(fs.readFileSync(`/proc/${init.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19]);
      const write = (id: string, startTime: number): void => {
        fs.mkdirSync(`${root}/${id}`, { recursive: true });
        fs.writeFileSync(
          `${root}/${id}/status`,
          JSON.stringify({
            pid: init.pid,
            'process-start-time': startTime,
            'cgroup-path': '',
            rootfs: 'rootfs',
            bundle: '/srv/b',
            created: new Date().toISOString(),
            detached: true,
          }),
        );
        fs.writeFileSync(`${root}/${id}/config.json`, JSON.stringify({ ociVersion: '1.0.2', annotations: { 'nerdctl/name': `${id}-name` } }));
      };
      write(`crun-live-${tag}`, start);
      write(`crun-reused-${tag}`, start + 1); // same PID, another start time: a recycled PID, not the container
      const found = listContainers().filter((c) => c.id.startsWith('crun-'));
      assert.deepEqual(
        found.map((c) => ({ id: c.id, pid: c.pid, engine: c.engine, bundle: c.bundle, rootfs: c.rootfs })),
        [
          { id: `crun-live-${tag}`, pid: init.pid, engine: 'crun', bundle: '/srv/b', rootfs: '/srv/b/rootfs' },
          { id: `crun-reused-${tag}`, pid: undefined, engine: 'crun', bundle: '/srv/b', rootfs: '/srv/b/rootfs' },
        ],
      );
      const mnt = lsJson('-t', 'mnt').find((r) => r.ns === nsInode(init.pid as number, 'mnt'));
      assert.equal(mnt?.container, `crun-live-${tag}`);
    } finally {
      init.kill('SIGKILL');
      fs.rmSync(path.dirname(root), { recursive: true, force: true });
    }
  });

  it('a FIFO, a symlink or garbage in a user-writable runtime root is skipped, not waited on', function () {
    const root = `/run/user/0/tsns-bad-${tag}/runc`;
    try {
      fs.mkdirSync(`${root}/fifo`, { recursive: true });
      fs.mkdirSync(`${root}/link`);
      fs.mkdirSync(`${root}/junk`);
      assert.equal(spawnSync('mkfifo', [`${root}/fifo/state.json`]).status, 0);
      fs.symlinkSync('/dev/zero', `${root}/link/state.json`);
      fs.writeFileSync(`${root}/junk/state.json`, '{"init_process_pid": 1, "id": "junk", truncated');
      const t = Date.now();
      const ids = listContainers().map((c) => c.id);
      assert.ok(Date.now() - t < 5000);
      for (const id of ['fifo', 'link', 'junk']) assert.ok(!ids.includes(id), id);
      assert.ok(ids.includes(web.id));
    } finally {
      fs.rmSync(path.dirname(root), { recursive: true, force: true });
    }
  });

  it('a container whose init is dead is stopped: listed with no pid, named as a target no more', function () {
    const gone = startContainer({});
    try {
      assert.ok(listContainers().some((x) => x.id === gone.id && x.pid === gone.pid));
      spawnSync('runc', ['kill', gone.id, 'KILL']);
      const deadline = Date.now() + 5000;
      while (fs.existsSync(`/proc/${gone.pid}`) && fs.readFileSync(`/proc/${gone.pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z' && Date.now() < deadline);
      assert.ok(fs.existsSync(`/run/runc/${gone.id}/state.json`), 'runc keeps the stopped state');
      assert.deepEqual(
        listContainers()
          .filter((x) => x.id === gone.id)
          .map((x) => [x.pid, x.status]),
        [[undefined, 'stopped']],
      );
      assert.throws(
        () => resolveContainer(gone.id),
        (e: unknown) => e instanceof TsnsError && e.code === 'EGONE' && /is not running/.test(e.message),
      );
    } finally {
      gone.stop();
    }
  });

  it('CONTAINER names the container on its own namespaces only, and ONS/PNS show its user namespace', function () {
    const rows = lsJson();
    for (const [c, name] of [
      [web, web.id],
      [rootless, rootless.id],
      [hidden, hiddenId],
    ] as [Container, string][]) {
      const own = ownNamespaces(c.pid);
      assert.ok(own.size >= 5, `${name}: expected its own namespaces`);
      for (const [id, type] of own) {
        const r = rows.find((x) => x.ns === id);
        assert.ok(r, `${name}: ${type}:[${id}] not listed`);
        assert.equal(r.container, name, `${type}:[${id}]`);
      }
      // Host namespaces it shares are not the container's.
      for (const t of TYPES) {
        if (own.has(nsInode(c.pid, t))) continue;
        assert.equal(rows.find((x) => x.ns === nsInode(c.pid, t))?.container, null, `host ${t} marked as ${name}`);
      }
    }
    const userns = nsInode(rootless.pid, 'user');
    const u = rows.find((x) => x.ns === userns);
    assert.deepEqual({ pns: u?.pns, ons: u?.ons }, { pns: nsInode('self', 'user'), ons: nsInode('self', 'user') });
    for (const t of ['mnt', 'net', 'ipc', 'pid', 'uts']) assert.equal(rows.find((x) => x.ns === nsInode(rootless.pid, t))?.ons, userns, t);
    assert.equal(rows.find((x) => x.ns === nsInode(rootless.pid, 'pid'))?.pns, nsInode('self', 'pid'));
    // Root in the container is host uid 100000.
    assert.equal(fs.statSync(`/proc/${rootless.pid}`).uid, USERNS_HOST_ID);
  });

  it("a pod: the app container joins the pause container's network namespace, which stays the pause's", function () {
    const pause = startContainer({ id: `pause-${tag}` });
    const app = startContainer({ id: `app-${tag}`, join: { network: `/proc/${pause.pid}/ns/net`, ipc: `/proc/${pause.pid}/ns/ipc` } });
    try {
      assert.equal(nsInode(app.pid, 'net'), nsInode(pause.pid, 'net'));
      const rows = lsJson();
      const containerOf = (pid: number, type: string): string | null | undefined => rows.find((r) => r.ns === nsInode(pid, type))?.container;
      assert.equal(containerOf(app.pid, 'net'), `pause-${tag}`);
      assert.equal(containerOf(app.pid, 'ipc'), `pause-${tag}`);
      for (const t of ['mnt', 'uts', 'pid']) {
        assert.equal(containerOf(app.pid, t), `app-${tag}`, t);
        assert.equal(containerOf(pause.pid, t), `pause-${tag}`, t);
      }
      const appRows = lsJson('--container', `app-${tag}`)
        .map((r) => r.type)
        .sort();
      assert.deepEqual(appRows, ['mnt', 'pid', 'uts']);
    } finally {
      app.stop();
      pause.stop();
    }
  });

  it('one name, two engines: ENGINE:NAME or the id tells them apart; the bare name is ambiguous and lists them', function () {
    const c = (engine: Found['engine'], id: string, name: string, pid?: number): Found => ({
      engine,
      id,
      name,
      pid,
      labels: {},
      status: pid ? 'running' : 'stopped',
    });
    const found = [c('docker', 'a'.repeat(64), 'web', 11), c('podman', 'b'.repeat(64), 'web', 12), c('kubernetes', 'c'.repeat(64), 'default/shop/web', 13)];
    assert.equal(pickContainer(found, 'docker:web').pid, 11);
    assert.equal(pickContainer(found, 'podman:web').pid, 12);
    assert.equal(pickContainer(found, 'bbbb').pid, 12);
    assert.equal(pickContainer(found, 'shop/web').pid, 13, 'POD/CONTAINER without the namespace');
    assert.equal(pickContainer(found, 'default/shop/web').pid, 13);
    assert.throws(
      () => pickContainer(found, 'web'),
      (e: unknown) => e instanceof TsnsError && e.code === 'EAMBIGUOUS' && /docker:web \(aaaaaaaaaaaa\), podman:web \(bbbbbbbbbbbb\)/.test(e.message),
    );
    assert.throws(
      () => pickContainer(found, 'nope', ['/var/lib/docker']),
      (e: unknown) => e instanceof TsnsError && e.code === 'EACCES' && /\/var\/lib\/docker could not be read \(Permission denied\)/.test(e.message),
    );
  });

  it("tsns ls --container NAME shows that container's namespaces, by name, id or prefix", function () {
    for (const [c, spec] of [
      [web, web.id],
      [rootless, `runc:${rootless.id}`],
      [hidden, hiddenId.slice(0, 16)],
    ] as [Container, string][]) {
      const rows = lsJson('--container', spec);
      assert.deepEqual(rows.map((r) => r.ns).sort(), [...ownNamespaces(c.pid).keys()].sort(), spec);
      assert.ok(rows.every((r) => r.pid === c.pid && r.nprocs >= 1));
    }
    const table = tsns('ls', '--container', web.id, '-n', '-o', 'TYPE,CONTAINER');
    assert.equal(table.status, 0);
    assert.deepEqual(
      table.stdout
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[1]),
      [...ownNamespaces(web.pid).keys()].map(() => web.id),
    );
  });

  it('tsns ls --container with an unknown or ambiguous name, or with an NSID: one tsns: line, exit 1', function () {
    for (const args of [
      ['--container', `nope-${tag}`],
      ['--container', 'tsns-test-'],
      ['4026531833', '--container', `nope-${tag}`],
    ]) {
      const r = tsns('ls', ...args);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^tsns: [^\n]+\n$/);
    }
  });

  it('as nobody, a runc container whose state is 0700: enter, ls --container and pin say the state could not be read', function () {
    // runc's state root for root is 0700: nobody cannot see that the container exists (issue 9, item 9).
    assert.equal(fs.statSync('/run/runc').mode & 0o777, 0o700);
    for (const args of [
      ['enter', web.id, '--', 'true'],
      ['ls', '--container', web.id],
      ['pin', web.id, 'uts', '/tmp/never-made'],
    ]) {
      const r = tsnsAsNobody(args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^tsns: [^\n]*\/run\/runc[^\n]* could not be read \(Permission denied\); run tsns as root[^\n]*\n$/, args.join(' '));
    }
    assert.equal(fs.existsSync('/tmp/never-made'), false);
  });
});
