/**
 * The formats src/containers reads that no engine here can produce — CRI-O (not packaged for this
 * distribution), systemd-nspawn's machined (it would replace the host's systemd), cgroup paths of the
 * systemd driver (PID 1 is not systemd here) — checked on text in the shape those programs write it (the
 * keys from their sources), plus the merge rule for ids that are not unique across engines. The engines
 * that do run here are checked for real in engines.test.ts.
 */
import assert from 'node:assert/strict';
import { containerOfCgroup, mergeContainers, type Container } from '../src/containers';
import { criPodRef, crioPodRef } from '../src/containers/kubernetes';
import { parseMonitorTitle } from '../src/containers/lxc';
import { parseMachineFile } from '../src/containers/nspawn';
import { argValue, tomlString } from '../src/containers/read';

const ID = '0123456789abcdef'.repeat(4);
const UID = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';

describe('container state formats (engines that cannot run here)', function () {
  it('cgroup paths: every manager and driver names its container', function () {
    const u = UID.replace(/-/g, '_');
    const cases: [string, { engine: string; id: string; podUid?: string }][] = [
      [`0::/system.slice/docker-${ID}.scope`, { engine: 'docker', id: ID }],
      [`12:memory:/docker/${ID}`, { engine: 'docker', id: ID }],
      [`0::/machine.slice/libpod-${ID}.scope/container`, { engine: 'podman', id: ID }],
      [`4:pids:/libpod_parent/libpod-${ID}`, { engine: 'podman', id: ID }],
      [`0::/system.slice/cri-containerd-${ID}.scope`, { engine: 'containerd', id: ID }],
      [`0::/system.slice/nerdctl-${ID}.scope`, { engine: 'containerd', id: ID }],
      [`0::/system.slice/crio-${ID}.scope`, { engine: 'cri-o', id: ID }],
      [
        `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${u}.slice/cri-containerd-${ID}.scope`,
        { engine: 'kubernetes', id: ID, podUid: UID },
      ],
      [`0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${u}.slice/crio-${ID}.scope`, { engine: 'kubernetes', id: ID, podUid: UID }],
      [`0::/kubepods.slice/kubepods-pod${u}.slice/docker-${ID}.scope`, { engine: 'kubernetes', id: ID, podUid: UID }],
      [`4:pids:/kubepods/burstable/pod${UID}/${ID}`, { engine: 'kubernetes', id: ID, podUid: UID }],
      ['0::/lxc.payload.build-box', { engine: 'lxc', id: 'build-box' }],
      ['9:name=systemd:/lxc.payload.build-box/init.scope', { engine: 'lxc', id: 'build-box' }],
      ['0::/machine.slice/machine-my\\x2dbox.scope/payload', { engine: 'nspawn', id: 'my-box' }],
    ];
    for (const [line, want] of cases) assert.deepEqual(containerOfCgroup(`1:cpu:/\n${line}\n`), want, line);
    for (const none of [
      `0::/machine.slice/libpod-conmon-${ID}.scope`,
      '0::/user.slice/user-0.slice/session-1.scope',
      '0::/shop/orders', // containerd's default cgroupfs path: too generic to claim
      '0::/lxc.monitor.build-box',
      '0::/',
    ]) {
      assert.equal(containerOfCgroup(none), undefined, none);
    }
  });

  it("containerd's CRI annotations: the sandbox is the pod, a container is in it", function () {
    const common = {
      'io.kubernetes.cri.sandbox-id': ID,
      'io.kubernetes.cri.sandbox-name': 'nginx-7c9f',
      'io.kubernetes.cri.sandbox-namespace': 'default',
      'io.kubernetes.cri.sandbox-uid': UID,
    };
    assert.deepEqual(criPodRef({ ...common, 'io.kubernetes.cri.container-type': 'sandbox' }), {
      namespace: 'default',
      pod: 'nginx-7c9f',
      uid: UID,
      container: undefined,
      sandbox: true,
      sandboxId: ID,
    });
    assert.deepEqual(criPodRef({ ...common, 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.container-name': 'nginx' }), {
      namespace: 'default',
      pod: 'nginx-7c9f',
      uid: UID,
      container: 'nginx',
      sandbox: false,
      sandboxId: ID,
    });
    assert.equal(criPodRef({ 'nerdctl/name': 'web' }), undefined);
  });

  it("CRI-O's annotations, with and without the kubelet's labels copied in", function () {
    const labels = { 'io.kubernetes.pod.name': 'nginx-7c9f', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': UID };
    // A sandbox as sandbox_run_linux.go writes it: KubeName is the pod's name there.
    const sandbox = {
      'io.kubernetes.cri-o.ContainerType': 'sandbox',
      'io.kubernetes.cri-o.SandboxID': ID,
      'io.kubernetes.cri-o.SandboxName': `k8s_POD_nginx-7c9f_default_${UID}_0`,
      'io.kubernetes.cri-o.Name': `k8s_POD_nginx-7c9f_default_${UID}_0`,
      'io.kubernetes.cri-o.KubeName': 'nginx-7c9f',
      'io.kubernetes.cri-o.Namespace': 'default',
      'io.kubernetes.cri-o.Labels': JSON.stringify(labels),
      'io.container.manager': 'cri-o',
      ...labels,
    };
    const want = { namespace: 'default', pod: 'nginx-7c9f', uid: UID, sandbox: true, sandboxId: ID, container: undefined };
    assert.deepEqual(crioPodRef(sandbox), want);
    // A container: KubeName is the container's name; the pod comes from the labels (here only as JSON).
    const container = {
      'io.kubernetes.cri-o.ContainerType': 'container',
      'io.kubernetes.cri-o.SandboxID': ID,
      'io.kubernetes.cri-o.KubeName': 'nginx',
      'io.kubernetes.cri-o.Labels': JSON.stringify({ ...labels, 'io.kubernetes.container.name': 'nginx' }),
    };
    assert.deepEqual(crioPodRef(container), { ...want, sandbox: false, container: 'nginx' });
    // podman writes two io.kubernetes.cri-o.* keys too: that does not make its containers CRI-O's.
    assert.equal(
      crioPodRef({ 'io.kubernetes.cri-o.Created': '2026-12-01T20:30:55Z', 'io.kubernetes.cri-o.TTY': 'false', 'io.container.manager': 'libpod' }),
      undefined,
    );
  });

  it("machined's machine file and LXC's monitor title", function () {
    const text = [
      '# This is private data. Do not parse.',
      'NAME=build-box',
      'SCOPE=machine-build\\x2dbox.scope',
      'SERVICE=systemd-nspawn',
      'ROOT=/var/lib/machines/build box',
      'ID=0123456789abcdef0123456789abcdef',
      'LEADER=4242',
      'CLASS=container',
      'REALTIME=1796157054817197',
      'MONOTONIC=123456789',
      'NETIF=3 4',
      '',
    ].join('\n');
    const m = parseMachineFile(text);
    assert.deepEqual(
      [m.NAME, m.SCOPE, m.LEADER, m.CLASS, m.ROOT],
      ['build-box', 'machine-build-box.scope', '4242', 'container', '/var/lib/machines/build box'],
    );
    assert.deepEqual(parseMonitorTitle(['[lxc monitor] /var/lib/lxc build-box']), ['/var/lib/lxc', 'build-box']);
    assert.deepEqual(parseMonitorTitle(['[lxc', 'monitor]', '/srv/my lxc', 'box']), ['/srv/my lxc', 'box']);
    assert.equal(parseMonitorTitle(['lxc-start', '-n', 'box']), undefined);
  });

  it('roots from configuration files and command lines', function () {
    const containerd = 'version = 2\nroot = "/var/lib/rancher/k3s/agent/containerd"\nstate = "/run/k3s/containerd"\n[grpc]\n  address = "/run/x.sock"\n';
    assert.equal(tomlString(containerd, '', 'state'), '/run/k3s/containerd');
    assert.equal(tomlString(containerd, '', 'address'), undefined);
    assert.equal(tomlString(containerd, 'grpc', 'address'), '/run/x.sock');
    const storage =
      '[storage]\ndriver = "overlay"\n# graphroot = "/nope"\ngraphroot = \'/srv/containers\'\n[storage.options]\nmount_program = "/usr/bin/fuse-overlayfs"\n';
    assert.equal(tomlString(storage, 'storage', 'graphroot'), '/srv/containers');
    assert.equal(tomlString(storage, 'storage', 'runroot'), undefined);
    assert.equal(tomlString(storage, 'storage.options', 'mount_program'), '/usr/bin/fuse-overlayfs');
    const argv = ['dockerd', '--data-root=/data/docker', '--exec-root', '/run/d', '-g', '/old'];
    assert.equal(argValue(argv, '--data-root', '-g'), '/data/docker');
    assert.equal(argValue(argv, '--exec-root'), '/run/d');
    assert.equal(argValue(argv, '--pidfile'), undefined);
  });

  it("merge: 64-hex ids are one container; short ids only with the same init; a user's state never into root's", function () {
    const c = (engine: Container['engine'], id: string, pid?: number, extra: Partial<Container> = {}): Container => ({
      engine,
      id,
      name: id,
      labels: {},
      pid,
      ...extra,
    });
    const merged = mergeContainers([
      c('runc', ID, 100, { pidStart: 5, bundle: '/b', labels: { a: 'runc', b: 'runc' } }),
      c('docker', ID, 100, { name: 'web-1', labels: { a: 'docker' } }),
      c('containerd', ID, 100, { name: `moby/${ID}` }),
      c('containerd', 'web', 200, { name: 'shop/web' }),
      c('runc', 'web', 300), // a plain runc container that happens to share the id
      c('runc', 'web', 200, { pidStart: 7 }), // the containerd task's own runc state
      c('lxc', 'box'),
      c('runc', 'box', 400),
      c('runc', ID, 100, { user: 1000 }), // a user's state naming root's container: kept apart
    ]);
    const view = merged.map((m) => [m.engine, m.name, m.pid, m.pidStart, m.seenBy?.join(',')]).sort((x, y) => String(x).localeCompare(String(y)));
    assert.deepEqual(view, [
      ['containerd', 'shop/web', 200, 7, 'containerd,runc'],
      ['docker', 'web-1', 100, 5, 'docker,containerd,runc'],
      ['lxc', 'box', undefined, undefined, 'lxc'],
      ['runc', ID, 100, undefined, 'runc'],
      ['runc', 'box', 400, undefined, 'runc'],
      ['runc', 'web', 300, undefined, 'runc'],
    ]);
    const web = merged.find((m) => m.engine === 'docker') as Container;
    assert.deepEqual([web.bundle, web.labels], ['/b', { a: 'docker', b: 'runc' }]);
  });
});
