/**
 * tsns debug on real targets: a runc busybox container (no `ip`, no `python3` inside: the host's must
 * run), a runc container with its own user namespace, and a plain unshare'd process. What the command
 * sees (namespaces, interfaces, processes, files, /etc) is compared with the target's; both mount
 * tables must be byte-identical before, during and after; exit status and death by signal come back.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startContainer, stopAllContainers, USERNS_HOST_ID, type Container } from './fixtures/runc';
import { killAll, unshareProcess, type NsProcess } from './helpers/ns';
import { ok, sleep, waitFor } from './helpers/proc';

const TSNS = path.resolve(__dirname, '..', '..', 'bin', 'tsns');
const TYPES = ['net', 'uts', 'ipc', 'pid', 'cgroup', 'user', 'mnt'];

function debug(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [TSNS, 'debug', ...args], { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'] });
}

function link(pid: number | 'self', type: string): string {
  return fs.readlinkSync(`/proc/${pid}/ns/${type}`);
}

const mountinfo = (pid: number | 'self'): string => fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8');

/** `ip -br link` as the target's network namespace shows it (the host's ip, through nsenter). */
function interfacesOf(pid: number): string {
  return ok(spawnSync('nsenter', ['-t', String(pid), '-n', 'ip', '-br', 'link'], { encoding: 'utf8' }));
}

/** Lines `key=value` printed by a probe, as a map. */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

const PROBE = [
  ...TYPES.map((t) => `echo ${t}=$(readlink /proc/self/ns/${t})`),
  'echo root=$TSNS_TARGET_ROOT',
  'echo target=$TSNS_TARGET',
  'echo fds=$(ls /proc/self/fd | tr "\\n" " ")',
].join('; ');

describe('tsns debug', function () {
  this.timeout(60000);
  let web: Container;
  let userns: Container;
  let plain: NsProcess;

  before(async function () {
    // /etc files of the container's own, so that taking them over the host's shows.
    web = startContainer({ hostname: 'debug-web' });
    fs.writeFileSync(path.join(web.rootfs, 'etc/resolv.conf'), 'nameserver 192.0.2.53\n');
    fs.writeFileSync(path.join(web.rootfs, 'etc/hosts'), '192.0.2.7 debug-web\n');
    fs.writeFileSync(path.join(web.rootfs, 'etc/hostname'), 'debug-web\n');
    userns = startContainer({ userns: true, hostname: 'debug-userns' });
    plain = await unshareProcess(['--uts', '--net', '--pid', '--fork', '--mount-proc'], ['sleep', '1000']);
  });

  after(async () => {
    stopAllContainers();
    await killAll();
  });

  it('runs host tools in a busybox container: its interfaces, its processes, its files, its /etc', function () {
    assert.equal(fs.existsSync(path.join(web.rootfs, 'bin/ip')), false, 'the container has no ip of its own');
    const hostBefore = mountinfo('self');
    const targetBefore = mountinfo(web.pid);
    const r = debug([
      web.id,
      '--',
      'sh',
      '-c',
      `${PROBE}; ip -br link; echo ---; ps -eo pid,comm; echo ---; ls $TSNS_TARGET_ROOT/bin; echo ---; cat /etc/resolv.conf /etc/hosts /etc/hostname; hostname; ls /sys/class/net`,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const [probeAndIp, ps, files, rest] = r.stdout.split('---\n');
    const seen = fields(probeAndIp);
    for (const t of ['net', 'uts', 'ipc', 'pid', 'cgroup']) assert.equal(seen.get(t), link(web.pid, t), `${t} is the target's`);
    assert.equal(seen.get('user'), link('self', 'user'), 'user stays the host one without -U');
    assert.notEqual(seen.get('mnt'), link('self', 'mnt'), 'a mount namespace of its own');
    assert.notEqual(seen.get('mnt'), link(web.pid, 'mnt'));
    assert.equal(seen.get('root'), '/mnt/target');
    assert.equal(seen.get('target'), web.id);
    assert.equal(seen.get('fds')?.trim(), '0 1 2 3', 'only 0-2 (and ls its own directory fd) reach the command');
    // The host's ip sees the container's interfaces.
    assert.ok(probeAndIp.includes(interfacesOf(web.pid).trim()), probeAndIp);
    // ps shows the container's processes only: its init is PID 1, and nothing of the host's.
    const pids = ps
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/));
    assert.deepEqual(pids[0], ['1', 'sleep']);
    assert.ok(pids.length <= 5, ps);
    assert.deepEqual(files.trim().split('\n').sort(), fs.readdirSync(path.join(web.rootfs, 'bin')).sort());
    assert.match(rest, /nameserver 192\.0\.2\.53\n192\.0\.2\.7 debug-web\ndebug-web\ndebug-web\n/);
    assert.ok(rest.trim().endsWith('lo'), `only the container's interfaces in /sys/class/net: ${rest}`);
    assert.equal(mountinfo('self'), hostBefore, "the host's mount table is unchanged");
    assert.equal(mountinfo(web.pid), targetBefore, "the target's mount table is unchanged");
  });

  it('changes neither mount table while the command runs, and leaves no file behind', async function () {
    const hostBefore = mountinfo('self');
    const targetBefore = mountinfo(web.pid);
    const rootfsBefore = fs.readdirSync(web.rootfs).sort();
    const child = spawn(process.execPath, [TSNS, 'debug', web.id, '--', 'sh', '-c', 'echo up; sleep 5'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor('the debug command to start', () => (out.includes('up') ? true : undefined), 15000);
    assert.equal(mountinfo('self'), hostBefore);
    assert.equal(mountinfo(web.pid), targetBefore);
    child.kill('SIGTERM');
    await exited;
    assert.equal(mountinfo('self'), hostBefore);
    assert.deepEqual(fs.readdirSync(web.rootfs).sort(), rootfsBefore);
  });

  it('a container with its own user namespace: the host user by default, the container root with -U', function () {
    const hostBefore = mountinfo('self');
    const plainRun = debug([userns.id, '--', 'sh', '-c', `${PROBE}; ls $TSNS_TARGET_ROOT/bin | head -1; id -u`]);
    assert.equal(plainRun.status, 0, plainRun.stderr);
    const seen = fields(plainRun.stdout);
    assert.equal(seen.get('net'), link(userns.pid, 'net'));
    assert.equal(seen.get('pid'), link(userns.pid, 'pid'));
    assert.equal(seen.get('user'), link('self', 'user'));
    assert.match(plainRun.stdout, /\nbusybox\n0\n$/);

    const withUser = debug([userns.id, '-U', '--', 'sh', '-c', `${PROBE}; ls $TSNS_TARGET_ROOT/bin | head -1; cat /proc/self/uid_map`]);
    assert.equal(withUser.status, 0, withUser.stderr);
    const inside = fields(withUser.stdout);
    assert.equal(inside.get('user'), link(userns.pid, 'user'), '-U joins the target user namespace');
    assert.equal(inside.get('pid'), link(userns.pid, 'pid'));
    assert.match(withUser.stdout, new RegExp(`busybox\\n\\s+0\\s+${USERNS_HOST_ID}\\s+65536\\n$`));
    assert.equal(mountinfo('self'), hostBefore);
  });

  it('a plain unshare-made process as target; exit status and death by signal come back', function () {
    const r = debug([String(plain.pid), '--', 'sh', '-c', `${PROBE}; exit 7`]);
    assert.equal(r.status, 7, r.stderr);
    const seen = fields(r.stdout);
    assert.equal(seen.get('uts'), link(plain.pid, 'uts'));
    assert.equal(seen.get('net'), link(plain.pid, 'net'));
    assert.equal(seen.get('pid'), link(plain.pid, 'pid'));
    assert.equal(debug([String(plain.pid), '--', 'true']).status, 0);
    const killed = debug([String(plain.pid), '--', 'sh', '-c', 'kill -TERM $$']);
    assert.equal(killed.status, null);
    assert.equal(killed.signal, 'SIGTERM');
  });

  it('bad input and a target gone: one tsns: line, nothing mounted', async function () {
    const hostBefore = mountinfo('self');
    const refusals: [string[], RegExp][] = [
      [['no-such-container-xyz', '--', 'true'], /^tsns: no such target/],
      [[String(web.pid), '--target-root', '/nonexistent-dir', '--', 'true'], /^tsns: \/nonexistent-dir: No such file or directory/],
      [[String(web.pid), '--target-root', '/etc/hostname', '--', 'true'], /not a directory/],
      [[], /^tsns: no target/],
    ];
    for (const [args, pattern] of refusals) {
      const r = debug(args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], pattern);
    }
    // A target that exits while debug starts: whatever the moment, one line or a clean run, never a
    // mount left behind.
    let gone = 0;
    for (const delay of [0, 30, 60, 90, 120]) {
      const short = spawn('unshare', ['--uts', '--net', 'sleep', '0.15'], { stdio: 'ignore' });
      await sleep(delay);
      const r = debug([String(short.pid), '--', 'true']);
      if (r.status !== 0) {
        gone++;
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /^tsns: [^\n]+\n$/);
      }
      await new Promise((resolve) => (short.exitCode !== null ? resolve(null) : short.on('exit', resolve)));
    }
    assert.ok(gone > 0, 'at least one target was gone in time');
    assert.equal(mountinfo('self'), hostBefore);
  });
});

describe('tsns enter --mount-proc', function () {
  this.timeout(30000);
  let target: NsProcess;
  before(async () => {
    target = await unshareProcess(['--uts', '--pid', '--fork'], ['sleep', '1000']);
  });
  after(killAll);

  const enter = (args: string[]): SpawnSyncReturns<string> => spawnSync(process.execPath, [TSNS, 'enter', ...args], { encoding: 'utf8', timeout: 20000 });

  it('a private /proc of the target PID namespace, in a private copy of the host mount namespace', function () {
    const before = mountinfo('self');
    const r = enter([String(target.pid), '-u', '--mount-proc', '--', 'sh', '-c', 'ps -eo pid,comm; readlink /proc/self/ns/mnt /proc/self/ns/pid']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines[1].trim().split(/\s+/), ['1', 'sleep'], r.stdout);
    assert.notEqual(lines.at(-2), link('self', 'mnt'), 'a mount namespace of its own');
    assert.equal(lines.at(-1), link(target.pid, 'pid'), 'in the target PID namespace (implied by --mount-proc)');
    // On another directory: the target's processes there, the host's /proc untouched.
    const elsewhere = enter([
      String(target.pid),
      '--mount-proc=/mnt',
      '--',
      'sh',
      '-c',
      'cat /mnt/1/comm; test "$(cat /proc/1/comm)" != sleep && echo host-proc',
    ]);
    assert.equal(elsewhere.status, 0, elsewhere.stderr);
    assert.equal(elsewhere.stdout, 'sleep\nhost-proc\n');
    assert.equal(mountinfo('self'), before);
    const refused = enter([String(target.pid), '-F', '--mount-proc', '--', 'true']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^tsns: [^\n]*fork[^\n]*\n$/);
  });
});
