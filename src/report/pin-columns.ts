/** The columns of a pin listing (`tsns pins`). */
import type { Pin } from '../pin';
import { ColumnTable } from './columns';

export interface PinRow {
  pin: Pin;
  children: PinRow[];
}

export const pinColumns = new ColumnTable<PinRow>('pins');
const define = pinColumns.define.bind(pinColumns);

define('PATH', 'string', 'where the namespace is pinned (as its mount namespace sees it)', (r) => r.pin.path, { trunc: true });
define('TYPE', 'string', 'kind of namespace', (r) => r.pin.type);
define('NS', 'number', 'namespace identifier (inode number)', (r) => r.pin.ns, { hint: 10 });
define('NPROCS', 'number', 'number of processes still in the namespace', (r) => r.pin.nprocs);
define('PID', 'number', 'lowest PID still in the namespace', (r) => r.pin.pids[0] ?? null);
define('MNTNS', 'number', 'mount namespace whose mount table holds the pin', (r) => r.pin.mountNamespace, { hint: 10 });
