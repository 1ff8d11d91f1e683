/**
 * Source: nsfs bind mounts ("pins") in every mount namespace (source `nsfs`, the NSFS column), and the
 * namespaces only such a pin keeps alive (lsns --persistent).
 *
 * Each mount namespace's table is read once, through one of its member processes (/proc/PID/mountinfo
 * shows the mount namespace of PID), so pins made inside a container or an `unshare -m` are found, not
 * only the caller's. A mount namespace with no process in it (itself held by an fd or a pin) has no
 * mountinfo to read; its pins stay unseen. ownPinSource reads our own table only (what lsns reads).
 */
import { fuseMountPoints, isUnder, nsfsMounts, readMountinfoText, type NsfsEntry } from '../../proc/mountinfo';
import type { ScanContext, Source } from '../context';

/** Add the pins of one mount table, seen in mount namespace `mntns`; `reader` is the process it was read
 *  through (undefined: our own). A path seen only in another mount namespace is a way in resolved inside
 *  that process's root — never through a FUSE mount there, whose server could make the lookup hang. */
function addPins(ctx: ScanContext, mntns: number, pins: NsfsEntry[], reader: number | undefined, fuse: readonly string[], ownPaths: Set<string>): void {
  const own = mntns === ctx.model.ownMountNamespace;
  for (const m of pins) {
    const key = `${m.id} ${m.path}`;
    if (own) ownPaths.add(key);
    else if (ownPaths.has(key)) continue; // a copy of one of our own pins
    const existing = ctx.model.namespaces.get(m.id);
    if (existing?.nsfs.some((x) => x.path === m.path && x.mountNamespace === mntns)) continue;
    const way = own
      ? { kind: 'nsfs' as const, path: m.path }
      : isUnder(fuse, m.path)
        ? undefined
        : { kind: 'nsfs' as const, path: m.path, root: `/proc/${reader}/root` };
    const ns = ctx.hold(m.type, m.id, 'nsfs', undefined, way);
    ns?.nsfs.push({ path: m.path, mountNamespace: mntns });
  }
}

/** Source: pins in every mount namespace that has a process. NSFS lists each path once: a path in our
 *  own mount namespace first; a path seen only elsewhere keeps that namespace's inode (shown as
 *  "PATH (mnt:[N])"); copies of our own pins in other namespaces are not repeated. */
export const nsfsSource: Source = function nsfsSource(ctx) {
  const own = ctx.model.ownMountNamespace;
  const order = [...ctx.mountNamespaces.keys()].sort((a, b) => (a === own ? -1 : b === own ? 1 : a - b));
  if (own !== undefined && !ctx.mountNamespaces.has(own)) order.unshift(own);
  const ownPaths = new Set<string>();
  for (const mntns of order) {
    let text: string | undefined;
    let reader: number | undefined;
    if (mntns === own) text = readMountinfoText('self');
    else {
      // Any member shows the same table; the first that is still there and readable serves.
      for (const pid of ctx.mountNamespaces.get(mntns) ?? []) {
        text = readMountinfoText(pid);
        if (text !== undefined) {
          reader = pid;
          break;
        }
      }
    }
    if (text === undefined) continue;
    addPins(ctx, mntns, nsfsMounts(text), reader, mntns === own ? [] : fuseMountPoints(text), ownPaths);
  }
};

/** Source: pins in our own mount namespace only, as lsns sees them. */
export const ownPinSource: Source = function ownPinSource(ctx) {
  const own = ctx.model.ownMountNamespace;
  const text = readMountinfoText('self');
  if (own === undefined || text === undefined) return;
  addPins(ctx, own, nsfsMounts(text), undefined, [], new Set());
};
