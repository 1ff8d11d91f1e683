/** TARGET as a path: a namespace file (a pin, /proc/PID/ns/TYPE), or a directory of pins named by type. */
import { join } from 'node:path';
import { NS_TYPES } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { namespaceOfFile } from '../proc/nsfile';
import type { Target } from './types';

export function fromFile(path: string, description = path): Target {
  const ns = namespaceOfFile(path);
  if (!ns) throw new TsnsError(`${path} is not a namespace file`, 'ENOTNS');
  return { files: { [ns.type]: path }, description, named: [ns.type] };
}

/** A directory of pins named by type (mnt, net, ...), as `tsns pin TARGET --all DIR` leaves. */
export function fromPinDirectory(dir: string): Target {
  const files: Target['files'] = {};
  for (const type of NS_TYPES) {
    const path = join(dir, type);
    try {
      const ns = namespaceOfFile(path);
      if (ns && ns.type === type) files[type] = path;
    } catch {
      // not there: fine
    }
  }
  const named = NS_TYPES.filter((t) => files[t]);
  if (named.length === 0) throw new TsnsError(`${dir} is a directory with no namespace files named by type`, 'ENOTNS');
  return { files, description: dir, named };
}
