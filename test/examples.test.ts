/** examples/: each script run as a user would run it, against a real runc container and namespaces. */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startContainer, stopAllContainers, type Container } from './fixtures/runc';
import { killAll, nsInode, unshareProcess, type NsProcess } from './helpers/ns';
import { ok } from './helpers/proc';

const examples = path.resolve(__dirname, '..', '..', 'examples');

/** `node examples/NAME ARGS...`: the script finds `require('tsns')` through the package's own exports. */
function example(name: string, args: string[] = []): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [path.join(examples, name), ...args], { encoding: 'utf8', timeout: 30000 });
}

describe('examples', () => {
  let container: Container;
  let target: NsProcess;
  let tmp: string;

  before(async function () {
    this.timeout(60000);
    container = startContainer();
    target = await unshareProcess(['--uts'], ['sleep', '1013']);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-examples-'));
  });

  after(async () => {
    stopAllContainers();
    await killAll();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('are exactly the three the README names', () => {
    const names = fs.readdirSync(examples).sort();
    assert.deepEqual(names, ['list-net-namespaces.js', 'pin-and-unpin.js', 'run-in-container-net.js']);
    const readme = fs.readFileSync(path.join(examples, '..', 'README.md'), 'utf8');
    for (const name of names) assert.ok(readme.includes(`](examples/${name})`), name);
  });

  it('list-net-namespaces: the container network namespace, named by its container', () => {
    const out = ok(example('list-net-namespaces.js'));
    const line = out.split('\n').find((l) => l.startsWith(`net:[${nsInode(container.pid, 'net')}] `));
    assert.ok(line, out);
    assert.match(line, new RegExp(`container=${container.id} `));
    assert.match(out, new RegExp(`^net:\\[${nsInode(process.pid, 'net')}\\] .* container=- `, 'm'));
  });

  it("run-in-container-net: the command runs in the container's network namespace, and its exit status comes back", () => {
    const r = example('run-in-container-net.js', [container.id, '--', 'sh', '-c', 'readlink /proc/self/ns/net; ip -o link | cut -d: -f2; exit 7']);
    assert.equal(r.status, 7, r.stderr);
    // The host's programs (ip), the container's network: only its loopback.
    assert.equal(r.stdout, `net:[${nsInode(container.pid, 'net')}]\n lo\n`);
    const bad = example('run-in-container-net.js', ['no-such-container-xyz', '--', 'true']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^ENOTARGET: no such target 'no-such-container-xyz'/);
  });

  it('pin-and-unpin: pinned, listed, unpinned, nothing left', () => {
    const file = path.join(tmp, 'uts');
    const out = ok(example('pin-and-unpin.js', [String(target.pid), file]));
    assert.equal(out, `pinned uts:[${target.ns('uts')}] on ${file}\nlisted: ${file} (1 processes inside)\nunpinned ${file}, file removed\n`);
    assert.equal(fs.existsSync(file), false);
  });
});
