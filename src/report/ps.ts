/**
 * `tsns ps TARGET` as a library call: the processes of the target's PID namespace (and of the PID
 * namespaces nested in it), each with its host PID and the PID the target's namespace gives it (the
 * translation a container's log needs: "PID 1", "PID 37"), its ids on the host and as the target's user
 * namespace maps them.
 */
import { readlinkSync } from 'node:fs';
import { TsnsError, codeOfSystemError, errorText } from '../sys/errors';
import { readNsLink, readNsLinkAt } from '../proc/ns';
import { readStatus } from '../proc/status';
import { idInside, readIdMap, type IdRange } from '../proc/idmap';
import { readProcessDetails, readRelations, scan } from '../scan';
import { processSource } from '../scan/sources/processes';
import { resolveTargetSync, type Target } from '../target';
import type { ProcessRow } from './process-columns';

export interface ProcessListing {
  target: Target;
  /** Inode of the target's PID namespace. */
  pidNamespace: number;
  rows: ProcessRow[];
}

/** The PID namespace a target stands for, and a process to read its level and user namespace from. */
function pidNamespaceOf(target: Target): { id: number; pid?: number } {
  const pid = target.pid ?? target.tid;
  const id = pid !== undefined ? readNsLink(pid, 'pid')?.id : target.files.pid ? readNsLinkAt(target.files.pid)?.id : undefined;
  if (id === undefined && pid !== undefined) {
    // A process whose link cannot be read: say why, not that it has none (this machine's PID 1).
    const link = `/proc/${pid}/ns/pid`;
    try {
      readlinkSync(link);
    } catch (err) {
      throw new TsnsError(`cannot read the PID namespace of ${target.description}: ${link}: ${errorText(err)}`, codeOfSystemError(err));
    }
  }
  if (id === undefined) throw new TsnsError(`${target.description} has no PID namespace of its own to list`, 'ENOTARGET');
  return { id, pid };
}

export function listTargetProcesses(spec: string | Target): ProcessListing {
  const target = typeof spec === 'string' ? resolveTargetSync(spec) : spec;
  const pidns = pidNamespaceOf(target);
  const model = scan({ types: ['pid'], details: 'none', relations: false, netnsid: false, containers: false, sources: [processSource] });
  const root = model.namespaces.get(pidns.id);
  if (!root) throw new TsnsError(`no process is in ${target.description}'s PID namespace any more`, 'EGONE');
  readRelations(model, model.namespaces.values());
  // The target's namespace and every one nested in it (their parents lead up to it).
  const subtree = new Set<number>([root.id]);
  for (let grew = true; grew;) {
    grew = false;
    for (const ns of model.namespaces.values()) {
      if (!subtree.has(ns.id) && ns.parent !== undefined && subtree.has(ns.parent)) {
        subtree.add(ns.id);
        grew = true;
      }
    }
  }
  const members = [...model.processes.values()].filter((p) => p.ns.pid !== undefined && subtree.has(p.ns.pid)).map((p) => p.pid);
  readProcessDetails(model, members);
  // The level of the target's namespace: how many PIDs a member of it has (the host's first).
  const levelOf = (pid: number): number | undefined => readStatus(pid)?.nspid.length;
  const level = (pidns.pid !== undefined ? levelOf(pidns.pid) : undefined) ?? root.pids.map(levelOf).find((n) => n !== undefined);
  if (level === undefined) throw new TsnsError(`${target.description}'s processes are gone`, 'EGONE');
  let map: IdRange[] | undefined;
  try {
    map = readIdMap(pidns.pid ?? root.pids[0], 'user');
  } catch {
    map = undefined; // gone meanwhile: the container's ids stay unknown
  }
  const nspidOf = new Map<number, number>();
  const rows: ProcessRow[] = [];
  for (const pid of members) {
    const proc = model.processes.get(pid);
    const status = readStatus(pid);
    if (!proc || !status || proc.command === undefined) continue; // gone meanwhile
    const nspid = status.nspid[level - 1];
    if (nspid !== undefined) nspidOf.set(pid, nspid);
    const uid = status.uid[1];
    rows.push({ pid, nspid, ppid: proc.ppid, uid, cuid: map && uid !== undefined ? idInside(map, uid) : undefined, command: proc.command, children: [] });
  }
  for (const row of rows) if (row.ppid !== undefined) row.nsppid = nspidOf.get(row.ppid);
  return { target, pidNamespace: root.id, rows };
}
