/**
 * Opening a namespace seen in the model as a file descriptor, for the nsfs ioctls and netlink: through a
 * member's /proc/PID/ns/TYPE, else a way in a holder source registered (an fd, a thread, a pin in any
 * mount namespace), else a pin in our own mount namespace. The inode is checked after opening, so a PID
 * recycled since the scan never answers for the wrong namespace.
 */
import { close, fdDeviceInode, fdInode, openPathInRoot, openPathOnly, openReadOnly } from '../sys/libc';
import type { Namespace, ScanModel } from './model';
import { openPathsOf, type OpenPath } from './sources/nsfs';

/** The nsfs device ("major:minor"): a registered path must be a namespace file before we open it. */
let nsfsDev: string | undefined;

/**
 * Open a registered way in, which should be the namespace file `id`. Its owner may have swapped it
 * (a pin path inside a container, an fd number reused) for a FIFO or a device since we looked, so it
 * is first opened O_PATH (no open of anything behind it), checked to be nsfs with the expected inode,
 * and only then reopened for reading through /proc/self/fd.
 */
function openChecked(way: OpenPath, id: number): number | undefined {
  if (nsfsDev === undefined) {
    const own = openPathOnly('/proc/self/ns/net');
    nsfsDev = own < 0 ? undefined : fdDeviceInode(own)?.dev;
    if (own >= 0) close(own);
    if (nsfsDev === undefined) return undefined;
  }
  const handle = way.root === undefined ? openPathOnly(way.path) : openPathInRoot(way.root, way.path);
  if (handle < 0) return undefined;
  try {
    const st = fdDeviceInode(handle);
    if (!st || st.ino !== id || st.dev !== nsfsDev) return undefined;
    const fd = openReadOnly(`/proc/self/fd/${handle}`);
    return fd < 0 ? undefined : fd;
  } finally {
    close(handle);
  }
}

/** An O_RDONLY fd of the namespace (caller closes it), or undefined if no way to it is left. */
export function openNamespaceFd(model: ScanModel, ns: Namespace): number | undefined {
  // A member's /proc/PID/ns/TYPE (raw open/statx: this runs once per namespace on the host).
  for (const pid of ns.pids.slice(0, 4)) {
    const fd = openReadOnly(`/proc/${pid}/ns/${ns.type}`);
    if (fd < 0) continue; // gone: try the next member
    // The process may have moved to another namespace since the scan read its link.
    if (fdInode(fd) === ns.id) return fd;
    close(fd);
  }
  // Else whatever way in the holder sources registered.
  for (const way of openPathsOf(model, ns.id)) {
    const fd = openChecked(way, ns.id);
    if (fd !== undefined) return fd;
  }
  // Else a pin in our own mount namespace (registered above only when the nsfs source ran).
  for (const mount of ns.nsfs) {
    if (model.ownMountNamespace !== undefined && mount.mountNamespace !== model.ownMountNamespace) continue;
    const fd = openChecked({ path: mount.path }, ns.id);
    if (fd !== undefined) return fd;
  }
  return undefined;
}
