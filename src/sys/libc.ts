/**
 * Every system call tsns makes that Node does not offer, each bound once: the few on the hot paths (the
 * last calls before enter and run exec the stage, pidfd_open) in the addon native/tsns.node
 * (src/sys/addon.ts; it holds the /proc walker too), every other one with koffi. koffi is loaded on
 * first use only, so commands that make none of its calls (a default tsns ls, tsns enter, tsns --help)
 * do not pay the 10-15 ms it costs to load.
 * Each wrapper throws SysError (errno, call, target) instead of returning -1.
 */
import type * as KoffiModule from 'koffi';
import { addon } from './addon';
import { SysError } from './errors';
import { NS_GET_NSTYPE, NS_GET_OWNER_UID, NS_GET_PARENT, NS_GET_USERNS, SIOCGSKNS, SYS_pidfd_getfd } from './constants';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (...args: any[]) => any;

interface Bindings {
  koffi: typeof KoffiModule;
  ioctlNoArg: Fn;
  ioctlUint32Out: Fn;
  mount: Fn;
  umount2: Fn;
  syscall3: Fn;
  close: Fn;
  prctl: Fn;
  socket: Fn;
  send: Fn;
  recv: Fn;
  open: Fn;
  statx: Fn;
  openat2: Fn;
  readlinkat: Fn;
  getdents64: Fn;
  fsetxattr: Fn;
  getxattr: Fn;
}

let bound: Bindings | undefined;

function libc(): Bindings {
  if (bound) return bound;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const koffi = require('koffi') as typeof KoffiModule;
  const lib = koffi.load('libc.so.6');
  bound = {
    koffi,
    // ioctl is variadic; the nsfs requests take no argument or one pointer, which the
    // x86_64/aarch64 Linux ABIs pass exactly like a fixed argument.
    ioctlNoArg: lib.func('int ioctl(int fd, unsigned long request)'),
    ioctlUint32Out: lib.func('ioctl', 'int', ['int', 'unsigned long', koffi.out(koffi.pointer('uint32_t'))]),
    mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: lib.func('int umount2(const char *target, int flags)'),
    syscall3: lib.func('long syscall(long number, long a, long b, long c)'),
    close: lib.func('int close(int fd)'),
    prctl: lib.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)'),
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    send: lib.func('long send(int fd, const void *buf, unsigned long len, int flags)'),
    recv: lib.func('long recv(int fd, void *buf, unsigned long len, int flags)'),
    open: lib.func('int open(const char *path, int flags)'),
    statx: lib.func('int statx(int dirfd, const char *path, int flags, unsigned int mask, uint8_t *buf)'),
    // openat2 has no glibc wrapper: the raw syscall, declared with the argument types it takes.
    openat2: lib.func('long syscall(long nr, int dirfd, const char *path, uint8_t *how, unsigned long size)'),
    readlinkat: lib.func('long readlinkat(int dirfd, const char *path, uint8_t *buf, unsigned long size)'),
    getdents64: lib.func('long getdents64(int fd, uint8_t *buf, unsigned long size)'),
    fsetxattr: lib.func('int fsetxattr(int fd, const char *name, const uint8_t *value, unsigned long size, int flags)'),
    getxattr: lib.func('long getxattr(const char *path, const char *name, uint8_t *value, unsigned long size)'),
  };
  return bound;
}

function check(ret: number | bigint, syscall: string, target?: string): number {
  const n = Number(ret);
  if (n < 0) throw new SysError(syscall, libc().koffi.errno(), target);
  return n;
}

/** NS_GET_USERNS / NS_GET_PARENT: a new fd of the related namespace (caller closes it). */
export function nsGetUserns(fd: number): number {
  return check(libc().ioctlNoArg(fd, NS_GET_USERNS), 'ioctl(NS_GET_USERNS)');
}

export function nsGetParent(fd: number): number {
  return check(libc().ioctlNoArg(fd, NS_GET_PARENT), 'ioctl(NS_GET_PARENT)');
}

/** NS_GET_NSTYPE: the CLONE_NEW* flag of the namespace behind fd. */
export function nsGetNstype(fd: number): number {
  return check(libc().ioctlNoArg(fd, NS_GET_NSTYPE), 'ioctl(NS_GET_NSTYPE)');
}

/** NS_GET_OWNER_UID: uid (in the caller's user namespace) of a user namespace's creator. */
export function nsGetOwnerUid(fd: number): number {
  const out = [0];
  check(libc().ioctlUint32Out(fd, NS_GET_OWNER_UID, out), 'ioctl(NS_GET_OWNER_UID)');
  return out[0];
}

/** SIOCGSKNS: an fd of the network namespace of the socket behind fd. */
export function sockGetNetns(fd: number): number {
  return check(libc().ioctlNoArg(fd, SIOCGSKNS), 'ioctl(SIOCGSKNS)');
}

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  check(libc().mount(source, target, fstype, flags, data), 'mount', target);
}

export function umount2(target: string, flags: number): void {
  check(libc().umount2(target, flags), 'umount2', target);
}

/** The result of an addon call (fd, count or 0), or its -errno as a SysError. */
function checkNative(ret: number, syscall: string, target?: string): number {
  if (ret < 0) throw new SysError(syscall, -ret, target);
  return ret;
}

export function pidfdOpen(pid: number): number {
  return checkNative(addon().pidfdOpen(pid), 'pidfd_open', String(pid));
}

/** pidfd_getfd: a duplicate of another process's fd (needs ptrace access to it). */
export function pidfdGetfd(pidfd: number, targetFd: number): number {
  return check(libc().syscall3(SYS_pidfd_getfd, pidfd, targetFd, 0), 'pidfd_getfd');
}

export function socket(domain: number, type: number, protocol: number): number {
  return check(libc().socket(domain, type, protocol), 'socket');
}

/** send(2) the whole of buf; returns the bytes sent. */
export function send(fd: number, buf: Buffer, flags = 0): number {
  return check(libc().send(fd, buf, buf.length, flags), 'send');
}

/** recv(2) into buf; returns the bytes received. */
export function recv(fd: number, buf: Buffer, flags = 0): number {
  return check(libc().recv(fd, buf, buf.length, flags), 'recv');
}

export function close(fd: number): void {
  libc().close(fd);
}

export function prctl(option: number, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
  return check(libc().prctl(option, a2, a3, a4, a5), 'prctl');
}

/**
 * Let fd survive execve. Node marks fds 0-15 (stdio included) close-on-exec at start-up
 * (uv_disable_stdio_inheritance), so execve would otherwise leave the new program without stdio.
 * An fd that is not open is skipped.
 */
export function clearCloexec(fd: number): void {
  checkNative(addon().clearCloexec(fd), 'fcntl', String(fd));
}

/** Replace this Node process with another program (only returns by throwing). */
export function execve(path: string, argv: string[], env: NodeJS.ProcessEnv): never {
  const envp = Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  throw new SysError('execve', -addon().execve(path, argv, envp), path);
}

// Hot-loop helpers for the scan (one call per process or namespace): no exception, no Stats object.
const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000;
const STATX_NLINK = 0x4;
const STATX_INO = 0x100;
const O_RDONLY_CLOEXEC = 0o2000000;
/** struct statx is the same on every architecture: stx_nlink at 16 (u32), stx_ino at 32 (u64). */
const statxBuffer = Buffer.alloc(256);

/** Link count of a path (a /proc/PID/task directory has threads + 2), or -1. */
export function pathNlink(path: string): number {
  return libc().statx(AT_FDCWD, path, 0, STATX_NLINK, statxBuffer) === 0 ? statxBuffer.readUInt32LE(16) : -1;
}

/** Inode number of an open fd, or -1. */
export function fdInode(fd: number): number {
  return libc().statx(fd, '', AT_EMPTY_PATH, STATX_INO, statxBuffer) === 0 ? Number(statxBuffer.readBigUInt64LE(32)) : -1;
}

/** open(path, O_RDONLY | O_CLOEXEC), or -1. */
export function openReadOnly(path: string): number {
  return Number(libc().open(path, O_RDONLY_CLOEXEC));
}

const O_PATH = 0o10000000;
const O_DIRECTORY = 0o200000;

/** open(path, O_PATH | O_DIRECTORY | O_CLOEXEC), a handle for the *at calls below; -errno on failure. */
export function openPathDirectory(path: string): number {
  const fd = Number(libc().open(path, O_PATH | O_DIRECTORY | O_RDONLY_CLOEXEC));
  return fd < 0 ? -libc().koffi.errno() : fd;
}

/** open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), a directory to list with getdents; -errno on failure. */
export function openDirectory(path: string): number {
  const fd = Number(libc().open(path, O_DIRECTORY | O_RDONLY_CLOEXEC));
  return fd < 0 ? -libc().koffi.errno() : fd;
}

/**
 * getdents64(fd) into buf: the byte count (0 at the end), or -errno. Each record (struct
 * linux_dirent64) holds d_reclen (u16) at offset 16 and the NUL-terminated name from offset 19.
 */
export function getdents64(fd: number, buf: Buffer): number {
  const n = Number(libc().getdents64(fd, buf, buf.length));
  return n < 0 ? -libc().koffi.errno() : n;
}

/**
 * readlinkat(dirfd, name) into buf (not NUL-terminated): the byte count, or -errno. No string, no
 * exception: the process scan makes one such call per process and namespace type.
 */
export function readlinkAt(dirfd: number, name: string, buf: Buffer): number {
  const n = Number(libc().readlinkat(dirfd, name, buf, buf.length));
  return n < 0 ? -libc().koffi.errno() : n;
}

const SYS_openat2 = 437;
const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_NO_SYMLINKS = 0x04;
const RESOLVE_IN_ROOT = 0x10;

/** open(path, O_PATH | O_CLOEXEC): a handle that opens nothing (no FIFO wait, no device open), or -1. */
export function openPathOnly(path: string): number {
  return Number(libc().open(path, O_PATH | O_RDONLY_CLOEXEC));
}

/**
 * An O_PATH handle of `path` resolved inside the directory `root` as if it were / (openat2 with
 * RESOLVE_IN_ROOT), following no symlink: for paths another mount namespace's owner controls, e.g.
 * /proc/PID/root of a container. -1 on failure.
 */
export function openPathInRoot(root: string, path: string): number {
  const rootFd = Number(libc().open(root, O_PATH | O_DIRECTORY | O_RDONLY_CLOEXEC));
  if (rootFd < 0) return -1;
  try {
    const how = Buffer.alloc(24); // struct open_how { u64 flags; u64 mode; u64 resolve; }
    how.writeBigUInt64LE(BigInt(O_PATH | O_RDONLY_CLOEXEC), 0);
    how.writeBigUInt64LE(BigInt(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), 16);
    return Number(libc().openat2(SYS_openat2, rootFd, path, how, how.length));
  } finally {
    libc().close(rootFd);
  }
}

/** The file system (as "major:minor" and as the dev_t number Node's fs.Stats gives) and the inode
 *  number of an open fd, or undefined. */
export function fdDeviceInode(fd: number): { dev: string; devNumber: number; ino: number } | undefined {
  if (libc().statx(fd, '', AT_EMPTY_PATH, STATX_INO, statxBuffer) !== 0) return undefined;
  const major = statxBuffer.readUInt32LE(136);
  const minor = statxBuffer.readUInt32LE(140);
  // glibc's makedev, for the small numbers real devices have.
  const devNumber = (major & 0xfff) * 256 + (minor & 0xff) + (minor & 0xffffff00) * 4096 + (major & 0xfffff000) * 2 ** 32;
  return { dev: `${major}:${minor}`, devNumber, ino: Number(statxBuffer.readBigUInt64LE(32)) };
}

/** fsetxattr(fd, name, value): set an extended attribute on an open file. */
export function fsetxattr(fd: number, name: string, value: string): void {
  const buf = Buffer.from(value);
  check(libc().fsetxattr(fd, name, buf, buf.length, 0), 'fsetxattr', name);
}

/** getxattr(path, name) as text, or undefined when the file has no such attribute (or none at all). */
export function getxattr(path: string, name: string): string | undefined {
  const buf = Buffer.alloc(256);
  const n = Number(libc().getxattr(path, name, buf, buf.length));
  return n < 0 ? undefined : buf.toString('utf8', 0, n);
}
