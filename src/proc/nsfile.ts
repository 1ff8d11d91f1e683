/**
 * Namespace files: a /proc/PID/ns/TYPE link, a pin (an nsfs bind mount), /proc/PID/fd/N of a held
 * namespace. What one is (type and inode), opened so that the namespace checked is the namespace used.
 */
import fs from 'node:fs';
import { nsTypeOfFlag, type NsType } from '../sys/constants';
import { SysError, TsnsError, codeOfSystemError, errorCode, errorText, withArticle } from '../sys/errors';
import * as libc from '../sys/libc';
import { nsfsDevice, parseNsLink, type NsId } from './ns';

export interface OpenNamespace {
  fd: number;
  file: string;
  type: NsType;
  inode: number;
  /** Device of nsfs: with the inode, identifies the namespace on this host. */
  dev: number;
  close(): void;
}

/** O_NONBLOCK|O_NOCTTY: a path that is (or was swapped for) a FIFO or a terminal must neither hang us
 *  nor become our terminal; the checks below refuse it. */
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;

function openFailure(file: string, err: unknown): TsnsError {
  const code = errorCode(err);
  const pid = /^\/proc\/(\d+)\/(?:task\/\d+\/)?ns\//.exec(file)?.[1];
  if (code === 'ENOENT' && pid) return new TsnsError(`no process with PID ${pid} (it has exited)`, 'ENOTARGET');
  if (code === 'ENOENT') return new TsnsError(`${file}: No such file or directory`, 'ENOTARGET');
  if (code === 'EACCES' || code === 'EPERM') return new TsnsError(`${file}: ${errorText(err)}`, 'EPERM');
  return new TsnsError(`cannot open ${file}: ${errorText(err)}`, codeOfSystemError(err));
}

/** Type of the namespace behind an open fd: its link when it reads `type:[inode]`, else (a pin reads
 *  back as its own path) NS_GET_NSTYPE. Undefined when the fd is no namespace. */
function typeOfFd(fd: number): NsType | undefined {
  let link = '';
  try {
    link = fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    /* asked below */
  }
  const fromLink = parseNsLink(link);
  if (fromLink) return fromLink.type;
  if (fs.fstatSync(fd).dev !== nsfsDevice()) return undefined;
  try {
    return nsTypeOfFlag(libc.nsGetNstype(fd));
  } catch (err) {
    if (err instanceof SysError && (err.code === 'ENOTTY' || err.code === 'EINVAL')) return undefined;
    throw err;
  }
}

/**
 * Open `file` and make sure it is a namespace file (of `expected` type when given). Errors are
 * TsnsErrors (ENOTARGET, EPERM, ENOTNS).
 */
export function openNamespace(file: string, expected?: NsType): OpenNamespace {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (err) {
    throw openFailure(file, err);
  }
  try {
    const type = typeOfFd(fd);
    if (!type) throw new TsnsError(`${file} is not a namespace file`, 'ENOTNS');
    if (expected && type !== expected) throw new TsnsError(`${file} is ${withArticle(type)} namespace, not ${expected}`, 'ENOTNS');
    const st = fs.fstatSync(fd);
    return { fd, file, type, inode: st.ino, dev: st.dev, close: () => fs.closeSync(fd) };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** What namespace a file is (type and inode), or undefined when it is a file but not a namespace file.
 *  A file that cannot be opened is a TsnsError. */
export function namespaceOfFile(file: string): NsId | undefined {
  let ns: OpenNamespace;
  try {
    ns = openNamespace(file);
  } catch (err) {
    if (err instanceof TsnsError && err.code === 'ENOTNS') return undefined;
    throw err;
  }
  ns.close();
  return { type: ns.type, id: ns.inode };
}

/**
 * A way to a namespace file another process controls (a pin inside a container, /proc/PID/fd/N of a
 * holder): it may have been swapped for a FIFO, a device or a symlink since it was seen. Opened O_PATH
 * first (nothing behind it is opened), resolved inside `root` when given (openat2 RESOLVE_IN_ROOT, no
 * symlinks), checked to be nsfs with inode `id`, and only then reopened for reading through
 * /proc/self/fd. Returns an O_RDONLY fd (caller closes), or undefined.
 */
export function openNamespaceChecked(file: string, id: number, root?: string): number | undefined {
  const handle = root === undefined ? libc.openPathOnly(file) : libc.openPathInRoot(root, file);
  if (handle < 0) return undefined;
  try {
    const st = libc.fdDeviceInode(handle);
    if (!st || st.ino !== id || st.devNumber !== nsfsDevice()) return undefined;
    const fd = libc.openReadOnly(`/proc/self/fd/${handle}`);
    return fd < 0 ? undefined : fd;
  } finally {
    libc.close(handle);
  }
}

/** An fd of a namespace file opened for reading, if it is namespace `id` (a PID's link may have moved
 *  on since the scan read it); undefined otherwise. */
export function openNamespaceIf(file: string, id: number): number | undefined {
  const fd = libc.openReadOnly(file);
  if (fd < 0) return undefined;
  if (libc.fdInode(fd) === id) return fd;
  libc.close(fd);
  return undefined;
}
