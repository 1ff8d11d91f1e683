/**
 * containerd: each task (a running or stopped container of the runc shim v2) has a bundle directory
 * STATE/io.containerd.runtime.v2.task/NAMESPACE/ID/ with config.json (the OCI spec: annotations, which
 * ctr's --label and nerdctl's names land in), init.pid and a `work` link into ROOT. The namespace is part
 * of the name a user types: shop/orders, or shop/NAME when nerdctl named it (annotation nerdctl/name).
 *
 * STATE is containerd's --state: found from the running shims (a shim's working directory is its task's
 * bundle), the configuration file, and the defaults of the distributions that move it (k3s, microk8s).
 * Docker's tasks (namespace moby) and Kubernetes' (k8s.io) are listed here too; discovery keeps the more
 * specific engine's view of them.
 */
import { readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { hostOf } from './host';
import { listDir, readJsonFile, readStateFile, readSystemFile, subdirs, tomlString, type ReadOptions } from './read';
import type { Container, DiscoveryContext, Engine } from './types';

const TASKS = 'io.containerd.runtime.v2.task';

export interface Task {
  namespace: string;
  id: string;
  dir: string;
  pid?: number;
  /** OCI annotations of the bundle's config.json (undefined when not read: docker's moby tasks). */
  annotations?: Record<string, string>;
  rootfs?: string;
  /** Rootless containerd: its user. */
  user?: number;
}

/** containerd state directories (--state), with the uid that must own them when rootless. */
export function containerdStateDirs(ctx: DiscoveryContext): { dir: string; user?: number }[] {
  const host = hostOf(ctx);
  return host.memo('containerd.state', () => {
    const dirs = new Map<string, number | undefined>();
    const add = (dir: string | undefined, user?: number): void => {
      if (dir && isAbsolute(dir) && !dirs.has(dir)) dirs.set(dir, user);
    };
    for (const m of host.monitors()) {
      if (!m.comm.startsWith('containerd-shim')) continue;
      try {
        // STATE/io.containerd.runtime.v2.task/NAMESPACE/ID; one shim per state directory is asked
        // whether its paths are ours.
        const cwd = readlinkSync(`/proc/${m.pid}/cwd`);
        const i = cwd.lastIndexOf(`/${TASKS}/`);
        if (i > 0 && !dirs.has(cwd.slice(0, i)) && host.sharesRoot(m.pid)) add(cwd.slice(0, i), m.uid === 0 ? undefined : m.uid);
      } catch {
        /* gone, or not ours to read */
      }
    }
    const config = readSystemFile('/etc/containerd/config.toml');
    if (config) add(tomlString(config, '', 'state'));
    for (const d of ['/run/containerd', '/run/k3s/containerd', '/var/snap/microk8s/common/run/containerd']) add(d);
    // Rootless containerd (nerdctl's containerd-rootless.sh): XDG_RUNTIME_DIR/containerd.
    for (const uid of subdirs('/run/user', ctx, { quiet: true })) if (/^[1-9][0-9]*$/.test(uid)) add(`/run/user/${uid}/containerd`, Number(uid));
    return [...dirs].map(([dir, user]) => ({ dir, user }));
  });
}

function annotationsOf(spec: { annotations?: unknown } | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const a = spec?.annotations;
  if (a && typeof a === 'object') for (const [k, v] of Object.entries(a)) if (typeof v === 'string') out[k] = v;
  return out;
}

function readInitPid(dir: string, ctx: DiscoveryContext, opts: ReadOptions): number | undefined {
  const pid = Number(readStateFile(join(dir, 'init.pid'), ctx, opts)?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Every task of every containerd, read once per discovery. */
export function containerdTasks(ctx: DiscoveryContext): Task[] {
  return hostOf(ctx).memo('containerd.tasks', () => {
    const tasks: Task[] = [];
    for (const { dir: state, user } of containerdStateDirs(ctx)) {
      const base = join(state, TASKS);
      const opts: ReadOptions = { owner: user, root: state };
      for (const namespace of subdirs(base, ctx, opts)) {
        for (const e of listDir(join(base, namespace), ctx, opts) ?? []) {
          if (!e.isDirectory()) continue;
          const dir = join(base, namespace, e.name);
          const task: Task = { namespace, id: e.name, dir, user };
          // Docker's tasks (the moby namespace is dockerd's own) carry no annotations, and docker's own
          // state names them: their spec is not parsed here, and their init.pid read only when that state
          // did not name them (containerdEngine).
          if (namespace !== 'moby') {
            const pid = readInitPid(dir, ctx, opts);
            if (pid !== undefined) task.pid = pid;
            const spec = readJsonFile<{ annotations?: unknown; root?: { path?: unknown } }>(join(dir, 'config.json'), ctx, opts);
            task.annotations = annotationsOf(spec);
            const rootPath = spec?.root?.path;
            if (typeof rootPath === 'string') task.rootfs = isAbsolute(rootPath) ? rootPath : join(dir, rootPath);
          }
          tasks.push(task);
        }
      }
    }
    return tasks;
  });
}

/** containerd's --root, from a task's `work` link (ROOT/io.containerd.runtime.v2.task/NAMESPACE/ID). */
export function containerdRoot(task: Task): string | undefined {
  try {
    return dirname(dirname(dirname(readlinkSync(join(task.dir, 'work')))));
  } catch {
    return undefined; // an older layout, or unreadable
  }
}

export const containerdEngine: Engine = {
  name: 'containerd',
  discover(ctx) {
    const dockerIds = hostOf(ctx).known.dockerIds;
    return containerdTasks(ctx).map((t): Container => {
      if (t.namespace === 'moby' && t.pid === undefined && !dockerIds.has(t.id)) t.pid = readInitPid(t.dir, ctx, { owner: t.user, root: t.dir });
      const labels = t.annotations ?? {};
      const c: Container = {
        engine: 'containerd',
        id: t.id,
        name: `${t.namespace}/${labels['nerdctl/name'] || t.id}`,
        namespace: t.namespace,
        labels,
        stateDir: t.dir,
        bundle: t.dir,
        rootfs: t.rootfs,
      };
      if (t.pid !== undefined) c.pid = t.pid;
      if (t.user !== undefined) c.user = t.user;
      return c;
    });
  },
};
