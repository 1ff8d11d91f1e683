/**
 * LXC: LXCPATH/NAME/config (lxc.uts.name, lxc.rootfs.path) for every container, running or not. LXC
 * records no PID on disk; a running container's init is the child of its monitor process
 * ("[lxc monitor] LXCPATH NAME"), or the topmost process of its cgroup lxc.payload.NAME.
 *
 * LXCPATHs: the running monitors, the lock directories LXC keeps per path (/run/lxc/lock/LXCPATH/.NAME),
 * /etc/lxc/lxc.conf's lxc.lxcpath, each user's ~/.local/share/lxc (unprivileged containers), and
 * /var/lib/lxc.
 */
import { isAbsolute, join } from 'node:path';
import { hostOf } from './host';
import { listDir, readStateFile, readSystemFile, type ReadOptions } from './read';
import type { Container, DiscoveryContext, Engine } from './types';

interface LxcPath {
  dir: string;
  user?: number;
}

/** "[lxc monitor] LXCPATH NAME" -> [LXCPATH, NAME] */
export function parseMonitorTitle(argv: string[]): [string, string] | undefined {
  const m = /^\[lxc monitor\] (.+) (\S+)$/.exec(argv.join(' ').trim());
  return m ? [m[1], m[2]] : undefined;
}

/** LXCPATHs named by lock directories: /run/lxc/lock/var/lib/lxc/.NAME -> /var/lib/lxc. */
function fromLocks(base: string, ctx: DiscoveryContext, quiet = false): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    const entries = listDir(dir, ctx, { quiet });
    if (!entries || depth > 8) return;
    if (entries.some((e) => e.name.startsWith('.'))) out.push(dir.slice(base.length) || '/');
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) walk(join(dir, e.name), depth + 1);
  };
  walk(base, 0);
  return out;
}

function lxcPaths(ctx: DiscoveryContext): LxcPath[] {
  const host = hostOf(ctx);
  const paths = new Map<string, number | undefined>();
  const add = (dir: string | undefined, user?: number): void => {
    if (dir && isAbsolute(dir) && !paths.has(dir)) paths.set(dir, user);
  };
  for (const m of host.monitors()) {
    const title = parseMonitorTitle(m.argv);
    if (title && host.sharesRoot(m.pid)) add(title[0], m.uid === 0 ? undefined : m.uid);
  }
  for (const p of fromLocks('/run/lxc/lock', ctx)) add(p);
  // Unprivileged containers lock under the user's runtime directory.
  for (const u of host.users()) if (u.uid !== 0) for (const p of fromLocks(`/run/user/${u.uid}/lxc/lock`, ctx, true)) add(p, u.uid);
  const conf = readSystemFile('/etc/lxc/lxc.conf');
  const configured = conf && /^\s*lxc\.lxcpath\s*=\s*(\S+)\s*$/m.exec(conf)?.[1];
  if (configured) add(configured);
  add('/var/lib/lxc');
  for (const u of host.users()) if (u.uid !== 0) add(join(u.home, '.local/share/lxc'), u.uid);
  return [...paths].map(([dir, user]) => ({ dir, user }));
}

/** The init of a running container, from the cgroup LXC made for it (no monitor seen). */
function initFromCgroup(name: string, ctx: DiscoveryContext): number | undefined {
  const host = hostOf(ctx);
  for (const { mountPoint } of host.cgroupRoots()) {
    const procs = readSystemFile(join(mountPoint, `lxc.payload.${name}`, 'cgroup.procs'));
    if (!procs) continue;
    const pids = new Set(procs.split('\n').filter(Boolean).map(Number));
    for (const pid of pids) {
      const ppid = host.stat(pid)?.ppid;
      if (ppid !== undefined && !pids.has(ppid)) return pid;
    }
  }
  return undefined;
}

function configValue(config: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*${key.replace(/\./g, '\\.')}\\s*=\\s*(.*?)\\s*$`, 'm').exec(config);
  return m ? m[1].replace(/^"(.*)"$/, '$1') : undefined;
}

export const lxcEngine: Engine = {
  name: 'lxc',
  discover(ctx) {
    const host = hostOf(ctx);
    const monitorChild = new Map<string, number>();
    for (const m of host.monitors()) {
      const title = parseMonitorTitle(m.argv);
      if (title && m.children.length) monitorChild.set(`${title[0]}\0${title[1]}`, m.children[0]);
    }
    const out: Container[] = [];
    for (const { dir, user } of lxcPaths(ctx)) {
      const opts: ReadOptions = { owner: user, root: dir };
      for (const e of listDir(dir, ctx, opts) ?? []) {
        if (!e.isDirectory()) continue;
        const stateDir = join(dir, e.name);
        const config = readStateFile(join(stateDir, 'config'), ctx, opts);
        if (config === undefined) continue;
        const rootfs = configValue(config, 'lxc.rootfs.path')?.replace(/^dir:/, '');
        const c: Container = { engine: 'lxc', id: e.name, name: e.name, labels: {}, stateDir };
        const uts = configValue(config, 'lxc.uts.name');
        if (uts) c.labels['lxc.uts.name'] = uts;
        if (rootfs) c.rootfs = rootfs;
        const pid = monitorChild.get(`${dir}\0${e.name}`) ?? (user === undefined ? initFromCgroup(e.name, ctx) : undefined);
        if (pid !== undefined) c.pid = pid;
        else c.status = 'stopped';
        if (user !== undefined) c.user = user;
        out.push(c);
      }
    }
    return out;
  },
};
