/** TARGET as a container, named as its engine names it (see src/containers/resolve.ts). */
import { TsnsError } from '../sys/errors';
import { fromPid } from './process';
import type { Target } from './types';

export function fromContainer(spec: string): Target {
  // Loaded here: only a name that is nothing else reads the engines' state.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resolveContainer } = require('../containers') as typeof import('../containers');
  const c = resolveContainer(spec);
  const pid = c.pid as number;
  const target = fromPid(pid, `container ${c.engine}:${c.name}`);
  // The engine's record of its init's start time, where it keeps one, must still be the process's.
  if (c.pidStart !== undefined && target.startTime !== c.pidStart)
    throw new TsnsError(`container ${c.name} is gone (its init ${pid} is another process now)`, 'EGONE');
  target.container = { id: c.id, name: c.name, engine: c.engine, pod: c.pod };
  return target;
}
