/**
 * nsfs bind mounts ("pins") in a mountinfo file: every line whose filesystem type is nsfs. Its root
 * field names the namespace (`net:[4026532180]`), its mount point is where it is pinned.
 */
import { readFileSync } from 'node:fs';
import { isNsType, type NsType } from '../sys/constants';

export interface NsfsEntry {
  type: NsType;
  /** Inode of the pinned namespace. */
  id: number;
  /** Mount point, unescaped. */
  path: string;
}

/** Undo mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
export function unescapeMountPath(s: string): string {
  return s.includes('\\') ? s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) : s;
}

export function parseNsfsMounts(text: string): NsfsEntry[] {
  const out: NsfsEntry[] = [];
  let start = 0;
  // Most lines are not nsfs: find candidates by the fstype marker first, then split only those.
  for (;;) {
    const hit = text.indexOf(' - nsfs ', start);
    if (hit < 0) break;
    const lineStart = text.lastIndexOf('\n', hit) + 1;
    const lineEnd = text.indexOf('\n', hit);
    start = lineEnd < 0 ? text.length : lineEnd;
    const fields = text.slice(lineStart, hit).split(' ');
    const root = fields[3] ?? '';
    const bracket = root.indexOf(':[');
    const type = root.slice(0, bracket);
    const id = Number(root.slice(bracket + 2, -1));
    if (bracket < 0 || !isNsType(type) || !Number.isSafeInteger(id) || id <= 0 || fields[4] === undefined) continue;
    out.push({ type, id, path: unescapeMountPath(fields[4]) });
  }
  return out;
}

/** nsfs mounts of a mountinfo file (default: the caller's own mount namespace); [] if unreadable. */
export function readNsfsMounts(path = '/proc/self/mountinfo'): NsfsEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return parseNsfsMounts(text);
}
