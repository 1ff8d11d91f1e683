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
 * - ENOTARGET: no such process, thread, container, namespace, pin or file;
 * - EAMBIGUOUS: a name that matches more than one (the message lists them);
 * - ENOTNS: a file that is not a namespace file (or not of the type asked for);
 * - EPERM: not allowed with the caller's rights; EACCES: state that exists but cannot be read;
 * - EEXIST: the destination holds something that must not be covered or removed;
 * - EGONE: the target went away meanwhile;
 * - ENOSYS: the kernel lacks what is needed; ENOSTAGE: the native stage is missing or unusable;
 * - EKERNEL: the kernel (or the file system) refused an operation for a reason the message gives.
 */
export const TSNS_ERROR_CODES = ['EINVAL', 'ENOTARGET', 'EAMBIGUOUS', 'ENOTNS', 'EPERM', 'EACCES', 'EEXIST', 'EGONE', 'ENOSYS', 'ENOSTAGE', 'EKERNEL'] as const;
export type TsnsErrorCode = (typeof TSNS_ERROR_CODES)[number];

/** A place in a message that names options of the call that failed (`fork`, `namespaces.pid`). */
export interface OptionRef {
  /** One option, or several given together (`namespaces.pid` with `fork`). */
  readonly options: readonly string[];
  /** The library's words for it when not the bare names ('the type'). */
  readonly text?: string;
}

/** The option `name` (as the library spells it: a field of the options object) inside a message. */
export function option(name: string, text?: string): OptionRef {
  return text === undefined ? { options: [name] } : { options: [name], text };
}

/** Options that go together ("namespaces.pid and fork"; the command line: "--pid --fork"). */
export function together(...names: string[]): OptionRef {
  return { options: names };
}

/** A message that names options: `` msg`${option('setgroups')} needs a new user namespace` ``. The
 *  library shows each option by its own name; the command line, by its flag (TsnsError.render). */
export function msg(strings: TemplateStringsArray, ...values: unknown[]): MessageParts {
  const parts: Array<string | OptionRef> = [strings[0]];
  values.forEach((value, i) => parts.push(isOptionRef(value) ? value : String(value), strings[i + 1]));
  return { parts };
}

export interface MessageParts {
  readonly parts: ReadonlyArray<string | OptionRef>;
}

function isOptionRef(value: unknown): value is OptionRef {
  return typeof value === 'object' && value !== null && Array.isArray((value as OptionRef).options);
}

/** An error meant for the person (or program) that asked: one line, no stack needed. */
export class TsnsError extends Error {
  /** The options the message names, in its order (empty when it names none). */
  readonly options: readonly string[];
  declare private readonly parts: ReadonlyArray<string | OptionRef>;

  constructor(
    message: string | MessageParts,
    readonly code: TsnsErrorCode = 'EINVAL',
  ) {
    const parts = typeof message === 'string' ? [message] : message.parts;
    super(renderParts(parts));
    this.name = 'TsnsError';
    // Not enumerable: an error printed or logged shows its message, code and options, not its pieces.
    Object.defineProperty(this, 'parts', { value: parts, enumerable: false });
    this.options = parts.filter(isOptionRef).flatMap((p) => p.options);
  }

  /** The message with each option shown as `spell` spells it (the command line: its flag). */
  render(spell: (option: string) => string): string {
    return renderParts(this.parts, spell);
  }
}

function renderParts(parts: ReadonlyArray<string | OptionRef>, spell?: (option: string) => string): string {
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      if (spell) return p.options.map(spell).join(' ');
      return p.text ?? p.options.join(' and ');
    })
    .join('');
}

/**
 * The TsnsError code for a system call that failed with `err` (an errno error of Node or a SysError):
 * ENOTARGET for what is not there, EPERM for what the caller may not do, EEXIST for what is in the way,
 * ENOSYS for what the kernel lacks, EKERNEL for any other refusal.
 */
export function codeOfSystemError(err: unknown): TsnsErrorCode {
  switch (errorCode(err)) {
    case 'ENOENT':
    case 'ESRCH':
    case 'ENOTDIR':
      return 'ENOTARGET';
    case 'EPERM':
    case 'EACCES':
      return 'EPERM';
    case 'EEXIST':
    case 'EBUSY':
    case 'ENOTEMPTY':
      return 'EEXIST';
    case 'ENOSYS':
    case 'EOPNOTSUPP':
      return 'ENOSYS';
    default:
      return 'EKERNEL';
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
