/** The columns of a container listing (`tsns containers`). */
import type { NsType } from '../sys/constants';
import type { Container } from '../containers/types';
import { ColumnTable } from './columns';

export interface ContainerRow {
  container: Container;
  /** The namespace types its init has of its own (not the host's initial ones), and the ones it shares. */
  own: NsType[];
  shared: NsType[];
  children: ContainerRow[];
}

/** What a container column needs read besides the engines' state. */
export type ContainerNeed = 'namespaces';

export const containerColumns = new ColumnTable<ContainerRow, ContainerNeed>('containers');
const define = containerColumns.define.bind(containerColumns);

define('ENGINE', 'string', 'engine that runs it: docker, podman, containerd, kubernetes, cri-o, lxc, nspawn, runc, crun', (r) => r.container.engine);
define('NAME', 'string', 'the name a user of its engine types', (r) => r.container.name, { trunc: true });
define('CTRID', 'string', 'container id (12 characters in a table, unless -u)', (r, ctx) => (ctx.fullIds ? r.container.id : r.container.id.slice(0, 12)));
define('POD', 'string', 'Kubernetes pod: namespace/pod', (r) => r.container.pod ?? null);
define('PID', 'number', 'host PID of its init (none when it does not run)', (r) => r.container.pid ?? null, { hint: 5 });
define('STATUS', 'string', 'running, stopped, paused, created ... as its state says', (r) => r.container.status ?? null);
define('OWN', 'array', 'namespace types it has of its own', (r) => r.own, { needs: ['namespaces'], wrap: false });
define('SHARED', 'array', 'namespace types it shares with the host', (r) => r.shared, { needs: ['namespaces'], wrap: false });
define('USER', 'number', 'rootless: the uid whose engine runs it', (r) => r.container.user ?? null);
define('SANDBOX', 'string', 'Kubernetes: yes for the pod sandbox (its pause container)', (r) => (r.container.sandbox ? 'yes' : null));
define('NAMESPACE', 'string', 'containerd namespace it runs in (moby for docker, k8s.io for Kubernetes)', (r) => r.container.namespace ?? null);
define('STATE', 'string', 'where its state was read', (r) => r.container.stateDir ?? null, { trunc: true });
