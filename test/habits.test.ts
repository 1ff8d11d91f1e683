/** The project's habits, as ESLint enforces them: library code neither prints nor exits. */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

const root = resolve(__dirname, '../..');

describe('habits (eslint.config.mjs)', () => {
  it('console, process.exit and printing to stdout/stderr are errors in the library, allowed in src/cli', async function () {
    this.timeout(30000);
    const eslint = new ESLint({ cwd: root });
    const probe = [
      "import { exit } from 'node:process';",
      'console.log(1);',
      'process.exit(1);',
      "process.stderr.write('x');",
      'const { stdout } = process;',
      'export { exit, stdout };',
      '',
    ].join('\n');
    const rules = async (file: string): Promise<string[]> => {
      const [result] = await eslint.lintText(probe, { filePath: resolve(root, file) });
      return result.messages.map((m) => `${m.line}:${m.ruleId}`);
    };
    assert.deepEqual(await rules('src/scan/probe.ts'), [
      '1:no-restricted-imports',
      '2:no-console',
      '3:no-restricted-properties',
      '4:no-restricted-properties',
      '5:no-restricted-properties',
    ]);
    assert.deepEqual(await rules('src/cli/probe.ts'), []);
  });
});
