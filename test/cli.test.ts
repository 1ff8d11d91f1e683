/** What every command shares: the option parser's forms and errors, help, and output that cannot be written. */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, openSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { killAll, nsInode, unshareProcess, type NsProcess } from './helpers/ns';

const TSNS = resolve(__dirname, '../../bin/tsns');
const COMMANDS = ['ls', 'enter', 'pin', 'unpin', 'pins', 'run', 'debug', 'containers', 'ps', 'completion'];

function tsns(args: string[], shell?: string): SpawnSyncReturns<string> {
  if (shell === undefined) return spawnSync(process.execPath, [TSNS, ...args], { encoding: 'utf8', timeout: 30000 });
  // A redirection only a shell can make (`>&-`): the words are quoted for it.
  const words = [process.execPath, TSNS, ...args].map((w) => `'${w}'`).join(' ');
  return spawnSync('sh', ['-c', `${words} ${shell}`], { encoding: 'utf8', timeout: 30000 });
}

/** One `tsns:` line on stderr matching `pattern`, exit 1, nothing on stdout, no stack. */
function assertRefused(r: SpawnSyncReturns<string>, pattern: RegExp, what: string): void {
  assert.equal(r.status, 1, `${what}: exit ${r.status}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '', what);
  assert.match(r.stderr, /^tsns: [^\n]*\n$/, what);
  assert.match(r.stderr, pattern, what);
}

describe('tsns (every command)', function () {
  let target: NsProcess;

  before(async function () {
    target = await unshareProcess(['--mount', '--uts', '--net'], ['sleep', '1000']);
  });
  after(killAll);

  it('output that cannot be written: one tsns: line and exit 1 (full disk), or a quiet end (reader gone)', () => {
    const full = openSync('/dev/full', 'w');
    try {
      for (const args of [['ls'], ['pins', '-J'], ['ls', '-J']]) {
        const r = spawnSync(process.execPath, [TSNS, ...args], { encoding: 'utf8', stdio: ['ignore', full, 'pipe'] });
        assert.equal(r.status, 1, `${args}: ${r.stderr}`);
        assert.equal(r.stderr, 'tsns: write error: No space left on device\n', args.join(' '));
      }
    } finally {
      closeSync(full);
    }
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${TSNS}" ls --output-all | head -c 1 >/dev/null`], { encoding: 'utf8' });
    assert.equal(r.stderr, '');
  });

  it('a closed stdout is a write error (exit 1), as lsns says it, for ls, pins and every --help', () => {
    // (lsns itself says `lsns: write error`, exit 1, when its output meets the closed fd; it may open a
    // file first that takes fd 1 and write there instead, so it is no steady reference to compare with.)
    for (const args of [['ls'], ['ls', '-J'], ['pins', '-J'], ['--help'], ['help', 'ls'], ...COMMANDS.map((c) => [c, '--help'])]) {
      const r = tsns(args, '>&-');
      assert.deepEqual([r.status, r.stderr], [1, 'tsns: write error\n'], args.join(' '));
    }
    // Nothing to write, nothing lost (lsns too); a shell's >/dev/null is not a closed stdout.
    assert.deepEqual([tsns(['ls', '-t', 'time', '-Q', 'NPROCS < 0'], '>&-').status, tsns(['ls'], '>/dev/null').status], [0, 0]);
  });

  it('-H lists the columns of every listing, with no target or other argument needed (as lsns -H)', () => {
    for (const command of ['ls', 'pins', 'containers', 'ps']) {
      const r = tsns([command, '-H']);
      assert.equal(r.status, 0, `${command} -H: ${r.stderr}`);
      assert.match(r.stdout, /^\s*[A-Z]+ <(string|integer|number|boolean)> {2}\S/m, `${command} -H`);
    }
  });

  it("tsns ps of a process whose PID namespace link cannot be read says why (this machine's PID 1), else lists it", () => {
    const r = tsns(['ps', '1', '-o', 'PID,NSPID']);
    let denied: string | undefined;
    try {
      readlinkSync('/proc/1/ns/pid');
    } catch (err) {
      denied = (err as NodeJS.ErrnoException).code;
    }
    if (denied === 'EACCES') assertRefused(r, /^tsns: cannot read the PID namespace of process 1: \/proc\/1\/ns\/pid: Permission denied$/m, 'ps 1');
    else assert.match(r.stdout, /^\s*1\s+1$/m, r.stderr);
  });

  it('a control character in an argument does not break the message into several lines', () => {
    for (const args of [
      ['ls', '-Q', 'NS\n=='],
      ['ls', '-o', 'A\nB'],
      ['unpin', 'a\nb'],
    ]) {
      const r = tsns(args);
      assert.equal(r.status, 1);
      assert.equal(r.stderr.split('\n').length, 2, JSON.stringify(r.stderr));
      assert.match(r.stderr, /^tsns: .*\\x0a/);
    }
  });

  it('--mnt[=FILE] is --mount[=FILE] in enter and run (the usage line tsns enter <pid> --net --mnt)', () => {
    const mnt = `mnt:[${target.ns('mnt')}]`;
    const net = `net:[${target.ns('net')}]`;
    const joined = (args: string[]) => {
      const r = tsns(args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim().split('\n');
    };
    const readlinks = ['readlink', '/proc/self/ns/mnt', '/proc/self/ns/net'];
    assert.deepEqual(joined(['enter', String(target.pid), '--net', '--mnt', '--', ...readlinks]), [mnt, net]);
    assert.deepEqual(joined(['enter', String(target.pid), '--net', '--mnt', ...readlinks]), [mnt, net]);
    assert.deepEqual(joined(['enter', `--mnt=/proc/${target.pid}/ns/mnt`, '--', 'readlink', '/proc/self/ns/mnt']), [mnt]);
    // nsenter itself, for the same words in its own spelling
    const nsenter = spawnSync('nsenter', ['-t', String(target.pid), '--net', '--mount', ...readlinks], { encoding: 'utf8' });
    assert.deepEqual(nsenter.stdout.trim().split('\n'), [mnt, net]);
    const own = `mnt:[${nsInode(process.pid, 'mnt')}]`;
    const [made] = joined(['run', '--mnt', '--', 'readlink', '/proc/self/ns/mnt']);
    assert.match(made, /^mnt:\[\d+\]$/);
    assert.notEqual(made, own);
    for (const c of ['enter', 'run']) assert.match(tsns([c, '--help']).stdout, /--mnt\[=FILE\]/, `${c} --help`);
  });

  it('an unknown long option names the nearest known one, in every command', () => {
    for (const c of COMMANDS) assertRefused(tsns([c, '--hepl']), /^tsns: unrecognized option '--hepl'; did you mean '--help'\?\n$/, c);
    assertRefused(tsns(['ls', '--zzzzzz']), /^tsns: unrecognized option '--zzzzzz'\n$/, 'no suggestion when nothing is near');
    assertRefused(tsns(['enter', String(target.pid), '--moutn']), /unrecognized option '--moutn'; did you mean '--mount'\?/, 'enter --moutn');
    assertRefused(tsns(['run', '--moutn', 'true']), /unrecognized option '--moutn'; did you mean '--mount'\?/, 'run --moutn');
    assertRefused(tsns(['ls', '--notrucnate']), /did you mean '--notruncate'\?/, 'ls --notrucnate');
  });

  it('-- ends the options in every command; an argument a command does not take is an error', () => {
    const uts = String(target.ns('uts'));
    const listed = tsns(['ls', '--', uts]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal(listed.stdout, tsns(['ls', uts]).stdout);
    assert.deepEqual(
      listed.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => Number(l.trim().split(/\s+/)[0])),
      [target.pid],
      'the processes of that namespace only',
    );
    assertRefused(tsns(['ls', '--', 'bogus']), /^tsns: invalid namespace argument: 'bogus'\n$/, 'ls -- bogus');
    assertRefused(tsns(['ls', '-t', 'uts', '--', 'bogus']), /invalid namespace argument: 'bogus'/, 'ls -t uts -- bogus');
    assertRefused(tsns(['ls', uts, uts]), new RegExp(`^tsns: unexpected argument '${uts}'\n$`), 'ls ID ID');
    assertRefused(tsns(['ls', '--', uts, 'x']), /^tsns: unexpected argument 'x'\n$/, 'ls -- ID x');
    assertRefused(tsns(['pins', '--', 'extra']), /^tsns: unexpected argument 'extra'\n$/, 'pins -- extra');
    assertRefused(tsns(['pins', 'extra']), /^tsns: unexpected argument 'extra'\n$/, 'pins extra');
    assertRefused(tsns(['pin', String(target.pid), 'uts', '/tmp/never', 'extra']), /^tsns: unexpected argument 'extra'\n$/, 'pin 4 words');
    // After --, an option's spelling is a plain word: a command for enter and run, a pin path for unpin.
    const r = tsns(['enter', String(target.pid), '-u', '--', 'echo', '--mnt', '-h']);
    assert.deepEqual([r.status, r.stdout], [0, '--mnt -h\n'], r.stderr);
    assertRefused(tsns(['unpin', '--', '--help']), /^tsns: no pin named '--help'/, 'unpin -- --help');
  });

  it('tsns help COMMAND is COMMAND --help; tsns --bogus is an option; bare tsns is usage on stderr, exit 1', () => {
    for (const c of COMMANDS) {
      const help = tsns(['help', c]);
      assert.equal(help.status, 0, c);
      assert.equal(help.stdout, tsns([c, '--help']).stdout, c);
      assert.match(help.stdout, new RegExp(`tsns ${c}\\b`));
    }
    const top = tsns(['--help']);
    assert.deepEqual([top.status, top.stderr, tsns(['help']).stdout], [0, '', top.stdout]);
    assert.match(top.stdout, /^Usage: tsns COMMAND/);
    const bare = tsns([]);
    assert.deepEqual([bare.status, bare.stdout, bare.stderr], [1, '', top.stdout]);
    assertRefused(tsns(['--bogus']), /^tsns: unrecognized option '--bogus'\n$/, '--bogus');
    assertRefused(tsns(['--hlep']), /^tsns: unrecognized option '--hlep'; did you mean '--help'\?\n$/, '--hlep');
    assertRefused(tsns(['-x']), /^tsns: invalid option -- 'x'\n$/, '-x');
    assertRefused(tsns(['lss']), /^tsns: unknown command 'lss'; did you mean 'ls'\?\n$/, 'lss');
    assertRefused(tsns(['help', 'bogus']), /^tsns: unknown command 'bogus'; try 'tsns --help'\n$/, 'help bogus');
  });
});
