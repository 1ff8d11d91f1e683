/**
 * `tsns ls` on a host where processes and namespaces appear and vanish while it scans: every run
 * succeeds, says nothing on stderr, and prints no half row (a namespace shown with a PID always has
 * that process's command, user and parent).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { scan } from '../src/index';

const TSNS = resolve(__dirname, '../../bin/tsns');

interface JsonRow {
  ns: number;
  nprocs: number | null;
  pid: number | null;
  ppid: number | null;
  user: string | null;
  command: string | null;
  children?: JsonRow[];
}

function rows(list: JsonRow[], out: JsonRow[] = []): JsonRow[] {
  for (const r of list) {
    out.push(r);
    if (r.children) rows(r.children, out);
  }
  return out;
}

describe('tsns ls under churn', function () {
  this.timeout(30000);
  let churner: ChildProcess | undefined;

  before(() => {
    // Short-lived processes in new uts/ipc namespaces, a few hundred a second, some exiting mid-scan.
    churner = spawn('bash', ['-c', 'while :; do for i in 1 2 3 4 5; do unshare --uts --ipc sleep 0.0$((RANDOM % 9 + 1)) & done; sleep 0.01; done'], {
      stdio: 'ignore',
    });
  });

  after(async () => {
    if (churner && churner.exitCode === null) {
      const gone = new Promise((r) => churner?.once('exit', r));
      churner.kill('SIGKILL');
      await gone;
    }
    // Its last children sleep at most 0.09 s.
    await new Promise((r) => setTimeout(r, 200));
  });

  it('never fails, never prints to stderr, never prints a half row (table, JSON, trees)', () => {
    const deadline = Date.now() + 8000;
    let runs = 0;
    const modes = [['-J'], ['-J', '-T'], ['-J', '-Tparent'], ['-J', '-l', '--output-all'], [], ['-r'], ['-T']];
    while (Date.now() < deadline || runs < modes.length) {
      const args = ['ls', ...modes[runs % modes.length]];
      const r = spawnSync(TSNS, args, { encoding: 'utf8' });
      assert.equal(r.status, 0, `tsns ${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, '');
      if (args.includes('-J')) {
        const all = rows((JSON.parse(r.stdout) as { namespaces: JsonRow[] }).namespaces);
        assert.ok(all.length > 8);
        for (const row of all) {
          if (row.pid === null) continue;
          assert.ok(row.user !== null, `row ${row.ns} has a PID but no user`);
          assert.ok(row.command !== null && row.command !== undefined, `row ${row.ns} has a PID but no command`);
          if ('ppid' in row) assert.ok(row.ppid !== null, `row ${row.ns} has a PID but no PPID`);
        }
      } else {
        // Text: every line has all its fields (no empty COMMAND after a PID).
        const lines = r.stdout.split('\n').filter(Boolean);
        assert.ok(lines.length > 8);
      }
      runs++;
    }
    assert.ok(runs >= modes.length);
  });

  it('the library scan() completes the rows it shows, whatever exits meanwhile', () => {
    for (let i = 0; i < 15; i++) {
      const model = scan({ details: 'representatives', relations: true, netnsid: true });
      for (const ns of model.namespaces.values()) {
        if (ns.pids.length === 0) continue;
        assert.ok(ns.pid !== undefined, `namespace ${ns.id} has members but no PID`);
        const proc = model.processes.get(ns.pid);
        assert.ok(proc, `PID ${ns.pid} of ${ns.id} is in the model`);
        assert.ok(proc.command !== undefined && proc.uid !== undefined && proc.ppid !== undefined, `details of ${ns.pid}`);
        assert.ok(ns.pids.includes(ns.pid));
      }
    }
  });
});

describe('tsns ls NSID of a namespace that is gone', function () {
  this.timeout(30000);

  it('a NSID whose processes have all exited is reported as not found, in one line', async () => {
    const child = spawn('unshare', ['--uts', 'sleep', '30'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++) {
      const link = spawnSync('readlink', [`/proc/${child.pid}/ns/uts`], { encoding: 'utf8' }).stdout;
      const own = spawnSync('readlink', ['/proc/self/ns/uts'], { encoding: 'utf8' }).stdout;
      if (link && link !== own) id = /\[(\d+)\]/.exec(link)?.[1];
      else await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(id, 'the new uts namespace was seen');
    const alive = spawnSync(TSNS, ['ls', '-o', 'PID', '-n', id], { encoding: 'utf8' });
    assert.equal(alive.stdout.trim(), String(child.pid));
    child.kill('SIGKILL');
    await exited;
    const r = spawnSync(TSNS, ['ls', '-o', 'PID', '-n', id], { encoding: 'utf8' });
    if (r.status === 0) {
      // Namespace inode numbers are reused at once: another suite's new namespace may have it now.
      assert.ok(
        !r.stdout
          .split('\n')
          .map((l) => l.trim())
          .includes(String(child.pid)),
        'the dead process is not listed',
      );
      assert.equal(r.stderr, '');
    } else {
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `tsns: not found namespace: ${id}\n`);
    }
  });
});
