/** README's demo runs as written, its benchmark block is bench/RESULTS.md, once, and README is the size of a README. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { embedResults } from '../bench/readme';

const root = resolve(__dirname, '../..');

/** The commands (`$ ` lines) of README's first example, each with the lines shown after it. */
function demoSteps(readme: string): { command: string; shown: string[] }[] {
  const start = readme.indexOf('```\n$ ', readme.indexOf('## tsns ls'));
  const block = readme.slice(start + 4, readme.indexOf('```', start + 4)).trimEnd();
  const steps: { command: string; shown: string[] }[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), shown: [] });
    else steps[steps.length - 1].shown.push(line);
  }
  return steps;
}

const tokens = (line: string): string[] => line.trim().split(/\s+/);

describe('README', function () {
  this.timeout(60000);

  it('the demo runs as written: every line succeeds and prints what README shows', function () {
    const steps = demoSteps(readFileSync(resolve(root, 'README.md'), 'utf8'));
    const [first, ...rest] = steps;
    assert.match(first.command, / &$/, 'the demo starts its process in the background');
    const shownPid = /^\[1\] (\d+)$/.exec(first.shown[0] ?? '')?.[1];
    assert.ok(shownPid, "the shell says the background job's PID");
    // README's namespace ids: the demo's own (uts, net), and the host's as kthreadd (PID 2) shows them.
    const host = (type: string) => readlinkSync(`/proc/2/ns/${type}`).replace(/\D/g, '');
    const script = [
      'tsns() { "$NODE" "$TSNS" "$@"; }',
      // A private /run: pins of other suites stay out of view and ours go with this mount namespace.
      'mount -t tmpfs tsns-readme /run',
      first.command,
      'demo=$!',
      "trap 'kill $demo 2>/dev/null' EXIT",
      // Not README's: a person types slower than unshare execs sleep.
      'while [ "$(readlink /proc/$demo/exe)" != "$(readlink -f "$(command -v sleep)")" ]; do sleep 0.01; done',
      'echo "@@ns $demo $(readlink /proc/$demo/ns/uts) $(readlink /proc/$demo/ns/net)"',
      ...rest.flatMap((step, i) => [
        `echo "@@step ${i}"`,
        // As a person would: README's line with the PID the shell gave, run as written.
        `eval "$(sed "s/${shownPid}/$demo/g" <<'EOF_${i}'\n${step.command}\nEOF_${i}\n)"`,
        'echo "@@rc $?"',
        // Not README's either: the killed process is gone before the next line looks.
        ...(step.command.includes('kill') ? ['while readlink /proc/$demo/ns/uts >/dev/null 2>&1; do sleep 0.01; done'] : []),
      ]),
    ].join('\n');
    // A mount namespace of its own (its mounts and pins go with it); the UTS namespace stays the host's,
    // as for a person at a shell, so the demo's rows are at the top of the process tree.
    const r = spawnSync('unshare', ['--mount', '--propagation=private', 'sh', '-c', script], {
      encoding: 'utf8',
      timeout: 45000,
      env: { ...process.env, NODE: process.execPath, TSNS: resolve(root, 'bin/tsns'), LANG: 'C.UTF-8' },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const [, pid, uts, net] = /^@@ns (\d+) uts:\[(\d+)\] net:\[(\d+)\]$/m.exec(r.stdout) ?? [];
    assert.ok(pid, r.stdout);
    const ids = new Map([
      [shownPid, pid],
      ['4026532177', uts],
      ['4026532178', net],
      ['4026531838', host('uts')],
      ['4026531833', host('net')],
    ]);
    const outputs = r.stdout.split(/^@@step \d+\n/m).slice(1);
    assert.equal(outputs.length, rest.length);
    rest.forEach((step, i) => {
      const lines = outputs[i].trimEnd().split('\n');
      assert.equal(lines.pop(), '@@rc 0', `${step.command}: ${outputs[i]}`);
      // Every line README shows is there, in order, the same word for word. The host has more
      // namespaces than README's, more processes in its own and perhaps pins of them: kthreadd's rows
      // are the same in NS, TYPE, PID, USER and COMMAND.
      let at = 0;
      for (const line of step.shown) {
        const want = tokens(line).map((t) => ids.get(t) ?? t);
        const host = want.at(-1) === 'kthreadd';
        const same = (got: string[]) =>
          host ? [0, 1, 3, 4].every((k) => got[k] === want[k]) && got.at(-1) === 'kthreadd' : got.length === want.length && got.every((t, k) => t === want[k]);
        while (at < lines.length && !same(tokens(lines[at]))) at++;
        assert.ok(at < lines.length, `${step.command}: README's line '${line}' is not in:\n${outputs[i]}`);
        at++;
      }
    });
  });

  it('carries the latest bench/RESULTS.md in its one benchmark block, and nothing repeated', () => {
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    const results = readFileSync(resolve(root, 'bench/RESULTS.md'), 'utf8');
    assert.equal(embedResults(readme, results), readme, 'run npm run bench, or embed bench/RESULTS.md');
    assert.ok(readme.split('\n').length < 800, `README has ${readme.split('\n').length} lines`);
    for (const heading of readme.match(/^#+ .*$/gm) ?? []) {
      assert.equal(`\n${readme}`.split(`\n${heading}\n`).length, 2, `heading '${heading}' appears more than once`);
    }
  });

  it('embedResults refuses a README without exactly one block', () => {
    assert.throws(() => embedResults('no block\n', '# Benchmark results\n'), /exactly one benchmark block/);
    const twice = '<!-- bench:start -->\n<!-- bench:end -->\n<!-- bench:start -->\n<!-- bench:end -->\n';
    assert.throws(() => embedResults(twice, '# Benchmark results\n'), /exactly one benchmark block/);
  });
});
