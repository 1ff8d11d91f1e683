/**
 * `tsns containers` as a library call: every container the engines' state records (running or not),
 * with the namespace types its init has of its own and the ones it shares with the host.
 */
import { kernelNsTypes, readNsLink } from '../proc/ns';
import { discoverContainers, type DiscoveryOptions, type EngineName } from '../containers';
import type { NsType } from '../sys/constants';
import type { ContainerRow } from './container-columns';

export interface ContainerQuery extends DiscoveryOptions {
  /** Only these engines' containers. */
  engines?: readonly EngineName[];
}

export interface ContainerListing {
  rows: ContainerRow[];
  /** State that exists but could not be read: some containers may be missing. */
  denied: string[];
}

/** The host's initial namespaces: kthreadd's (PID 2 is always in them), else our own. */
function initialNamespaces(types: readonly NsType[]): Map<NsType, number | undefined> {
  return new Map(types.map((t) => [t, readNsLink(2, t)?.id ?? readNsLink('self', t)?.id]));
}

export function listContainerRows(q: ContainerQuery = {}): ContainerListing {
  const { containers, denied } = discoverContainers(q);
  const types = kernelNsTypes();
  const initial = initialNamespaces(types);
  const rows: ContainerRow[] = [];
  for (const container of containers) {
    if (q.engines && !q.engines.includes(container.engine)) continue;
    const own: NsType[] = [];
    const shared: NsType[] = [];
    if (container.pid !== undefined) {
      for (const t of types) {
        const id = readNsLink(container.pid, t)?.id;
        if (id === undefined) continue;
        (id === initial.get(t) ? shared : own).push(t);
      }
    }
    rows.push({ container, own, shared, children: [] });
  }
  return { rows, denied };
}
