/**
 * A namespace file held open: which namespace (inode), of which type (NS_GET_NSTYPE). Holding the fd
 * means the namespace checked is the namespace mounted (/proc/self/fd/N), whatever happens to the PID.
 */
import fs from 'node:fs';
import { NsType, nsTypeOfFlag } from '../sys/constants';
import { SysError, TsnsError, describeErrno } from '../sys/errors';
import * as libc from '../sys/libc';

/** statfs(2) f_type of nsfs (include/uapi/linux/magic.h). */
export const NSFS_MAGIC = 0x6e736673;

export interface OpenNamespace {
  fd: number;
  file: string;
  type: NsType;
  inode: number;
  /** Device of nsfs: with the inode, identifies the namespace on this host. */
  dev: number;
  close(): void;
}

function errnoCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

function errnoNumber(err: unknown): number {
  return Math.abs((err as { errno?: number }).errno ?? 0);
}

/**
 * Open `file` and make sure it is a namespace file (of `expected` type when given). Errors are
 * TsnsErrors worded for the user.
 */
export function openNamespace(file: string, expected?: NsType): OpenNamespace {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY);
  } catch (err) {
    const code = errnoCode(err);
    const pid = /^\/proc\/(\d+)\/ns\//.exec(file)?.[1];
    if (code === 'ENOENT' && pid) throw new TsnsError(`no process with PID ${pid} (it has exited)`);
    if (code === 'ENOENT') throw new TsnsError(`${file}: no such namespace file`);
    throw new TsnsError(`cannot open ${file}: ${describeErrno(errnoNumber(err))}`);
  }
  try {
    let flag: number;
    try {
      flag = libc.nsGetNstype(fd);
    } catch (err) {
      if (err instanceof SysError && (err.code === 'ENOTTY' || err.code === 'EINVAL')) throw new TsnsError(`${file} is not a namespace file`);
      throw err;
    }
    const type = nsTypeOfFlag(flag);
    if (!type) throw new TsnsError(`${file}: unknown namespace type 0x${flag.toString(16)}`);
    if (expected && type !== expected) throw new TsnsError(`${file} is a ${type} namespace, not ${expected}`);
    const st = fs.fstatSync(fd);
    return {
      fd,
      file,
      type,
      inode: st.ino,
      dev: st.dev,
      close: () => fs.closeSync(fd),
    };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** Effective capabilities of this process (CapEff in /proc/self/status) include CAP_SYS_ADMIN. */
export function hasSysAdmin(): boolean {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  if (!m) return false;
  const CAP_SYS_ADMIN = 21n;
  return ((BigInt('0x' + m[1]) >> CAP_SYS_ADMIN) & 1n) === 1n;
}
