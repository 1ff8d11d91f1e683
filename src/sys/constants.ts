/** The eight namespace types, in lsns's order, with their clone(2) flags. */
export const NS_TYPES = ['mnt', 'net', 'ipc', 'user', 'pid', 'uts', 'cgroup', 'time'] as const;
export type NsType = (typeof NS_TYPES)[number];

export const CLONE_NEWTIME = 0x00000080;
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;

export const CLONE_FLAG: Record<NsType, number> = {
  mnt: CLONE_NEWNS,
  net: CLONE_NEWNET,
  ipc: CLONE_NEWIPC,
  user: CLONE_NEWUSER,
  pid: CLONE_NEWPID,
  uts: CLONE_NEWUTS,
  cgroup: CLONE_NEWCGROUP,
  time: CLONE_NEWTIME,
};

/** The option that names each type in nsenter(1) and unshare(1): `-m/--mount` for mnt, and so on. */
export const NS_OPTION: Record<NsType, { long: string; short: string }> = {
  mnt: { long: 'mount', short: 'm' },
  uts: { long: 'uts', short: 'u' },
  ipc: { long: 'ipc', short: 'i' },
  net: { long: 'net', short: 'n' },
  pid: { long: 'pid', short: 'p' },
  user: { long: 'user', short: 'U' },
  cgroup: { long: 'cgroup', short: 'C' },
  time: { long: 'time', short: 'T' },
};

export function nsTypeOfFlag(flag: number): NsType | undefined {
  return NS_TYPES.find((t) => CLONE_FLAG[t] === flag);
}

export function isNsType(s: string): s is NsType {
  return (NS_TYPES as readonly string[]).includes(s);
}

// include/uapi/linux/nsfs.h
export const NS_GET_USERNS = 0xb701;
export const NS_GET_PARENT = 0xb702;
export const NS_GET_NSTYPE = 0xb703;
export const NS_GET_OWNER_UID = 0xb704;
// include/uapi/linux/sockios.h
export const SIOCGSKNS = 0x894c;
// include/uapi/linux/magic.h: statfs f_type of pidfs, where the inode of a pidfd names its process
export const PIDFS_MAGIC = 0x50494446;

// mount(2) flags
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_PRIVATE = 1 << 18;
export const MS_SLAVE = 1 << 19;
export const MS_SHARED = 1 << 20;
// umount2(2) flags
export const MNT_DETACH = 2;
export const UMOUNT_NOFOLLOW = 8;

// x86_64 and aarch64 share these numbers (asm-generic table since 5.x).
export const SYS_pidfd_open = 434;
export const SYS_pidfd_getfd = 438;
