/**
 * Reading engine state safely. State can sit in directories other users own (a rootless engine's home,
 * /run/user/UID): a state file is read only as a regular file of sane size, never through a symlink,
 * never waiting on a FIFO, and, where an owner is expected, only if that user owns it. State that
 * exists but cannot be read (EACCES) is recorded in the discovery's `denied` list.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, type Dirent } from 'node:fs';
import { dirname } from 'node:path';
import type { DiscoveryContext } from './types';

const MAX_STATE_BYTES = 4 << 20;

/** One buffer for every read of a discovery: there are thousands of small files (per container: its
 *  engine's record, its runtime state, /proc/PID/stat), so each read costs open, read, close only. */
let scratch = Buffer.allocUnsafe(64 << 10);

/** Read an open file to its end into the shared buffer. `size`, when known (a regular file), ends the
 *  read without a last empty read; a short read ends it too (/proc files return all they have). */
function readAll(fd: number, size?: number): string {
  let n = 0;
  for (;;) {
    if (n === scratch.length) {
      const bigger = Buffer.allocUnsafe(scratch.length * 2);
      scratch.copy(bigger, 0, 0, n);
      scratch = bigger;
    }
    const want = scratch.length - n;
    const got = readSync(fd, scratch, n, want, null);
    n += got;
    if (got === 0 || got < want || (size !== undefined && n >= size)) return scratch.toString('utf8', 0, n);
  }
}

export interface ReadOptions {
  /** Only a file this uid owns (state under a user's home or runtime directory is theirs to forge,
   *  but not to make us read someone else's file as theirs). */
  owner?: number;
  /** The engine root the path belongs to: an EACCES below it is reported as that root being denied;
   *  one above it (a home we cannot enter) says nothing about the engine. Default: the path itself. */
  root?: string;
  /** Do not record an EACCES (a directory walked only in case it holds state). */
  quiet?: boolean;
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Record an EACCES on `path`: the deepest existing part of it at or below `root` is what we cannot read. */
function noteDenied(ctx: DiscoveryContext, path: string, root: string): void {
  for (let p = path; ; p = dirname(p)) {
    try {
      lstatSync(p);
      if (!ctx.denied.includes(p)) ctx.denied.push(p);
      return;
    } catch {
      /* not even visible: look one level up */
    }
    if (p === root || p === '/' || !p.startsWith(root)) return;
  }
}

/**
 * Open a state file under the rules every read here keeps (no symlink followed, no FIFO waited on, a
 * regular file no bigger than MAX_STATE_BYTES, of `opts.owner` when given) and give `read` its fd and
 * size; undefined when any rule fails or the read throws. EACCES is noted as denied state.
 */
function withStateFile<T>(path: string, ctx: DiscoveryContext, opts: ReadOptions, read: (fd: number, size: number) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY);
  } catch (err) {
    if (errnoOf(err) === 'EACCES' && !opts.quiet) noteDenied(ctx, path, opts.root ?? path);
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_STATE_BYTES) return undefined;
    if (opts.owner !== undefined && st.uid !== opts.owner) return undefined;
    return read(fd, st.size);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A state file's text, or undefined (missing, not a regular file, too big, unreadable, wrong owner). */
export function readStateFile(path: string, ctx: DiscoveryContext, opts: ReadOptions = {}): string | undefined {
  return withStateFile(path, ctx, opts, (fd, size) => readAll(fd, size));
}

/**
 * The first and last `bytes` bytes of a state file (the whole text as `head` when it is no bigger than
 * twice that), under the same rules as readStateFile: for large files whose few useful fields sit at
 * their two ends.
 */
export function readStateFileEnds(path: string, ctx: DiscoveryContext, bytes: number, opts: ReadOptions = {}): { head: string; tail?: string } | undefined {
  return withStateFile(path, ctx, opts, (fd, size) => {
    if (size <= 2 * bytes) return { head: readAll(fd, size) };
    const buf = Buffer.allocUnsafe(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    const head = buf.toString('utf8', 0, n);
    const m = readSync(fd, buf, 0, bytes, size - bytes);
    return { head, tail: buf.toString('utf8', 0, m) };
  });
}

/** A state file parsed as JSON, or undefined (also while it is being rewritten). */
export function readJsonFile<T = unknown>(path: string, ctx: DiscoveryContext, opts: ReadOptions = {}): T | undefined {
  const text = readStateFile(path, ctx, opts);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** A directory's entries, or undefined (missing, not a directory, unreadable). */
export function listDir(path: string, ctx: DiscoveryContext, opts: ReadOptions = {}): Dirent[] | undefined {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch (err) {
    if (errnoOf(err) === 'EACCES' && !opts.quiet) noteDenied(ctx, path, opts.root ?? path);
    return undefined;
  }
}

/** Names of the subdirectories of `path` ([] when it cannot be listed). */
export function subdirs(path: string, ctx: DiscoveryContext, opts: ReadOptions = {}): string[] {
  const entries = listDir(path, ctx, opts);
  return entries ? entries.filter((e) => e.isDirectory()).map((e) => e.name) : [];
}

/** A small system file (configuration, /proc) as text, or undefined. Not for state others can write. */
export function readSystemFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
  try {
    return readAll(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The value of `key = "value"` (or 'value', or bare) in a TOML table (`table` '' = top level) — the one
 *  shape engine configuration files use for the roots we need (containerd, containers-storage, CRI-O). */
export function tomlString(text: string, table: string, key: string): string | undefined {
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = header[1].replace(/\s+/g, '');
      continue;
    }
    if (current !== table) continue;
    const m = /^([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s#]+))/.exec(line);
    if (m && m[1] === key) return m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? m[4]);
  }
  return undefined;
}

/** The value of an option in an argv: `--name VALUE`, `--name=VALUE`, or any of `names`. */
export function argValue(argv: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    for (const name of names) {
      if (argv[i] === name && i + 1 < argv.length) return argv[i + 1];
      if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
    }
  }
  return undefined;
}

export const isHex64 = (s: string): boolean => /^[0-9a-f]{64}$/.test(s);
