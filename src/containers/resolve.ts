/**
 * Naming one container, the way users of its engine name it: `NAME`, `ENGINE:NAME` (`docker:web-1`), a
 * full id or a unique id prefix, and for namespaced names (containerd `NAMESPACE/ID`, Kubernetes
 * `NAMESPACE/POD/CONTAINER`) the name without its namespace (`POD/CONTAINER`, a containerd id or
 * nerdctl name alone). An ambiguous name lists its candidates; a name found nowhere, where some state
 * could not be read, says so.
 */
import { TsnsError } from '../sys/errors';
import { discoverContainers, type DiscoveryOptions } from './index';
import type { Container, EngineName } from './types';

const ENGINES: readonly EngineName[] = ['docker', 'podman', 'containerd', 'kubernetes', 'cri-o', 'lxc', 'nspawn', 'runc', 'crun'];

/** How a container is told apart from the others in a list: `ENGINE:NAME (ID12)`. */
export function describeContainer(c: Container): string {
  return `${c.engine}:${c.name}${c.name === c.id ? '' : ` (${c.id.slice(0, 12)})`}`;
}

/** The ways to name a container, most exact first. */
const RULES: ((c: Container, spec: string) => boolean)[] = [
  (c, spec) => c.id === spec,
  (c, spec) => c.name === spec,
  // A namespaced name without its namespace: POD/CONTAINER, a containerd ID or nerdctl name.
  (c, spec) => (c.engine === 'kubernetes' || c.engine === 'containerd' || c.engine === 'cri-o') && c.name.slice(c.name.indexOf('/') + 1) === spec,
  (c, spec) => spec.length >= 2 && c.id.startsWith(spec),
];

/**
 * The one running container `spec` names among `containers`. Throws TsnsError: ENOTARGET (none, or
 * only stopped ones), EAMBIGUOUS (several: the message lists them), EACCES (none among those readable,
 * and some state could not be read).
 */
export function pickContainer(containers: readonly Container[], spec: string, denied: readonly string[] = []): Container {
  if (!spec) throw new TsnsError('empty container name');
  let candidates = containers;
  let rest = spec;
  const colon = spec.indexOf(':');
  if (colon > 0 && (ENGINES as readonly string[]).includes(spec.slice(0, colon))) {
    const engine = spec.slice(0, colon);
    candidates = containers.filter((c) => c.engine === engine);
    rest = spec.slice(colon + 1);
  }
  for (const rule of RULES) {
    const matches = candidates.filter((c) => rule(c, rest));
    if (matches.length === 0) continue;
    const running = matches.filter((c) => c.pid !== undefined);
    if (running.length === 1) return running[0];
    if (running.length === 0) {
      throw new TsnsError(
        `container '${spec}' is not running (${matches.map((c) => `${describeContainer(c)}: ${c.status ?? 'stopped'}`).join(', ')})`,
        'EGONE',
      );
    }
    const listed = running.slice(0, 6).map(describeContainer).join(', ');
    throw new TsnsError(`container '${spec}' is ambiguous: ${listed}${running.length > 6 ? ', ...' : ''}; name it as ENGINE:NAME or by id`, 'EAMBIGUOUS');
  }
  if (denied.length > 0) {
    const more = denied.length > 1 ? ` (and ${denied.length - 1} more)` : '';
    throw new TsnsError(
      `no container '${spec}' among those whose state could be read: ${denied[0]}${more} could not be read (Permission denied); run tsns as root or as the engine's user`,
      'EACCES',
    );
  }
  throw new TsnsError(`no such container: ${spec}`, 'ENOTARGET');
}

/** Discover the containers and pick the running one `spec` names. */
export function resolveContainer(spec: string, options: DiscoveryOptions = {}): Container {
  const { containers, denied } = discoverContainers(options);
  return pickContainer(containers, spec, denied);
}

/** Every container the engines' state records, running or not, and every running one a cgroup path names. */
export function listContainers(options: DiscoveryOptions = {}): Container[] {
  return discoverContainers(options).containers;
}
