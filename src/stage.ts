/** Where native/tsns-stage is, for enter and run alike; TSNS_STAGE overrides it (tests, packagers). */
import { accessSync, constants as fsConstants } from 'node:fs';
import { resolve } from 'node:path';
import { TsnsError } from './sys/errors';
import { howToBuild, nativeProblem } from './sys/elf';

/** The package's root (dist/src -> ../..). */
const root = resolve(__dirname, '..', '..');

/** native/tsns-stage of this checkout or package. */
export function stagePath(): string {
  return process.env.TSNS_STAGE || resolve(root, 'native', 'tsns-stage');
}

/** The stage binary, or a one-line error (ENOSTAGE) that says what is wrong with it and how to build it. */
export function requireStage(): string {
  const path = stagePath();
  try {
    accessSync(path, fsConstants.X_OK);
  } catch {
    throw new TsnsError(`the exec stage ${path} is not built; ${howToBuild()}`, 'ENOSTAGE');
  }
  // A stage of another architecture or libc would fail at exec with a bare ENOEXEC or ENOENT.
  const problem = nativeProblem(path);
  if (problem) throw new TsnsError(`the exec stage ${path} cannot run here: ${problem}; ${howToBuild()}`, 'ENOSTAGE');
  return path;
}
