/**
 * The one column registry: -o parsing, headers, JSON keys and types, alignment, --list-columns and
 * what each column needs from the scan all come from here. A column is one `define(...)` line.
 */
import { TsnsError } from '../sys/errors';
import { pathFromHere, type Namespace, type ProcessInfo } from '../scan/model';
import { userName } from '../scan/users';

/** One output line: a namespace, and the process it is shown with (none for a pin-only namespace). */
export interface Row {
  ns: Namespace;
  proc?: ProcessInfo;
  children: Row[];
}

export interface RenderContext {
  /** Separator between several NSFS paths: newline (a multi-line cell) or ',' with -W/-r. */
  listSeparator: string;
  /** Inode of our own mount namespace: its pins are shown by path alone. */
  ownMountNamespace?: number;
}

export type JsonType = 'string' | 'number' | 'array';

/** What a column needs the scan to have read. */
/** ownerUid: the uid shown for a user namespace no process represents (one ioctl each). */
export type ColumnNeed = 'details' | 'relations' | 'netnsid' | 'ownerUid' | 'container';

export type CellValue = string | number | readonly string[] | null;

export interface Column {
  /** Header and -o name (matched case-insensitively); its lower case is the JSON key. */
  name: string;
  help: string;
  json: JsonType;
  /** Right-aligned (numbers). */
  right: boolean;
  /** May be cut to fit the terminal (unless -u). */
  trunc: boolean;
  /** Holds several values, one per line unless -W/-r. */
  wrap: boolean;
  /** libsmartcols width hint: a column whose data is at least as wide as its header is widened to this. */
  hint: number;
  needs: readonly ColumnNeed[];
  value(row: Row, ctx: RenderContext): CellValue;
}

interface Flags {
  hint?: number;
  right?: boolean;
  trunc?: boolean;
  wrap?: boolean;
  needs?: readonly ColumnNeed[];
}

export const columns: Column[] = [];

export function define(name: string, json: JsonType, help: string, value: Column['value'], flags: Flags = {}): Column {
  const column: Column = {
    name,
    help,
    json,
    right: flags.right ?? json === 'number',
    trunc: flags.trunc ?? false,
    wrap: flags.wrap ?? json === 'array',
    hint: flags.hint ?? 0,
    needs: flags.needs ?? [],
    value,
  };
  const at = columns.findIndex((c) => c.name === name);
  if (at >= 0) columns[at] = column;
  else columns.push(column);
  return column;
}

// A namespace no process is in (held by a thread, fd, socket or pin) shows its owner's uid, not its holder's.
const uidOf = (r: Row): number | undefined => (r.proc && r.ns.pids.length > 0 ? r.proc.uid : (r.ns.ownerUid ?? 0));

function nsfsPaths(r: Row, ctx: RenderContext): string[] | null {
  if (r.ns.nsfs.length === 0) return null;
  const out: string[] = [];
  for (const m of r.ns.nsfs) {
    const shown = ctx.ownMountNamespace === undefined || m.mountNamespace === ctx.ownMountNamespace ? m.path : `${m.path} (mnt:[${m.mountNamespace}])`;
    if (!out.includes(shown)) out.push(shown);
  }
  return out;
}

// lsns's columns, in lsns's order and with its meanings.
define('NS', 'number', 'namespace identifier (inode number)', (r) => r.ns.id, { hint: 10 });
define('TYPE', 'string', 'kind of namespace', (r) => r.ns.type, { hint: 5 });
// A member's link, else the first way in the scan recorded (a thread's link, an fd, a pin), else none.
define('PATH', 'string', 'path to the namespace', (r) =>
  r.proc && r.ns.pids.length > 0 ? `/proc/${r.proc.pid}/ns/${r.ns.type}` : r.ns.paths[0] ? pathFromHere(r.ns.paths[0]) : null,
);
define('NPROCS', 'number', 'number of processes in the namespace', (r) => r.ns.pids.length, { hint: 5 });
define('PID', 'number', 'lowest PID in the namespace', (r) => r.proc?.pid ?? null, { hint: 5 });
define('PPID', 'number', 'PPID of the PID', (r) => r.proc?.ppid ?? null, { hint: 5, needs: ['details'] });
define('COMMAND', 'string', 'command line of the PID', (r) => r.proc?.command ?? null, { trunc: true, needs: ['details'] });
define('UID', 'number', 'UID of the PID', (r) => uidOf(r) ?? null, { needs: ['details', 'ownerUid'] });
define(
  'USER',
  'string',
  'username of the PID',
  (r) => {
    const uid = uidOf(r);
    return uid === undefined ? null : userName(uid);
  },
  { needs: ['details', 'ownerUid'] },
);
define(
  'NETNSID',
  'string',
  'namespace ID as used by network subsystem',
  (r) => (r.ns.type !== 'net' || r.ns.netnsid === undefined ? null : r.ns.netnsid === null ? 'unassigned' : String(r.ns.netnsid)),
  { right: true, needs: ['netnsid'] },
);
define('NSFS', 'string', 'nsfs mountpoint (usually used network subsystem)', (r, ctx) => nsfsPaths(r, ctx)?.join(ctx.listSeparator) ?? null, { wrap: true });
define('PNS', 'number', 'parent namespace identifier (inode number)', (r) => r.ns.parent ?? null, { hint: 10, needs: ['relations'] });
define('ONS', 'number', 'owner namespace identifier (inode number)', (r) => r.ns.owner ?? null, { hint: 10, needs: ['relations'] });
define('SOURCES', 'array', 'how the namespace is held: process, task, fd, socket, nsfs, parent, owner', (r) => r.ns.sources);
define('CONTAINER', 'string', 'container whose init process is the topmost member', (r) => r.ns.container ?? null, { needs: ['container'] });

export function findColumn(name: string): Column | undefined {
  const upper = name.toUpperCase();
  return columns.find((c) => c.name === upper);
}

/**
 * -o LIST: comma-separated names replace `current`; `+LIST` appends to it (util-linux
 * string_add_to_idarray). Unknown names are an error naming the column.
 */
export function parseColumnList(list: string, current: readonly Column[]): Column[] {
  const append = list.startsWith('+');
  const body = append ? list.slice(1) : list;
  if (body === '') throw new TsnsError(`empty column list: '${list}'`);
  const out = append ? [...current] : [];
  for (const name of body.split(',')) {
    const column = findColumn(name);
    if (!column) throw new TsnsError(`unknown column: ${name}`);
    out.push(column);
  }
  if (out.length > columns.length * 2) throw new TsnsError(`too many columns specified, the limit is ${columns.length * 2 - 1} columns`);
  return out;
}
