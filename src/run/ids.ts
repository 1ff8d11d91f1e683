/**
 * Users, groups and id maps for a new user namespace: names resolved the way the system resolves them
 * (NSS, through getent), ranges from /etc/subuid and /etc/subgid, and the uid_map/gid_map lines that
 * unshare(1) 2.42 would write for the same options.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { TsnsError, codeOfSystemError, errorText } from '../sys/errors';

import { readIdMap, type IdRange } from '../proc/idmap';

export type { IdRange };

export type IdKind = 'user' | 'group';

const MAX_ID = 0xfffffffe; // (uid_t)-1 is "no id"

function parseId(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_ID ? n : undefined;
}

/** getent's answer for one name, or undefined when the database has no such entry. */
function getent(database: 'passwd' | 'group', key: string): string[] | undefined {
  try {
    // `--`: a key that starts with '-' is a name, not a getent option (`-i` would list everyone).
    const out = execFileSync('getent', [database, '--', key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const fields = out.split('\n')[0]?.split(':');
    return fields && (fields[0] === key || fields[2] === key) ? fields : undefined;
  } catch (err) {
    const e = err as { status?: number; code?: string };
    if (e.code === 'ENOENT') return lookupFile(database === 'passwd' ? '/etc/passwd' : '/etc/group', key);
    return undefined;
  }
}

/** Fallback without getent: the flat files only. */
function lookupFile(file: string, key: string): string[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 3 && (fields[0] === key || fields[2] === key)) return fields;
  }
  return undefined;
}

/** A uid or gid given as a number or a name; an unknown name is a `tsns:` error. */
export function resolveId(kind: IdKind, text: string): number {
  const n = parseId(text);
  if (n !== undefined) return n;
  const fields = text ? getent(kind === 'user' ? 'passwd' : 'group', text) : undefined;
  const id = fields ? parseId(fields[2]) : undefined;
  if (id === undefined) throw new TsnsError(`unknown ${kind} '${text}'`, 'ENOTARGET');
  return id;
}

/**
 * `inner:outer:count` (util-linux 2.42) or the older `outer,inner,count`. Ids are numbers, as in
 * unshare: a range of names means nothing.
 */
export function parseIdRange(text: string): IdRange {
  let m = /^(\d+):(\d+):(\d+)$/.exec(text);
  if (m) return checkRange({ inner: Number(m[1]), outer: Number(m[2]), count: Number(m[3]) }, text);
  m = /^(\d+),(\d+),(\d+)$/.exec(text);
  if (m) return checkRange({ outer: Number(m[1]), inner: Number(m[2]), count: Number(m[3]) }, text);
  throw new TsnsError(`invalid mapping '${text}': expected INNER:OUTER:COUNT`);
}

function checkRange(r: IdRange, text: string): IdRange {
  if (r.count < 1 || r.inner + r.count - 1 > MAX_ID || r.outer + r.count - 1 > MAX_ID) throw new TsnsError(`invalid mapping '${text}'`);
  return r;
}

/**
 * The first range /etc/subuid (or /etc/subgid) gives the user `uid` (by name or number), mapped from
 * inner 0 (`identity`: inner = outer, for --map-users=subids).
 */
export function subordinateRange(kind: IdKind, uid: number, identity = false): IdRange {
  const file = kind === 'user' ? '/etc/subuid' : '/etc/subgid';
  let name: string | undefined;
  try {
    name = os.userInfo().uid === uid ? os.userInfo().username : getent('passwd', String(uid))?.[0];
  } catch {
    name = getent('passwd', String(uid))?.[0];
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TsnsError(`cannot read ${file}: ${errorText(err)}`, codeOfSystemError(err));
  }
  for (const line of text.split('\n')) {
    const [who, start, count] = line.trim().split(':');
    if (who === undefined || start === undefined || count === undefined) continue;
    if (who !== name && who !== String(uid)) continue;
    const outer = parseId(start);
    const n = parseId(count);
    if (outer === undefined || n === undefined || n < 1) throw new TsnsError(`${file}: bad line '${line.trim()}'`);
    return { inner: identity ? outer : 0, outer, count: n };
  }
  throw new TsnsError(`no line for user ${name ?? uid} in ${file}`, 'ENOTARGET');
}

/** Every id this process's own user namespace maps (--map-users=all): identity ranges. */
export function kernelRanges(kind: IdKind): IdRange[] {
  return readIdMap('self', kind).map((r) => ({ inner: r.inner, outer: r.inner, count: r.count }));
}

/**
 * Combine ranges with one single mapping (--map-user/--map-root-user next to --map-users/--map-auto),
 * as unshare 2.42 does: the single id goes first, and every range that contains its inner or its outer
 * id loses one id so that no id is mapped twice; the remaining ids keep their order, so a range may
 * split in up to three.
 */
export function mergeSingle(ranges: IdRange[], single?: { inner: number; outer: number }): IdRange[] {
  if (!single) return ranges.slice();
  const out: IdRange[] = [{ inner: single.inner, outer: single.outer, count: 1 }];
  for (const r of ranges) {
    const innerHit = single.inner >= r.inner && single.inner < r.inner + r.count;
    const outerHit = single.outer >= r.outer && single.outer < r.outer + r.count;
    if (!innerHit && !outerHit) {
      out.push({ ...r });
      continue;
    }
    const kept = r.count - 1;
    const innerCut = innerHit ? single.inner - r.inner : Infinity;
    const outerCut = outerHit ? single.outer - r.outer : Infinity;
    const cuts = [...new Set([0, innerCut, outerCut, kept])].filter((k) => k >= 0 && k <= kept).sort((a, b) => a - b);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const k = cuts[i];
      out.push({
        inner: r.inner + k + (k >= innerCut ? 1 : 0),
        outer: r.outer + k + (k >= outerCut ? 1 : 0),
        count: cuts[i + 1] - k,
      });
    }
  }
  return out;
}

export function formatMap(ranges: IdRange[]): string {
  return ranges.map((r) => `${r.inner} ${r.outer} ${r.count}\n`).join('');
}
