/**
 * Opening a namespace seen in the model as a file descriptor, for the nsfs ioctls and netlink: through a
 * member's /proc/PID/ns/TYPE, else a way in a holder source recorded (a thread's link, an fd, a pin in
 * any mount namespace, each opened the checked way), else a pin in our own mount namespace. The inode
 * is checked after opening, so a PID recycled since the scan never answers for the wrong namespace.
 */
import { openNamespaceChecked, openNamespaceIf } from '../proc/nsfile';
import type { Namespace, ScanModel } from './model';

/** An O_RDONLY fd of the namespace (caller closes it), or undefined if no way to it is left. */
export function openNamespaceFd(model: ScanModel, ns: Namespace): number | undefined {
  for (const pid of ns.pids.slice(0, 4)) {
    const fd = openNamespaceIf(`/proc/${pid}/ns/${ns.type}`, ns.id);
    if (fd !== undefined) return fd;
  }
  for (const way of ns.paths) {
    const fd = openNamespaceChecked(way.path, ns.id, way.root);
    if (fd !== undefined) return fd;
  }
  for (const mount of ns.nsfs) {
    if (model.ownMountNamespace !== undefined && mount.mountNamespace !== model.ownMountNamespace) continue;
    const fd = openNamespaceChecked(mount.path, ns.id);
    if (fd !== undefined) return fd;
  }
  return undefined;
}
