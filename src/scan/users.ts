/**
 * uid -> user name, from /etc/passwd (read once, on first use). An id with no entry is shown as the
 * number, as lsns shows it.
 */
import { readFileSync } from 'node:fs';

let names: Map<number, string> | undefined;

function load(path: string): Map<number, string> {
  const map = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return map;
  }
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 3) continue;
    const uid = Number(fields[2]);
    // The first entry for a uid wins, as getpwuid returns it.
    if (Number.isInteger(uid) && !map.has(uid)) map.set(uid, fields[0]);
  }
  return map;
}

export function userName(uid: number): string {
  names ??= load('/etc/passwd');
  return names.get(uid) ?? String(uid);
}
