import { constants as osConstants } from 'node:os';

/** errno number -> symbolic name (ENOENT, EPERM, ...), from Node's own table. */
const errnoNames: Map<number, string> = new Map(Object.entries(osConstants.errno).map(([name, num]) => [num as number, name]));

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

/** A failed system call: which call, on what, and the errno the kernel gave. */
export class SysError extends Error {
  readonly code: string;
  constructor(
    readonly syscall: string,
    readonly errno: number,
    readonly target?: string,
  ) {
    const code = errnoName(errno);
    super(`${syscall}${target ? ` ${target}` : ''}: ${describeErrno(errno)}`);
    this.name = 'SysError';
    this.code = code;
  }
}

/**
 * An error meant for the person at the terminal: printed as one `tsns: ...` line, no stack.
 * `exitCode` is what the process exits with.
 */
export class TsnsError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'TsnsError';
  }
}

const messages: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EACCES: 'Permission denied',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENOTTY: 'Inappropriate ioctl for device',
  ENOSYS: 'Function not implemented',
  EUSERS: 'Too many users',
  ELOOP: 'Too many levels of symbolic links',
  EBADF: 'Bad file descriptor',
};

export function describeErrno(errno: number): string {
  return messages[errnoName(errno)] ?? errnoName(errno);
}
