/**
 * Every error a library caller can get: a TsnsError with a stable code (TSNS_ERROR_CODES) and one line
 * that names no command-line flag (options are named as the library spells them, and listed in
 * TsnsError.options); the command line shows the same errors with its flags.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tsns from '../src';
import { TSNS_ERROR_CODES, TsnsError, type NsType } from '../src';
import { cliMessage } from '../src/cli/wording';
import { msg, option } from '../src/sys/errors';
import { killAll, unshareProcess, type NsProcess } from './helpers/ns';

/** A flag of tsns's command line (`--fork`, `-t`) inside a message. */
const FLAG = /(^|[\s(,'"])--?[a-zA-Z]/;

describe('errors: a stable code, one line, no command-line flag', () => {
  let target: NsProcess;
  let tmp: string;

  before(async function () {
    this.timeout(20000);
    target = await unshareProcess(['--uts'], ['sleep', '1010']);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-errors-'));
  });

  after(async () => {
    await killAll();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const pid = (): string => String(target.pid);
  const cases: Array<[string, () => unknown, TsnsError['code'], RegExp, string[]?]> = [
    ['an empty target', () => tsns.resolveTargetSync(''), 'EINVAL', /^empty target$/],
    ['an unknown PID', () => tsns.resolveTargetSync('4000000'), 'ENOTARGET', /^no process with PID 4000000$/],
    ['an unknown namespace id', () => tsns.resolveTargetSync('net:[4026599999]'), 'ENOTARGET', /^no namespace net:\[4026599999\] found/],
    ['a file that is not a namespace', () => tsns.resolveTargetSync('/etc/passwd'), 'ENOTNS', /^\/etc\/passwd is not a namespace file$/],
    ['a path that does not exist', () => tsns.resolveTargetSync('/no/such/file'), 'ENOTARGET', /^\/no\/such\/file: No such file or directory$/],
    ['an unknown name', () => tsns.resolveTargetSync('no-such-target-xyz'), 'ENOTARGET', /^no such target 'no-such-target-xyz'/],
    ['an unknown container', () => tsns.resolveContainer('no-such-container-xyz'), 'ENOTARGET', /^no such container: no-such-container-xyz$/],
    ['an unknown scan type', () => tsns.scan({ types: ['bogus' as NsType] }), 'EINVAL', /^unknown namespace type 'bogus'/],
    ['wd with wdns', () => tsns.buildEnterPlan({ target: pid(), wd: true, wdns: '/' }), 'EINVAL', /^wd and wdns are mutually exclusive$/, ['wd', 'wdns']],
    ['target with targetPid', () => tsns.buildEnterPlan({ target: pid(), targetPid: pid() }), 'EINVAL', /^give either target or targetPid, not both$/],
    ['no target', () => tsns.buildEnterPlan({ namespaces: { net: true } }), 'ENOTARGET', /^no target: give a target \(PID/, ['target', 'targetPid']],
    [
      'netSocket with net',
      () => tsns.buildEnterPlan({ target: pid(), netSocket: 0, namespaces: { net: true } }),
      'EINVAL',
      /^netSocket and namespaces.net are/,
    ],
    ['a bad preserveFds', () => tsns.buildEnterPlan({ target: pid(), preserveFds: -1 }), 'EINVAL', /^invalid preserveFds: '-1'$/, ['preserveFds']],
    [
      'a namespace file that is not one',
      () => tsns.buildEnterPlan({ namespaces: { net: '/etc/passwd' } }),
      'ENOTNS',
      /^\/etc\/passwd is not a namespace file$/,
    ],
    ['a namespace of another type', () => tsns.buildEnterPlan({ namespaces: { net: '/proc/self/ns/uts' } }), 'ENOTNS', /is not a net namespace \(it is uts\)$/],
    ['spawnIn: an unknown PID', () => tsns.spawnIn('4000000', { command: ['true'] }), 'ENOTARGET', /^no process with PID 4000000$/],
    ['pin: an unknown type', () => tsns.pin(pid(), 'bogus' as NsType, path.join(tmp, 'x')), 'EINVAL', /^unknown namespace type 'bogus'/],
    ['pin: a missing parent', () => tsns.pin(pid(), 'uts', '/no/such/dir/pin'), 'ENOTARGET', /^\/no\/such\/dir: no such directory/],
    ['pin: onto a directory', () => tsns.pin(pid(), 'uts', tmp), 'EEXIST', /is a directory; a pin must be a file$/],
    ['pin: onto a mount point', () => tsns.pin(pid(), 'uts', '/proc'), 'EEXIST', /^\/proc is a (directory|mount point)/],
    ['pinAll: a missing directory', () => tsns.pinAll({ uts: `/proc/${pid()}/ns/uts` }, '/no/such/dir'), 'ENOTARGET', /^\/no\/such\/dir: no such directory$/],
    ['unpin: not a pin', () => tsns.unpin('/etc/passwd'), 'ENOTNS', /^\/etc\/passwd is not a mount point, so not a pin/],
    ['unpin: an unknown name', () => tsns.unpin('no-such-pin-xyz'), 'ENOTARGET', /^no pin named 'no-such-pin-xyz'/],
    ['unpin: nothing', () => tsns.unpinAll([]), 'EINVAL', /^no pin given$/],
  ];
  for (const [what, call, code, message, options] of cases) {
    it(what, () => {
      assert.throws(call, (e: unknown) => {
        assert.ok(e instanceof TsnsError, String(e));
        assert.equal(e.code, code);
        assert.ok(TSNS_ERROR_CODES.includes(e.code));
        assert.match(e.message, message);
        assert.doesNotMatch(e.message, FLAG, 'names no command-line flag');
        assert.ok(!e.message.includes('\n'));
        if (options) assert.deepEqual(e.options, options);
        return true;
      });
    });
  }

  const runCases: Array<[string, tsns.RunOptions, TsnsError['code'], RegExp, string[]]> = [
    [
      'setgroups without a user namespace',
      { setgroups: 'deny' },
      'EINVAL',
      /^setgroups needs a new user namespace \(namespaces.user\)$/,
      ['setgroups', 'namespaces.user'],
    ],
    [
      'clock offsets without a time namespace',
      { monotonic: 5 },
      'EINVAL',
      /^options monotonic and boottime require a new time namespace/,
      ['monotonic', 'boottime', 'namespaces.time'],
    ],
    [
      'a persistent pid namespace without fork',
      { namespaces: { pid: '/tmp/tsns-x' } },
      'EINVAL',
      /a persistent pid namespace needs fork$/,
      ['namespaces.pid', 'fork'],
    ],
    ['an unknown user', { mapUser: 'no-such-user-xyz' }, 'ENOTARGET', /^unknown user 'no-such-user-xyz'$/, []],
    ['an unknown signal', { killChild: 'NOSUCH' }, 'EINVAL', /^unknown signal: NOSUCH$/, []],
  ];
  for (const [what, options, code, message, names] of runCases) {
    it(`runInNewNamespaces: ${what} (a rejected Promise, nothing made)`, async () => {
      await assert.rejects(tsns.runInNewNamespaces({ ...options, command: ['true'] }), (e: unknown) => {
        assert.ok(e instanceof TsnsError, String(e));
        assert.equal(e.code, code);
        assert.match(e.message, message);
        assert.doesNotMatch(e.message, FLAG);
        assert.deepEqual(e.options, names);
        return true;
      });
    });
  }

  it('a missing stage is ENOSTAGE', () => {
    const saved = process.env.TSNS_STAGE;
    process.env.TSNS_STAGE = '/nonexistent/tsns-stage';
    try {
      assert.throws(
        () => tsns.spawnIn(String(target.pid), { namespaces: { uts: true }, command: ['true'] }),
        (e: unknown) => e instanceof TsnsError && e.code === 'ENOSTAGE',
      );
    } finally {
      if (saved === undefined) delete process.env.TSNS_STAGE;
      else process.env.TSNS_STAGE = saved;
    }
  });

  it('the command line shows the same error with its flags', () => {
    const err = (() => {
      try {
        tsns.buildEnterPlan({ namespaces: { net: true } });
      } catch (e) {
        return e as TsnsError;
      }
      throw new Error('no error');
    })();
    assert.equal(cliMessage(err, 'enter'), 'no target: give TARGET (PID, container, namespace id or pin), --target, or every namespace as a file');
    const run = new TsnsError(msg`options ${option('monotonic')} and ${option('mapRootUser')} need ${option('namespaces.pid')} (${option('namespaces.mnt')})`);
    assert.equal(cliMessage(run, 'run'), 'options --monotonic and --map-root-user need --pid (--mount)');
    assert.equal(run.message, 'options monotonic and mapRootUser need namespaces.pid (namespaces.mnt)');
  });

  it('no library message is written with a command-line flag in it', () => {
    const src = path.resolve(__dirname, '..', '..', 'src');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (file !== path.join(src, 'cli')) walk(file);
        } else if (entry.name.endsWith('.ts')) {
          for (const m of fs.readFileSync(file, 'utf8').matchAll(/new TsnsError\(\s*(`[^`]*`|'[^']*')/g)) {
            if (FLAG.test(m[1])) offenders.push(`${path.relative(src, file)}: ${m[1]}`);
          }
        }
      }
    };
    walk(src);
    assert.deepEqual(offenders, []);
  });
});
