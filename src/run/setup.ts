/**
 * What the TypeScript side does from outside while the stage waits in its sync handshake: setgroups,
 * uid_map and gid_map (directly, or through newuidmap/newgidmap for subordinate ranges when not root),
 * timens_offsets, and pins of the new namespaces. Every pin made is undone if a later step fails, so a
 * refused run leaves nothing mounted.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { MNT_DETACH, NS_TYPES, NsType, UMOUNT_NOFOLLOW } from '../sys/constants';
import { TsnsError, describeErrno } from '../sys/errors';
import { IdRange, formatMap } from './ids';
import { RunSpec } from './options';

const CLOCK_MONOTONIC = 1;
const CLOCK_BOOTTIME = 7;

interface MadePin {
  path: string;
  createdFile: boolean;
}

function errnoText(err: unknown): string {
  const errno = Math.abs((err as { errno?: number }).errno ?? 0);
  return errno ? describeErrno(errno) : String((err as Error).message ?? err);
}

/** One write(2), as the kernel wants for uid_map, gid_map, setgroups and timens_offsets. */
function writeProcFile(file: string, text: string, what: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NOCTTY);
  } catch (err) {
    throw new TsnsError(`cannot open ${file}: ${errnoText(err)}`);
  }
  try {
    fs.writeSync(fd, text);
  } catch (err) {
    throw new TsnsError(`the kernel refused ${what} '${text.trim().replace(/\n/g, ', ')}': ${errnoText(err)}`);
  } finally {
    fs.closeSync(fd);
  }
}

function runIdHelper(helper: 'newuidmap' | 'newgidmap', pid: number, ranges: IdRange[]): void {
  const args = [String(pid), ...ranges.flatMap((r) => [String(r.inner), String(r.outer), String(r.count)])];
  try {
    execFileSync(helper, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new TsnsError(`${helper} not found: install the uidmap package (shadow's newuidmap/newgidmap)`);
    const said = (e.stderr ?? '').trim().split('\n').filter(Boolean).pop();
    throw new TsnsError(said ? said.replace(/^(newuidmap|newgidmap): /, `${helper}: `) : `${helper} ${args.join(' ')} failed`);
  }
}

/** What the setup needs of a RunSpec: the part the CLI hands its setup helper (as JSON, see setupJson). */
export type SetupSpec = Pick<RunSpec, 'pins' | 'setgroups' | 'singleGidMap' | 'uidMap' | 'uidMapHelper' | 'gidMap' | 'gidMapHelper' | 'monotonic' | 'boottime'>;

/** The setup spec as one argv word (bigint offsets as strings). */
export function setupJson(spec: SetupSpec): string {
  const { pins, setgroups, singleGidMap, uidMap, uidMapHelper, gidMap, gidMapHelper, monotonic, boottime } = spec;
  return JSON.stringify({
    pins,
    setgroups,
    singleGidMap,
    uidMap,
    uidMapHelper,
    gidMap,
    gidMapHelper,
    monotonic: monotonic?.toString(),
    boottime: boottime?.toString(),
  });
}

export function parseSetupJson(text: string): SetupSpec {
  const o = JSON.parse(text) as Omit<SetupSpec, 'monotonic' | 'boottime'> & { monotonic?: string; boottime?: string };
  return { ...o, monotonic: o.monotonic === undefined ? undefined : BigInt(o.monotonic), boottime: o.boottime === undefined ? undefined : BigInt(o.boottime) };
}

export class NamespaceSetup {
  private readonly pins: MadePin[] = [];

  constructor(private readonly spec: SetupSpec) {}

  /** A pid pin must wait for the namespace's first process (pid_for_children is empty until then). */
  get needsSecondRound(): boolean {
    return this.spec.pins.pid !== undefined;
  }

  /** After unshare, before fork: ids, clocks, pins (but pid). Throws TsnsError, having undone its pins. */
  afterUnshare(stagePid: number): void {
    const { spec } = this;
    const proc = `/proc/${stagePid}`;
    try {
      // setgroups first: once gid_map is written it can no longer be denied. As unshare(1), a single
      // gid map comes with "deny" (an unprivileged one is only accepted after it).
      const setgroups = spec.setgroups ?? (spec.singleGidMap ? 'deny' : undefined);
      if (setgroups) writeProcFile(`${proc}/setgroups`, setgroups, 'setgroups');
      if (spec.uidMap) {
        if (spec.uidMapHelper) runIdHelper('newuidmap', stagePid, spec.uidMap);
        else writeProcFile(`${proc}/uid_map`, formatMap(spec.uidMap), 'uid map');
      }
      if (spec.gidMap) {
        if (spec.gidMapHelper) runIdHelper('newgidmap', stagePid, spec.gidMap);
        else writeProcFile(`${proc}/gid_map`, formatMap(spec.gidMap), 'gid map');
      }
      let offsets = '';
      if (spec.monotonic !== undefined) offsets += `${CLOCK_MONOTONIC} ${spec.monotonic} 0\n`;
      if (spec.boottime !== undefined) offsets += `${CLOCK_BOOTTIME} ${spec.boottime} 0\n`;
      if (offsets) writeProcFile(`${proc}/timens_offsets`, offsets, 'time offsets');
      for (const type of NS_TYPES) if (type !== 'pid') this.pin(stagePid, type);
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  /** After fork (the stage's child is the new pid namespace's init): the pid pin. */
  afterFork(stagePid: number): void {
    try {
      this.pin(stagePid, 'pid');
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  private pin(stagePid: number, type: NsType): void {
    const dest = this.spec.pins[type];
    if (dest === undefined) return;
    const file = type === 'pid' ? 'pid_for_children' : type === 'time' ? 'time_for_children' : type;
    // Loaded here only: koffi and the mount table are not needed by a run without pins.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { pinNamespace } = require('../pin') as typeof import('../pin');
    const made = pinNamespace(`/proc/${stagePid}/ns/${file}`, type, dest, { force: true });
    if (!made.alreadyPinned) this.pins.push({ path: made.path, createdFile: made.createdFile });
  }

  /** Undo every pin made, newest first (best effort: the error that caused this is what is reported). */
  rollback(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const libc = this.pins.length ? (require('../sys/libc') as typeof import('../sys/libc')) : undefined;
    while (this.pins.length) {
      const pin = this.pins.pop() as MadePin;
      try {
        libc?.umount2(pin.path, MNT_DETACH | UMOUNT_NOFOLLOW);
        if (pin.createdFile) fs.unlinkSync(pin.path);
      } catch {
        // keep going: undo as much as possible
      }
    }
  }
}
