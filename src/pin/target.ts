/**
 * TARGET of `tsns pin`: which namespace files it names. Uses the shared resolver (src/target.ts) when
 * present; until then, the forms pin needs most: a PID, a path to a namespace file, a pin NAME.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NS_TYPES, NsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { NETNS_RUN_DIR, PIN_RUN_DIR, isPinName } from './index';
import { isOnNsfs, openNamespace } from './nsfile';

export interface PinTarget {
  pid?: number;
  files: Partial<Record<NsType, string>>;
  description: string;
}

type Resolver = (spec: string) => PinTarget | Promise<PinTarget>;

function sharedResolver(): Resolver | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('../target') as { resolveTarget?: Resolver };
    return typeof mod.resolveTarget === 'function' ? mod.resolveTarget : undefined;
  } catch {
    return undefined;
  }
}

function fromPid(pid: number): PinTarget {
  if (!fs.existsSync(`/proc/${pid}`)) throw new TsnsError(`no such process: ${pid}`);
  const files: PinTarget['files'] = {};
  for (const type of NS_TYPES) if (fs.existsSync(`/proc/${pid}/ns/${type}`)) files[type] = `/proc/${pid}/ns/${type}`;
  return { pid, files, description: `process ${pid}` };
}

function fromNsFile(file: string): PinTarget {
  const ns = openNamespace(file);
  ns.close();
  return { files: { [ns.type]: file }, description: file };
}

/** The minimal resolver: PID, namespace file path, pin NAME under /run/netns or /run/tsns/TYPE. */
export function resolveLocally(spec: string): PinTarget {
  if (/^\d+$/.test(spec)) return fromPid(Number(spec));
  if (!isPinName(spec)) {
    if (!fs.existsSync(spec)) throw new TsnsError(`${spec}: no such file or directory`);
    return fromNsFile(spec);
  }
  const named = [path.join(NETNS_RUN_DIR, spec), ...NS_TYPES.map((t) => path.join(PIN_RUN_DIR, t, spec))].filter((p) => isOnNsfs(p));
  if (named.length === 1) return fromNsFile(named[0]);
  if (named.length > 1) throw new TsnsError(`pin name '${spec}' is ambiguous: ${named.join(', ')}`);
  throw new TsnsError(`no such target: '${spec}' (not a PID, a namespace file or a pin name)`);
}

export async function resolvePinTarget(spec: string): Promise<PinTarget> {
  const shared = sharedResolver();
  return shared ? await shared(spec) : resolveLocally(spec);
}
