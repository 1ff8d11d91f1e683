/**
 * Docker: DATA_ROOT/containers/ID/config.v2.json holds what `docker ps -a` shows — ID, Name ("/web-1"),
 * State (Running, Paused, Restarting, Dead, Pid, StartedAt), Config.Labels (docker compose's
 * com.docker.compose.project/service/container-number among them).
 *
 * DATA_ROOT (--data-root) is found from the running dockerd (its pidfile, then its command line and
 * --config-file), /etc/docker/daemon.json, the running containers themselves (a moby task's spec
 * bind-mounts DATA_ROOT/containers/ID/hostname), each user's rootless ~/.local/share/docker, and the
 * default /var/lib/docker.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { containerdStateDirs, containerdTasks } from './containerd';
import { hostOf } from './host';
import { argValue, isHex64, listDir, readJsonFile, readStateFile, readSystemFile, type ReadOptions } from './read';
import type { Container, DiscoveryContext, Engine } from './types';

interface DataRoot {
  dir: string;
  /** Rootless dockerd: its user, who must own the state. */
  user?: number;
}

function fromDaemonJson(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const cfg = JSON.parse(text) as { 'data-root'?: unknown; graph?: unknown };
    const root = cfg['data-root'] ?? cfg.graph;
    return typeof root === 'string' ? root : undefined;
  } catch {
    return undefined;
  }
}

/** dockerd's data root from its command line, given the pid its pidfile names. */
function fromDaemon(pidfile: string, ctx: DiscoveryContext, owner?: number): string | undefined {
  const pid = Number(readStateFile(pidfile, ctx, { owner })?.trim());
  if (!Number.isInteger(pid) || pid <= 0 || !hostOf(ctx).sharesRoot(pid)) return undefined;
  const argv = (readSystemFile(`/proc/${pid}/cmdline`) ?? '').split('\0');
  if (!argv[0]?.includes('dockerd')) return undefined; // a stale pidfile: the pid is something else now
  const root = argValue(argv, '--data-root', '-g', '--graph');
  if (root) return root;
  const configFile = argValue(argv, '--config-file');
  return configFile ? fromDaemonJson(readSystemFile(configFile)) : undefined;
}

/** The data root a moby task's spec names: the source of its /etc/hostname bind mount. */
function fromMobyTask(ctx: DiscoveryContext): string[] {
  const out: string[] = [];
  const states = new Set<string>();
  for (const t of containerdTasks(ctx)) {
    if (t.namespace !== 'moby') continue;
    const state = dirname(dirname(dirname(t.dir))); // STATE/io.containerd.runtime.v2.task/moby/ID
    if (states.has(state)) continue;
    states.add(state);
    const spec = readJsonFile<{ mounts?: { destination?: unknown; source?: unknown }[] }>(join(t.dir, 'config.json'), ctx, { owner: t.user });
    for (const m of spec?.mounts ?? []) {
      const suffix = `/containers/${t.id}/hostname`;
      if (m.destination === '/etc/hostname' && typeof m.source === 'string' && m.source.endsWith(suffix)) out.push(m.source.slice(0, -suffix.length));
    }
  }
  return out;
}

export function dockerDataRoots(ctx: DiscoveryContext): DataRoot[] {
  const host = hostOf(ctx);
  return host.memo('docker.roots', () => {
    const roots = new Map<string, number | undefined>();
    const add = (dir: string | undefined, user?: number): void => {
      if (dir && isAbsolute(dir) && !roots.has(dir)) roots.set(dir, user);
    };
    const daemonJson = readSystemFile('/etc/docker/daemon.json');
    let pidfile = '/run/docker.pid';
    try {
      const p = (JSON.parse(daemonJson ?? '{}') as { pidfile?: unknown }).pidfile;
      if (typeof p === 'string') pidfile = p;
    } catch {
      /* not JSON: dockerd would refuse to start with it anyway */
    }
    add(fromDaemon(pidfile, ctx));
    add(fromDaemonJson(daemonJson));
    // Only worth a look when containerd runs tasks for docker.
    if (containerdStateDirs(ctx).length) for (const r of fromMobyTask(ctx)) add(r);
    add('/var/lib/docker');
    for (const u of host.users()) {
      if (u.uid === 0) continue;
      add(fromDaemon(`/run/user/${u.uid}/docker.pid`, ctx, u.uid), u.uid);
      add(join(u.home, '.local/share/docker'), u.uid);
    }
    return [...roots].map(([dir, user]) => ({ dir, user }));
  });
}

interface ConfigV2 {
  ID?: unknown;
  Name?: unknown;
  State?: { Running?: unknown; Paused?: unknown; Restarting?: unknown; Dead?: unknown; RemovalInProgress?: unknown; Pid?: unknown; StartedAt?: unknown };
  Config?: { Labels?: unknown };
}

function statusOf(s: NonNullable<ConfigV2['State']>): string {
  if (s.Running === true) return s.Paused === true ? 'paused' : s.Restarting === true ? 'restarting' : 'running';
  if (s.RemovalInProgress === true) return 'removing';
  if (s.Dead === true) return 'dead';
  return typeof s.StartedAt === 'string' && !s.StartedAt.startsWith('0001-') ? 'exited' : 'created';
}

export const dockerEngine: Engine = {
  name: 'docker',
  discover(ctx) {
    const out: Container[] = [];
    for (const { dir, user } of dockerDataRoots(ctx)) {
      const opts: ReadOptions = { owner: user, root: dir };
      const base = join(dir, 'containers');
      for (const e of listDir(base, ctx, opts) ?? []) {
        if (!e.isDirectory() || !isHex64(e.name)) continue;
        const stateDir = join(base, e.name);
        const cfg = readJsonFile<ConfigV2>(join(stateDir, 'config.v2.json'), ctx, opts);
        if (!cfg || cfg.ID !== e.name) continue;
        const labels: Record<string, string> = {};
        const l = cfg.Config?.Labels;
        if (l && typeof l === 'object') for (const [k, v] of Object.entries(l)) if (typeof v === 'string') labels[k] = v;
        const state = cfg.State ?? {};
        const c: Container = {
          engine: 'docker',
          id: e.name,
          name: typeof cfg.Name === 'string' && cfg.Name ? cfg.Name.replace(/^\//, '') : e.name,
          status: statusOf(state),
          labels,
          stateDir,
        };
        const pid = Number(state.Pid);
        if (state.Running === true && Number.isInteger(pid) && pid > 0) c.pid = pid;
        if (user !== undefined) c.user = user;
        else hostOf(ctx).known.dockerIds.add(e.name);
        out.push(c);
      }
    }
    return out;
  },
};
