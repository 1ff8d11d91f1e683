/** README's benchmark block is bench/RESULTS.md, once, and README is the size of a README. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { embedResults } from '../bench/readme';

const root = resolve(__dirname, '../..');

describe('README', () => {
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
