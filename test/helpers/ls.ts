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

/**
 * `tsns ls ARGS` with stdout not a terminal, in this process: the steps the command's run() takes
 * (plan, scan, render), without starting Node again — for the suites that compare many output forms,
 * where the start-up of a process per form is most of the cost on a loaded host. The locale is the
 * one `tsns()` gives its child.
 */
export function tsnsHere(args: string[]): Result {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ls = require('../../src/cli/ls') as typeof import('../../src/cli/ls');
  const saved = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL, LC_CTYPE: process.env.LC_CTYPE };
  Object.assign(process.env, { LANG: 'C.UTF-8' });
  delete process.env.LC_ALL;
  delete process.env.LC_CTYPE;
  try {
    const plan = ls.planLs(args, false);
    if (!('columns' in plan)) throw new Error(`tsnsHere is for listings, not ${args.join(' ')}`);
    return { status: 0, stdout: ls.renderLs(plan, ls.collect(plan)), stderr: '' };
  } catch (err) {
    if ((err as Error).name !== 'TsnsError') throw err;
    return { status: 1, stdout: '', stderr: `tsns: ${(err as Error).message}\n` };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

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
