/**
 * The Node-API addon native/tsns.node (native/addon.c, src/sys/addon.ts): what a default `tsns ls` and
 * `tsns enter` load (the addon, and no koffi: a preload that reports every native module Node loads,
 * with a command that does need koffi to show the report works), the calls it makes besides the walker
 * (pidfd_open, fcntl, execve) against what /proc says, and an addon that cannot be loaded (not built,
 * not ELF, built for another libc: one tsns: line).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addon, addonPath } from '../src/sys/addon';
import { SysError } from '../src/sys/errors';
import { clearCloexec, execve, pidfdOpen } from '../src/sys/libc';
import { TSNS } from './helpers/ls';
import { killAll, unshareProcess, type NsProcess } from './helpers/ns';

const repoRoot = path.resolve(__dirname, '..', '..');

/** The flags of an open fd of ours, as /proc/self/fdinfo gives them (octal). */
function fdFlags(fd: number): number {
  const m = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  assert.ok(m, `fdinfo of ${fd}`);
  return parseInt(m[1], 8);
}

const O_CLOEXEC = 0o2000000;

describe('the native addon (native/tsns.node)', () => {
  let tmp: string;
  let preload: string;
  let target: NsProcess;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-addon-'));
    // Every native module Node loads goes through process.dlopen (require of a .node file included):
    // each one's path goes to stderr at once (a pipe: written before an exec can replace the process).
    preload = path.join(tmp, 'report-dlopen.js');
    fs.writeFileSync(
      preload,
      `const dlopen = process.dlopen;
       process.dlopen = function (module, file, ...rest) { require('fs').writeSync(2, 'dlopen ' + file + '\\n'); return dlopen.call(this, module, file, ...rest); };`,
    );
    target = await unshareProcess(['--uts'], ['sh', '-c', 'hostname addon-target && exec sleep 1013'], { ready: 'sleep 1013' });
  });

  after(async () => {
    await killAll();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /**
   * bin/tsns as a user runs it, with the preload: its status, stdout and the native modules it loaded.
   * With `alone`, in a PID and mount namespace of its own with its own /proc and no pins: what another
   * helper's processes, sockets and pins would add to a scan of the host (a socket no table places, a
   * pin no process is in: both asked through koffi) cannot change what it loads.
   */
  function tsnsLoading(args: string[], alone = false): { status: number | null; stdout: string; loaded: string[]; stderr: string } {
    const argv = alone
      ? [
          'unshare',
          '--mount',
          '--pid',
          '--fork',
          '--kill-child',
          '--mount-proc',
          'sh',
          '-c',
          'findmnt -t nsfs -rn -o TARGET | while read -r m; do umount -l "$m"; done; exec "$0" "$@"',
          TSNS,
          ...args,
        ]
      : [TSNS, ...args];
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: `--require ${preload}` }, timeout: 30000 });
    const loaded = [...r.stderr.matchAll(/^dlopen (.*)$/gm)].map((m) => m[1]);
    return { status: r.status, stdout: r.stdout, loaded, stderr: r.stderr.replace(/^dlopen .*\n/gm, '') };
  }

  it('a default tsns ls and tsns enter load the addon and no koffi; a command that needs koffi shows it is seen', () => {
    const ls = tsnsLoading(['ls'], true);
    assert.equal(ls.status, 0, ls.stderr);
    // Every type, each in its row: the scan ran every source over the processes there.
    for (const type of ['mnt', 'net', 'ipc', 'user', 'pid', 'uts', 'cgroup', 'time']) assert.match(ls.stdout, new RegExp(`^\\s*\\d+ ${type} `, 'm'));
    assert.deepEqual(ls.loaded, [addonPath()]);

    const enter = tsnsLoading(['enter', String(target.pid), '--uts', '--', 'hostname']);
    assert.equal(enter.status, 0, enter.stderr);
    assert.equal(enter.stdout, 'addon-target\n');
    assert.deepEqual(enter.loaded, [addonPath()]);

    // NETNSID asks netlink, through a socket bound with koffi: the preload sees koffi's own addon.
    const netnsid = tsnsLoading(['ls', '-t', 'net', '-o', 'NS,NETNSID'], true);
    assert.equal(netnsid.status, 0, netnsid.stderr);
    assert.equal(netnsid.loaded[0], addonPath());
    assert.ok(
      netnsid.loaded.some((file) => /koffi/.test(file)),
      netnsid.loaded.join(', '),
    );
  });

  it('pidfd_open: a pidfd of a live process, ESRCH for one that is gone', () => {
    const fd = pidfdOpen(process.pid);
    try {
      assert.equal(fs.readlinkSync(`/proc/self/fd/${fd}`), 'anon_inode:[pidfd]');
      assert.equal(/^Pid:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1], String(process.pid));
      assert.ok(fdFlags(fd) & O_CLOEXEC, 'a pidfd is close-on-exec');
    } finally {
      fs.closeSync(fd);
    }
    const gone = spawnSync('true').pid as number; // reaped: no such process (unless the PID came round again)
    assert.throws(
      () => pidfdOpen(gone),
      (err: unknown) => err instanceof SysError && err.syscall === 'pidfd_open' && err.code === 'ESRCH',
    );
  });

  it('clearCloexec: an fd Node opened close-on-exec survives exec after it; one not open is skipped', () => {
    const fd = fs.openSync('/dev/null', 'r');
    try {
      assert.ok(fdFlags(fd) & O_CLOEXEC, 'Node opens files close-on-exec');
      clearCloexec(fd);
      assert.equal(fdFlags(fd) & O_CLOEXEC, 0);
      clearCloexec(fd); // already clear: nothing to do
      assert.equal(fdFlags(fd) & O_CLOEXEC, 0);
    } finally {
      fs.closeSync(fd);
    }
    assert.doesNotThrow(() => clearCloexec(fd));
  });

  it('execve that fails comes back as a SysError, this process untouched; arguments of the wrong kind are a TypeError', () => {
    const missing = path.join(tmp, 'no-such-program');
    assert.throws(
      () => execve(missing, ['x'], { A: 'b' }),
      (err: unknown) => err instanceof SysError && err.syscall === 'execve' && err.code === 'ENOENT' && err.message.includes(missing),
    );
    const notExecutable = path.join(tmp, 'not-executable');
    fs.writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    assert.throws(
      () => execve(notExecutable, ['x'], {}),
      (err: unknown) => err instanceof SysError && err.code === 'EACCES',
    );
    const native = addon();
    assert.throws(() => native.execve(missing, ['x', 1 as unknown as string], []), TypeError);
    assert.throws(() => native.walk('/proc', 1, 0, 'not a buffer' as unknown as Buffer), TypeError);
    assert.throws(() => native.details('/proc', [1] as unknown as Int32Array, Buffer.alloc(1024)), TypeError);
  });

  it('an addon that cannot be loaded (not built, not ELF, for another libc): one tsns: line from ls and from enter', () => {
    const notElf = path.join(tmp, 'not-elf.node');
    fs.writeFileSync(notElf, 'not a shared library\n');
    // koffi ships a musl build of its own addon: a real ELF file for another libc.
    const koromix = path.join(repoRoot, 'node_modules', '@koromix');
    const musl = fs
      .readdirSync(koromix)
      .flatMap((pkg) => fs.readdirSync(path.join(koromix, pkg)).map((dir) => path.join(koromix, pkg, dir, 'koffi.node')))
      .find((f) => /musl_/.test(f) && fs.existsSync(f));
    assert.ok(musl, "koffi's musl build");
    const cases: [string, RegExp][] = [
      [path.join(tmp, 'missing', 'tsns.node'), /: it is not built; run 'npm run build'/],
      [notElf, /: it is not an ELF binary; /],
      [musl, /: it is linked against libc\.musl-[\w-]+\.so\.1, this Node against libc\.so\.6; /],
    ];
    for (const [file, problem] of cases) {
      for (const args of [['ls'], ['enter', String(target.pid), '--uts', '--', 'hostname']]) {
        const r = spawnSync(TSNS, args, { encoding: 'utf8', env: { ...process.env, TSNS_ADDON: file }, timeout: 30000 });
        assert.equal(r.status, 1, `${args[0]} ${file}: ${r.stderr}`);
        assert.equal(r.stdout, '', `${args[0]} ${file}`);
        assert.equal(r.stderr.split('\n').length, 2, r.stderr);
        assert.ok(r.stderr.startsWith(`tsns: the native addon ${file} cannot be loaded: `), r.stderr);
        assert.match(r.stderr, problem);
      }
    }
  });
});
