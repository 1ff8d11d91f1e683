/**
 * What the engines of one discovery share, each read once and only when an engine asks:
 *
 * - the password database (rootless engines keep their state under each user's home) and the
 *   subordinate id ranges (to tell whether a process may belong to a user's container);
 * - the processes that head a mount namespace other than ours — every container's init does — and
 *   their parents, which are the engines' monitors: containerd's shim (its working directory is the
 *   task's bundle, under containerd's --state), conmon (its argv names podman's and CRI-O's roots),
 *   LXC's monitor ("[lxc monitor] LXCPATH NAME"), systemd-nspawn. These say where the engines that run
 *   containers right now keep their state, whatever their configuration says;
 * - our mount table: FUSE mount points (never walked) and the cgroup hierarchies.
 *
 * A process walk is the one cost here that grows with the host; a caller that has just scanned the
 * processes (tsns ls) passes them in DiscoveryOptions.processes instead.
 */
import { statSync } from 'node:fs';
import { readMountinfo, type MountEntry } from '../proc/mountinfo';
import { readStat as procStat, type ProcStat } from '../proc/stat';
import { readNsLink } from '../proc/ns';
import { listPids } from '../proc/pids';
import { readSystemFile } from './read';
import { readArgv } from '../proc/cmdline';
import { passwdEntries } from '../scan/users';

export interface DiscoveryOptions {
  /** Processes already scanned (tsns ls's model): pid, parent and command line if known, mount
   *  namespace inode. Spares discovery its own walk of /proc. */
  processes?: Iterable<{ pid: number; ppid?: number; command?: string; ns: { mnt?: number } }>;
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** A process heading a mount namespace other than ours (a container's init, or an engine's helper). */
export interface Head {
  pid: number;
  ppid: number;
  mnt: number;
}

/** A head's parent: an engine's monitor, usually. */
export interface Monitor {
  pid: number;
  /** /proc/PID/comm */
  comm: string;
  argv: string[];
  /** Owner of /proc/PID (the monitor's user), read when first asked. */
  readonly uid: number | undefined;
  /** Heads it is the parent of. */
  children: number[];
}

/** comm of the monitors that say where their engine keeps state (besides containerd-shim*). */
const MONITORS = new Set(['conmon', 'lxc-start', 'systemd-nspawn']);

export class HostFacts {
  private passwd?: PasswdEntry[];
  private subids?: Map<string, [number, number][]>;
  private headList?: Head[];
  /** The processes given whose parent or command line the scan read. */
  private readonly given = new Map<number, { ppid?: number; command?: string }>();
  private monitorList?: Monitor[];
  private mountTable?: MountEntry[];
  private readonly stats = new Map<number, ProcStat | null>();
  private readonly memos = new Map<string, unknown>();
  private ownRoot?: string;
  private readonly roots = new Map<number, boolean>();

  constructor(private readonly options: DiscoveryOptions = {}) {}

  /** Read once per discovery: `fn`'s result under `key` (engines share e.g. containerd's task list). */
  memo<T>(key: string, fn: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, fn());
    return this.memos.get(key) as T;
  }

  /** The password database: every entry with a usable home. */
  users(): PasswdEntry[] {
    if (this.passwd) return this.passwd;
    const out: PasswdEntry[] = [];
    for (const u of passwdEntries()) {
      if (!u.home.startsWith('/') || u.home === '/' || u.home === '/nonexistent') continue;
      out.push({ name: u.name, uid: u.uid, gid: u.gid, home: u.home });
    }
    return (this.passwd = out);
  }

  user(uid: number): PasswdEntry | undefined {
    return this.users().find((u) => u.uid === uid);
  }

  /** Whether host uid `id` is `uid` itself or one of its subordinate uids (/etc/subuid, by name or uid). */
  mayBelongTo(id: number, uid: number): boolean {
    if (id === uid) return true;
    if (!this.subids) {
      this.subids = new Map();
      for (const line of (readSystemFile('/etc/subuid') ?? '').split('\n')) {
        const [owner, start, count] = line.trim().split(':');
        if (!owner || !Number.isInteger(Number(start)) || !Number.isInteger(Number(count))) continue;
        const list = this.subids.get(owner) ?? [];
        list.push([Number(start), Number(count)]);
        this.subids.set(owner, list);
      }
    }
    const name = this.user(uid)?.name;
    const ranges = [...(this.subids.get(String(uid)) ?? []), ...(name ? (this.subids.get(name) ?? []) : [])];
    return ranges.some(([start, count]) => id >= start && id < start + count);
  }

  /** /proc/PID/stat's few fields, read once per discovery (undefined once the process is gone). */
  stat(pid: number): ProcStat | undefined {
    let s = this.stats.get(pid);
    if (s === undefined) {
      s = procStat(pid) ?? null;
      this.stats.set(pid, s);
    }
    return s ?? undefined;
  }

  /** Owner of /proc/PID: the process's effective uid (root for a non-dumpable one). */
  ownerOf(pid: number): number | undefined {
    try {
      return statSync(`/proc/${pid}`).uid;
    } catch {
      return undefined;
    }
  }

  /** Whether the process sees the same root directory as we do, so that the paths it uses are ours. */
  sharesRoot(pid: number): boolean {
    let same = this.roots.get(pid);
    if (same === undefined) {
      try {
        if (this.ownRoot === undefined) {
          const own = statSync('/');
          this.ownRoot = `${own.dev}:${own.ino}`;
        }
        const st = statSync(`/proc/${pid}/root`);
        same = `${st.dev}:${st.ino}` === this.ownRoot;
      } catch {
        same = false;
      }
      this.roots.set(pid, same);
    }
    return same;
  }

  /** What one engine found that another can use instead of reading it again: the runtime state's
   *  init PIDs by container id (runc's state gives podman's init), the ids dockerd's own state names. */
  readonly known = { runtimePids: new Map<string, number>(), dockerIds: new Set<string>() };

  /** Processes heading a mount namespace other than ours: lowest PID of each such namespace, kept when
   *  its parent is outside that namespace. */
  heads(): Head[] {
    if (this.headList) return this.headList;
    const own = mntOf('self');
    // pid -> mount namespace, and the lowest pid of each mount namespace but ours.
    const mntByPid = new Map<number, number>();
    const lowest = new Map<number, number>();
    const note = (pid: number, mnt: number): void => {
      mntByPid.set(pid, mnt);
      if (mnt === own) return;
      const seen = lowest.get(mnt);
      if (seen === undefined || pid < seen) lowest.set(mnt, pid);
    };
    if (this.options.processes) {
      for (const p of this.options.processes) {
        if (p.ns.mnt === undefined) continue;
        note(p.pid, p.ns.mnt);
        if (p.ppid !== undefined || p.command !== undefined) this.given.set(p.pid, p);
      }
    } else {
      for (const pid of listPids()) {
        const mnt = mntOf(pid);
        if (mnt !== undefined) note(pid, mnt);
      }
    }
    const out: Head[] = [];
    for (const [mnt, pid] of lowest) {
      const ppid = this.given.get(pid)?.ppid ?? this.stat(pid)?.ppid;
      if (ppid === undefined) continue;
      const parentMnt = mntByPid.get(ppid) ?? mntOf(ppid);
      if (parentMnt !== mnt) out.push({ pid, ppid, mnt });
    }
    return (this.headList = out.sort((a, b) => a.pid - b.pid));
  }

  /** The heads' parents that are engine monitors (containerd's shims, conmon, LXC's monitor,
   *  systemd-nspawn), with their command lines (a shim's says nothing its working directory does not). */
  monitors(): Monitor[] {
    if (this.monitorList) return this.monitorList;
    const byPid = new Map<number, Monitor | null>();
    for (const head of this.heads()) {
      if (head.ppid <= 1) continue;
      let m = byPid.get(head.ppid);
      if (m === undefined) {
        m = null;
        const comm = this.commOf(head.ppid);
        const shim = comm.startsWith('containerd-shim');
        if (shim || MONITORS.has(comm)) {
          // A shim's command line says nothing its working directory does not.
          const argv = shim ? [] : (readArgv(head.ppid) ?? []);
          const pid = head.ppid;
          let uid: number | undefined | null = null;
          const owner = (): number | undefined => (uid === null ? (uid = this.ownerOf(pid)) : uid);
          m = {
            pid,
            comm,
            argv,
            get uid() {
              return owner();
            },
            children: [],
          };
        }
        byPid.set(head.ppid, m);
      }
      m?.children.push(head.pid);
    }
    return (this.monitorList = [...byPid.values()].filter((m): m is Monitor => m !== null));
  }

  /** The process's name: its comm, or from the command line the scan read ("[lxc monitor] …" is
   *  LXC's monitor, whose comm is lxc-start). */
  private commOf(pid: number): string {
    const command = this.given.get(pid)?.command;
    if (command !== undefined) {
      if (command.startsWith('[lxc monitor]')) return 'lxc-start';
      const first = command.split(' ', 1)[0];
      return first.slice(first.lastIndexOf('/') + 1).slice(0, 15);
    }
    return (readSystemFile(`/proc/${pid}/comm`) ?? '').trim();
  }

  /** Our mount table, read once per discovery. */
  mounts(): MountEntry[] {
    if (!this.mountTable) {
      try {
        this.mountTable = readMountinfo();
      } catch {
        this.mountTable = [];
      }
    }
    return this.mountTable;
  }

  /** Mount points of FUSE file systems: never walked (their server could make a readdir hang). */
  fuseMounts(): Set<string> {
    return this.memo(
      'fuse',
      () =>
        new Set(
          this.mounts()
            .filter((m) => m.fsType === 'fuse' || m.fsType.startsWith('fuse.'))
            .map((m) => m.mountPoint),
        ),
    );
  }

  /** Mount points of the cgroup hierarchies (v1 controllers and v2), with their controllers. */
  cgroupRoots(): { mountPoint: string; controllers: string }[] {
    return this.memo('cgroups', () =>
      this.mounts()
        .filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2')
        .map((m) => ({ mountPoint: m.mountPoint, controllers: m.fsType === 'cgroup' ? m.superOptions : '' })),
    );
  }
}

function mntOf(pid: number | 'self'): number | undefined {
  return readNsLink(pid, 'mnt')?.id;
}

/** The context's host facts, made on first use. */
export function hostOf(ctx: { host?: HostFacts }): HostFacts {
  return (ctx.host ??= new HostFacts());
}
