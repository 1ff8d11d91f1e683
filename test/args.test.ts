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
    const a = parseCommandLine(['--net', 'ip', 'a'], specs, { stopAfterPositionals: 0 });
    assert.equal(a.values.net, true);
    assert.deepEqual(a.rest, ['ip', 'a']);
    const b = parseCommandLine(['--net=/run/netns/x', '-n/proc/1/ns/net', '-T'], specs);
    assert.equal(b.values.net, '/proc/1/ns/net');
    assert.equal(b.values.tree, true);
  });
  it('stops at the positional that starts the command', () => {
    const r = parseCommandLine(['123', '-J', 'ip', '-s', 'link'], specs, { stopAfterPositionals: 1 });
    assert.deepEqual(r.positionals, ['123']);
    assert.equal(r.values.json, true);
    assert.deepEqual(r.rest, ['ip', '-s', 'link']);
  });
  it('rejects unknown, ambiguous and malformed options with a plain message', () => {
    assert.throws(() => parseCommandLine(['--bogus'], specs), /unrecognized option '--bogus'/);
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
});
