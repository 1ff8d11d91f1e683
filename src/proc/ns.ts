/**
 * Namespace links: /proc/PID/ns/TYPE (and /proc/PID/task/TID/ns/TYPE) read as `type:[inode]`, the
 * types this kernel has, our own namespaces, and the nsfs device every namespace file lives on.
 */
import { readlinkSync, statSync } from 'node:fs';
import { isNsType, NS_TYPES, type NsType } from '../sys/constants';

export interface NsId {
  type: NsType;
  /** Inode number: the namespace's id on this host. */
  id: number;
}

/** "net:[4026531840]" (a /proc/PID/ns link, an nsfs fd's link, an nsfs mount's root) -> type and inode. */
export function parseNsLink(link: string): NsId | undefined {
  const open = link.indexOf(':[');
  if (open < 0 || link.charCodeAt(link.length - 1) !== 93 /* ] */) return undefined;
  const type = link.slice(0, open);
  const id = Number(link.slice(open + 2, -1));
  if (!isNsType(type) || !Number.isSafeInteger(id) || id <= 0) return undefined;
  return { type, id };
}

/** The namespace a link names (`/proc/PID/ns/net`, `/proc/PID/task/TID/ns/uts`), or undefined when it
 *  cannot be read (gone, a zombie's missing link, EACCES). */
export function readNsLinkAt(path: string): NsId | undefined {
  try {
    return parseNsLink(readlinkSync(path));
  } catch {
    return undefined;
  }
}

/** The namespace of `type` process `pid` is in, or undefined when unreadable. */
export function readNsLink(pid: number | 'self', type: NsType): NsId | undefined {
  return readNsLinkAt(`/proc/${pid}/ns/${type}`);
}

/** Inode of the namespace of `type` this process (its main thread) is in now. Not cached: a library
 *  user may setns the main thread. */
export function ownNamespace(type: NsType): number | undefined {
  return readNsLink('self', type)?.id;
}

let kernelTypes: NsType[] | undefined;

/** Types this kernel has (time since Linux 5.6, cgroup since 4.6), judged by our own /proc entry. */
export function kernelNsTypes(): NsType[] {
  kernelTypes ??= NS_TYPES.filter((t) => readNsLink('self', t) !== undefined);
  return kernelTypes;
}

let nsfsDev: number | undefined;

/** st_dev of nsfs: every namespace file (a /proc link followed, a pin) has it. */
export function nsfsDevice(): number {
  nsfsDev ??= statSync('/proc/self/ns/net').dev;
  return nsfsDev;
}

/** statfs(2) f_type of nsfs (include/uapi/linux/magic.h). */
export const NSFS_MAGIC = 0x6e736673;
