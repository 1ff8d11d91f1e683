/** The columns of a namespace listing (`tsns ls`): lsns's, in lsns's order and with its meanings, then tsns's own. */
import { shownPath, shownUid, type Namespace, type ProcessInfo } from '../scan/model';
import { userName } from '../scan/users';
import { ColumnTable, type Column, type RenderContext } from './columns';

/** One output line: a namespace, and the process it is shown with (none for a pin-only namespace). */
export interface Row {
  ns: Namespace;
  proc?: ProcessInfo;
  children: Row[];
}

/** What a column needs the scan to have read. ownerUid: the uid shown for a user namespace no process
 *  represents (one ioctl each). */
export type ColumnNeed = 'details' | 'relations' | 'netnsid' | 'ownerUid' | 'container';

export type NamespaceColumn = Column<Row, ColumnNeed>;

export const namespaceColumns = new ColumnTable<Row, ColumnNeed>('namespaces');
const define = namespaceColumns.define.bind(namespaceColumns);

const uidOf = (r: Row): number | undefined => shownUid(r.ns, r.proc);

function nsfsPaths(r: Row, ctx: RenderContext): string[] | null {
  if (r.ns.nsfs.length === 0) return null;
  const out: string[] = [];
  for (const m of r.ns.nsfs) {
    const shown = ctx.ownMountNamespace === undefined || m.mountNamespace === ctx.ownMountNamespace ? m.path : `${m.path} (mnt:[${m.mountNamespace}])`;
    if (!out.includes(shown)) out.push(shown);
  }
  return out;
}

/** PATH: a member's /proc/PID/ns/TYPE (lsns), else the namespace's own way in (a thread's link, an
 *  fd, a pin), else nothing (a namespace only a socket or the hierarchy knows has no path). */
function pathOf(r: Row): string | null {
  return shownPath(r.ns, r.proc) ?? null;
}

define('NS', 'number', 'namespace identifier (inode number)', (r) => r.ns.id, { hint: 10 });
define('TYPE', 'string', 'kind of namespace', (r) => r.ns.type, { hint: 5 });
define('PATH', 'string', 'path to the namespace', pathOf);
define('NPROCS', 'number', 'number of processes in the namespace', (r) => r.ns.pids.length, { hint: 5 });
define('PID', 'number', 'lowest PID in the namespace', (r) => r.proc?.pid ?? null, { hint: 5 });
define('PPID', 'number', 'PPID of the PID', (r) => r.proc?.ppid ?? null, { hint: 5, needs: ['details'] });
define('COMMAND', 'string', 'command line of the PID', (r) => r.proc?.command ?? null, { trunc: true, needs: ['details'] });
define('UID', 'number', 'UID of the PID', (r) => uidOf(r) ?? null, { needs: ['details', 'ownerUid'] });
define('USER', 'string', 'username of the PID', (r) => (uidOf(r) === undefined ? null : userName(uidOf(r) as number)), { needs: ['details', 'ownerUid'] });
define(
  'NETNSID',
  'string',
  'namespace ID as used by network subsystem',
  (r) => (r.ns.type !== 'net' || r.ns.netnsid === undefined ? null : r.ns.netnsid === null ? 'unassigned' : String(r.ns.netnsid)),
  { right: true, needs: ['netnsid'] },
);
define('NSFS', 'string', 'nsfs mountpoint (usually used network subsystem)', (r, ctx) => nsfsPaths(r, ctx)?.join(ctx.listSeparator) ?? null, { wrap: true });
define('PNS', 'number', 'parent namespace identifier (inode number)', (r) => r.ns.parent ?? null, { hint: 10, needs: ['relations'] });
define('ONS', 'number', 'owner namespace identifier (inode number)', (r) => r.ns.owner ?? null, { hint: 10, needs: ['relations'] });
define('SOURCES', 'array', 'how the namespace is held: process, task, fd, socket, nsfs, parent, owner', (r) => r.ns.sources);
define('CONTAINER', 'string', 'container whose init is the topmost member, as its engine names it', (r) => r.ns.container?.name ?? null, {
  needs: ['container'],
});
define('ENGINE', 'string', 'engine of that container (docker, podman, containerd, kubernetes, lxc, ...)', (r) => r.ns.container?.engine ?? null, {
  needs: ['container'],
});
define('CTRID', 'string', 'full id of that container', (r) => r.ns.container?.id ?? null, { needs: ['container'] });
define('POD', 'string', 'Kubernetes pod (namespace/pod) of that container', (r) => r.ns.container?.pod ?? null, { needs: ['container'] });
