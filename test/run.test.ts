/**
 * `tsns run` on real namespaces, as root and as nobody, compared with the installed unshare(1) (2.38)
 * wherever both can run the same thing.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asNobody, repoRoot } from './helpers/nobody';
import { mergeSingle, parseIdRange } from '../src/run/ids';
import { runInNewNamespaces, type RunOptions } from '../src';
import { buildPlan as buildRunPlan, resolveRunOptions } from '../src/run';
import { descendantsOf, hangUp, startShell, Terminal } from './helpers/pty';
import { alive, sleep } from './helpers/proc';

const TSNS = path.join(repoRoot, 'bin', 'tsns');
const NS = ['mnt', 'uts', 'ipc', 'net', 'pid', 'user', 'cgroup', 'time'] as const;

type Result = SpawnSyncReturns<string>;

/** Put before every command a suite runs (the --map-auto suite's private /etc/subuid and /etc/subgid). */
let wrap: string[] = [];

function run(argv: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Result {
  const full = [...wrap, ...argv];
  return spawnSync(full[0], full.slice(1), { encoding: 'utf8', cwd: '/', timeout: 20000, stdio: ['ignore', 'pipe', 'pipe'], ...options }) as Result;
}

function tsns(args: string[]): Result {
  return run([process.execPath, TSNS, 'run', ...args]);
}

function unshare(args: string[]): Result {
  return run(['unshare', ...args]);
}

let nobodyView: ReturnType<typeof asNobody> | undefined;
function nobody(): ReturnType<typeof asNobody> {
  nobodyView ??= asNobody();
  return nobodyView;
}

function tsnsAsNobody(args: string[]): Result {
  const { prefix, root } = nobody();
  return run([...prefix, process.execPath, path.join(root, 'bin', 'tsns'), 'run', ...args]);
}

function unshareAsNobody(args: string[]): Result {
  // Through the same view as tsns (a private mount namespace when the checkout is out of nobody's reach).
  return run([...nobody().prefix, 'unshare', ...args]);
}

function ok(r: Result, what = ''): string {
  assert.equal(r.error, undefined, `${what}: ${String(r.error)}`);
  assert.equal(r.status, 0, `${what} exited ${r.status} (signal ${r.signal}); stderr: ${r.stderr}`);
  return r.stdout;
}

/** Exactly one line on stderr, starting `tsns:`, exit 1. */
function refused(r: Result, pattern: RegExp, status = 1): void {
  assert.equal(r.status, status, `expected exit ${status}, got ${r.status}; stderr: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `expected one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], /^tsns: /);
  assert.match(lines[0], pattern);
  assert.equal(r.stdout, '');
}

/** What a process sees of itself: namespaces (relative to ours), ids, maps, hostname, /proc. */
const PROBE = [
  'for t in mnt uts ipc net pid user cgroup time; do echo "ns $t $(readlink /proc/self/ns/$t)"; done',
  'echo "uid $(id -u) gid $(id -g) groups $(id -G | wc -w)"',
  'echo "uid_map $(cat /proc/self/uid_map | tr -s " \\n" " ")"',
  'echo "gid_map $(cat /proc/self/gid_map | tr -s " \\n" " ")"',
  'echo "setgroups $(cat /proc/self/setgroups)"',
  'echo "hostname $(hostname)"',
  'echo "procs $(ls /proc | grep -c "^[0-9]*$")"',
  'echo "pid1 $(cat /proc/1/comm)"',
  'echo "self $(readlink /proc/self)"',
  'echo "propagation $(findmnt -no PROPAGATION /)"',
  'echo "cwd $(pwd)"',
  'echo "capamb $(grep CapAmb /proc/self/status | cut -f2)"',
].join('; ');

const hostNs: Record<string, string> = Object.fromEntries(NS.map((t) => [t, fs.readlinkSync(`/proc/self/ns/${t}`)]));

/** Probe output with namespace links replaced by "host" or "new", so two runs compare. */
function facts(out: string): Record<string, string> {
  const f: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const m = /^ns (\w+) (.*)$/.exec(line);
    if (m) f[`ns.${m[1]}`] = m[2] === hostNs[m[1]] ? 'host' : 'new';
    else {
      const [k, ...rest] = line.split(' ');
      f[k] = rest.join(' ').trim();
    }
  }
  return f;
}

function probeBoth(args: string[], as: 'root' | 'nobody' = 'root', ignore: string[] = []): { mine: Record<string, string>; theirs: Record<string, string> } {
  const cmd = ['sh', '-c', PROBE];
  const mine = facts(ok((as === 'root' ? tsns : tsnsAsNobody)([...args, '--', ...cmd]), `tsns run ${args.join(' ')}`));
  const theirs = facts(ok((as === 'root' ? unshare : unshareAsNobody)([...args, '--', ...cmd]), `unshare ${args.join(' ')}`));
  // The count of processes races with the probe's own subshells (and is the host's without a new /proc).
  for (const k of ['self', 'procs', ...ignore]) {
    delete mine[k];
    delete theirs[k];
  }
  return { mine, theirs };
}

function sameAsUnshare(args: string[], as: 'root' | 'nobody' = 'root', ignore: string[] = []): Record<string, string> {
  const { mine, theirs } = probeBoth(args, as, ignore);
  assert.deepEqual(mine, theirs, `tsns run ${args.join(' ')} (as ${as}) differs from unshare`);
  return mine;
}

/** Mount table lines that mention `dir` (other suites may mount elsewhere meanwhile). */
function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir))
    .map((l) => l.split(' ').slice(3, 5).join(' '));
}

function inode(file: string): number {
  return fs.statSync(file).ino;
}

/** Field 22 of /proc/PID/stat, or '' when the process is gone. */
function startTime(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

async function until(cond: () => boolean, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('tsns run', function () {
  this.timeout(60000);
  let tmp: string;
  const started: ChildProcess[] = [];
  const terminals: Terminal[] = [];
  /** Processes a test started (by start time, so a reused PID is never killed). */
  const strays: Array<{ pid: number; start: string }> = [];
  const track = (pids: number[]) => {
    for (const pid of pids) {
      const start = startTime(pid);
      if (start) strays.push({ pid, start });
    }
  };

  before(() => {
    assert.equal(process.geteuid?.(), 0, 'these tests need root');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-run-'));
    fs.chmodSync(tmp, 0o755);
  });

  afterEach(() => {
    for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null && c.pid) c.kill('SIGKILL');
    for (const t of terminals.splice(0)) t.dispose();
    for (const { pid, start } of strays.splice(0)) {
      if (startTime(pid) !== start) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    // Pins and mounts the tests made, innermost first.
    for (const line of mountsUnder(tmp).reverse()) {
      const mp = line.split(' ')[1];
      spawnSync('umount', ['-l', mp]);
    }
    for (const f of fs.readdirSync(tmp)) fs.rmSync(path.join(tmp, f), { recursive: true, force: true });
  });

  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    nobodyView?.cleanup();
  });

  describe('as root, compared with unshare', () => {
    it('creates each namespace type and only that one', () => {
      for (const [flag, type] of [
        ['-m', 'mnt'],
        ['-u', 'uts'],
        ['-i', 'ipc'],
        ['-n', 'net'],
        ['-U', 'user'],
        ['-C', 'cgroup'],
        ['-T', 'time'],
      ] as const) {
        const f = sameAsUnshare([flag]);
        for (const t of NS) assert.equal(f[`ns.${t}`], t === type ? 'new' : 'host', `${flag}: ${t}`);
      }
      // A pid namespace holds the children only: with --fork the command is in it.
      const link = ['--', 'readlink', '/proc/self/ns/pid'];
      assert.equal(ok(tsns(['-p', ...link])), ok(unshare(['-p', ...link])));
      assert.equal(ok(tsns(['-p', ...link])), `${hostNs.pid}\n`);
      assert.equal(sameAsUnshare(['-p', '-f'])['ns.pid'], 'new');
      const all = sameAsUnshare(['-muinpUCT', '-f']);
      for (const t of NS) assert.equal(all[`ns.${t}`], 'new', t);
    });

    it('maps ids as unshare does: -r, -c, --map-user/--map-group by name and id, ranges, setgroups', () => {
      const root = sameAsUnshare(['-r']);
      assert.equal(root.uid, '0 gid 0 groups 1');
      assert.equal(root.uid_map, '0 0 1');
      assert.equal(root.setgroups, 'deny');
      sameAsUnshare(['-c']);
      const named = sameAsUnshare(['--map-user=nobody', '--map-group=nogroup']);
      assert.match(named.uid, /^65534 gid 65534/);
      sameAsUnshare(['--map-user=1000', '--map-group=1000']);
      sameAsUnshare(['-U', '--setgroups=deny']);
      sameAsUnshare(['-U', '--setgroups=allow']);
      // Ranges: 2.38 sends even root through newuidmap (refused without /etc/subuid lines), 2.42 and
      // tsns write them directly as root. INNER:OUTER:COUNT (2.42) and OUTER,INNER,COUNT (older).
      const maps = (args: string[]) => ok(tsns([...args, 'sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map | tr -s " \\n" " "']));
      assert.equal(maps(['--map-users=0:100000:1000', '--map-groups=100000,0,1000']), ' 0 100000 1000 0 100000 1000 ');
      assert.equal(maps(['--map-users=0:100000:1000', '--map-users=5000:200000:10', '-r']), ' 0 0 1 1 100000 999 5000 200000 10 0 0 1 ');
    });

    it('--mount-proc with --pid --fork shows only the new namespace, as PID 1', () => {
      const f = sameAsUnshare(['-p', '-f', '--mount-proc']);
      assert.equal(f['ns.mnt'], 'new');
      assert.equal(f.pid1, 'sh');
      const dir = path.join(tmp, 'p');
      fs.mkdirSync(dir);
      const out = ok(tsns(['-p', '-f', `--mount-proc=${dir}`, '--', 'sh', '-c', `ls ${dir} | grep -c '^[0-9]*$'; readlink ${dir}/self`]));
      assert.match(out, /^[1-9]\n[1-9]\d*\n$/);
      assert.deepEqual(mountsUnder(dir), [], 'the proc mount stays in the new mount namespace');
      // A relative DIR is taken from the new working directory, as unshare does.
      const rel = ['-p', '-f', '-w', tmp, '--mount-proc=p', '--', 'sh', '-c', 'cat p/1/comm'];
      assert.equal(ok(tsns(rel)), 'sh\n');
      assert.equal(ok(tsns(rel)), ok(unshare(rel)));
    });

    it('--propagation private|shared|slave|unchanged', () => {
      for (const mode of ['private', 'shared', 'slave', 'unchanged']) sameAsUnshare(['-m', `--propagation=${mode}`]);
      assert.equal(sameAsUnshare(['-m', '--propagation', 'shared']).propagation, 'shared');
    });

    it('--hostname sets the new UTS namespace name (and implies --uts)', () => {
      const host = os.hostname();
      const f = facts(ok(tsns(['--hostname', 'box', '--', 'sh', '-c', PROBE])));
      assert.equal(f.hostname, 'box');
      assert.equal(f['ns.uts'], 'new');
      assert.equal(os.hostname(), host);
      // The same as unshare -u followed by hostname(1).
      assert.equal(ok(unshare(['-u', 'sh', '-c', 'hostname box && hostname'])), 'box\n');
    });

    it('-S/-G, --root and --wd, --keep-caps', () => {
      sameAsUnshare(['-S', '65534', '-G', '65534']);
      sameAsUnshare(['-U', '-r', '-S', '0']);
      // tsns also takes names, and -G inside a user namespace whose setgroups is denied (unshare 2.38
      // fails there: "setgroups failed").
      assert.equal(ok(tsns(['-S', 'nobody', '-G', 'nogroup', '--', 'id', '-u'])), '65534\n');
      assert.equal(ok(tsns(['-r', '-G', '0', '--', 'id', '-g'])), '0\n');
      const rootfs = path.join(tmp, 'rootfs');
      for (const d of ['bin', 'proc', 'work']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
      fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
      fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
      const script = '/bin/busybox pwd; /bin/busybox ls /; /bin/busybox ls /proc | /bin/busybox grep -c "^[0-9]*$"; true';
      for (const args of [
        ['-R', rootfs],
        ['-R', rootfs, '-w', '/work'],
        ['-R', rootfs, '-m', '-p', '-f', '--mount-proc'],
      ]) {
        const mine = ok(tsns([...args, '--', '/bin/busybox', 'sh', '-c', script]));
        assert.equal(mine, ok(unshare([...args, '--', '/bin/busybox', 'sh', '-c', script])), args.join(' '));
      }
      assert.equal(ok(tsns(['-w', '/tmp', '--', 'pwd'])), '/tmp\n');
      assert.deepEqual(mountsUnder(rootfs), []);
      const caps = sameAsUnshare(['-U', '--map-user=1000', '--keep-caps']);
      assert.notEqual(caps.capamb, '0000000000000000');
    });

    it('--monotonic and --boottime offset the clocks of a new time namespace', () => {
      const script = 'cut -d" " -f1 /proc/uptime';
      const host = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
      const mine = Number(ok(tsns(['-T', '--boottime', '100000', '--monotonic', '-50', '--', 'sh', '-c', script])));
      const theirs = Number(ok(unshare(['-T', '--boottime', '100000', '--monotonic', '-50', 'sh', '-c', script])));
      assert.ok(Math.abs(mine - host - 100000) < 10, `${mine} vs host ${host}`);
      assert.ok(Math.abs(mine - theirs) < 10, `${mine} vs unshare ${theirs}`);
      const mono = ok(tsns(['-T', '--monotonic', '86400', '-f', '--', 'python3', '-c', 'import time; print(int(time.monotonic()))']));
      assert.ok(Number(mono) >= 86400, mono);
    });

    it("--owner UID:GID (unshare 2.42): the new user namespace is theirs, not the caller's", () => {
      // The pins must be reachable by nobody: a directory of its own, not the 0700 temporary one.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-owner-'));
      fs.chmodSync(dir, 0o755);
      const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
      const owned = path.join(dir, 'owned');
      const rootOwned = path.join(dir, 'root-owned');
      try {
        // Inside root is nobody outside; the command runs as the owner, so as root inside.
        const maps = ['--map-users=0:65534:1', '--map-groups=0:65534:1'];
        assert.equal(ok(tsns([`--user=${owned}`, '--owner', '65534:65534', ...maps, '--', 'id', '-u'])), '0\n');
        ok(tsns([`--user=${rootOwned}`, ...maps, '--', 'true']));
        // The owner has CAP_SYS_ADMIN over its namespace: the real nsenter lets nobody in there only.
        assert.equal(ok(run([...asNobody, 'nsenter', `--user=${owned}`, '--', 'id', '-u'])), '0\n');
        const refusedEntry = run([...asNobody, 'nsenter', `--user=${rootOwned}`, '--', 'id', '-u']);
        assert.equal(refusedEntry.status, 1);
        assert.match(refusedEntry.stderr, /Operation not permitted/);
        // Names work too; a malformed owner or an unknown name is refused before anything is made.
        assert.equal(ok(tsns(['--owner', 'nobody:nogroup', ...maps, '--', 'id', '-u'])), '0\n');
        refused(tsns(['--owner', '65534', 'true']), /failed to parse owner/);
        refused(tsns(['--owner', 'no-such-user-xyz:0', 'true']), /unknown user/);
      } finally {
        for (const f of [owned, rootOwned]) run(['umount', f]);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('--clear-env (unshare 2.42): the command gets an empty environment, as under env -i', () => {
      const probe = ['sh', '-c', 'env; echo "PATH=$PATH"'];
      assert.equal(ok(tsns(['--clear-env', '-u', '--', ...probe])), ok(run(['env', '-i', ...probe])));
    });

    it('--mount-binfmt and -l/--load-interp (unshare 2.42): a binfmt_misc of the new user namespace only', () => {
      // A file with the rule's extension runs through the rule's interpreter, inside only.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-binfmt-'));
      fs.chmodSync(dir, 0o755);
      const file = path.join(dir, 'hello.tsnst');
      fs.writeFileSync(file, 'run by cat\n', { mode: 0o755 });
      const hostRules = (): string[] => (fs.existsSync('/proc/sys/fs/binfmt_misc/register') ? fs.readdirSync('/proc/sys/fs/binfmt_misc') : []);
      const before = hostRules();
      try {
        for (const [who, runner] of [
          ['root', tsns],
          ['nobody', tsnsAsNobody],
        ] as const) {
          for (const rule of [':tsnstest:E::tsnst::/bin/cat:', ':tsnstest:E::tsnst::/bin/cat:F']) {
            const out = ok(
              runner(['-r', '--pid', '--fork', '-l', rule, '--', 'sh', '-c', `grep -E "^(interpreter|flags)" /proc/sys/fs/binfmt_misc/tsnstest; ${file}`]),
              `${who} ${rule}`,
            );
            assert.equal(out, `interpreter /bin/cat\nflags: ${rule.endsWith('F') ? 'F' : ''}\nrun by cat\n`, `${who} ${rule}`);
          }
        }
        // --mount-binfmt=DIR: just the filesystem there, no new /proc needed.
        const mnt = path.join(dir, 'mnt');
        fs.mkdirSync(mnt);
        assert.equal(ok(tsns(['-r', `--mount-binfmt=${mnt}`, '--', 'ls', mnt])), 'register\nstatus\n');
        assert.deepEqual(hostRules(), before);
        assert.deepEqual(fs.readdirSync(mnt), []);
        // The default place needs a new /proc, so a pid namespace; a rule must look like one.
        refused(tsns(['-l', ':tsnstest:E::tsnst::/bin/cat:', 'true']), /needs --pid --fork/);
        refused(tsns(['-p', '-f', '-l', 'cat', 'true']), /invalid binfmt_misc rule/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('no Node process stays for the command: tsns execs the stage; a setup helper runs only when the namespaces need one, and is gone', async () => {
      for (const args of [['-f'], ['-f', '-r'], ['-f', '-p', '--mount-proc', `--uts=${path.join(tmp, 'uts')}`]]) {
        fs.writeFileSync(path.join(tmp, 'uts'), '');
        const child = spawn(process.execPath, [TSNS, 'run', ...args, '--', 'sleep', '60'], { stdio: 'ignore' });
        started.push(child);
        const pid = child.pid as number;
        await until(() => descendantsOf(pid).some((p) => comm(p) === 'sleep'));
        track(descendantsOf(pid));
        // The process the caller started is the waiting stage now; the command is its only child.
        await until(() => comm(pid) === 'tsns-stage' && descendantsOf(pid).length === 1);
        assert.deepEqual(descendantsOf(pid).map(comm), ['sleep'], args.join(' '));
        child.kill('SIGHUP');
        assert.deepEqual(await exited(child), { code: null, signal: 'SIGHUP' }, args.join(' '));
        spawnSync('umount', [path.join(tmp, 'uts')]);
      }
      // Maps of one's own id and clocks the stage writes itself, as unshare(1); pins and ranges need the helper.
      const helper = () => ['/usr/bin/node', '/x/run.js'];
      const setupWord = (options: RunOptions) => buildRunPlan(resolveRunOptions(options), helper).words.find((w) => w.startsWith('setup='));
      const own: RunOptions[] = [
        { namespaces: { uts: true }, fork: true },
        { mapRootUser: true },
        { mapCurrentUser: true },
        { namespaces: { time: true }, monotonic: 5, fork: true },
      ];
      for (const options of own) {
        assert.equal(setupWord({ ...options, command: ['true'] }), undefined, JSON.stringify(options));
      }
      const outside: RunOptions[] = [
        { namespaces: { uts: path.join(tmp, 'uts') } },
        { mapUsers: ['0:100000:10'] },
        { mapRootUser: true, owner: '65534:65534' },
      ];
      for (const options of outside) {
        assert.equal(setupWord({ ...options, command: ['true'] }), 'setup=/usr/bin/node', JSON.stringify(options));
      }
    });

    it('exec is direct without --fork: the command replaces the stage', () => {
      const out = ok(tsns(['-u', '--', 'sh', '-c', 'cat /proc/$PPID/comm']));
      assert.equal(out, 'node\n');
    });
  });

  describe('pins (=FILE)', () => {
    it('pins every type at creation, the same namespace the command was in', () => {
      const files = Object.fromEntries(NS.map((t) => [t, path.join(tmp, t)]));
      // A mount namespace pin needs a private mount under it (this host's / is private).
      const args = [...NS.map((t) => `--${t === 'mnt' ? 'mount' : t}=${files[t]}`), '--fork', '-r'];
      const out = ok(tsns([...args, '--', 'sh', '-c', 'for t in mnt uts ipc net pid user cgroup time; do stat -L -c %i /proc/self/ns/$t; done']));
      const inside = out.trim().split('\n').map(Number);
      NS.forEach((t, i) => assert.equal(inode(files[t]), inside[i], t));
      // Still there with no process left: enterable with nsenter.
      assert.equal(ok(run(['nsenter', `--uts=${files.uts}`, 'readlink', '/proc/self/ns/uts'])).trim(), `uts:[${inside[1]}]`);
    });

    it('refuses a mount namespace pin on a shared mount, leaving nothing behind', () => {
      const shared = path.join(tmp, 'shared');
      fs.mkdirSync(shared);
      ok(run(['mount', '-t', 'tmpfs', 'tsns-test', shared]));
      ok(run(['mount', '--make-shared', shared]));
      const before = mountsUnder(tmp);
      const r = tsns([`--mount=${path.join(shared, 'mnt')}`, '--', 'echo', 'ran']);
      refused(r, /shared mount/);
      assert.deepEqual(mountsUnder(tmp), before);
      assert.deepEqual(fs.readdirSync(shared), []);
    });

    it('undoes earlier pins when a later one fails', () => {
      const before = mountsUnder(tmp);
      const r = tsns([`--net=${path.join(tmp, 'net')}`, `--uts=${path.join(tmp, 'no', 'such', 'uts')}`, '--', 'echo', 'ran']);
      refused(r, /no such directory/);
      assert.deepEqual(mountsUnder(tmp), before);
      assert.equal(fs.existsSync(path.join(tmp, 'net')), false);
      // A map the kernel refuses: nothing pinned either.
      refused(tsns([`--net=${path.join(tmp, 'net')}`, '--map-users=0:100000:10', '--map-users=5:100000:10', '--', 'echo', 'ran']), /kernel refused uid map/);
      assert.deepEqual(mountsUnder(tmp), before);
      assert.equal(fs.existsSync(path.join(tmp, 'net')), false);
      // The pid pin happens after fork, in a second round: its failure undoes the first round's pins.
      fs.mkdirSync(path.join(tmp, 'dir'));
      const r2 = tsns([`--ipc=${path.join(tmp, 'ipc')}`, `--pid=${path.join(tmp, 'dir')}`, '-f', '--', 'echo', 'ran']);
      refused(r2, /dir/);
      assert.deepEqual(mountsUnder(tmp), before);
      assert.equal(fs.existsSync(path.join(tmp, 'ipc')), false);
    });
  });

  describe('bad input', () => {
    it('one tsns: line, exit 1, nothing created', () => {
      const before = mountsUnder(tmp);
      refused(tsns(['--map-user=no-such-user-xyz', 'true']), /unknown user 'no-such-user-xyz'/);
      refused(tsns(['--map-group=no-such-group-xyz', 'true']), /unknown group 'no-such-group-xyz'/);
      // A name that looks like a getent option is still a name.
      refused(tsns(['--map-user=-i', 'true']), /unknown user '-i'/);
      refused(tsns(['-U', '-G', '-sfiles', 'true']), /unknown group '-sfiles'/);
      refused(tsns(['--mount-proc=', 'true']), /empty directory name/);
      // The stage's own messages stay on one line too.
      refused(tsns(['-R', '/no\nsuch', 'true']), /cannot change root directory to \/no\\x0asuch/, 125);
      refused(tsns(['-U', '-S', 'no-such-user-xyz', 'true']), /unknown user/);
      refused(tsns(['--map-users=0:100000:10', '--map-users=5:100000:10', 'true']), /kernel refused uid map/);
      refused(tsns(['--map-users=zero', 'true']), /invalid mapping/);
      refused(tsns(['--monotonic', '5', 'true']), /require a new time namespace/);
      refused(tsns([`--pid=${path.join(tmp, 'pid')}`, 'true']), /needs --fork/);
      refused(tsns([`--time=${path.join(tmp, 'time')}`, 'true']), /needs --fork/);
      refused(tsns(['-r', '--setgroups=allow', 'true']), /mutually exclusive/);
      refused(tsns(['--setgroups=deny', 'true']), /needs a new user namespace/);
      refused(tsns(['--propagation=weird', '-m', 'true']), /unsupported propagation mode/);
      refused(tsns(['--kill-child=NOSUCH', 'true']), /unknown signal/);
      refused(tsns(['--bogus']), /unrecognized option/);
      refused(tsns(['-T', '--boottime=abc', 'true']), /failed to parse boottime/);
      assert.deepEqual(mountsUnder(tmp), before);
      assert.deepEqual(fs.readdirSync(tmp), []);
    });

    it('a missing stage says how to build it (TSNS_STAGE names it, as for enter)', () => {
      const r = run([process.execPath, TSNS, 'run', '-u', 'true'], { env: { ...process.env, TSNS_STAGE: '/nonexistent/tsns-stage' } });
      refused(r, /^tsns: the exec stage \/nonexistent\/tsns-stage is not built; run 'npm run build'/);
    });

    it('--help prints the options and exits 0', () => {
      const r = tsns(['--help']);
      assert.equal(r.status, 0);
      for (const o of [
        '--mount[=FILE]',
        '--kill-child[=SIGNAL]',
        '--map-auto',
        '--hostname NAME',
        '--boottime',
        '--owner UID:GID',
        '--clear-env',
        '--mount-binfmt[=DIR]',
        '--load-interp RULE',
      ])
        assert.ok(r.stdout.includes(o), o);
    });

    it('a command that is missing or not executable: 127 / 126', () => {
      const r = tsns(['-u', '--', '/no/such/program']);
      assert.equal(r.status, 127);
      assert.match(r.stderr, /^tsns: \/no\/such\/program: No such file or directory\n$/);
      const plain = path.join(tmp, 'not-executable');
      fs.writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
      assert.equal(tsns(['-u', '--', plain]).status, 126);
    });
  });

  describe('exit status and signals', () => {
    it('gives back the exit code and the death signal, with and without --fork', () => {
      for (const fork of [[], ['-f']]) {
        assert.equal(tsns([...fork, '--', 'sh', '-c', 'exit 42']).status, 42);
        for (const sig of ['TERM', 'KILL', 'PIPE', 'USR1', 'SEGV']) {
          // (Not as PID 1 of a new pid namespace: init ignores signals it has no handler for.)
          const mine = tsns([...fork, '-u', '--', 'sh', '-c', `kill -${sig} $$`]);
          assert.equal(mine.status, null, `${sig}: ${mine.stderr}`);
          assert.equal(mine.signal, `SIG${sig}`);
          // unshare 2.38 fails to re-raise SIGKILL ("sigprocmask unblock failed", exit 1): tsns does.
          if (fork.length && sig !== 'KILL') assert.equal(unshare([...fork, '-u', '--', 'sh', '-c', `kill -${sig} $$`]).signal, `SIG${sig}`);
        }
      }
    });

    it('the default command is $SHELL as a login shell, else the login shell of the password entry', () => {
      const r = spawnSync(process.execPath, [TSNS, 'run', '-u'], { encoding: 'utf8', input: 'echo "$0"\n', env: { ...process.env, SHELL: '/bin/sh' } });
      assert.equal(r.stdout, '-sh\n');
      // util-linux 2.42 (ul_default_shell): without $SHELL, getpwuid's shell; root's, read here with getent.
      const env = { ...process.env };
      delete env.SHELL;
      const loginShell = spawnSync('getent', ['passwd', String(process.getuid?.())], { encoding: 'utf8' })
        .stdout.trim()
        .split(':')[6];
      assert.ok(loginShell, 'root has a login shell');
      const r2 = spawnSync(process.execPath, [TSNS, 'run', '-u'], { encoding: 'utf8', input: 'echo "$0"\n', env });
      assert.equal(r2.stdout, `-${path.basename(loginShell)}\n`);
    });

    async function startSleeper(args: string[]): Promise<{ child: ChildProcess; sleeper: number }> {
      const child = spawn(process.execPath, [TSNS, 'run', ...args, '--', 'sleep', '60'], { stdio: 'ignore' });
      started.push(child);
      let sleeper = 0;
      await until(() => {
        sleeper = descendantsOf(child.pid as number).find((p) => comm(p) === 'sleep') ?? 0;
        return sleeper > 0;
      });
      track(descendantsOf(child.pid as number));
      return { child, sleeper };
    }

    it('--kill-child takes the command down when tsns dies (default SIGKILL, or the signal given)', async () => {
      // -S/-G change credentials, which clears the kernel's death signal: it must be set again after.
      for (const args of [
        ['--kill-child'],
        ['--kill-child=SIGTERM'],
        ['--kill-child=HUP'],
        ['--kill-child', '-p'],
        ['--kill-child', '-S', '65534', '-G', '65534'],
      ]) {
        const { child, sleeper } = await startSleeper(args);
        child.kill('SIGKILL');
        await until(() => !alive(sleeper));
      }
      // Without it the command outlives tsns, as with unshare.
      const { child, sleeper } = await startSleeper(['-f']);
      child.kill('SIGKILL');
      await exited(child);
      await sleep(200);
      assert.ok(alive(sleeper), 'the command survives without --kill-child');
    });

    it('on a terminal, the command gets a new one of its own with the same settings (--no-pty: the user’s), and its status comes back', async () => {
      const shell = await startShell();
      terminals.push(shell.term);
      const [tty, settings] = (await shell.run('tty; stty -g')).trim().split('\n');
      for (const args of [['-u'], ['-f', '-p', '--mount-proc'], ['-r']]) {
        const [innerTty, innerSettings, status] = (
          await shell.run(`${process.execPath} ${TSNS} run ${args.join(' ')} -- sh -c 'tty; stty -g; exit 7'; echo "st=$?"`)
        )
          .trim()
          .split('\n');
        assert.match(innerTty, /^\/dev\/pts\/\d+$/, args.join(' '));
        assert.notEqual(innerTty, tty, args.join(' '));
        assert.equal(innerSettings, settings, args.join(' '));
        assert.equal(status, 'st=7', args.join(' '));
      }
      assert.equal((await shell.run(`${process.execPath} ${TSNS} run -u --no-pty -- tty`)).trim(), tty);
    });

    it('a terminal that goes away ends tsns and the command, the first process of a new pid namespace too', async () => {
      // unshare --fork ends both the same way; with --pid its PID 1 sleep ignores the SIGHUP (an init
      // is spared signals it has no handler for) and keeps running: tsns ends it.
      assert.deepEqual(await hangUp(['unshare', '--fork', 'sleep', '100']), { end: { code: null, signal: 'SIGHUP' }, left: [] });
      for (const args of [
        ['--fork'],
        ['--fork', '--no-pty'],
        ['--fork', '--pid', '--mount-proc'],
        ['--fork', '--pid', '--mount-proc', '--no-pty'],
        ['--user', '--map-root-user', '--fork', '--pid', '--mount-proc'],
      ]) {
        assert.deepEqual(
          await hangUp([process.execPath, TSNS, 'run', ...args, '--', 'sleep', '100']),
          { end: { code: null, signal: 'SIGHUP' }, left: [] },
          args.join(' '),
        );
      }
      // An init that handles SIGHUP gets it, not a SIGKILL in its place.
      const trapping = ['sh', '-c', 'trap "exit 3" HUP; sleep 100 & wait'];
      for (const pty of [[], ['--no-pty']]) {
        assert.deepEqual(
          await hangUp([process.execPath, TSNS, 'run', '--fork', '--pid', ...pty, '--', ...trapping]),
          { end: { code: 3, signal: null }, left: [] },
          pty.join(' '),
        );
      }
    });

    it('--forward-signals passes SIGTERM and SIGINT on; a forking tsns otherwise ignores them', async () => {
      const script = 'trap "exit 7" TERM; trap "exit 8" INT; while :; do sleep 0.2; done';
      for (const [sig, code] of [
        ['SIGTERM', 7],
        ['SIGINT', 8],
      ] as const) {
        const child = spawn(process.execPath, [TSNS, 'run', '--forward-signals', '--', 'sh', '-c', script], { stdio: 'ignore' });
        started.push(child);
        await until(() => descendantsOf(child.pid as number).some((p) => comm(p) === 'sleep'));
        track(descendantsOf(child.pid as number));
        child.kill(sig);
        assert.deepEqual(await exited(child), { code, signal: null });
      }
      // -f without --forward-signals: SIGTERM and SIGINT do not end tsns (unshare 2.42: no impatient parent).
      const child = spawn(process.execPath, [TSNS, 'run', '-f', '--', 'sh', '-c', 'sleep 0.6; exit 3'], { stdio: 'ignore' });
      started.push(child);
      await until(() => descendantsOf(child.pid as number).some((p) => comm(p) === 'sleep'));
      track(descendantsOf(child.pid as number));
      child.kill('SIGTERM');
      child.kill('SIGINT');
      assert.deepEqual(await exited(child), { code: 3, signal: null });
      // Without --fork tsns stands for the command: SIGTERM reaches it.
      const direct = spawn(process.execPath, [TSNS, 'run', '-u', '--', 'sh', '-c', 'trap "exit 9" TERM; while :; do sleep 0.2; done'], { stdio: 'ignore' });
      started.push(direct);
      await until(() => descendantsOf(direct.pid as number).some((p) => comm(p) === 'sleep'));
      track(descendantsOf(direct.pid as number));
      direct.kill('SIGTERM');
      assert.deepEqual(await exited(direct), { code: 9, signal: null });
    });
  });

  describe('as nobody', () => {
    it('the brief: root inside, its own /proc, called box', () => {
      const out = ok(
        tsnsAsNobody([
          '--user',
          '--map-root-user',
          '--pid',
          '--fork',
          '--mount-proc',
          '--uts',
          '--hostname',
          'box',
          '--',
          'sh',
          '-c',
          'id -u; hostname; ls /proc | grep "^[0-9]*$" | sort -n | head -1; cat /proc/1/comm',
        ]),
      );
      assert.equal(out, '0\nbox\n1\nsh\n');
    });

    it('every namespace type, maps and options, compared with unshare as nobody', () => {
      const base = ['-U', '-r'];
      const f = sameAsUnshare([...base], 'nobody');
      assert.equal(f.uid_map, '0 65534 1');
      for (const flag of ['-m', '-u', '-i', '-n', '-C', '-T']) sameAsUnshare([...base, flag], 'nobody');
      const pid = sameAsUnshare([...base, '-p', '-f', '--mount-proc'], 'nobody');
      assert.equal(pid['ns.pid'], 'new');
      assert.equal(pid.pid1, 'sh');
      sameAsUnshare(['-U', '-c'], 'nobody');
      sameAsUnshare(['--map-user=0', '--map-group=0'], 'nobody');
      sameAsUnshare(['-U', '--setgroups=deny'], 'nobody');
      sameAsUnshare([...base, '-m', '--propagation=shared'], 'nobody');
      sameAsUnshare([...base, '-m', '--propagation=unchanged'], 'nobody');
      sameAsUnshare([...base, '-S', '0'], 'nobody');
      sameAsUnshare(['-U', '-c', '--keep-caps'], 'nobody');
      sameAsUnshare([...base, '-w', '/tmp'], 'nobody');
      sameAsUnshare([...base, '--kill-child', '-p'], 'nobody');
      assert.equal(ok(tsnsAsNobody([...base, '--forward-signals', '--', 'id', '-u'])), '0\n'); // not in 2.38
      const mono = ok(tsnsAsNobody([...base, '-T', '--monotonic', '86400', '-f', '--', 'python3', '-c', 'import time; print(int(time.monotonic()))']));
      assert.ok(Number(mono) >= 86400, mono);
      const rootfs = path.join(tmp, 'rootfs');
      fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
      fs.mkdirSync(path.join(rootfs, 'proc'));
      fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
      fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
      const inRoot = [
        ...base,
        '-m',
        '-p',
        '-f',
        '--mount-proc',
        '-R',
        rootfs,
        '--',
        '/bin/busybox',
        'sh',
        '-c',
        '/bin/busybox ls /; /bin/busybox id -u; /bin/busybox cat /proc/1/comm',
      ];
      assert.equal(ok(tsnsAsNobody(inRoot)), 'bin\nproc\n0\nbusybox\n');
      assert.equal(ok(tsnsAsNobody(inRoot)), ok(unshareAsNobody(inRoot)));
      const out = ok(tsnsAsNobody([...base, '-T', '--boottime', '100000', '--', 'cut', '-d ', '-f1', '/proc/uptime']));
      const host = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
      assert.ok(Math.abs(Number(out) - host - 100000) < 10, out);
      assert.equal(ok(tsnsAsNobody([...base, '-u', '--hostname', 'nb', '--', 'hostname'])), 'nb\n');
      assert.equal(ok(tsnsAsNobody([...base, '-G', '0', '--', 'id', '-g'])), '0\n');
      // Exit status comes back for nobody too.
      assert.equal(tsnsAsNobody([...base, '--', 'sh', '-c', 'exit 5']).status, 5);
      assert.equal(tsnsAsNobody([...base, '-f', '--', 'sh', '-c', 'kill -TERM $$']).signal, 'SIGTERM');
    });

    it('refuses what nobody may not do, one line, nothing pinned', () => {
      const before = mountsUnder(tmp);
      refused(tsnsAsNobody(['-U', '-r', `--net=${path.join(tmp, 'net')}`, 'true']), /CAP_SYS_ADMIN|not permitted/);
      refused(tsnsAsNobody(['--map-user=0', '--map-users=1:1:1', 'true']), /newuidmap|refused/);
      // The kernel's own refusal comes from the stage: exit 125, as for any failure before exec.
      refused(tsnsAsNobody(['-n', 'true']), /unshare failed: Operation not permitted/, 125);
      assert.deepEqual(mountsUnder(tmp), before);
      assert.deepEqual(fs.readdirSync(tmp), []);
    });
  });

  describe('--map-auto (subordinate ids through newuidmap/newgidmap)', () => {
    // The host's /etc/subuid and /etc/subgid are never touched: each command runs in a mount namespace
    // of its own where copies with this suite's ranges are bound over them (newuidmap reads them there).
    // Where the host has no such file to bind over, that namespace gets a copy of /etc to bind them in.
    const RANGES = 'root:2100000:65536\nnobody:3100000:65536\n';
    const PRIVATE_SUBIDS = [
      'set -e',
      // newuidmap opens them O_NOFOLLOW: bind mounts, not links; a copy of /etc where there is nothing to bind over.
      'if [ ! -e /etc/subuid ] || [ ! -e /etc/subgid ]; then',
      '  etc=$(mktemp -d "$3/etc.XXXXXX"); cp -a /etc/. "$etc"; : > "$etc/subuid"; : > "$etc/subgid"; mount --bind "$etc" /etc',
      'fi',
      'mount --bind "$1" /etc/subuid',
      'mount --bind "$2" /etc/subgid',
      'shift 3',
      'exec "$@"',
    ].join('\n');
    let dir = '';
    const onHost = () => ['/etc/subuid', '/etc/subgid'].some((f) => fs.existsSync(f) && /^(root:2100000|nobody:3100000):/m.test(fs.readFileSync(f, 'utf8')));
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-subids-'));
      fs.chmodSync(dir, 0o755);
      for (const f of ['subuid', 'subgid']) fs.writeFileSync(path.join(dir, f), RANGES);
      wrap = ['unshare', '--mount', '--propagation=private', 'sh', '-c', PRIVATE_SUBIDS, 'sh', path.join(dir, 'subuid'), path.join(dir, 'subgid'), dir];
    });
    after(() => {
      wrap = [];
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the commands see this suite's ranges in /etc/subuid and /etc/subgid; the host's files never have them", () => {
      assert.equal(ok(run(['cat', '/etc/subuid', '/etc/subgid'])), RANGES + RANGES);
      assert.equal(onHost(), false);
    });

    it('maps like unshare, as root and as nobody, alone and with -r', () => {
      assert.equal(sameAsUnshare(['--map-auto']).uid_map, '0 2100000 65536');
      assert.equal(sameAsUnshare(['--map-auto', '-r']).uid_map, '0 0 1 1 2100000 65535');
      assert.equal(sameAsUnshare(['--map-auto'], 'nobody').uid_map, '0 3100000 65536');
      const f = sameAsUnshare(['--map-auto', '-r'], 'nobody');
      assert.equal(f.uid_map, '0 65534 1 1 3100000 65535');
      assert.equal(f.gid_map, '0 65534 1 1 3100000 65535');
      assert.equal(
        ok(tsnsAsNobody(['--map-users=auto', '--map-groups=auto', '--', 'cat', '/proc/self/uid_map']))
          .trim()
          .split(/\s+/)
          .join(' '),
        '0 3100000 65536',
      );
      // 2.42's --map-subids (not in 2.38): the range onto itself.
      assert.equal(
        ok(tsnsAsNobody(['--map-subids', '--', 'cat', '/proc/self/gid_map']))
          .trim()
          .split(/\s+/)
          .join(' '),
        '3100000 3100000 65536',
      );
    });

    it('refuses a user with no subordinate range', () => {
      fs.writeFileSync(path.join(dir, 'subuid'), 'nobody:3100000:65536\n');
      try {
        refused(tsns(['--map-auto', 'true']), /no line for user root in \/etc\/subuid/);
      } finally {
        fs.writeFileSync(path.join(dir, 'subuid'), RANGES);
      }
      assert.equal(onHost(), false);
    });
  });

  describe('library', () => {
    it('runInNewNamespaces runs a command in new namespaces and reports how it ended', async () => {
      const out = path.join(tmp, 'lib-out');
      const end = await runInNewNamespaces({
        namespaces: { uts: true, user: true },
        mapRootUser: true,
        hostname: 'lib',
        command: ['sh', '-c', `{ hostname; id -u; } > ${out}; exit 6`],
      });
      assert.deepEqual(end, { code: 6, signal: null, error: undefined });
      assert.equal(fs.readFileSync(out, 'utf8'), 'lib\n0\n');
      await assert.rejects(runInNewNamespaces({ mapUser: 'no-such-user-xyz', command: ['true'] }), /unknown user/);
    });
  });

  describe('id map arithmetic (unshare 2.42 semantics)', () => {
    it('parses both range forms and merges a single id into ranges without double mapping', () => {
      assert.deepEqual(parseIdRange('0:100000:65536'), { inner: 0, outer: 100000, count: 65536 });
      assert.deepEqual(parseIdRange('100000,0,65536'), { inner: 0, outer: 100000, count: 65536 });
      // -r with --map-auto: 0 -> euid; the range gives up its inner 0 and shifts.
      assert.deepEqual(mergeSingle([{ inner: 0, outer: 100000, count: 10 }], { inner: 0, outer: 1000 }), [
        { inner: 0, outer: 1000, count: 1 },
        { inner: 1, outer: 100000, count: 9 },
      ]);
      // An id inside both sides splits the range in three.
      assert.deepEqual(mergeSingle([{ inner: 0, outer: 100, count: 10 }], { inner: 3, outer: 106 }), [
        { inner: 3, outer: 106, count: 1 },
        { inner: 0, outer: 100, count: 3 },
        { inner: 4, outer: 103, count: 3 },
        { inner: 7, outer: 107, count: 3 },
      ]);
      assert.deepEqual(mergeSingle([{ inner: 0, outer: 100, count: 10 }], { inner: 50, outer: 60 }), [
        { inner: 50, outer: 60, count: 1 },
        { inner: 0, outer: 100, count: 10 },
      ]);
    });
  });
});
