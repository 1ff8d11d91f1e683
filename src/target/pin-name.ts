/** TARGET as a pin NAME: /run/netns/NAME (net, as ip netns) and /run/tsns/TYPE/NAME (the others). */
import { join } from 'node:path';
import { NS_TYPES } from '../sys/constants';
import { namespaceOfFile } from '../proc/nsfile';
import type { Target } from './types';

export const NETNS_DIR = '/run/netns';
export const PIN_DIR = '/run/tsns';

/** The pins of that name, or undefined when there is none. */
export function fromPinName(name: string): Target | undefined {
  const candidates = [join(NETNS_DIR, name), ...NS_TYPES.map((t) => join(PIN_DIR, t, name))];
  const files: Target['files'] = {};
  for (const path of candidates) {
    let ns;
    try {
      ns = namespaceOfFile(path);
    } catch {
      continue;
    }
    if (ns && !files[ns.type]) files[ns.type] = path;
  }
  const named = NS_TYPES.filter((t) => files[t]);
  return named.length ? { files, description: `pin ${name}`, named } : undefined;
}
