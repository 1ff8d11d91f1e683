/**
 * The engine fixtures do what they say: real Docker, podman (rootful and rootless), containerd,
 * Kubernetes (containerd's CRI plugin, driven over gRPC) and LXC, started here in one private mount
 * namespace (the "node"), each with its container running, its init alive and its on-disk state where
 * the engine keeps it — checked against the engines' own CLIs and against /proc. Then
 * discoverContainers() (src/containers) against them: run in the node (where the engines' state is),
 * from the host (where only their processes and cgroups are), and as nobody.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { discoverContainers, type Container } from '../src/containers';
import { readStateFileEnds } from '../src/containers/read';
import { parseRuncState } from '../src/containers/runc';
import { startEngines, K3S_STATE, LXC_PATH, type Engines } from './fixtures/engines';
import { alive, run } from './fixtures/engines/util';
import { asNobody } from './helpers/nobody';

const repoRoot = path.resolve(__dirname, '..', '..');
const DISCOVER = path.join('dist', 'test', 'helpers', 'discover.js');

const TASKS = `${K3S_STATE}/io.containerd.runtime.v2.task`;

function nsOf(pid: number, type: string): string {
  return fs.readlinkSync(`/proc/${pid}/ns/${type}`);
}

/** The process's status line KEY, split on whitespace. */
function status(pid: number, key: string): string[] {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}:`));
  return (line ?? '')
    .slice(key.length + 1)
    .trim()
    .split(/\s+/);
}

/** An engine's init: alive, PID 1 of a PID namespace of its own. */
function assertInit(pid: number, what: string): void {
  assert.ok(pid > 0 && alive(pid), `${what}: init ${pid} not alive`);
  assert.equal(status(pid, 'NSpid').at(-1), '1', `${what}: ${pid} is not PID 1 of its PID namespace`);
  assert.notEqual(nsOf(pid, 'pid'), nsOf(process.pid, 'pid'), what);
  assert.notEqual(nsOf(pid, 'mnt'), nsOf(process.pid, 'mnt'), what);
}

/** Network interfaces of the process's network namespace. */
function interfaces(pid: number): string[] {
  return fs
    .readFileSync(`/proc/${pid}/net/dev`, 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0].trim())
    .filter(Boolean);
}

function cgroupPaths(pid: number): Set<string> {
  return new Set(
    fs
      .readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1)),
  );
}

function json(path: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('engine fixtures (real Docker, podman, containerd, Kubernetes CRI, LXC)', function () {
  let e: Engines;
  let fileStart = 0;

  before(async function () {
    this.timeout(180000);
    fileStart = Date.now();
    e = await startEngines();
  });

  after(async function () {
    this.timeout(120000);
    if (!e) return;
    const node = e.node;
    await e.stop();
    assert.deepEqual(node.processes(), [], 'processes of the node left running');
    assert.ok(!fs.existsSync(e.dir), `${e.dir} left behind`);
    const t = e.timings;
    console.log(
      `      engines up in ${t.all} ms (node ${t.node}, containerd daemon ${t['containerd daemon']}, dockerd ${t['docker daemon']}; ` +
        `to a running container: containerd ${t.containerd}, kubernetes ${t.kubernetes}, docker ${t.docker}, podman ${t.podman}, ` +
        `podman rootless ${t['podman rootless']}, lxc ${t.lxc}); stopped in ${t.stop} ms; file ${Date.now() - fileStart} ms`,
    );
  });

  it('docker: web-1 with compose labels, no network, on the node containerd; state in /var/lib/docker', async function () {
    const { web } = e;
    const [inspected] = JSON.parse(await e.docker.cli(['inspect', web.id])) as {
      Name: string;
      State: { Running: boolean; Pid: number };
      Config: { Labels: Record<string, string> };
      HostConfig: { NetworkMode: string };
    }[];
    assert.equal(inspected.Name, '/web-1');
    assert.equal(inspected.State.Running, true);
    assert.equal(inspected.State.Pid, web.pid);
    assert.equal(inspected.HostConfig.NetworkMode, 'none');
    assert.deepEqual(inspected.Config.Labels, web.labels);
    assert.equal(web.labels['com.docker.compose.project'], 'shop');
    assertInit(web.pid, 'web-1');
    assert.deepEqual(interfaces(web.pid), ['lo']);
    assert.ok(cgroupPaths(web.pid).has(`/docker/${web.id}`));
    const config = json(e.node.path(`/var/lib/docker/containers/${web.id}/config.v2.json`)) as {
      ID: string;
      Name: string;
      State: { Pid: number; Running: boolean };
      Config: { Labels: Record<string, string> };
    };
    assert.deepEqual(
      { ID: config.ID, Name: config.Name, Pid: config.State.Pid, Running: config.State.Running, Labels: config.Config.Labels },
      { ID: web.id, Name: '/web-1', Pid: web.pid, Running: true, Labels: web.labels },
    );
    // dockerd runs it as a task of the node's containerd, namespace moby, and runc keeps its state under docker's exec root.
    assert.equal(Number(fs.readFileSync(e.node.path(`${TASKS}/moby/${web.id}/init.pid`), 'utf8')), web.pid);
    assert.equal(json(e.node.path(`/run/docker/runtime-runc/moby/${web.id}/state.json`)).init_process_pid, web.pid);
  });

  it('podman rootful: db with runc, the ulimits given, no network; state in /var/lib/containers/storage', async function () {
    const { db } = e;
    const [inspected] = JSON.parse(await e.podman.cli(['inspect', db.id])) as { Name: string; State: { Running: boolean; Pid: number }; OCIRuntime: string }[];
    assert.deepEqual(
      { name: inspected.Name, running: inspected.State.Running, pid: inspected.State.Pid, runtime: inspected.OCIRuntime },
      { name: 'db', running: true, pid: db.pid, runtime: 'runc' },
    );
    assertInit(db.pid, 'db');
    assert.deepEqual(interfaces(db.pid), ['lo']);
    assert.match(fs.readFileSync(`/proc/${db.pid}/limits`, 'utf8'), /Max open files\s+20000\s+20000/);
    assert.ok(cgroupPaths(db.pid).has(`/libpod_parent/libpod-${db.id}`));
    const list = JSON.parse(fs.readFileSync(e.node.path('/var/lib/containers/storage/overlay-containers/containers.json'), 'utf8')) as {
      id: string;
      names: string[];
    }[];
    assert.deepEqual(
      list.map((c) => [c.id, c.names]),
      [[db.id, ['db']]],
    );
    assert.equal(json(e.node.path(`/run/runc/${db.id}/state.json`)).init_process_pid, db.pid);
    const bundle = json(e.node.path(`/var/lib/containers/storage/overlay-containers/${db.id}/userdata/config.json`)) as { annotations: Record<string, string> };
    assert.equal(bundle.annotations['io.container.manager'], 'libpod');
    assert.equal(Number(fs.readFileSync(e.node.path(`/run/containers/storage/overlay-containers/${db.id}/userdata/pidfile`), 'utf8')), db.pid);
    assert.equal(db.user, 0);
  });

  it('podman rootless: cache of a user that exists only in the node, vfs storage in its home', async function () {
    const { cache } = e;
    const u = e.node.user;
    // The user, its subordinate ids and its home are the node's only: the host's files are untouched.
    assert.equal(spawnSync('getent', ['passwd', u.name]).status, 2, 'the test user must not exist on the host');
    assert.ok(!fs.readFileSync('/etc/subuid', 'utf8').includes(`${u.name}:`));
    assert.ok(!fs.existsSync(u.home));
    assert.equal(e.node.runSync(['getent', 'passwd', u.name]).stdout.split(':')[2], String(u.uid));
    assert.ok(e.node.runSync(['cat', '/etc/subuid']).stdout.includes(`${u.name}:${u.subStart}:65536`));

    const [inspected] = JSON.parse(await e.rootlessPodman.cli(['inspect', cache.id])) as { Name: string; State: { Running: boolean; Pid: number } }[];
    assert.deepEqual({ name: inspected.Name, running: inspected.State.Running, pid: inspected.State.Pid }, { name: 'cache', running: true, pid: cache.pid });
    assertInit(cache.pid, 'cache');
    assert.equal(cache.user, u.uid);
    // Root in the container is the user on the host; the rest of its ids are the user's subordinate range.
    assert.equal(status(cache.pid, 'Uid')[0], String(u.uid));
    const uidMap = fs
      .readFileSync(`/proc/${cache.pid}/uid_map`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number));
    assert.deepEqual(uidMap, [
      [0, u.uid, 1],
      [1, u.subStart, 65536],
    ]);
    assert.deepEqual(interfaces(cache.pid), ['lo']);
    const storage = `${u.home}/.local/share/containers/storage`;
    const list = JSON.parse(fs.readFileSync(e.node.path(`${storage}/vfs-containers/containers.json`), 'utf8')) as { id: string; names: string[] }[];
    assert.deepEqual(
      list.map((c) => [c.id, c.names]),
      [[cache.id, ['cache']]],
    );
    const stateFile = e.node.path(`/run/user/${u.uid}/runc/${cache.id}/state.json`);
    assert.equal(json(stateFile).init_process_pid, cache.pid);
    assert.equal(fs.statSync(stateFile).uid, u.uid);
  });

  it('containerd: orders and a nerdctl-named container in namespace shop, state under the k3s layout', async function () {
    const tasks = await e.containerd.tasks('shop');
    for (const c of [e.orders, e.frontend]) {
      assert.deepEqual(tasks.get(c.id), { pid: c.pid, status: 'RUNNING' });
      assertInit(c.pid, `shop/${c.id}`);
      const dir = e.node.path(`${TASKS}/shop/${c.id}`);
      assert.equal(Number(fs.readFileSync(`${dir}/init.pid`, 'utf8')), c.pid);
      assert.deepEqual((json(`${dir}/config.json`) as { annotations?: Record<string, string> }).annotations ?? {}, c.labels);
      assert.ok(cgroupPaths(c.pid).has(`/shop/${c.id}`));
    }
    assert.equal(e.frontend.labels['nerdctl/name'], 'frontend');
    assert.match(e.frontend.id, /^[0-9a-f]{64}$/);
    // The daemon's roots come from its command line only.
    const argv = fs.readFileSync(`/proc/${e.containerd.pid}/cmdline`, 'utf8').split('\0');
    assert.ok(argv.includes('--state') && argv.includes(K3S_STATE), argv.join(' '));
  });

  it("kubernetes: a host-network pod of two containers through containerd's CRI plugin", async function () {
    const { pod } = e;
    const tasks = await e.containerd.tasks('k8s.io');
    assert.deepEqual(tasks.get(pod.sandboxId), { pid: pod.sandboxPid, status: 'RUNNING' });
    assert.deepEqual(
      pod.containers.map((c) => c.name),
      ['nginx', 'sidecar'],
    );
    const podCgroup = `/kubepods/besteffort/pod${pod.spec.uid}`;
    assert.ok(cgroupPaths(pod.sandboxPid).has(`${podCgroup}/${pod.sandboxId}`));
    const sandboxAnn = (json(e.node.path(`${TASKS}/k8s.io/${pod.sandboxId}/config.json`)) as { annotations: Record<string, string> }).annotations;
    assert.deepEqual(
      [
        sandboxAnn['io.kubernetes.cri.container-type'],
        sandboxAnn['io.kubernetes.cri.sandbox-name'],
        sandboxAnn['io.kubernetes.cri.sandbox-namespace'],
        sandboxAnn['io.kubernetes.cri.sandbox-uid'],
      ],
      ['sandbox', pod.spec.name, 'default', pod.spec.uid],
    );
    for (const c of pod.containers) {
      assert.deepEqual(tasks.get(c.id), { pid: c.pid, status: 'RUNNING' });
      assertInit(c.pid, c.name);
      const ann = (json(e.node.path(`${TASKS}/k8s.io/${c.id}/config.json`)) as { annotations: Record<string, string> }).annotations;
      assert.deepEqual(
        [
          ann['io.kubernetes.cri.container-type'],
          ann['io.kubernetes.cri.container-name'],
          ann['io.kubernetes.cri.sandbox-id'],
          ann['io.kubernetes.cri.sandbox-name'],
        ],
        ['container', c.name, pod.sandboxId, pod.spec.name],
      );
      assert.ok(cgroupPaths(c.pid).has(`${podCgroup}/${c.id}`));
      // The pod's IPC namespace is the sandbox's; its network is the host's (hostNetwork); PID namespaces are per container.
      assert.equal(nsOf(c.pid, 'ipc'), nsOf(pod.sandboxPid, 'ipc'));
      assert.notEqual(nsOf(c.pid, 'ipc'), nsOf(process.pid, 'ipc'));
      assert.equal(nsOf(c.pid, 'net'), nsOf(process.pid, 'net'));
      assert.notEqual(nsOf(c.pid, 'pid'), nsOf(pod.sandboxPid, 'pid'));
    }
  });

  it('lxc: a busybox system container, no network, under /var/lib/lxc, its monitor its parent', function () {
    const { lxc } = e;
    const info = (flag: string): string => e.node.runSync(['lxc-info', '-P', LXC_PATH, '-n', lxc.name, flag, '-H']).stdout.trim();
    assert.deepEqual([info('-s'), info('-p')], ['RUNNING', String(lxc.pid)]);
    assertInit(lxc.pid, lxc.name);
    assert.deepEqual(interfaces(lxc.pid), ['lo']);
    assert.ok(cgroupPaths(lxc.pid).has(`/lxc.payload.${lxc.name}`));
    const config = fs.readFileSync(e.node.path(`${LXC_PATH}/${lxc.name}/config`), 'utf8');
    assert.match(config, /^lxc\.net\.0\.type = empty$/m);
    assert.match(config, new RegExp(`^lxc\\.uts\\.name = "?${lxc.name}"?$`, 'm'));
    const ppid = Number(status(lxc.pid, 'PPid')[0]);
    assert.equal(fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(), `[lxc monitor] ${LXC_PATH} ${lxc.name}`);
  });

  it('keeps the host as it was: no engine state outside the node', function () {
    for (const path of ['/var/lib/docker', '/var/lib/containers/storage', '/run/k3s', '/etc/docker/key.json', `${LXC_PATH}/${e.lxc.name}`]) {
      assert.ok(!fs.existsSync(path), `${path} on the host`);
      assert.ok(fs.existsSync(e.node.path(path)), `${path} not in the node`);
    }
  });

  describe('tsns on them: ls, containers, ps, enter, debug and ls --container by the names people type', function () {
    this.timeout(60000);
    const TSNS = path.join(repoRoot, 'bin', 'tsns');
    /** `tsns ARGS` inside the node, where the engines' state is. */
    const tsns = (...args: string[]): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } =>
      e.node.runSync([process.execPath, TSNS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) as ReturnType<typeof spawnSync> & {
        stdout: string;
        stderr: string;
      };
    const ok = (...args: string[]): string => {
      const r = tsns(...args);
      assert.equal(r.status, 0, `tsns ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const inode = (pid: number, type: string): number => Number(/\[(\d+)\]/.exec(nsOf(pid, type))?.[1]);
    /** Every container of the fixtures: the name its engine's users type, its engine, id, init, pod. */
    const all = (): { name: string; engine: string; id: string; pid: number; pod?: string }[] => {
      const pod = `${e.pod.spec.namespace}/${e.pod.spec.name}`;
      return [
        { name: 'web-1', engine: 'docker', id: e.web.id, pid: e.web.pid },
        { name: 'db', engine: 'podman', id: e.db.id, pid: e.db.pid },
        { name: 'cache', engine: 'podman', id: e.cache.id, pid: e.cache.pid },
        { name: `shop/${e.orders.id}`, engine: 'containerd', id: e.orders.id, pid: e.orders.pid },
        { name: pod, engine: 'kubernetes', id: e.pod.sandboxId, pid: e.pod.sandboxPid, pod },
        ...e.pod.containers.map((c) => ({ name: `${pod}/${c.name}`, engine: 'kubernetes', id: c.id, pid: c.pid, pod })),
        { name: e.lxc.name, engine: 'lxc', id: e.lxc.name, pid: e.lxc.pid },
      ];
    };

    it('tsns ls -o +CONTAINER,ENGINE,CTRID,POD: each container on its own namespaces, a pod on its shared ones', function () {
      const rows = (JSON.parse(ok('ls', '-J', '-o', 'NS,TYPE,PID,CONTAINER,ENGINE,CTRID,POD')) as { namespaces: Record<string, unknown>[] }).namespaces;
      const rowOf = (id: number): Record<string, unknown> | undefined => rows.find((r) => r.ns === id);
      for (const c of all()) {
        // A pod's containers join its sandbox's IPC namespace: their mount namespaces are their own.
        const mnt = rowOf(inode(c.pid, 'mnt'));
        assert.deepEqual(
          { container: mnt?.container, engine: mnt?.engine, ctrid: mnt?.ctrid, pod: mnt?.pod ?? undefined },
          { container: c.name, engine: c.engine, ctrid: c.id, pod: c.pod },
          `${c.name}: its mount namespace`,
        );
      }
      const sandbox = all().find((c) => c.id === e.pod.sandboxId);
      for (const app of e.pod.containers) {
        assert.equal(inode(app.pid, 'ipc'), inode(e.pod.sandboxPid, 'ipc'), 'the pod shares its IPC namespace');
        const ipc = rowOf(inode(app.pid, 'ipc'));
        assert.deepEqual([ipc?.container, ipc?.pod], [sandbox?.name, sandbox?.pod], "the pod's shared namespace shows the sandbox and the pod");
      }
      // The default listing reads no engine state: CONTAINER is not among its columns.
      assert.doesNotMatch(ok('ls', '-t', 'mnt').split('\n')[0], /CONTAINER/);
    });

    it('tsns containers: one row per container, as its engine names it', function () {
      const rows = (
        JSON.parse(ok('containers', '-J', '-o', 'ENGINE,NAME,CTRID,POD,PID,STATUS,OWN,SHARED,USER,SANDBOX')) as { containers: Record<string, unknown>[] }
      ).containers;
      for (const c of all()) {
        const row = rows.find((r) => r.ctrid === c.id);
        assert.ok(row, `${c.name} not listed`);
        assert.deepEqual(
          { engine: row.engine, name: row.name, pid: row.pid, status: row.status, pod: row.pod ?? undefined },
          { engine: c.engine, name: c.name, pid: c.pid, status: 'running', pod: c.pod },
        );
        assert.ok((row.own as string[]).includes('mnt') && (row.own as string[]).includes('pid'), `${c.name}: ${String(row.own)}`);
      }
      assert.equal(rows.find((r) => r.ctrid === e.cache.id)?.user, e.cache.user, 'the rootless container names its user');
      assert.equal(rows.find((r) => r.ctrid === e.pod.sandboxId)?.sandbox, 'yes');
      assert.deepEqual(
        (JSON.parse(ok('containers', '-J', '--engine', 'podman', '-o', 'NAME')) as { containers: { name: string }[] }).containers.map((r) => r.name).sort(),
        ['cache', 'db'],
      );
      const table = ok('containers', '-e', 'docker');
      assert.match(
        table,
        new RegExp(`^ENGINE\\s+NAME\\s+CTRID\\s+POD\\s+PID\\s+STATUS\\s+OWN\\ndocker\\s+web-1\\s+${e.web.id.slice(0, 12)}\\s+${e.web.pid}\\s+running\\s+`),
      );
      // One line per container: OWN's types on it, comma-separated, as docker ps keeps a row to a line.
      assert.equal(table.trimEnd().split('\n').length, 2, table);
      assert.match(table.split('\n')[1], /\s(mnt|net|ipc|pid|uts|cgroup)(,(mnt|net|ipc|pid|uts|cgroup))+$/);
      const bad = tsns('containers', '--engine', 'nope');
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /^tsns: unknown engine 'nope'/);
    });

    it('tsns ps NAME: host PIDs beside the container namespace PIDs, uids as its user namespace maps them', function () {
      for (const c of all()) {
        const rows = (JSON.parse(ok('ps', c.name, '-J', '-o', 'PID,NSPID,PPID,NSPPID,UID,CUID,COMMAND')) as { processes: Record<string, unknown>[] }).processes;
        const init = rows.find((r) => r.pid === c.pid);
        assert.ok(init, `${c.name}: its init ${c.pid} not listed`);
        assert.equal(init.nspid, 1, `${c.name}: the init is PID 1 inside`);
        assert.equal(init.nsppid, null, `${c.name}: its parent is outside`);
        for (const r of rows) assert.equal(nsOf(r.pid as number, 'pid'), nsOf(c.pid, 'pid'), `${c.name}: PID ${r.pid} is not the container's`);
      }
      // The rootless container's root is its user's uid on the host.
      const cache = (JSON.parse(ok('ps', 'podman:cache', '-J', '-o', 'PID,UID,CUID')) as { processes: Record<string, unknown>[] }).processes;
      assert.deepEqual(
        cache.filter((r) => r.pid === e.cache.pid).map((r) => [r.uid, r.cuid]),
        [[e.cache.user, 0]],
      );
    });

    it('tsns enter NAME -- hostname, and tsns ls --container NAME, for every engine', function () {
      for (const c of all()) {
        const hostname = spawnSync('nsenter', ['-t', String(c.pid), '-u', 'hostname'], { encoding: 'utf8' }).stdout;
        assert.equal(ok('enter', c.name, '--', 'hostname'), hostname, c.name);
        const rows = (JSON.parse(ok('ls', '--container', c.name, '-J', '-o', 'NS,CTRID')) as { namespaces: { ns: number; ctrid: string }[] }).namespaces;
        assert.ok(rows.length > 0 && rows.every((r) => r.ctrid === c.id), c.name);
        assert.ok(
          rows.some((r) => r.ns === inode(c.pid, 'mnt')),
          `${c.name}: its mount namespace among its rows`,
        );
      }
      // Other spellings: ENGINE:NAME, a unique id prefix, POD/CONTAINER without the namespace.
      assert.equal(
        ok('enter', 'docker:web-1', '-u', '--', 'hostname'),
        spawnSync('nsenter', ['-t', String(e.web.pid), '-u', 'hostname'], { encoding: 'utf8' }).stdout,
      );
      assert.match(ok('enter', e.db.id.slice(0, 10), '-u', '--', 'hostname'), /^db\n$/);
      const app = e.pod.containers[0];
      assert.equal(ok('ps', `${e.pod.spec.name}/${app.name}`, '-J', '-o', 'PID').includes(String(app.pid)), true);
      const unknown = tsns('enter', 'no-such-container', '--', 'true');
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr, /^tsns: no such target 'no-such-container'/);
    });

    it('tsns debug web-1: the host tools in the container, its files at $TSNS_TARGET_ROOT', function () {
      const out = ok('debug', 'web-1', '--', 'sh', '-c', 'ip -br link; echo ---; ls $TSNS_TARGET_ROOT/bin | grep -c .; echo $TSNS_TARGET');
      const [links, rest] = out.split('---\n');
      assert.deepEqual(
        links
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/)[0]),
        interfaces(e.web.pid),
      );
      assert.match(rest, /^[1-9]\d*\nweb-1\n$/);
    });
  });

  describe('discoverContainers() against them', function () {
    let inside: { containers: Container[]; denied: string[] };

    /** discoverContainers() in the node, from dist, optionally as another user (argv prefix). */
    function discoverInside(prefix: string[] = [], root = repoRoot): { containers: Container[]; denied: string[] } {
      const r = e.node.runSync([...prefix, process.execPath, path.join(root, DISCOVER)]);
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as { containers: Container[]; denied: string[] };
    }

    function only(list: Container[], id: string): Container {
      const found = list.filter((c) => c.id === id);
      assert.equal(found.length, 1, `${id}: ${found.length} containers`);
      return found[0];
    }

    const pick = (c: Container, keys: (keyof Container)[]): Partial<Container> =>
      Object.fromEntries(keys.filter((k) => c[k] !== undefined).map((k) => [k, c[k]]));

    before(function () {
      inside = discoverInside();
    });

    it('names every container as its engine names it, with its running init', function () {
      const keys: (keyof Container)[] = ['engine', 'name', 'pid', 'status', 'user', 'pod', 'sandbox'];
      const expect: [string, Partial<Container>][] = [
        [e.web.id, { engine: 'docker', name: 'web-1', pid: e.web.pid, status: 'running' }],
        [e.db.id, { engine: 'podman', name: 'db', pid: e.db.pid, status: 'running' }],
        [e.cache.id, { engine: 'podman', name: 'cache', pid: e.cache.pid, status: 'running', user: e.node.user.uid }],
        [e.orders.id, { engine: 'containerd', name: `shop/${e.orders.id}`, pid: e.orders.pid, status: 'running' }],
        [e.frontend.id, { engine: 'containerd', name: 'shop/frontend', pid: e.frontend.pid, status: 'running' }],
        [e.lxc.name, { engine: 'lxc', name: e.lxc.name, pid: e.lxc.pid, status: 'running' }],
      ];
      for (const [id, want] of expect) assert.deepEqual(pick(only(inside.containers, id), keys), want, id);
      assert.deepEqual(only(inside.containers, e.web.id).labels, e.web.labels);
      assert.equal(only(inside.containers, e.frontend.id).labels['nerdctl/name'], 'frontend');
      assert.deepEqual(inside.denied, []);
    });

    it('a pod: its sandbox is NAMESPACE/POD, its containers NAMESPACE/POD/CONTAINER, all in pod NAMESPACE/POD', function () {
      const { pod } = e;
      const podName = `default/${pod.spec.name}`;
      const keys: (keyof Container)[] = ['engine', 'name', 'pid', 'status', 'pod', 'podUid', 'sandbox', 'sandboxId', 'namespace'];
      const common = { engine: 'kubernetes', status: 'running', pod: podName, podUid: pod.spec.uid, sandboxId: pod.sandboxId, namespace: 'k8s.io' };
      assert.deepEqual(pick(only(inside.containers, pod.sandboxId), keys), { ...common, name: podName, pid: pod.sandboxPid, sandbox: true });
      for (const c of pod.containers) {
        assert.deepEqual(pick(only(inside.containers, c.id), keys), { ...common, name: `${podName}/${c.name}`, pid: c.pid, sandbox: false });
      }
    });

    it('one container per id, the most specific engine first, every engine that saw it listed', function () {
      const seen = (id: string): string[] => [...(only(inside.containers, id).seenBy ?? [])].sort();
      assert.deepEqual(seen(e.web.id), ['containerd', 'docker', 'runc']);
      assert.deepEqual(seen(e.db.id), ['podman', 'runc']);
      assert.deepEqual(seen(e.cache.id), ['podman', 'runc']);
      assert.deepEqual(seen(e.orders.id), ['containerd', 'runc']);
      assert.deepEqual(seen(e.pod.containers[0].id), ['containerd', 'kubernetes', 'runc']);
      assert.deepEqual(seen(e.lxc.name), ['lxc']);
      // The runc state adds what the engine's own record lacks: the init's start time, the bundle.
      const web = only(inside.containers, e.web.id);
      assert.equal(web.pidStart, Number(fs.readFileSync(`/proc/${e.web.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19]));
      assert.equal(web.bundle, `${K3S_STATE}/io.containerd.runtime.v2.task/moby/${e.web.id}`);
    });

    it("runc's state read from its two ends gives what parsing it whole gives", function () {
      const ctx = { denied: [] as string[] };
      const files: string[] = [];
      for (const root of [
        '/run/runc',
        '/run/docker/runtime-runc/moby',
        '/run/containerd/runc/shop',
        '/run/containerd/runc/k8s.io',
        `/run/user/${e.node.user.uid}/runc`,
      ]) {
        for (const id of fs.readdirSync(e.node.path(root))) files.push(e.node.path(`${root}/${id}/state.json`));
      }
      assert.ok(files.length >= 8, files.join(' '));
      // Most are too big to be read whole (docker's, podman's, CRI's carry a seccomp profile).
      assert.ok(files.filter((f) => fs.statSync(f).size > 8192).length >= 5);
      for (const file of files) {
        const whole = JSON.parse(fs.readFileSync(file, 'utf8')) as {
          id: string;
          init_process_pid: number;
          init_process_start: number;
          config: { labels: string[]; rootfs: string };
        };
        const ends = readStateFileEnds(file, ctx, 4096);
        assert.ok(ends, file);
        const fast = parseRuncState(ends.head, ends.tail, () => assert.fail(`${file}: read whole`));
        assert.deepEqual(
          fast,
          { id: whole.id, pid: whole.init_process_pid, start: whole.init_process_start, labels: whole.config.labels, rootfs: whole.config.rootfs },
          file,
        );
      }
    });

    it('from the host, where the node keeps its state out of sight, cgroup paths still name the inits', function () {
      const { containers } = discoverContainers(); // in this process: the host's mount namespace
      const keys: (keyof Container)[] = ['engine', 'name', 'pid', 'podUid', 'seenBy'];
      const cg = { seenBy: ['cgroup'] as Container['seenBy'] };
      assert.deepEqual(pick(only(containers, e.web.id), keys), { engine: 'docker', name: e.web.id, pid: e.web.pid, ...cg });
      assert.deepEqual(pick(only(containers, e.db.id), keys), { engine: 'podman', name: e.db.id, pid: e.db.pid, ...cg });
      assert.deepEqual(pick(only(containers, e.lxc.name), keys), { engine: 'lxc', name: e.lxc.name, pid: e.lxc.pid, ...cg });
      for (const c of [...e.pod.containers, { id: e.pod.sandboxId, pid: e.pod.sandboxPid }]) {
        assert.deepEqual(pick(only(containers, c.id), keys), { engine: 'kubernetes', name: c.id, pid: c.pid, podUid: e.pod.spec.uid, ...cg });
      }
    });

    it('containers that do not run: their state says so, with no pid', async function () {
      const tag = randomBytes(3).toString('hex');
      const created = (await e.docker.cli(['create', '--network', 'none', '--name', `job-${tag}`, e.image.ref])).trim();
      const batch = `batch-${tag}`;
      try {
        await e.containerd.ctr('shop', ['run', '-d', e.image.ref, batch]);
        const pid = (await e.containerd.tasks('shop')).get(batch)?.pid ?? 0;
        await e.containerd.ctr('shop', ['task', 'kill', '-s', 'SIGKILL', batch]);
        for (let i = 0; i < 500 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
        const now = discoverInside().containers;
        assert.deepEqual(pick(only(now, created), ['engine', 'name', 'pid', 'status']), { engine: 'docker', name: `job-${tag}`, status: 'created' });
        assert.deepEqual(pick(only(now, batch), ['engine', 'name', 'pid', 'status']), { engine: 'containerd', name: `shop/${batch}`, status: 'stopped' });
      } finally {
        await e.docker.cli(['rm', '--force', created]);
        await e.containerd.ctr('shop', ['task', 'delete', batch]).catch(() => undefined);
        await e.containerd.ctr('shop', ['container', 'delete', batch]).catch(() => undefined);
      }
    });

    it('as nobody: what it cannot read is denied, and it names nothing', function () {
      const nobody = asNobody();
      try {
        const r = discoverInside(nobody.prefix, nobody.root);
        for (const dir of ['/var/lib/docker', '/var/lib/containers', `${K3S_STATE}/io.containerd.runtime.v2.task`, `${LXC_PATH}/${e.lxc.name}`, '/run/runc']) {
          assert.ok(r.denied.includes(dir), `${dir} not in denied: ${r.denied.join(', ')}`);
        }
        // The rootless user's home is not nobody's to enter: not knowing what it holds is not a denial.
        assert.ok(!r.denied.some((d) => d.startsWith('/home/')), r.denied.join(', '));
        const ours = new Set([e.web.id, e.db.id, e.cache.id, e.orders.id, e.frontend.id, e.lxc.name, e.pod.sandboxId, ...e.pod.containers.map((c) => c.id)]);
        assert.deepEqual(
          r.containers.filter((c) => ours.has(c.id)),
          [],
        );
      } finally {
        nobody.cleanup();
      }
    });

    it("a user's own state cannot make it name someone else's process, nor make discovery follow a link or wait on a FIFO", async function () {
      // The rootless user points its containers-storage at files it wrote.
      const u = e.node.user;
      const forged = 'f'.repeat(64);
      const pidfile = `~/forged/run/vfs-containers/${forged}/userdata/pidfile`;
      const asUser = async (script: string): Promise<void> => {
        const w = await run([...e.node.userPrefix, 'sh', '-c', `set -e\n${script}`]);
        assert.equal(w.status, 0, w.stderr);
      };
      const forgedOne = (): Container => {
        const t = Date.now();
        const c = only(discoverInside().containers, forged);
        assert.ok(Date.now() - t < 10000, 'discovery took too long');
        return c;
      };
      try {
        await asUser(
          [
            `mkdir -p ~/.config/containers ~/forged/graph/vfs-containers $(dirname ${pidfile})`,
            `printf '[storage]\\ndriver = "vfs"\\ngraphroot = "%s/forged/graph"\\nrunroot = "%s/forged/run"\\n' "$HOME" "$HOME" > ~/.config/containers/storage.conf`,
            `printf '[{"id":"${forged}","names":["forged"]}]' > ~/forged/graph/vfs-containers/containers.json`,
            `echo ${e.web.pid} > ${pidfile}`, // web-1's init: root's, not the user's
          ].join('\n'),
        );
        assert.deepEqual(pick(forgedOne(), ['engine', 'name', 'user', 'pid']), { engine: 'podman', name: 'forged', user: u.uid });
        // A runtime state under the user's runtime directory with web-1's id and init: its own entry,
        // the user's, without that pid — and web-1 stays root's docker container, pid and all.
        const runcDir = `/run/user/${u.uid}/runc/${e.web.id}`;
        const state = JSON.stringify({ id: e.web.id, init_process_pid: e.web.pid, init_process_start: 1, config: { labels: [] } });
        await asUser(`mkdir -p ${runcDir} && printf '%s' '${state}' > ${runcDir}/state.json`);
        const both = discoverInside().containers.filter((c) => c.id === e.web.id);
        assert.deepEqual(
          both.map((c) => pick(c, ['engine', 'name', 'user', 'pid'])),
          [
            { engine: 'docker', name: 'web-1', pid: e.web.pid },
            { engine: 'runc', name: e.web.id, user: u.uid },
          ],
        );
        await asUser(`rm -r ${runcDir}`);
        // The pid of the user's own container, but through a symbolic link: not followed.
        await asUser(`echo ${e.cache.pid} > ~/forged/pid && ln -sf ~/forged/pid ${pidfile}`);
        assert.equal(forgedOne().pid, undefined);
        await asUser(`rm ${pidfile} && echo ${e.cache.pid} > ${pidfile}`);
        assert.equal(forgedOne().pid, e.cache.pid, 'the same pid in a plain file is taken');
        // A FIFO where containers.json should be: skipped at once, not waited on.
        await asUser('rm ~/forged/graph/vfs-containers/containers.json && mkfifo ~/forged/graph/vfs-containers/containers.json');
        const t = Date.now();
        const now = discoverInside().containers;
        assert.ok(Date.now() - t < 10000, 'discovery waited on the FIFO');
        assert.ok(!now.some((c) => c.id === forged));
        assert.ok(
          now.some((c) => c.id === e.cache.id),
          "the user's real containers are still found",
        );
      } finally {
        await run([...e.node.userPrefix, 'sh', '-c', 'rm -rf ~/forged ~/.config/containers/storage.conf']);
      }
    });
  });
});
