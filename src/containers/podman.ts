/**
 * podman (and anything else on containers/storage that podman lists): GRAPHROOT/DRIVER-containers/
 * containers.json — an array of {id, names[], image, layer, metadata (JSON text), created} — and, while
 * it runs, the init's PID in RUNROOT/DRIVER-containers/ID/userdata/pidfile (written for conmon).
 *
 * Roots, rootful and per user: the running conmons (their exit command repeats podman's --root and
 * --runroot), /etc/containers/storage.conf (graphroot, runroot, rootless_storage_path), each user's
 * ~/.config/containers/storage.conf, and the defaults: /var/lib/containers/storage and
 * /run/containers/storage for root, ~/.local/share/containers/storage and /run/user/UID/containers for
 * a user. A user's storage is read only if that user owns it.
 */
import { isAbsolute, join } from 'node:path';
import { hostOf } from './host';
import { argValue, listDir, readJsonFile, readStateFile, readSystemFile, tomlString, type ReadOptions } from './read';
import type { Container, DiscoveryContext, Engine } from './types';

export interface Storage {
  graphroot: string;
  runroot?: string;
  /** Rootless: its user. */
  user?: number;
}

/** The arguments conmon passes to podman's exit command (`--exit-command-arg X`, repeated). */
function exitCommandArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length - 1; i++) if (argv[i] === '--exit-command-arg') out.push(argv[++i]);
  return out;
}

function expand(path: string, user: { uid: number; name: string; home: string }): string {
  return path
    .replace(/\$HOME|\$\{HOME\}/g, user.home)
    .replace(/\$UID|\$\{UID\}/g, String(user.uid))
    .replace(/\$USER|\$\{USER\}/g, user.name);
}

export function podmanStorages(ctx: DiscoveryContext): Storage[] {
  const host = hostOf(ctx);
  return host.memo('podman.storages', () => {
    const found = new Map<string, Storage>();
    const add = (graphroot: string | undefined, runroot: string | undefined, user?: number): void => {
      if (!graphroot || !isAbsolute(graphroot)) return;
      const key = `${user ?? 0}:${graphroot}`;
      const known = found.get(key);
      if (!known) found.set(key, { graphroot, runroot: runroot && isAbsolute(runroot) ? runroot : undefined, user });
      else if (!known.runroot && runroot && isAbsolute(runroot)) known.runroot = runroot;
    };
    for (const m of host.monitors()) {
      if (m.comm !== 'conmon' || !host.sharesRoot(m.pid)) continue;
      const exit = exitCommandArgs(m.argv);
      add(argValue(exit, '--root'), argValue(exit, '--runroot'), m.uid === 0 ? undefined : m.uid);
    }
    const conf = readSystemFile('/etc/containers/storage.conf') ?? '';
    add(tomlString(conf, 'storage', 'graphroot') ?? '/var/lib/containers/storage', tomlString(conf, 'storage', 'runroot') ?? '/run/containers/storage');
    add('/var/lib/containers/storage', '/run/containers/storage');
    const rootlessPath = tomlString(conf, 'storage', 'rootless_storage_path');
    for (const u of host.users()) {
      if (u.uid === 0) continue;
      const own = readStateFile(join(u.home, '.config/containers/storage.conf'), ctx, { owner: u.uid, root: join(u.home, '.config/containers') });
      const runroot = `/run/user/${u.uid}/containers`;
      if (own) add(tomlString(own, 'storage', 'graphroot'), tomlString(own, 'storage', 'runroot') ?? runroot, u.uid);
      if (rootlessPath) add(expand(rootlessPath, u), runroot, u.uid);
      add(join(u.home, '.local/share/containers/storage'), runroot, u.uid);
    }
    return [...found.values()];
  });
}

interface StorageEntry {
  id?: unknown;
  names?: unknown;
  metadata?: unknown;
}

export const podmanEngine: Engine = {
  name: 'podman',
  discover(ctx) {
    const out: Container[] = [];
    const seen = new Set<string>();
    for (const s of podmanStorages(ctx)) {
      const opts: ReadOptions = { owner: s.user, root: s.user === undefined ? join(s.graphroot, '..') : s.graphroot };
      for (const store of listDir(s.graphroot, ctx, opts) ?? []) {
        if (!store.isDirectory() || !store.name.endsWith('-containers')) continue;
        const list = readJsonFile<StorageEntry[]>(join(s.graphroot, store.name, 'containers.json'), ctx, opts);
        if (!Array.isArray(list)) continue;
        for (const entry of list) {
          if (!entry || typeof entry.id !== 'string' || seen.has(`${s.user ?? 0}:${entry.id}`)) continue;
          let meta: Record<string, unknown> = {};
          try {
            meta = typeof entry.metadata === 'string' ? (JSON.parse(entry.metadata) as Record<string, unknown>) : {};
          } catch {
            /* no metadata: still a container */
          }
          // CRI-O keeps its pods' containers in the same storage, marked with their pod: not podman's.
          if (meta['pod-id'] !== undefined || meta['pod-name'] !== undefined) continue;
          seen.add(`${s.user ?? 0}:${entry.id}`);
          const names = Array.isArray(entry.names) ? entry.names.filter((n): n is string => typeof n === 'string') : [];
          const userdata = join(s.graphroot, store.name, entry.id, 'userdata');
          const c: Container = {
            engine: 'podman',
            id: entry.id,
            name: names[0] ?? (typeof meta.name === 'string' ? meta.name : entry.id),
            labels: {},
            stateDir: userdata,
            bundle: userdata,
          };
          // The init's PID: the OCI runtime's state has it (with its start time; discovery merges it in),
          // else the pidfile conmon had written in the run root.
          if (s.runroot && (s.user !== undefined || !hostOf(ctx).known.runtimePids.has(entry.id))) {
            const pid = Number(readStateFile(join(s.runroot, store.name, entry.id, 'userdata', 'pidfile'), ctx, { owner: s.user, root: s.runroot })?.trim());
            if (Number.isInteger(pid) && pid > 0) c.pid = pid;
          }
          if (s.user !== undefined) c.user = s.user;
          out.push(c);
        }
      }
    }
    return out;
  },
};
