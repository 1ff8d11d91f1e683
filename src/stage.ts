/** Where native/tsns-stage is, for enter and run alike; TSNS_STAGE overrides it (tests, packagers). */
import { accessSync, existsSync, constants as fsConstants } from 'node:fs';
import { resolve } from 'node:path';
import { TsnsError } from './sys/errors';
import { nativeProblem } from './sys/elf';

/** The package's root (dist/src -> ../..). */
const root = resolve(__dirname, '..', '..');

/** native/tsns-stage of this checkout or package. */
export function stagePath(): string {
  return process.env.TSNS_STAGE || resolve(root, 'native', 'tsns-stage');
}

/** How to (re)build the native parts: in a checkout, its build; in an installed package, npm's
 *  rebuild, which runs the package's install step (scripts/install.js) again. */
function howToBuild(): string {
  return existsSync(resolve(root, 'tsconfig.json'))
    ? "run 'npm run build' (needs make and a C compiler)"
    : "rebuild it with 'npm rebuild tsns' (-g for a global install; needs make and a C compiler)";
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
