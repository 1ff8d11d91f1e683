/**
 * Running `tsns ls` and the installed util-linux lsns side by side, for the suites that compare them.
 *
 *   const r = tsns(['-J', '-p', '123']);      // { status, stdout, stderr }
 *   const rows = flatten(r.stdout, 'ns');     // -J rows by key, with the key of the row above each
 *   assertBadInput(['-t', 'bogus'], /unknown namespace type/);
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const TSNS = resolve(__dirname, '../../../bin/tsns');

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8', ...env }, timeout: 30000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const tsns = (args: string[], env?: NodeJS.ProcessEnv): Result => run(TSNS, ['ls', ...args], env);

/** lsns 2.38 itself fails now and then on a busy host (a process gone between two of its reads, with an
 *  errno it does not expect): retry it, never tsns. */
export function lsns(args: string[]): Result {
  let r = run('lsns', args);
  for (let i = 0; i < 3 && r.status !== 0 && r.stderr === ''; i++) r = run('lsns', args);
  return r;
}

/** A command that must succeed quietly: its stdout. */
export function okOut(r: Result, what: string): string {
  assert.equal(r.status, 0, `${what}: ${r.stderr}`);
  assert.equal(r.stderr, '', what);
  return r.stdout;
}

export type JsonRow = Record<string, unknown> & { children?: JsonRow[] };

/** The top rows of a -J output. */
export const jsonRows = (json: string): JsonRow[] => (JSON.parse(json) as { namespaces: JsonRow[] }).namespaces;

/** Rows of a -J output with the key of the row they hang under (null at the top). */
export function flatten(json: string, key: string): Map<unknown, { row: JsonRow; parent: unknown }> {
  const out = new Map<unknown, { row: JsonRow; parent: unknown }>();
  const walk = (rows: JsonRow[], parent: unknown): void => {
    for (const row of rows) {
      const { children, ...rest } = row;
      out.set(row[key], { row: rest, parent });
      if (children) walk(children, row[key]);
    }
  };
  walk(jsonRows(json), null);
  return out;
}

/** `tsns ls ARGS` fails as a user error should: exit 1, nothing on stdout, one `tsns:` line, no stack. */
export function assertBadInput(args: string[], pattern: RegExp): void {
  const r = tsns(args);
  assert.equal(r.status, 1, `tsns ls ${args.join(' ')} should fail: ${r.stdout}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
  assert.match(lines[0], /^tsns: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}
