/** TARGET as a container: by name, id or unique id prefix (see src/scan/containers.ts). */
import { fromPid } from './process';
import type { Target } from './types';

export function fromContainer(spec: string): Target {
  // Loaded only for a container target: the container discovery costs every other `tsns enter` ~2 ms.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resolveContainer } = require('../scan/containers') as typeof import('../scan/containers');
  const c = resolveContainer(spec);
  const target = fromPid(c.pid, `container ${c.name}`);
  target.container = { id: c.id, name: c.name };
  return target;
}
