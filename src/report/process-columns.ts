/** The columns of a target's process listing (`tsns ps TARGET`): host PIDs beside the target's own. */
import { userName } from '../scan/users';
import { ColumnTable } from './columns';

export interface ProcessRow {
  pid: number;
  /** Its PID in the target's PID namespace. */
  nspid?: number;
  ppid?: number;
  /** Its parent's PID in the target's PID namespace (none when the parent is outside it). */
  nsppid?: number;
  /** Effective uid on the host, and as the target's user namespace maps it. */
  uid?: number;
  cuid?: number;
  command?: string;
  children: ProcessRow[];
}

export const processColumns = new ColumnTable<ProcessRow>('processes');
const define = processColumns.define.bind(processColumns);

define('PID', 'number', 'PID on the host', (r) => r.pid, { hint: 5 });
define('NSPID', 'number', "PID in the target's PID namespace", (r) => r.nspid ?? null, { hint: 5 });
define('PPID', 'number', 'parent PID on the host', (r) => r.ppid ?? null, { hint: 5 });
define('NSPPID', 'number', "parent PID in the target's PID namespace (none: a parent outside it)", (r) => r.nsppid ?? null, { hint: 5 });
define('UID', 'number', 'effective uid on the host', (r) => r.uid ?? null);
define('USER', 'string', 'effective user on the host', (r) => (r.uid === undefined ? null : userName(r.uid)));
define('CUID', 'number', "the uid as the target's user namespace maps it (none: unmapped)", (r) => r.cuid ?? null);
define('COMMAND', 'string', 'command line', (r) => r.command ?? null, { trunc: true });
