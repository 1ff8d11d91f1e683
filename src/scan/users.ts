/**
 * The password database, parsed in one place: uid -> user name (read once, on first use; an id with no
 * entry is shown as the number, as lsns shows it), and every entry with its home (rootless engines keep
 * their state there).
 */
import { readFileSync } from 'node:fs';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

let entries: PasswdEntry[] | undefined;
let names: Map<number, string> | undefined;

/** /etc/passwd's entries, the first one of each uid only (as getpwuid returns it). */
export function passwdEntries(): readonly PasswdEntry[] {
  if (entries) return entries;
  let text = '';
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // no password database: numbers only
  }
  const seen = new Set<number>();
  entries = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = Number(f[2]);
    if (f.length < 3 || !Number.isInteger(uid) || seen.has(uid)) continue;
    seen.add(uid);
    entries.push({ name: f[0], uid, gid: Number(f[3]), home: f[5] ?? '' });
  }
  return entries;
}

export function userName(uid: number): string {
  names ??= new Map(passwdEntries().map((u) => [u.uid, u.name]));
  return names.get(uid) ?? String(uid);
}
