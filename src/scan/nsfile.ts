/**
 * Opening a namespace seen in the model as a file descriptor, for the nsfs ioctls and netlink: through
 * a member process's /proc/PID/ns/TYPE, else a pin seen in our own mount namespace. The inode is checked
 * after opening, so a PID recycled since the scan never answers for the wrong namespace.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import type { Namespace, ScanModel } from './model';

function openChecked(path: string, id: number): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    if (fstatSync(fd).ino === id) return fd;
  } catch {
    // fall through: close and report failure
  }
  closeSync(fd);
  return undefined;
}

/** An O_RDONLY fd of the namespace (caller closes it), or undefined if no way to it is left. */
export function openNamespace(model: ScanModel, ns: Namespace, procRoot = '/proc'): number | undefined {
  const tried = new Set<number>();
  const candidates = ns.pid === undefined ? ns.pids : [ns.pid, ...ns.pids];
  for (const pid of candidates) {
    if (tried.has(pid)) continue;
    tried.add(pid);
    const fd = openChecked(`${procRoot}/${pid}/ns/${ns.type}`, ns.id);
    if (fd !== undefined) return fd;
  }
  for (const mount of ns.nsfs) {
    if (model.ownMountNamespace !== undefined && mount.mountNamespace !== model.ownMountNamespace) continue;
    const fd = openChecked(mount.path, ns.id);
    if (fd !== undefined) return fd;
  }
  return undefined;
}
