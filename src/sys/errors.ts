/**
 * The two kinds of error tsns throws: SysError (a system call refused, with its errno) and TsnsError
 * (what a caller did wrong or what stands in the way, with a stable code). Messages name no CLI flag:
 * the command line maps codes to its wording and exit status.
 */
import { constants as osConstants } from 'node:os';
import { ERRNO } from './errno';

/** errno number -> symbolic name (ENOENT, EPERM, ...). */
export function errnoName(errno: number): string {
  return ERRNO[errno]?.[0] ?? `errno ${errno}`;
}

/** A failed system call: which call, on what, and the errno the kernel gave. */
export class SysError extends Error {
  readonly code: string;
  constructor(
    readonly syscall: string,
    readonly errno: number,
    readonly target?: string,
  ) {
    super(`${syscall}${target ? ` ${target}` : ''}: ${describeErrno(errno)}`);
    this.name = 'SysError';
    this.code = errnoName(errno);
  }
}

/**
 * Stable codes of TsnsError:
 * - EINVAL: an argument or a combination of options that cannot work;
 * - ENOTARGET: no such process, thread, container, namespace or pin;
 * - EAMBIGUOUS: a name that matches more than one (the message lists them);
 * - ENOTNS: a file that is not a namespace file (or not of the type asked for);
 * - EPERM: not allowed with the caller's rights; EACCES: state that exists but cannot be read;
 * - EEXIST: the destination holds something that must not be covered or removed;
 * - EGONE: the target went away meanwhile;
 * - ENOSYS: the kernel lacks what is needed; ENOSTAGE: the native stage is missing or unusable;
 * - EKERNEL: the kernel refused an operation for a reason the message gives.
 */
export type TsnsErrorCode = 'EINVAL' | 'ENOTARGET' | 'EAMBIGUOUS' | 'ENOTNS' | 'EPERM' | 'EACCES' | 'EEXIST' | 'EGONE' | 'ENOSYS' | 'ENOSTAGE' | 'EKERNEL';

/** An error meant for the person (or program) that asked: one line, no stack needed. */
export class TsnsError extends Error {
  constructor(
    message: string,
    readonly code: TsnsErrorCode = 'EINVAL',
  ) {
    super(message);
    this.name = 'TsnsError';
  }
}

/** strerror(3)'s words for an errno number (glibc's "Unknown error N" for one Linux does not have). */
export function describeErrno(errno: number): string {
  return ERRNO[errno]?.[1] ?? `Unknown error ${errno}`;
}

/** The words for any error a call gave: strerror's for a Node or system error with an errno (never a
 *  bare ENOENT), else its message. */
export function errorText(err: unknown): string {
  const e = err as { errno?: number; code?: string; message?: string } | null;
  if (e instanceof SysError) return describeErrno(e.errno);
  const errno = Math.abs(e?.errno ?? 0);
  if (errno) return describeErrno(errno);
  if (typeof e?.code === 'string' && osConstants.errno[e.code as keyof typeof osConstants.errno] !== undefined) {
    return describeErrno(osConstants.errno[e.code as keyof typeof osConstants.errno]);
  }
  return String(e?.message ?? err);
}

/**
 * `a WORD` or `an WORD`, for a namespace type or a file system type in a message ("an ipc namespace",
 * "an ext4 mount", "a tmpfs mount"): by the first letter, and for the acronyms said letter by letter
 * whose first letter sounds like a vowel (xfs, nfs, nsfs, ...).
 */
export function withArticle(word: string): string {
  return `${/^([aeio]|x|nfs|nsfs|ntfs|smb|rpc_|hfs|f2fs|mqueue)/i.test(word) ? 'an' : 'a'} ${word}`;
}

/** The errno name of any error ('ENOENT', ...), or undefined. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
