/** /proc/PID/status: ids, NSpid and capabilities (one parser for them all). */
import { readFileSync } from 'node:fs';

export interface ProcStatus {
  /** Thread group id (the process's PID; a thread's own status says which process it belongs to). */
  tgid: number;
  ppid: number;
  /** Real, effective, saved and filesystem uid / gid, as the host sees them. */
  uid: number[];
  gid: number[];
  /** The PID in each PID namespace the process is in, outermost (the host's) first. */
  nspid: number[];
  /** Effective capability set. */
  capEff: bigint;
}

const numbers = (value: string | undefined): number[] => (value ? value.trim().split(/\s+/).map(Number) : []);

export function parseStatus(text: string): ProcStatus {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  const cap = fields.get('CapEff')?.trim();
  return {
    tgid: Number(fields.get('Tgid')),
    ppid: Number(fields.get('PPid')),
    uid: numbers(fields.get('Uid')),
    gid: numbers(fields.get('Gid')),
    nspid: numbers(fields.get('NSpid')),
    capEff: cap && /^[0-9a-f]+$/i.test(cap) ? BigInt(`0x${cap}`) : 0n,
  };
}

/** /proc/PID/status (or a thread's), or undefined once gone or unreadable. */
export function readStatus(pid: number | 'self', tid?: number): ProcStatus | undefined {
  let text: string;
  try {
    text = readFileSync(tid === undefined ? `/proc/${pid}/status` : `/proc/${pid}/task/${tid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  return parseStatus(text);
}

const CAP_SYS_ADMIN = 21n;

/** This process's effective capabilities include CAP_SYS_ADMIN (mount privilege). */
export function hasSysAdmin(): boolean {
  const caps = readStatus('self')?.capEff ?? 0n;
  return ((caps >> CAP_SYS_ADMIN) & 1n) === 1n;
}
