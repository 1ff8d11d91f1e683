/**
 * Kubernetes pods, from what the node's CRI runtime writes into each container's OCI spec:
 *
 * - containerd's CRI plugin (namespace k8s.io): annotations io.kubernetes.cri.container-type
 *   (sandbox | container), .sandbox-id, .sandbox-name, .sandbox-namespace, .sandbox-uid,
 *   .container-name; its status file ROOT/io.containerd.grpc.v1.cri/containers/ID/status says whether a
 *   container was started or has finished.
 * - CRI-O: RUNROOT/DRIVER-containers/ID/userdata/config.json with io.kubernetes.cri-o.ContainerType,
 *   .SandboxID, .KubeName, .Namespace, and the kubelet's labels (io.kubernetes.pod.name, .pod.namespace,
 *   .pod.uid, io.kubernetes.container.name), also as annotations; conmon's pidfile next to it.
 *
 * Names are what kubectl users type: NAMESPACE/POD/CONTAINER, and NAMESPACE/POD for the pod's sandbox
 * (the pause container, whose namespaces the pod's containers share).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { containerdRoot, containerdTasks } from './containerd';
import { hostOf } from './host';
import { argValue, listDir, readJsonFile, readStateFile, readSystemFile, tomlString } from './read';
import type { Container, DiscoveryContext, Engine } from './types';

const CRI = 'io.kubernetes.cri.';

interface PodRef {
  namespace: string;
  pod: string;
  uid?: string;
  container?: string;
  sandbox: boolean;
  sandboxId?: string;
}

function kubeContainer(id: string, ref: PodRef, labels: Record<string, string>): Container {
  const pod = `${ref.namespace}/${ref.pod}`;
  const c: Container = {
    engine: 'kubernetes',
    id,
    name: ref.sandbox ? pod : `${pod}/${ref.container ?? id}`,
    pod,
    sandbox: ref.sandbox,
    labels,
  };
  if (ref.uid) c.podUid = ref.uid;
  if (ref.sandboxId) c.sandboxId = ref.sandboxId;
  return c;
}

/** containerd CRI: the pod a task's annotations name, if any. */
export function criPodRef(ann: Record<string, string>): PodRef | undefined {
  const type = ann[`${CRI}container-type`];
  const namespace = ann[`${CRI}sandbox-namespace`];
  const pod = ann[`${CRI}sandbox-name`];
  if ((type !== 'sandbox' && type !== 'container') || !namespace || !pod) return undefined;
  return {
    namespace,
    pod,
    uid: ann[`${CRI}sandbox-uid`],
    container: ann[`${CRI}container-name`],
    sandbox: type === 'sandbox',
    sandboxId: ann[`${CRI}sandbox-id`],
  };
}

/** CRI-O: the pod its annotations name, if any (the kubelet's labels, else CRI-O's own keys). */
export function crioPodRef(ann: Record<string, string>): PodRef | undefined {
  const type = ann['io.kubernetes.cri-o.ContainerType'];
  if (type !== 'sandbox' && type !== 'container') return undefined;
  let kubeLabels: Record<string, unknown> = {};
  try {
    kubeLabels = JSON.parse(ann['io.kubernetes.cri-o.Labels'] ?? '{}') as Record<string, unknown>;
  } catch {
    /* not JSON: the plain annotations must do */
  }
  const label = (key: string): string | undefined => ann[key] ?? (typeof kubeLabels[key] === 'string' ? (kubeLabels[key] as string) : undefined);
  const sandbox = type === 'sandbox';
  const kubeName = ann['io.kubernetes.cri-o.KubeName'];
  const namespace = label('io.kubernetes.pod.namespace') ?? ann['io.kubernetes.cri-o.Namespace'];
  const pod = label('io.kubernetes.pod.name') ?? (sandbox ? kubeName : undefined);
  if (!namespace || !pod) return undefined;
  return {
    namespace,
    pod,
    uid: label('io.kubernetes.pod.uid'),
    container: label('io.kubernetes.container.name') ?? (sandbox ? undefined : kubeName),
    sandbox,
    sandboxId: ann['io.kubernetes.cri-o.SandboxID'],
  };
}

/** A CRI container's status file: 'created', 'running' or 'exited' (nanosecond timestamps). */
function criStatus(root: string | undefined, id: string, ctx: DiscoveryContext): string | undefined {
  if (!root) return undefined;
  const s = readJsonFile<{ StartedAt?: unknown; FinishedAt?: unknown }>(join(root, 'io.containerd.grpc.v1.cri', 'containers', id, 'status'), ctx);
  if (!s) return undefined;
  if (Number(s.FinishedAt) > 0) return 'exited';
  return Number(s.StartedAt) > 0 ? 'running' : 'created';
}

function fromContainerd(ctx: DiscoveryContext): Container[] {
  const out: Container[] = [];
  for (const t of containerdTasks(ctx)) {
    const ref = t.annotations && criPodRef(t.annotations);
    if (!ref) continue;
    const c = kubeContainer(t.id, ref, t.annotations ?? {});
    c.namespace = t.namespace;
    c.stateDir = t.dir;
    c.bundle = t.dir;
    if (t.rootfs) c.rootfs = t.rootfs;
    if (t.pid !== undefined) c.pid = t.pid;
    if (!ref.sandbox) {
      const status = criStatus(containerdRoot(t), t.id, ctx);
      if (status) c.status = status;
    }
    out.push(c);
  }
  return out;
}

/** CRI-O's run roots: its configuration, containers-storage's, its running conmons, the default. */
function crioRunRoots(ctx: DiscoveryContext): string[] {
  const host = hostOf(ctx);
  const roots = new Set<string>();
  let evidence = existsSync('/run/crio') || existsSync('/var/lib/crio');
  for (const m of host.monitors()) {
    if (m.comm !== 'conmon') continue;
    const exitDir = argValue(m.argv, '--exit-dir') ?? '';
    const bundle = argValue(m.argv, '-b', '--bundle');
    // CRI-O's conmon reports exits to /var/run/crio/exits; its bundle is RUNROOT/DRIVER-containers/ID/userdata.
    if (!exitDir.includes('/crio/') || !bundle || !host.sharesRoot(m.pid)) continue;
    evidence = true;
    roots.add(dirname(dirname(dirname(bundle))));
  }
  if (!evidence) return [];
  const confs = [readSystemFile('/etc/crio/crio.conf') ?? ''];
  for (const e of listDir('/etc/crio/crio.conf.d', ctx) ?? [])
    if (e.name.endsWith('.conf')) confs.push(readSystemFile(join('/etc/crio/crio.conf.d', e.name)) ?? '');
  for (const text of confs) {
    const r = tomlString(text, 'crio', 'runroot');
    if (r && isAbsolute(r)) roots.add(r);
  }
  const storage = tomlString(readSystemFile('/etc/containers/storage.conf') ?? '', 'storage', 'runroot');
  if (storage && isAbsolute(storage)) roots.add(storage);
  roots.add('/run/containers/storage');
  return [...roots];
}

function fromCrio(ctx: DiscoveryContext): Container[] {
  const out: Container[] = [];
  for (const runroot of crioRunRoots(ctx)) {
    for (const store of listDir(runroot, ctx) ?? []) {
      if (!store.isDirectory() || !store.name.endsWith('-containers')) continue;
      const base = join(runroot, store.name);
      for (const e of listDir(base, ctx) ?? []) {
        if (!e.isDirectory()) continue;
        const userdata = join(base, e.name, 'userdata');
        const spec = readJsonFile<{ annotations?: Record<string, unknown>; root?: { path?: unknown } }>(join(userdata, 'config.json'), ctx);
        const ann: Record<string, string> = {};
        for (const [k, v] of Object.entries(spec?.annotations ?? {})) if (typeof v === 'string') ann[k] = v;
        const ref = crioPodRef(ann);
        if (!ref) continue;
        const c = kubeContainer(basename(join(base, e.name)), ref, ann);
        c.stateDir = userdata;
        c.bundle = userdata;
        if (typeof spec?.root?.path === 'string') c.rootfs = spec.root.path;
        const pid = Number(readStateFile(join(userdata, 'pidfile'), ctx)?.trim());
        if (Number.isInteger(pid) && pid > 0) c.pid = pid;
        out.push(c);
      }
    }
  }
  return out;
}

export const kubernetesEngine: Engine = {
  name: 'kubernetes',
  discover(ctx) {
    return [...fromContainerd(ctx), ...fromCrio(ctx)];
  },
};
