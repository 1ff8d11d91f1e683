/**
 * Run tsns as the unprivileged user nobody. CI clones the repo wherever it likes (perhaps under a
 * directory nobody cannot traverse), so when the checkout is out of nobody's reach the command runs in
 * a private mount namespace where the checkout is bind-mounted at a reachable temporary path.
 */
import { spawnSync, SpawnSyncOptions, SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const NOBODY_UID = 65534;
export const repoRoot = path.resolve(__dirname, '..', '..', '..');

function reachableByOthers(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if (!(mode & 0o001)) return false;
    if (d === '/') return true;
  }
}

/** argv prefix that runs PROGRAM as nobody, plus the path at which the checkout is visible to it. */
export function asNobody(): { prefix: string[]; root: string; cleanup: () => void } {
  const setpriv = ['setpriv', `--reuid=${NOBODY_UID}`, `--regid=${NOBODY_UID}`, '--clear-groups', '--'];
  if (reachableByOthers(repoRoot)) return { prefix: setpriv, root: repoRoot, cleanup: () => {} };
  const view = fs.mkdtempSync(path.join(os.tmpdir(), 'tsns-nobody-'));
  fs.chmodSync(view, 0o755);
  const script = 'mount --bind "$0" "$1" && shift && exec "$@"';
  return {
    prefix: ['unshare', '--mount', '--propagation=private', 'sh', '-c', script, repoRoot, view, ...setpriv],
    root: view,
    cleanup: () => fs.rmSync(view, { recursive: true, force: true }),
  };
}

/** Run `tsns ARGS...` as nobody; returns the spawnSync result (stdout/stderr as text). */
export function tsnsAsNobody(args: string[], options: SpawnSyncOptions = {}): SpawnSyncReturns<string> {
  const { prefix, root, cleanup } = asNobody();
  try {
    const argv = [...prefix, process.execPath, path.join(root, 'bin', 'tsns'), ...args];
    return spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', cwd: '/', timeout: 30000, ...options }) as SpawnSyncReturns<string>;
  } finally {
    cleanup();
  }
}
