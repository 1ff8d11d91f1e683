/** Where native/tsns-stage is, for enter and run alike; TSNS_STAGE overrides it (tests, packagers). */
import { accessSync, constants as fsConstants } from 'node:fs';
import { resolve } from 'node:path';
import { TsnsError } from './sys/errors';

/** native/tsns-stage of this checkout or package (dist/src -> ../../native). */
export function stagePath(): string {
  return process.env.TSNS_STAGE || resolve(__dirname, '..', '..', 'native', 'tsns-stage');
}

/** The stage binary, or a one-line error that says how to build it. */
export function requireStage(): string {
  const path = stagePath();
  try {
    accessSync(path, fsConstants.X_OK);
  } catch {
    throw new TsnsError(`the exec stage ${path} is not built; run 'npm run build' (needs make and a C compiler)`, 'ENOSTAGE');
  }
  return path;
}
