import assert from 'node:assert/strict';
import { tsnsAsNobody, NOBODY_UID } from './helpers/nobody';

describe('running tsns as nobody', () => {
  it('reaches the checkout and runs with uid 65534', () => {
    const r = tsnsAsNobody(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^tsns \d/);
    assert.notEqual(process.getuid?.(), NOBODY_UID);
  });
});
