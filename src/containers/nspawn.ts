/**
 * systemd-nspawn machines: systemd-machined's record /run/systemd/machines/NAME (NAME=, LEADER= the
 * init's PID, ROOT=, CLASS=container|vm, SCOPE= the unit), and, for machines that were not registered
 * (--register=no), the running systemd-nspawn processes themselves (-M/--machine, else the basename of
 * -D/--directory, as nspawn names them), whose child is the machine's init.
 */
import { basename, join } from 'node:path';
import { hostOf } from './host';
import { argValue, listDir, readStateFile } from './read';
import type { Container, Engine } from './types';

const MACHINES = '/run/systemd/machines';

/** machined's env-style file: KEY=VALUE lines, values optionally quoted, with C escapes. */
export function parseMachineFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0 || line.startsWith('#')) continue;
    let v = line.slice(eq + 1);
    if (/^(["']).*\1$/.test(v)) v = v.slice(1, -1);
    out[line.slice(0, eq)] = v.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, e: string) => (e[0] === 'x' ? String.fromCharCode(parseInt(e.slice(1), 16)) : e));
  }
  return out;
}

export const nspawnEngine: Engine = {
  name: 'nspawn',
  discover(ctx) {
    const out: Container[] = [];
    for (const e of listDir(MACHINES, ctx) ?? []) {
      if (!e.isFile() || e.name.includes(':')) continue; // unit:NAME entries are links to the same machine
      const text = readStateFile(join(MACHINES, e.name), ctx);
      if (!text) continue;
      const m = parseMachineFile(text);
      if (m.CLASS && m.CLASS !== 'container') continue;
      const name = m.NAME || e.name;
      const c: Container = { engine: 'nspawn', id: name, name, labels: {}, stateDir: join(MACHINES, e.name) };
      const pid = Number(m.LEADER);
      if (Number.isInteger(pid) && pid > 0) c.pid = pid;
      if (m.ROOT) c.rootfs = m.ROOT;
      if (m.SCOPE) c.labels.unit = m.SCOPE;
      if (m.SERVICE) c.labels.service = m.SERVICE;
      out.push(c);
    }
    const host = hostOf(ctx);
    for (const m of host.monitors()) {
      if (m.comm !== 'systemd-nspawn' || !m.children.length) continue;
      const dir = argValue(m.argv, '-D', '--directory');
      const name = argValue(m.argv, '-M', '--machine') ?? (dir ? basename(dir) : undefined);
      if (!name) continue;
      const c: Container = { engine: 'nspawn', id: name, name, pid: m.children[0], labels: {} };
      if (dir) c.rootfs = dir;
      out.push(c);
    }
    return out;
  },
};
