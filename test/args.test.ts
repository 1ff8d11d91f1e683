import assert from 'node:assert/strict';
import { parseCommandLine, OptionSpecs } from '../src/cli/args';

const specs: OptionSpecs = {
  type: { short: 't', kind: 'string', multiple: true },
  json: { short: 'J', kind: 'boolean' },
  raw: { short: 'r', kind: 'boolean' },
  notruncate: { short: 'u', kind: 'boolean' },
  net: { short: 'n', kind: 'optional' },
  tree: { short: 'T', kind: 'optional' },
};

describe('util-linux option forms', () => {
  it('accepts -t X, -tX, --type X, --type=X and repeats', () => {
    const { values } = parseCommandLine(['-t', 'net', '-tpid', '--type', 'uts', '--type=ipc'], specs);
    assert.deepEqual(values.type, ['net', 'pid', 'uts', 'ipc']);
  });
  it('groups short flags and expands unique long prefixes', () => {
    const { values } = parseCommandLine(['-Jr', '--notrunc'], specs);
    assert.equal(values.json, true);
    assert.equal(values.raw, true);
    assert.equal(values.notruncate, true);
  });
  it('takes an optional argument only when attached', () => {
    const a = parseCommandLine(['--net', 'ip', 'a'], specs, { command: true });
    assert.equal(a.values.net, true);
    assert.deepEqual(a.rest, ['ip', 'a']);
    const b = parseCommandLine(['--net=/run/netns/x', '-n/proc/1/ns/net', '-T'], specs);
    assert.equal(b.values.net, '/proc/1/ns/net');
    assert.equal(b.values.tree, true);
  });
  it('stops at the positional that starts the command', () => {
    const r = parseCommandLine(['123', '-J', 'ip', '-s', 'link'], specs, { positionals: 1, command: true });
    assert.deepEqual(r.positionals, ['123']);
    assert.equal(r.values.json, true);
    assert.deepEqual(r.rest, ['ip', '-s', 'link']);
  });
  it('rejects unknown, ambiguous and malformed options with a plain message', () => {
    assert.throws(() => parseCommandLine(['--bogus'], specs), /^TsnsError: unrecognized option '--bogus'$/);
    assert.throws(() => parseCommandLine(['-x'], specs), /invalid option -- 'x'/);
    assert.throws(() => parseCommandLine(['--t'], specs), /ambiguous/);
    assert.throws(() => parseCommandLine(['--json=1'], specs), /doesn't allow an argument/);
    assert.throws(() => parseCommandLine(['-t'], specs), /requires an argument/);
    // A name that stands for a short letter (tsns run's `-m` beside --mount=FILE) is not a long option.
    const withShortOnly: OptionSpecs = { ...specs, mount: { kind: 'optional' }, '-m': { short: 'm', kind: 'boolean' } };
    assert.equal(parseCommandLine(['-m'], withShortOnly).values['-m'], true);
    assert.throws(() => parseCommandLine(['---m'], withShortOnly), /unrecognized option '---m'/);
    assert.throws(() => parseCommandLine(['--'.concat('-')], withShortOnly), /unrecognized option/);
  });

  it('-- ends the options: what follows fills the positional slots, then the command', () => {
    const ls = parseCommandLine(['-J', '--', '-t'], specs, { positionals: 1 });
    assert.deepEqual([ls.positionals, ls.values.type, ls.dashdash], [['-t'], undefined, true]);
    const cmd = parseCommandLine(['123', '--', '-J', 'x'], specs, { positionals: 1, command: true });
    assert.deepEqual([cmd.positionals, cmd.rest, cmd.values.json], [['123'], ['-J', 'x'], undefined]);
    const fill = parseCommandLine(['--', '123', '-J'], specs, { positionals: 1, command: true });
    assert.deepEqual([fill.positionals, fill.rest], [['123'], ['-J']]);
  });
  it('an argument a command does not take is an error, before or after --', () => {
    assert.throws(() => parseCommandLine(['extra'], specs), /^TsnsError: unexpected argument 'extra'$/);
    assert.throws(() => parseCommandLine(['--', 'extra'], specs), /^TsnsError: unexpected argument 'extra'$/);
    assert.throws(() => parseCommandLine(['1', '-J', '2'], specs, { positionals: 1 }), /unexpected argument '2'/);
    assert.throws(() => parseCommandLine(['-t', 'uts', '--', '1', '2'], specs, { positionals: 1 }), /unexpected argument '2'/);
    assert.deepEqual(parseCommandLine(['a', '-J', 'b', '--', 'c'], specs, { positionals: Infinity }).positionals, ['a', 'b', 'c']);
  });
  it('an alias is the same option; prefixes of both spellings are not ambiguous', () => {
    const withAlias: OptionSpecs = { ...specs, mount: { short: 'm', kind: 'optional', aliases: ['mnt'] }, 'mount-proc': { kind: 'optional' } };
    assert.equal(parseCommandLine(['--mnt'], withAlias).values.mount, true);
    assert.equal(parseCommandLine(['--mnt=/x'], withAlias).values.mount, '/x');
    assert.equal(parseCommandLine(['--mn=/y'], withAlias).values.mount, '/y');
    assert.equal(parseCommandLine(['--mount'], withAlias).values.mount, true);
    assert.equal(parseCommandLine(['--mnt'], withAlias).values.mnt, undefined);
    assert.throws(() => parseCommandLine(['--mo'], withAlias), /option '--mo' is ambiguous; possibilities: '--mount' '--mount-proc'/);
  });
  it('a mistyped long option gets the nearest known one, as typed otherwise (getopt quotes =value too)', () => {
    const withAlias: OptionSpecs = { ...specs, mount: { short: 'm', kind: 'optional', aliases: ['mnt'] } };
    assert.throws(() => parseCommandLine(['--moutn'], withAlias), /^TsnsError: unrecognized option '--moutn'; did you mean '--mount'\?$/);
    assert.throws(() => parseCommandLine(['--jsno=1'], withAlias), /^TsnsError: unrecognized option '--jsno=1'; did you mean '--json'\?$/);
    assert.throws(() => parseCommandLine(['--notrucnate'], withAlias), /did you mean '--notruncate'\?$/);
    assert.throws(() => parseCommandLine(['--row'], withAlias), /did you mean '--raw'\?$/);
    assert.throws(() => parseCommandLine(['--bogus'], withAlias), /^TsnsError: unrecognized option '--bogus'$/);
    assert.throws(() => parseCommandLine(['--t=x'], withAlias), /^TsnsError: option '--t=x' is ambiguous/);
  });
});
