/**
 * Churn: while processes and namespaces appear and vanish by the hundred (unshare'd sleeps with new
 * UTS, IPC, mount and some network namespaces, fd holders, short-lived multi-threaded processes),
 * `tsns ls` runs over and over in table, raw and JSON form. It must never fail and never print a half
 * row: every run exits 0 with nothing on stderr, every JSON document parses, every raw line has every
 * column, and every row that shows a PID also shows its PPID, USER and COMMAND. Bounded in time.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');
const TSNS = path.join(repoRoot, 'bin', 'tsns');
const CHURN_SECONDS = 12;
const TYPES = new Set(['mnt', 'net', 'ipc', 'user', 'pid', 'uts', 'cgroup', 'time']);

/** One churning loop: batches of short-lived processes in fresh namespaces, forever. */
const CHURN_SCRIPT = `
while :; do
  for i in $(seq 40); do
    unshare -u -i -m sleep 0.$((RANDOM % 9 + 1)) &
  done
  for i in $(seq 8); do
    sh -c 'exec sleep 0.3 3</proc/self/ns/uts 4</proc/self/ns/net' &
  done
  # Network namespaces are torn down by a kernel worker, slowly: a few per batch, not dozens.
  for i in $(seq 3); do
    unshare -n -u sleep 0.$((RANDOM % 9 + 1)) &
  done
  "$NODE" -e 'const {Worker}=require("node:worker_threads");for(let i=0;i<3;i++)new Worker("setTimeout(()=>{},150)",{eval:true});setTimeout(()=>{},200)' &
  sleep 0.2
  wait
done`;

/** Processes forked on this host since boot (/proc/stat): how much the churn churned, whatever the load. */
function forks(): number {
  return Number(/^processes (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]);
}

function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      resolve();
    }
  });
}

interface JsonRow {
  ns: number;
  type: string;
  nprocs: number;
  pid: number | null;
  ppid: number | null;
  user: string | null;
  command: string | null;
  sources: string[];
  children?: JsonRow[];
}

function checkJsonRows(rows: JsonRow[], where: string): number {
  let n = 0;
  for (const r of rows) {
    n++;
    assert.ok(Number.isInteger(r.ns) && r.ns > 0, `${where}: bad NS ${JSON.stringify(r)}`);
    assert.ok(TYPES.has(r.type), `${where}: bad TYPE ${JSON.stringify(r)}`);
    assert.ok(Number.isInteger(r.nprocs) && r.nprocs >= 0, `${where}: bad NPROCS ${JSON.stringify(r)}`);
    assert.ok(Array.isArray(r.sources) && r.sources.length > 0, `${where}: no SOURCES ${JSON.stringify(r)}`);
    if (r.pid !== null) {
      assert.ok(r.ppid !== null && r.user !== null && r.command !== null, `${where}: half row ${JSON.stringify(r)}`);
    }
    if (r.nprocs > 0) assert.ok(r.pid !== null, `${where}: members but no PID ${JSON.stringify(r)}`);
    if (r.children) n += checkJsonRows(r.children, where);
  }
  return n;
}

describe('churn: tsns ls while namespaces come and go', function () {
  this.timeout(CHURN_SECONDS * 1000 + 30000);
  const churners: ChildProcess[] = [];

  after(async function () {
    await Promise.all(churners.map(killGroup));
  });

  it(`never fails and never prints a half row (${CHURN_SECONDS} s)`, async function () {
    for (let i = 0; i < 2; i++) {
      churners.push(spawn('bash', ['-c', CHURN_SCRIPT], { detached: true, stdio: 'ignore', env: { ...process.env, NODE: process.execPath } }));
    }
    await new Promise((r) => setTimeout(r, 1000)); // let the churn build up
    const forksBefore = forks();
    const deadline = Date.now() + CHURN_SECONDS * 1000;
    const forms = [
      ['-J', '--output-all'],
      ['-J', '--tree=owner', '-o', 'NS,TYPE,NPROCS,PID,PPID,USER,COMMAND,SOURCES'],
      ['-r', '-o', 'NS,TYPE,NPROCS,PID,PPID,USER,COMMAND,SOURCES,CONTAINER'],
      ['-l', '-o', 'NS,TYPE,NPROCS,PID,USER,COMMAND'],
      [],
    ];
    let runs = 0;
    let rowsSeen = 0;
    let maxProcs = 0;
    while (Date.now() < deadline) {
      const args = forms[runs % forms.length];
      // Every other run with the fd/thread walk's worker thread forced on, whatever the process count.
      const env = runs % 2 === 1 ? { ...process.env, TSNS_WORKER_MIN_PROCS: '1' } : process.env;
      const r = spawnSync(process.execPath, [TSNS, 'ls', ...args], { encoding: 'utf8', timeout: 20000, maxBuffer: 64 << 20, env });
      const where = `tsns ls ${args.join(' ')} (run ${runs}${runs % 2 === 1 ? ', worker' : ''})`;
      assert.equal(r.status, 0, `${where}: exit ${r.status} signal ${r.signal}: ${r.stderr}`);
      assert.equal(r.stderr, '', where);
      if (args[0] === '-J') {
        const doc = JSON.parse(r.stdout) as { namespaces: JsonRow[] };
        rowsSeen += checkJsonRows(doc.namespaces, where);
      } else if (args[0] === '-r') {
        // Raw: blanks inside values are escaped, so a line is exactly one field per column.
        assert.ok(r.stdout.endsWith('\n'), `${where}: output ends mid-line`);
        for (const line of r.stdout.slice(0, -1).split('\n').slice(1)) {
          const f = line.split(' ');
          assert.equal(f.length, 9, `${where}: ${JSON.stringify(line)}`);
          assert.ok(/^\d+$/.test(f[0]) && TYPES.has(f[1]) && /^\d+$/.test(f[2]), `${where}: ${JSON.stringify(line)}`);
          if (f[3] !== '') assert.ok(f[4] !== '' && f[5] !== '' && f[6] !== '', `${where}: half row ${JSON.stringify(line)}`);
          assert.notEqual(f[7], '', `${where}: no SOURCES ${JSON.stringify(line)}`);
          rowsSeen++;
        }
      } else {
        // Table: NS TYPE NPROCS, PID, USER, COMMAND: a PID comes with its COMMAND; USER is always there
        // (a namespace no process is in shows its owner).
        const lines = r.stdout.trimEnd().split('\n');
        assert.match(lines[0], /^\s*NS TYPE\s+NPROCS\s+PID USER\s+COMMAND\s*$/, where);
        for (const line of lines.slice(1)) {
          const m = /^\s*(\d+) (\w+)\s+(\d+)\s+(?:(\d+)\s+)?(\S+)(?:\s+(\S.*?))?\s*$/.exec(line);
          assert.ok(m && TYPES.has(m[2]), `${where}: ${JSON.stringify(line)}`);
          assert.equal(m[4] === undefined, m[6] === undefined, `${where}: half row ${JSON.stringify(line)}`);
          rowsSeen++;
        }
      }
      runs++;
      maxProcs = Math.max(maxProcs, fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length);
    }
    // The churn must have been real and the scans many. Counted in processes made, not alive at once:
    // with the CPUs busy elsewhere the loops run slower, and fewer of their sleeps overlap.
    const made = forks() - forksBefore;
    assert.ok(runs >= 5, `only ${runs} scans`);
    assert.ok(made > 500, `only ${made} processes made: the churn did not churn`);
    assert.ok(rowsSeen > runs * 50, `rows seen ${rowsSeen}`);
    console.log(`      ${runs} scans, ${rowsSeen} rows, ${made} processes made, up to ${maxProcs} at once`);
  });
});
