/**
 * tsns enter on real targets: a namespace set made with unshare, a runc container and a runc container
 * with its own user namespace. What the command sees from inside (namespace inodes, hostname, ids) is
 * compared with what the installed nsenter shows for the same target; exit status, signal death,
 * signal forwarding, job control on a terminal, fd hygiene, a hostile target, and bad input.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Container, startContainer, stopAllContainers } from './fixtures/runc';
import { NOBODY_UID, tsnsAsNobody } from './helpers/nobody';
import { buildEnterPlan, spawnPlan } from '../src/enter';
import { childrenOf, commOf, ok, procState, sleep, waitFor } from './helpers/proc';
import { descendantsOf, hangUp, processRef, running, startShell, startTerminal, Terminal } from './helpers/pty';
import { socketOnlyNetns } from './helpers/ns';

const repoRoot = path.resolve(__dirname, '..', '..');
const TSNS = path.join(repoRoot, 'bin', 'tsns');
const NS = ['mnt', 'net', 'user', 'pid', 'uts', 'ipc', 'cgroup', 'time'];
/** Prints what a process sees of itself: namespace links, hostname, ids. Runs under busybox sh too. */
const PROBE = `for n in ${NS.join(' ')}; do readlink /proc/self/ns/$n; done; hostname; id`;

function tsns(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [TSNS, 'enter', ...args], { encoding: 'utf8', timeout: 20000, ...options });
}

function nsenter(args: string[]): string {
  return ok(spawnSync('nsenter', args, { encoding: 'utf8', timeout: 20000 }));
}

function link(pid: number | 'self', type: string): string {
  return fs.readlinkSync(`/proc/${pid}/ns/${type}`);
}

/** Processes started by these tests, killed in after(). */
const started: ChildProcess[] = [];
const tmpDirs: string[] = [];
const terminals: Terminal[] = [];

/** A command in the background (killed in after()): its stdout so far, and its exit code once it ends. */
function startWatched(argv: string[]): { child: ChildProcess; out: () => string; done: Promise<number | null> } {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, done };
}

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-enter-test-'));
  tmpDirs.push(d);
  return d;
}

/** unshare --uts --ipc --net --pid --fork --mount --mount-proc: the target is the pid-1 sleep inside. */
async function unshareTarget(hostname: string): Promise<{ pid: number; unshare: ChildProcess }> {
  const unshare = spawn(
    'unshare',
    ['--uts', '--ipc', '--net', '--pid', '--fork', '--kill-child', '--mount', '--mount-proc', 'sh', '-c', `hostname ${hostname} && exec sleep 1000`],
    {
      stdio: 'ignore',
    },
  );
  started.push(unshare);
  const pid = await waitFor('the unshare target', () => {
    const [child] = childrenOf(unshare.pid as number);
    return child !== undefined && commOf(child) === 'sleep' ? child : undefined;
  });
  return { pid, unshare };
}

describe('tsns enter', function () {
  this.timeout(30000);
  let target: { pid: number; unshare: ChildProcess };
  let plain: Container;
  let userns: Container;

  before(async () => {
    target = await unshareTarget('tsns-enter-target');
    plain = startContainer();
    userns = startContainer({ userns: true });
  });

  after(() => {
    // The target first: unshare --fork leaves its child running when unshare alone is killed.
    if (target) spawnSync('kill', ['-KILL', String(target.pid)]);
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const t of terminals) t.dispose();
    stopAllContainers();
    for (const d of tmpDirs) {
      spawnSync('umount', ['-l', path.join(d, 'uts')]);
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  describe('same view as nsenter', () => {
    it('an unshare target: --all shows the same namespaces, hostname and ids as nsenter -a', () => {
      const ours = ok(tsns([String(target.pid), '--all', '--', 'sh', '-c', PROBE]));
      assert.equal(ours, nsenter(['-t', String(target.pid), '-a', 'sh', '-c', PROBE]));
      const lines = ours.trim().split('\n');
      for (const [i, type] of ['mnt', 'net', 'pid', 'uts', 'ipc'].entries()) {
        assert.equal(lines[[0, 1, 3, 4, 5][i]], link(target.pid, type), type);
        assert.notEqual(lines[[0, 1, 3, 4, 5][i]], link('self', type), type);
      }
      assert.equal(lines[8], 'tsns-enter-target');
    });

    it('a runc container by name: same as nsenter -a on its init', () => {
      const ours = ok(tsns([plain.id, '--all', '--', 'sh', '-c', PROBE]));
      assert.equal(ours, nsenter(['-t', String(plain.pid), '-a', 'sh', '-c', PROBE]));
      assert.match(ours, new RegExp(`^${plain.id.slice(0, 63)}$`, 'm'));
      assert.match(ours, /uid=0\(root\)/);
      // -U when the container shares our user namespace: nothing to join there (nsenter fails EINVAL).
      assert.equal(ok(tsns([plain.id, '-U', '-u', '--', 'hostname'])), `${plain.id.slice(0, 63)}\n`);
    });

    it('a runc container with its own user namespace: root inside, same as nsenter -a', () => {
      const ours = ok(tsns([userns.id, '--all', '--', 'sh', '-c', PROBE]));
      assert.equal(ours, nsenter(['-t', String(userns.pid), '-a', 'sh', '-c', PROBE]));
      assert.equal(ours.split('\n')[2], link(userns.pid, 'user'));
      assert.match(ours, /uid=0\(root\) gid=0\(root\)/);
    });

    it('as nobody, a rootless target (unshare -r): user namespace first, by pidfd and by files', async () => {
      const rootless = spawn(
        'setpriv',
        [
          `--reuid=${NOBODY_UID}`,
          `--regid=${NOBODY_UID}`,
          '--clear-groups',
          'unshare',
          '--user',
          '--map-root-user',
          '--uts',
          'sh',
          '-c',
          'hostname rootless && exec sleep 1000',
        ],
        {
          stdio: 'ignore',
        },
      );
      started.push(rootless);
      const pid = rootless.pid as number;
      await waitFor('the rootless target', () => (commOf(pid) === 'sleep' ? true : undefined));
      const probe = 'id -u; hostname; readlink /proc/self/ns/user';
      const expected = `0\nrootless\n${link(pid, 'user')}\n`;
      for (const args of [[String(pid)], [`--user=/proc/${pid}/ns/user`, `--uts=/proc/${pid}/ns/uts`]]) {
        const r = tsnsAsNobody(['enter', ...args, '--', 'sh', '-c', probe]);
        assert.equal(r.status, 0, `${args}: ${r.stderr}`);
        assert.equal(r.stdout, expected, `${args}`);
      }
      // nsenter (2.38 and 2.42) cannot drop groups in a user namespace whose setgroups is denied;
      // with its credentials kept it shows the same.
      const theirs = spawnSync(
        'setpriv',
        [
          `--reuid=${NOBODY_UID}`,
          `--regid=${NOBODY_UID}`,
          '--clear-groups',
          'nsenter',
          '--preserve-credentials',
          '-t',
          String(pid),
          '-U',
          '-u',
          'sh',
          '-c',
          probe,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(theirs.stdout, expected, theirs.stderr);
      // Someone else's namespaces stay closed to nobody.
      const refused = tsnsAsNobody(['enter', String(target.pid), '--net', '--', 'true']);
      assert.equal(refused.status, 125);
      assert.match(refused.stderr, /^tsns: cannot join the namespaces of process \d+: Operation not permitted\n$/);
    });

    it('--all (and no namespace option) joins only what the caller does not share, in one pidfd setns', () => {
      const shared = ['user', 'cgroup', 'time'].filter((t) => link(target.pid, t) === link('self', t));
      assert.deepEqual(shared, ['user', 'cgroup', 'time']);
      for (const all of [true, false]) {
        const plan = buildEnterPlan({ target: String(target.pid), all, command: ['true'] });
        assert.deepEqual(plan.words, [`pidfd=${target.pid}`, plan.words[1], 'nsof=mnt,net,ipc,pid,uts', 'fork', 'forward-signals', 'pty']);
        assert.match(plan.words[1], /^pid-start=\d+$/);
      }
      // Nothing to join: the command just runs, as nsenter -a would run it.
      assert.equal(ok(tsns([String(process.pid), '--all', '--', 'echo', 'ran'])), 'ran\n');
    });

    it('as a library: spawnPlan runs the command in a child and gives its status back', async () => {
      const child = spawnPlan(buildEnterPlan({ target: plain.id, namespaces: { uts: true }, command: ['sh', '-c', 'hostname; exit 3'] }), {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout?.on('data', (d) => (out += d));
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      assert.equal(code, 3);
      assert.equal(out, `${plain.id.slice(0, 63)}\n`);
    });

    it('selected namespaces only, and the command after TARGET keeps its own options (--net ip -o link)', () => {
      const out = ok(tsns([String(target.pid), '--net', '--uts', 'ip', '-o', 'link']));
      assert.equal(out, nsenter(['-t', String(target.pid), '--net', '--uts', 'ip', '-o', 'link']));
      assert.match(out, /^1: lo:/);
      assert.equal(out.trim().split('\n').length, 1);
    });

    it('-t PID with --uts=FILE style options and the default command ($SHELL, else the login shell, as a login shell)', () => {
      const out = ok(tsns(['-t', String(target.pid), '-u'], { env: { ...process.env, SHELL: '/bin/sh' }, input: 'hostname; echo "$0"\n' }));
      assert.equal(out, 'tsns-enter-target\n-sh\n');
      // util-linux 2.42 (ul_default_shell): without $SHELL, the caller's password entry names the shell.
      const env = { ...process.env };
      delete env.SHELL;
      const loginShell = os.userInfo().shell as string;
      assert.equal(ok(tsns(['-t', String(target.pid), '-u'], { env, input: 'echo "$0"\n' })), `-${path.basename(loginShell)}\n`);
    });

    it('-S/-G and --preserve-credentials in a user-namespaced container', () => {
      assert.match(ok(tsns([userns.id, '--user', '--uts', '-S', '5', '-G', '6', '--', 'id'])), /^uid=5\b.* gid=6\b.* groups=6\b/);
      assert.equal(
        ok(tsns([userns.id, '--user', '--uts', '-S', '5', '-G', '6', '--', 'id'])),
        nsenter(['-t', String(userns.pid), '--user', '--uts', '-S', '5', '-G', '6', 'id']),
      );
      // Host root is not mapped in the container: with its credentials kept it is the overflow id.
      assert.match(ok(tsns([userns.id, '--user', '--preserve-credentials', '--', 'id', '-u'])), /^65534\n$/);
      // follow: the target's own ids, as seen inside (root there, 100000 on the host).
      assert.match(ok(tsns([userns.id, '--user', '-S', 'follow', '-G', 'follow', '--', 'id', '-u'])), /^0\n$/);
    });

    it('--user-parent enters the parent of the container user namespace (ours: not re-entered)', () => {
      const out = ok(tsns([userns.id, '--user-parent', '--uts', '--', 'sh', '-c', 'readlink /proc/self/ns/user; hostname']));
      assert.equal(out, `${link('self', 'user')}\n${userns.id.slice(0, 63)}\n`);
    });

    it('--keep-caps keeps the capabilities across -S in a user namespace; -F does not fork for --pid', () => {
      const caps = (args: string[]): Record<string, string> =>
        Object.fromEntries(
          ok(tsns([userns.id, '--user', '-S', '5', '-G', '5', ...args, '--', 'grep', '^Cap', '/proc/self/status']))
            .trim()
            .split('\n')
            .map((l) => l.split(/:\s+/)),
        );
      const kept = caps(['--keep-caps']);
      assert.notEqual(kept.CapAmb, '0000000000000000');
      assert.equal(kept.CapEff, kept.CapAmb);
      assert.equal(caps([]).CapEff, '0000000000000000');
      // -F: the command is not moved into the pid namespace (its children would be).
      const out = ok(tsns([String(target.pid), '--pid', '-F', '--', 'sh', '-c', 'exec readlink /proc/self/ns/pid /proc/self/ns/pid_for_children']));
      assert.equal(out, `${link('self', 'pid')}\n${link(target.pid, 'pid')}\n`);
    });

    it('-r/-w: the target root and working directory; -W a directory inside', () => {
      const out = ok(tsns([plain.id, '--root', '--wd', '--', '/bin/sh', '-c', 'pwd; ls /bin/busybox']));
      assert.equal(out, '/\n/bin/busybox\n');
      assert.equal(ok(tsns([plain.id, '-m', '-W', '/proc', '--', 'sh', '-c', 'pwd'])), '/proc\n');
      // -r=DIR is a path as the caller sees it (opened before the joins), as in nsenter.
      assert.equal(ok(tsns([plain.id, '-m', `-r=${plain.rootfs}`, '-W=/bin', '--', 'sh', '-c', 'pwd; ls /'])), '/bin\nbin\ndev\netc\nproc\nroot\nsys\ntmp\n');
    });

    it('-e: the target environment; -c: the target cgroup', () => {
      const env = ok(tsns([plain.id, '-m', '-p', '-e', '--', 'cat', '/proc/self/environ']));
      assert.equal(env, fs.readFileSync(`/proc/${plain.pid}/environ`, 'utf8'));
      assert.match(env, /PATH=/);
      const cgroup = ok(tsns([plain.id, '-c', '--net', '--', 'cat', '/proc/self/cgroup']));
      assert.equal(cgroup, fs.readFileSync(`/proc/${plain.pid}/cgroup`, 'utf8'));
    });

    it('PID:INODE (nsenter 2.42): only the process whose pidfd has that inode', () => {
      // The inode as the kernel reports it to another program (Python's os.pidfd_open and fstat).
      const inode = ok(
        spawnSync('python3', ['-c', 'import os, sys; print(os.fstat(os.pidfd_open(int(sys.argv[1]))).st_ino)', String(target.pid)], { encoding: 'utf8' }),
      ).trim();
      assert.equal(ok(tsns([`${target.pid}:${inode}`, '--uts', '--', 'hostname'])), 'tsns-enter-target\n');
      assert.equal(ok(tsns(['-t', `${target.pid}:${inode}`, '-u', 'hostname'])), 'tsns-enter-target\n');
      // Another inode: the PID names another process now (as after PID reuse); nothing runs.
      const other = tsns([`${target.pid}:${BigInt(inode) + 1n}`, '--uts', '--', 'echo', 'ran']);
      assert.equal(other.status, 1);
      assert.equal(other.stdout, '');
      assert.match(other.stderr, /^tsns: .*is another process.*\n$/);
      const gone = tsns(['-t', '4194303:5', '-u', 'echo', 'ran']);
      assert.equal(gone.status, 1);
      assert.match(gone.stderr, /^tsns: no process with PID 4194303\n$/);
    });

    it('a namespace id, net:[id], a pinned namespace file and a pin directory as TARGET', () => {
      const net = link(target.pid, 'net');
      const id = /\[(\d+)\]/.exec(net)?.[1] as string;
      assert.equal(ok(tsns([id, '--', 'readlink', '/proc/self/ns/net'])), `${net}\n`);
      assert.equal(ok(tsns([`net:[${id}]`, '--', 'readlink', '/proc/self/ns/net'])), `${net}\n`);
      const dir = tmpDir();
      fs.writeFileSync(path.join(dir, 'uts'), '');
      assert.equal(spawnSync('mount', ['--bind', `/proc/${target.pid}/ns/uts`, path.join(dir, 'uts')]).status, 0);
      assert.equal(ok(tsns([path.join(dir, 'uts'), '--', 'hostname'])), 'tsns-enter-target\n');
      assert.equal(ok(tsns([dir, '--', 'hostname'])), 'tsns-enter-target\n');
      assert.equal(ok(tsns([`--uts=${path.join(dir, 'uts')}`, 'hostname'])), 'tsns-enter-target\n');

      // A pin NAME: /run/tsns/TYPE/NAME (what tsns pin makes for a bare name).
      const pinDir = '/run/tsns/uts';
      const madeDirs = ['/run/tsns', pinDir].filter((d) => !fs.existsSync(d));
      fs.mkdirSync(pinDir, { recursive: true });
      const name = `tsns-enter-test-${process.pid}`;
      const pin = path.join(pinDir, name);
      fs.writeFileSync(pin, '');
      try {
        assert.equal(spawnSync('mount', ['--bind', `/proc/${target.pid}/ns/uts`, pin]).status, 0);
        assert.equal(ok(tsns([name, '--', 'hostname'])), 'tsns-enter-target\n');
      } finally {
        spawnSync('umount', ['-l', pin]);
        fs.rmSync(pin, { force: true });
        // Only directories this test made, and only while empty (another suite may be using them).
        for (const d of madeDirs.reverse()) {
          try {
            fs.rmdirSync(d);
          } catch {
            // not empty: someone else's now
          }
        }
      }
    });
  });

  describe('namespaces no process is in', () => {
    /** A uts namespace called `name`, whose only process is `sh` and then gone. */
    async function lonelyUts(name: string): Promise<{ pid: number; id: string; proc: ChildProcess }> {
      const proc = spawn('unshare', ['--uts', 'sh', '-c', `hostname ${name} && exec sleep 1000`], { stdio: 'ignore' });
      started.push(proc);
      const pid = proc.pid as number;
      await waitFor('the uts target', () => (commOf(pid) === 'sleep' ? true : undefined));
      return { pid, id: /\[(\d+)\]/.exec(link(pid, 'uts'))?.[1] as string, proc };
    }

    it('only a thread is in it: entered by namespace id', async () => {
      const koffi = require.resolve('koffi');
      const holder = spawn(
        process.execPath,
        [
          '-e',
          `const { Worker } = require('node:worker_threads');
           const w = new Worker(\`
             const unshare = require(${JSON.stringify(koffi)}).load('libc.so.6').func('int unshare(int)');
             if (unshare(0x04000000) !== 0) throw new Error('unshare failed');
             require('node:os');
             const fs = require('node:fs');
             const sethostname = require(${JSON.stringify(koffi)}).load('libc.so.6').func('int sethostname(const char *, size_t)');
             sethostname('thread-only', 11);
             require('node:worker_threads').parentPort.postMessage(fs.readlinkSync('/proc/thread-self/ns/uts'));
             setInterval(() => {}, 1e6);\`, { eval: true });
           w.on('message', (m) => console.log(m));
           setInterval(() => {}, 1e6);`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      started.push(holder);
      let out = '';
      holder.stdout?.on('data', (d) => (out += d));
      const uts = await waitFor('the thread holder', () => (out.includes('\n') ? out.trim() : undefined));
      assert.notEqual(link(holder.pid as number, 'uts'), uts);
      assert.equal(ok(tsns([uts, '--', 'hostname'])), 'thread-only\n');
      holder.kill('SIGKILL');
    });

    it('held only by an open fd: entered by namespace id', async () => {
      const t = await lonelyUts('held-by-fd');
      const holder = spawn('sh', ['-c', `exec 7</proc/${t.pid}/ns/uts; exec sleep 1000`], { stdio: 'ignore' });
      started.push(holder);
      await waitFor('the holder', () => (commOf(holder.pid as number) === 'sleep' ? true : undefined));
      t.proc.kill('SIGKILL');
      await waitFor('the target to go', () => (commOf(t.pid) === undefined ? true : undefined));
      assert.equal(ok(tsns([`uts:[${t.id}]`, '--', 'hostname'])), 'held-by-fd\n');
      holder.kill('SIGKILL');
    });

    it('held only by a socket, and a user namespace that is only a parent: entered by namespace id', async () => {
      const made = await socketOnlyNetns();
      const holder = made.holder;
      started.push(holder);
      const [net, sock] = [made.link, String(made.fd)];
      assert.notEqual(link(holder.pid as number, 'net'), net);
      const r = ok(tsns([net, '--', 'sh', '-c', 'readlink /proc/self/ns/net; ls /proc/$$/fd']));
      assert.equal(r, `${net}\n0\n1\n2\n`);
      // -N/--net-socket FD (util-linux 2.41+): the network namespace of the target's socket.
      const bySocket = ok(tsns(['-t', String(holder.pid), '-N', sock, '--', 'sh', '-c', 'readlink /proc/self/ns/net; ls /proc/$$/fd']));
      assert.equal(bySocket, `${net}\n0\n1\n2\n`);
      const notSocket = tsns(['-t', String(holder.pid), '-N', '0', '--', 'true']);
      assert.equal(notSocket.status, 1);
      assert.match(notSocket.stderr, /^tsns: fd 0 of process \d+ is not a socket\n$/);
      holder.kill('SIGKILL');

      // unshare -Ur execs unshare -U: the outer user namespace keeps no process, only its child.
      const nested = spawn('unshare', ['-Ur', 'sh', '-c', 'readlink /proc/self/ns/user; exec unshare -U sleep 1000'], { stdio: ['ignore', 'pipe', 'inherit'] });
      started.push(nested);
      let outer = '';
      nested.stdout?.on('data', (d) => (outer += d));
      await waitFor('the nested user namespaces', () => (outer.includes('\n') && commOf(nested.pid as number) === 'sleep' ? true : undefined));
      outer = outer.trim();
      assert.notEqual(link(nested.pid as number, 'user'), outer);
      assert.equal(ok(tsns([outer, '--', 'readlink', '/proc/self/ns/user'])), `${outer}\n`);
      // --user-parent from the inner namespace's process reaches the same one.
      assert.equal(ok(tsns([String(nested.pid), '--user-parent', '--', 'readlink', '/proc/self/ns/user'])), `${outer}\n`);
      nested.kill('SIGKILL');
    });

    it('pinned only in another mount namespace: entered by namespace id', async () => {
      const t = await lonelyUts('hidden-pin');
      const dir = tmpDir();
      const pin = path.join(dir, 'pin');
      const pinner = spawn(
        'unshare',
        ['--mount', '--propagation', 'private', 'sh', '-c', `touch ${pin} && mount --bind /proc/${t.pid}/ns/uts ${pin} && exec sleep 1000`],
        { stdio: 'ignore' },
      );
      started.push(pinner);
      await waitFor('the pinner', () => (commOf(pinner.pid as number) === 'sleep' ? true : undefined));
      t.proc.kill('SIGKILL');
      await waitFor('the target to go', () => (commOf(t.pid) === undefined ? true : undefined));
      assert.equal(ok(tsns([t.id, '--', 'hostname'])), 'hidden-pin\n');
      pinner.kill('SIGKILL');
    });
  });

  describe('status and signals', () => {
    it('gives back the exit status, with and without the pid-namespace fork', () => {
      assert.equal(tsns([String(target.pid), '--net', '--', 'sh', '-c', 'exit 42']).status, 42);
      assert.equal(tsns([String(target.pid), '--pid', '--mount', '--', 'sh', '-c', 'exit 43']).status, 43);
    });

    it('dies by the signal that killed the command (nsenter --pid returns 1)', () => {
      for (const opts of [['--net'], ['--pid', '--mount']]) {
        const r = tsns([String(target.pid), ...opts, '--', 'sh', '-c', 'kill -TERM $$']);
        assert.equal(r.signal, 'SIGTERM', `${opts}: status ${r.status}`);
      }
    });

    it('the command gets default signal handling back (Node ignores SIGPIPE)', () => {
      // With SIGPIPE still ignored, the shell's echo would fail with EPIPE and loop for ever.
      const r = spawnSync('sh', ['-c', `${process.execPath} ${TSNS} enter ${target.pid} --net -- sh -c 'while :; do echo y; done' | head -n 1`], {
        encoding: 'utf8',
        timeout: 10000,
      });
      assert.equal(r.error, undefined);
      assert.equal(r.stdout, 'y\n');
    });

    it('forwards signals sent to tsns to the command in the pid namespace', async () => {
      const { child, out, done } = startWatched([
        process.execPath,
        TSNS,
        'enter',
        String(target.pid),
        '-a',
        '--',
        'sh',
        '-c',
        'trap "echo got-usr1; exit 7" USR1; echo ready; while :; do sleep 0.05; done',
      ]);
      await waitFor('ready', () => (out().includes('ready') ? true : undefined));
      child.kill('SIGUSR1');
      assert.equal(await done, 7);
      assert.equal(out(), 'ready\ngot-usr1\n');
    });

    it('SIGTSTP to tsns stops the command, and tsns with it; SIGCONT continues both', async () => {
      // The command's sleep outlasts a slow delivery of SIGTSTP on a loaded machine; a stopped sh
      // cannot print 'finished' even after its sleep ends.
      // In a process group of its own under the test runner: the kernel drops SIGTSTP to an orphaned
      // group (nobody left to continue it), which the runner's group is when CI starts it by setsid.
      const inOwnGroup = ['-c', 'import os, sys; os.setpgid(0, 0); os.execv(sys.argv[1], sys.argv[1:])'];
      const { child, out, done } = startWatched([
        'python3',
        ...inOwnGroup,
        process.execPath,
        TSNS,
        'enter',
        String(target.pid),
        '-a',
        '--',
        'sh',
        '-c',
        'echo ready; sleep 2; echo finished',
      ]);
      await waitFor('ready', () => (out().includes('ready') ? true : undefined));
      const stage = child.pid as number;
      child.kill('SIGTSTP');
      await waitFor('the stage to stop', () => (procState(stage) === 'T' ? true : undefined));
      const [command] = childrenOf(stage);
      assert.equal(procState(command), 'T');
      await sleep(700);
      assert.equal(out(), 'ready\n');
      child.kill('SIGCONT');
      assert.equal(await done, 0);
      assert.equal(out(), 'ready\nfinished\n');
    });

    it('a terminal that goes away ends tsns and the command in the container, as it ends nsenter and its command', async () => {
      const theirs = await hangUp(['nsenter', '-t', String(plain.pid), '-a', 'sleep', '100']);
      assert.deepEqual(theirs, { end: { code: null, signal: 'SIGHUP' }, left: [] }, 'nsenter');
      // With a terminal of its own (the default) and with the user's.
      for (const pty of [[], ['--no-pty']]) {
        const ours = await hangUp([process.execPath, TSNS, 'enter', plain.id, ...pty, '--', 'sleep', '100']);
        assert.deepEqual(ours, theirs, pty.join(' '));
      }
    });

    it('HUP, INT, TERM and QUIT sent to tsns on a terminal reach the command, its whole process group, and tsns ends as it does', async () => {
      // Two sleeps in the command's process group (a non-interactive sh leaves its & jobs there, but
      // makes them ignore INT and QUIT, so those two are sent to a lone command).
      const cases: [NodeJS.Signals, string[], number][] = [
        ['SIGHUP', ['sh', '-c', 'sleep 100 & sleep 101; wait'], 2],
        ['SIGTERM', ['sh', '-c', 'sleep 100 & sleep 101; wait'], 2],
        ['SIGINT', ['sleep', '100'], 1],
        ['SIGQUIT', ['sleep', '100'], 1],
      ];
      for (const [[sig, command, count], pty] of cases.flatMap((c) => [[c, []] as const, [c, ['--no-pty']] as const])) {
        const term = startTerminal([process.execPath, TSNS, 'enter', plain.id, ...pty, '--', ...command], { cwd: '/' });
        terminals.push(term);
        const top = await term.pid;
        await waitFor('the command', () => (descendantsOf(top).filter((p) => commOf(p) === 'sleep').length >= count ? true : undefined), 15000);
        const tree = [top, ...descendantsOf(top)].map(processRef).filter((p) => p !== undefined);
        process.kill(top, sig);
        assert.deepEqual(await term.ended, { code: null, signal: sig }, `${sig} ${pty}`);
        await waitFor(`${sig} ${pty}: the command's processes to end`, () => (tree.some(running) ? undefined : true), 5000);
      }
    });

    it('a stopped command stops tsns too; continued, it runs on (terminal job control)', async () => {
      // A pseudo-terminal from script(1), with a plain shell between it and tsns (script would follow
      // the stop itself). The command stops itself as ^Z would stop it.
      const dir = tmpDir();
      const runner = path.join(dir, 'run.sh');
      const command = `set -- $(cut -d" " -f5,8 /proc/self/stat); echo "pgrp=$1 tpgid=$2 self=$$"; kill -TSTP $$; echo resumed`;
      fs.writeFileSync(runner, `${process.execPath} ${TSNS} enter ${target.pid} -a -- sh -c '${command}'\necho "status=$?"\n`);
      const { child, out, done } = startWatched(['script', '-qec', `sh ${runner}`, '/dev/null']);
      const ppid = (pid: number): number => {
        try {
          return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
        } catch {
          return 0; // gone
        }
      };
      const stopped = await waitFor('a stopped stage', () => {
        for (const name of fs.readdirSync('/proc')) {
          const pid = Number(name);
          // The outermost: with a terminal of its own, tsns is a relay whose child stops too.
          if (!pid || commOf(pid) !== 'tsns-stage' || procState(pid) !== 'T' || commOf(ppid(pid)) === 'tsns-stage') continue;
          // script runs the runner through $SHELL -c, which may or may not exec it: any depth.
          for (let up = ppid(pid); up > 1; up = ppid(up)) if (up === child.pid) return pid;
        }
        return undefined;
      });
      assert.doesNotMatch(out(), /resumed/);
      process.kill(stopped, 'SIGCONT');
      assert.equal(await done, 0);
      const m = /pgrp=(\d+) tpgid=(\d+) self=(\d+)/.exec(out());
      assert.ok(m, out());
      // The command leads its own process group, and that group owns the terminal.
      assert.equal(m[1], m[3]);
      assert.equal(m[2], m[3]);
      assert.match(out(), /resumed\r?\nstatus=0/);
    });
  });

  describe('a terminal of its own', () => {
    /** The user's shell: a bash in a fresh terminal, started per test and disposed of in after(). */
    async function userShell() {
      const shell = await startShell();
      terminals.push(shell.term);
      return shell;
    }
    const enter = `${process.execPath} ${TSNS} enter`;

    it('a process in the target that pushes keystrokes into the command’s terminal (TIOCSTI) reaches the user’s shell only with --no-pty', async () => {
      const dir = tmpDir();
      // Root in the target, as it is here (CAP_SYS_ADMIN: TIOCSTI works on any terminal it can open):
      // it waits for the command, opens its fd 0 through /proc and types a command line into it.
      const hostile = String.raw`
import fcntl, os, sys, termios, time
word, log, keys = sys.argv[1], sys.argv[2], sys.argv[3]
deadline = time.time() + 30
while time.time() < deadline:
    for pid in os.listdir('/proc'):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            if word.encode() not in open('/proc/%s/cmdline' % pid, 'rb').read():
                continue
            fd = os.open('/proc/%s/fd/0' % pid, os.O_RDWR | os.O_NOCTTY)
        except OSError:
            continue
        for key in keys.encode():
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([key]))
        open(log, 'a').write('injected into %s\n' % os.readlink('/proc/%s/fd/0' % pid))
        sys.exit(0)
    time.sleep(0.01)
`;
      for (const mode of ['--no-pty', 'pty']) {
        const log = path.join(dir, `${mode}.log`);
        const proof = path.join(dir, `${mode}.ran`);
        const word = `tsns-victim-${mode}`;
        const h = spawn('nsenter', ['-t', String(target.pid), '-a', 'python3', '-c', hostile, word, log, `echo INJECTED > ${proof}\n`], { stdio: 'ignore' });
        started.push(h);
        const shell = await userShell();
        const victim = `i=0; while [ ! -e ${log} ] && [ $i -lt 300 ]; do sleep 0.02; i=$((i+1)); done; : ${word}`;
        const out = await shell.run(`${enter} ${target.pid} -a ${mode === 'pty' ? '' : '--no-pty'} -- sh -c '${victim}'; echo "tsns-exit=$?"`);
        assert.match(out, /tsns-exit=0/, mode);
        // What is left in the user's terminal runs now, before this line (and shows a prompt of its own).
        const from = shell.term.output().length;
        shell.term.type('echo check-$((6*7))\r');
        await shell.term.waitForOutput(/check-42\r\n/, from);
        assert.match(fs.readFileSync(log, 'utf8'), /^injected into /, `${mode}: the hostile process never injected: the test proves nothing`);
        assert.equal(fs.existsSync(proof), mode === '--no-pty', `${mode}: ${fs.readFileSync(log, 'utf8')}`);
      }
    });

    it('the command’s terminal is a new one with the user’s settings and window size, resized with it; a redirected stdout stays a file', async () => {
      const shell = await userShell();
      const outer = (await shell.run('tty; stty -g')).trim().split('\n');
      assert.equal(outer.length, 2, outer.join('|'));
      const inner = (await shell.run(`${enter} ${target.pid} -a -- sh -c 'tty; stty -g; stty size'`)).trim().split('\n');
      assert.notEqual(inner[0], outer[0]);
      assert.match(inner[0], /^\/dev\/pts\/\d+$/);
      assert.equal(inner[1], outer[1], 'termios copied');
      assert.equal(inner[2], '24 80');
      assert.deepEqual((await shell.run(`${enter} ${target.pid} -a --no-pty -- tty`)).trim(), outer[0]);
      // Only the fds that are the terminal get the new one.
      const file = path.join(tmpDir(), 'out');
      await shell.run(`${enter} ${target.pid} -a -- sh -c 'readlink /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2' > ${file}`);
      const [fd0, fd1, fd2] = fs.readFileSync(file, 'utf8').trim().split('\n');
      assert.equal(fd1, file);
      assert.equal(fd0, fd2);
      assert.notEqual(fd0, outer[0]);
      // SIGWINCH: the user's terminal is resized while the command waits for a line.
      const from = shell.term.output().length;
      shell.term.type(`${enter} ${target.pid} -a -- sh -c 'stty size; read x; stty size'\r`);
      await shell.term.waitForOutput(/24 80\r\n/, from);
      shell.term.resize(40, 100);
      await sleep(200);
      shell.term.type('\r');
      await shell.term.waitForOutput(/40 100\r\n/, from);
    });

    it('^Z stops the command and tsns (a stopped job in the user’s shell), fg resumes both, ^C ends it with its status', async () => {
      const shell = await userShell();
      const from = shell.term.output().length;
      shell.term.type(`${enter} ${plain.id} -- sleep 60\r`);
      const bash = await shell.term.pid;
      const tsnsPid = await waitFor('tsns and its sleep', () => childrenOf(bash).find((p) => descendantsOf(p).some((q) => commOf(q) === 'sleep')), 15000);
      const sleeper = descendantsOf(tsnsPid).find((p) => commOf(p) === 'sleep') as number;
      const sleeperRef = processRef(sleeper);
      shell.term.type('\x1a');
      await shell.term.waitForOutput(/Stopped[\s\S]*tsns-test\$ $/, from);
      assert.equal(procState(tsnsPid), 'T');
      assert.equal(procState(sleeper), 'T');
      assert.match(await shell.run('jobs'), /Stopped/);
      const fgFrom = shell.term.output().length;
      shell.term.type('fg\r');
      await waitFor('both to run again', () => (procState(tsnsPid) !== 'T' && procState(sleeper) !== 'T' ? true : undefined));
      await shell.term.waitForOutput(/sleep 60/, fgFrom);
      shell.term.type('\x03');
      await shell.term.waitForOutput(/tsns-test\$ $/, fgFrom);
      assert.match(await shell.run('echo "status=$?"'), /status=130/);
      assert.ok(sleeperRef && !running(sleeperRef));
    });
  });

  describe('safety', () => {
    it('only fds 0-2 reach the command; --preserve-fds N passes 3..3+N-1', () => {
      for (const opts of [['--net'], ['--pid', '--mount']]) {
        const r = spawnSync(process.execPath, [TSNS, 'enter', String(target.pid), ...opts, '--', 'sh', '-c', `ls /proc/$$/fd`], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
        });
        assert.equal(ok(r).trim().split('\n').sort().join(' '), '0 1 2', `${opts}`);
        const kept = spawnSync(process.execPath, [TSNS, 'enter', String(target.pid), ...opts, '--preserve-fds', '1', '--', 'sh', '-c', `ls /proc/$$/fd`], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
        });
        assert.equal(ok(kept).trim().split('\n').sort().join(' '), '0 1 2 3', `${opts}`);
        // A generous N passes what the caller gave (3 and 4), never Node's own epoll, eventfd or
        // internal pipes that happen to sit in the range (a /dev/null Node keeps may come along).
        const generous = spawnSync(
          process.execPath,
          [TSNS, 'enter', String(target.pid), ...opts, '--preserve-fds', '30', '--', 'sh', '-c', 'ls -l /proc/$$/fd'],
          {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
          },
        );
        const fds = [...ok(generous).matchAll(/ (\d+) -> (.*)$/gm)].map((m) => [m[1], m[2]] as [string, string]);
        assert.deepEqual(
          fds
            .map(([fd]) => Number(fd))
            .filter((fd) => fd < 5)
            .sort(),
          [0, 1, 2, 3, 4],
          `${opts}`,
        );
        assert.deepEqual(
          fds.filter(([fd, link]) => Number(fd) >= 5 && link !== '/dev/null'),
          [],
          `${opts}`,
        );
      }
      const huge = tsns([String(target.pid), '--net', '--preserve-fds', '1048577', 'true']);
      assert.equal(huge.status, 1);
      assert.match(huge.stderr, /^tsns: invalid --preserve-fds: '1048577'/);
    });

    it('a hostile target cannot open the waiting stage’s /proc files (environ, exe, mem)', async () => {
      // The target: root of its own user namespace, in the host pid namespace, so it can see the stage
      // once it has joined — a stage that stayed dumpable would then be open to it.
      const dir = tmpDir();
      const hostile = `
        while [ ! -e ${dir}/stop ]; do
          for d in /proc/[0-9]*; do
            read c < $d/comm 2>/dev/null || continue
            [ "$c" = tsns-stage ] || continue
            read s < $d/stat 2>/dev/null || continue
            set -- \${s##*) }
            [ "$2" = ${process.pid} ] || continue
            echo "saw" >> ${dir}/log
            (cat $d/environ) >/dev/null 2>&1 && echo "LEAK environ" >> ${dir}/log
            (exec 3< $d/exe) 2>/dev/null && echo "LEAK exe" >> ${dir}/log
            (exec 3< $d/mem) 2>/dev/null && echo "LEAK mem" >> ${dir}/log
          done
        done`;
      const h = spawn('unshare', ['--user', '--map-root-user', '--net', 'sh', '-c', hostile], { stdio: 'ignore' });
      started.push(h);
      await waitFor('the hostile target', () => (link(h.pid as number, 'user') !== link('self', 'user') ? true : undefined));
      const hostilePid = await waitFor('the hostile shell', () => (commOf(h.pid as number) === 'sh' ? (h.pid as number) : undefined));
      // --pid of the (shared) host pid namespace: the stage forks and waits inside the target's user ns.
      const r = tsns(['-t', String(hostilePid), '--user', '--net', `--pid=/proc/${hostilePid}/ns/pid`, '--', 'sleep', '1.5']);
      fs.writeFileSync(path.join(dir, 'stop'), '');
      ok(r);
      const log = fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8') : '';
      assert.match(log, /saw/, 'the hostile target never saw the stage: the test proves nothing');
      assert.doesNotMatch(log, /LEAK/);
    });

    it('a failure after some joins runs nothing', () => {
      const dir = tmpDir();
      const marker = path.join(dir, 'ran');
      // uts is joined, then the working directory inside the target does not exist.
      const r = tsns([String(target.pid), '--uts', '--mount', '-W', '/no/such/dir', '--', 'touch', marker]);
      assert.equal(r.status, 125);
      assert.match(r.stderr, /^tsns: cannot change directory to \/no\/such\/dir: No such file or directory\n$/);
      assert.equal(fs.existsSync(marker), false);
    });
  });

  describe('friendlier defaults', () => {
    it('no command and no $SHELL in the target (a busybox container): /bin/sh there, said in one line', () => {
      const env = { ...process.env, SHELL: '/bin/bash' };
      const r = tsns([plain.id], { env, input: 'echo "$0"; [ -e /bin/bash ] || echo no-bash-here\n' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '-sh\nno-bash-here\n');
      assert.equal(r.stderr, "tsns: /bin/bash is not in the target's filesystem: running /bin/sh there\n");
      // $SHELL there: no word about it. A command named on the line gets no fallback.
      const there = tsns([plain.id], { env: { ...process.env, SHELL: '/bin/sh' }, input: 'echo "$0"\n' });
      assert.deepEqual([there.status, there.stdout, there.stderr], [0, '-sh\n', '']);
      const named = tsns([plain.id, '--', '/bin/bash'], { env });
      assert.equal(named.status, 127);
      assert.doesNotMatch(named.stderr, /running \/bin\/sh/);
    });

    it('a command the entered mount namespace lacks: said so, with the way to keep the host’s programs (exit 127)', () => {
      for (const command of ['ip', '/usr/bin/ip']) {
        const r = tsns([plain.id, '--', command, 'addr']);
        assert.equal(r.status, 127, r.stderr);
        assert.equal(
          r.stderr,
          `tsns: ${command}: ${command.includes('/') ? 'No such file or directory' : 'command not found'} in the target's filesystem (the mount namespace was entered; without --mount the host's programs run)\n`,
        );
      }
      // Without the mount namespace the host's ip runs there.
      assert.match(ok(tsns([plain.id, '--net', '--uts', '--', 'ip', '-o', 'link'])), /^1: lo:/);
    });

    it('a namespace named that the target shares with us: one notice that nothing was entered for it, and the command runs (as nsenter)', async () => {
      const proc = spawn('unshare', ['--uts', 'sh', '-c', 'hostname own-uts && exec sleep 1000'], { stdio: 'ignore' });
      started.push(proc);
      const pid = proc.pid as number;
      await waitFor('the uts target', () => (commOf(pid) === 'sleep' ? true : undefined));
      const r = tsns([String(pid), '-u', '-n', '--', 'sh', '-c', 'hostname; readlink /proc/self/ns/net']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `own-uts\n${link('self', 'net')}\n`);
      assert.equal(r.stdout, nsenter(['-t', String(pid), '-u', '-n', 'sh', '-c', 'hostname; readlink /proc/self/ns/net']));
      assert.equal(r.stderr, `tsns: process ${pid} is in our net namespace: nothing entered for it\n`);
      const both = tsns([String(pid), '-n', '-i', '--', 'true']);
      assert.deepEqual([both.status, both.stderr], [0, `tsns: process ${pid} is in our net and ipc namespaces: nothing entered for them\n`]);
      // --all (or no type named) skips them without a word; so does a type it differs in.
      assert.deepEqual([tsns([String(pid), '--', 'true']).stderr, tsns([String(pid), '-u', '--', 'true']).stderr], ['', '']);
      proc.kill('SIGKILL');
    });
  });

  describe('bad input: one tsns: line, non-zero exit', () => {
    const cases: [string, string[] | (() => string[]), RegExp, number?][] = [
      ['unknown PID', ['4000000', '--', 'true'], /^tsns: no process with PID 4000000$/],
      ['no such container or target', ['no-such-container-xyz', '--', 'true'], /^tsns: no such target 'no-such-container-xyz'/],
      ['a file that is not a namespace', ['--net=/etc/passwd', 'true'], /^tsns: \/etc\/passwd is not a namespace file$/],
      ['a namespace of another type', ['--net=/proc/self/ns/uts', 'true'], /^tsns: \/proc\/self\/ns\/uts is not a net namespace \(it is uts\)$/],
      ['an unknown namespace id', ['net:[4026599999]', 'true'], /^tsns: no namespace net:\[4026599999\] found/],
      ['--wd with --wdns', ['1', '-w', '-W', '/', 'true'], /^tsns: --wd and --wdns are mutually exclusive$/],
      ['an unknown option', ['1', '--bogus'], /^tsns: unrecognized option '--bogus'$/],
      ['no target', ['--net'], /^tsns: no target/],
      ['a bad uid', ['1', '-S', 'x', 'true'], /^tsns: invalid uid: 'x'$/],
      ['-t with a namespace id (a PID only)', ['-t', '4026531836', '-u', 'true'], /^tsns: invalid PID: '4026531836'$/],
      ['--root= and --wd= with no directory', ['1', '--root=', 'true'], /^tsns: option '--root=' needs a directory$/],
      // (A target with a uts namespace of its own: ours would get a notice first.)
      ['command not found', () => ['-t', String(target.pid), '--uts', '--', 'no-such-command-xyz'], /^tsns: no-such-command-xyz: command not found$/, 127],
      ['command not executable', () => ['-t', String(target.pid), '--uts', '--', '/etc/passwd'], /^tsns: \/etc\/passwd: Permission denied$/, 126],
    ];
    for (const [what, args, message, status] of cases) {
      it(what, () => {
        const r = tsns(typeof args === 'function' ? args() : args);
        assert.equal(r.status, status ?? 1, r.stderr);
        assert.match(r.stderr.replace(/\n$/, ''), message);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      });
    }

    it('a missing stage says how to build it', () => {
      const r = tsns([String(target.pid), '--net', 'true'], { env: { ...process.env, TSNS_STAGE: '/nonexistent/tsns-stage' } });
      assert.equal(r.status, 1);
      assert.equal(r.stderr, "tsns: the exec stage /nonexistent/tsns-stage is not built; run 'npm run build' (needs make and a C compiler)\n");
    });
  });
});
