/**
 * `tsns ls` against the installed util-linux lsns on the same host, with namespaces this test makes.
 * Outputs are compared byte for byte where both are deterministic (-p of a test process, NSID of a test
 * namespace), and as data (-J rows of the test's namespaces, with their place in the tree) for the whole
 * host, where other processes come and go between the two runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TSNS, assertBadInput, flatten, lsns, tsns, tsnsHere, type JsonRow } from './helpers/ls';
import { addNetns, killAll, removeAllNetns, startProcess, unshareProcess, type NetnsPin, type NsProcess } from './helpers/ns';
import { NS_TYPES, type NsType } from '../src/sys/constants';
import { scan } from '../src/index';

/** Both commands, both succeeding; returns [lsns stdout, tsns stdout]. `here`: tsns ls in this process
 *  (the same plan, scan and rendering, without a Node start-up per form). */
function both(args: string[], here = false): [string, string] {
  const a = lsns(args);
  const b = here ? tsnsHere(args) : tsns(args);
  assert.equal(a.status, 0, `lsns ${args.join(' ')}: ${a.stderr}`);
  assert.equal(b.status, 0, `tsns ls ${args.join(' ')}: ${b.stderr}`);
  assert.equal(b.stderr, '');
  return [a.stdout, b.stdout];
}

describe('tsns ls (parity with util-linux lsns)', function () {
  this.timeout(60000);

  let a: NsProcess; // every type but user, with a process tree in its own pid namespace
  let b: NsProcess; // a user namespace owning uts and pid namespaces
  let ghost: NsProcess; // in a user namespace whose parent user namespace has no process
  let pinned: NsProcess; // in a netns pinned twice (ip netns + a bind mount), with a NETNSID of its own
  let netnsid = 0; // that NETNSID: one no other suite on this host holds (ids are per network namespace)
  let weird: NsProcess; // a command line with blanks, a backslash, a control character and UTF-8
  let stranger: NsProcess; // uid with no passwd entry
  let persistent: NetnsPin; // a netns with no process at all
  let netns: NetnsPin;
  let tmp: string;
  let bindPath: string;
  const ours = new Set<number>();
  const tag = process.pid;

  before(async function () {
    this.timeout(30000);
    a = await unshareProcess(
      ['--fork', '--pid', '--mount-proc', '--uts', '--ipc', '--net', '--mount', '--cgroup', '--time'],
      ['sh', '-c', 'sh -c "sleep 1001 & wait" & sleep 1001 & wait'],
    );
    b = await unshareProcess(['--user', '--map-root-user', '--fork', '--pid', '--uts'], ['sh', '-c', 'sleep 1002 & wait']);
    ghost = await unshareProcess(['--user', '--map-root-user'], ['unshare', '--user', 'sleep', '1003'], { ready: 'sleep 1003' });
    weird = await unshareProcess(['--user'], ['bash', '-c', 'exec -a "we ird\\x\tn\x01ame\u00e9" sleep 1005'], { ready: 'we ird\\x\tn\x01ame\u00e9 1005' });
    stranger = await unshareProcess(['--user'], ['sleep', '1006'], { prefix: ['setpriv', '--reuid', '12345', '--regid', '12345', '--clear-groups'] });
    netns = addNetns(`tsns-ls-${tag}`);
    // Another run of this suite may hold an id at the same time: take the first free one from ours on.
    for (netnsid = 77 + (process.pid % 900); spawnSync('ip', ['netns', 'set', netns.name, String(netnsid)]).status !== 0; netnsid++) {
      assert.ok(netnsid < 77 + (process.pid % 900) + 64, 'no free NETNSID');
    }
    tmp = mkdtempSync(join(tmpdir(), 'tsns-ls-'));
    bindPath = join(tmp, 'net');
    writeFileSync(bindPath, '');
    assert.equal(spawnSync('mount', ['--bind', netns.path, bindPath]).status, 0);
    pinned = await startProcess(['ip', 'netns', 'exec', netns.name, 'sleep', '1004'], 'sleep 1004');
    persistent = addNetns(`tsns-ls-p-${tag}`);
    // Wait for a's process tree (sh, sh, sleep, sleep) to be complete.
    const deadline = Date.now() + 5000;
    while (scan({ types: ['pid'], details: 'none', relations: false, netnsid: false }).namespaces.get(a.ns('pid'))?.pids.length !== 4) {
      if (Date.now() > deadline) throw new Error('process tree of fixture a did not come up');
      await new Promise((r) => setTimeout(r, 20));
    }
    const host = new Set(NS_TYPES.map((t) => Number(spawnSync('stat', ['-L', '-c', '%i', `/proc/self/ns/${t}`], { encoding: 'utf8' }).stdout)));
    for (const p of [a, b, ghost, weird, stranger, pinned]) for (const t of NS_TYPES) if (!host.has(p.ns(t))) ours.add(p.ns(t));
  });

  after(async function () {
    this.timeout(20000);
    await killAll();
    if (bindPath) spawnSync('umount', ['-l', bindPath]);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    removeAllNetns();
  });

  const allColumns = 'NS,TYPE,PATH,NPROCS,PID,PPID,COMMAND,UID,USER,NETNSID,NSFS,PNS,ONS';

  for (const mode of [[], ['-l'], ['-T'], ['--tree=parent'], ['--tree=process'], ['-Towner']]) {
    it(`lists the test's namespaces as lsns does, whole host, ${mode.join(' ') || 'default tree'} (-J, every column)`, () => {
      const [l, t] = both(['-J', '-o', allColumns, ...mode]);
      const lr = flatten(l, 'ns');
      const tr = flatten(t, 'ns');
      let compared = 0;
      for (const id of ours) {
        assert.ok(lr.has(id), `lsns lists ${id}`);
        assert.ok(tr.has(id), `tsns lists ${id}`);
        assert.deepEqual(tr.get(id), lr.get(id), `namespace ${id}`);
        compared++;
      }
      assert.ok(compared >= 15, `compared ${compared} namespaces`);
    });
  }

  const pidVariants: string[][] = [
    [],
    ['-l'],
    ['-r'],
    ['-n'],
    ['-J'],
    ['-T'],
    ['--tree=owner'],
    ['-Tparent'],
    ['-l', '-o', 'NS,TYPE,PID'],
    ['-W'],
    ['-u'],
    ['-r', '-T'],
    ['-J', '-Tparent'],
    ['-o', 'NS,TYPE,PATH,PNS,ONS'],
    ['-o', '+PPID,UID,PATH'],
    ['-o', 'ns,command,type'],
    ['-n', '-l', '-o', 'NS,USER,UID'],
  ];

  it('prints exactly what lsns prints for -p PID (tables, raw, JSON, trees, -o, -n, -l, -W, -u)', function () {
    // 37 pairs, each a scan of the whole host by both: lsns 2.38 is quadratic in processes (about 1 s a
    // pair on a host of 2,500, a few ms on a quiet one).
    this.timeout(120000);
    let n = 0;
    // Every form for fixture a (every type but user), a few for the others: the forms exercise the
    // rendering, the fixtures the data; each pair is a scan of the whole host by both commands.
    const fewer = new Set(['', '-J', '-Tparent', '-n -l -o NS,USER,UID']);
    for (const p of [a, b, ghost, weird, stranger, pinned]) {
      const variants = p === a ? pidVariants : pidVariants.filter((v) => fewer.has(v.join(' ')));
      // Limit to the types each fixture made, so NPROCS of host namespaces (which change) stays out.
      const types = NS_TYPES.filter((t) => ours.has(p.ns(t)));
      for (const v of variants) {
        // An owner/parent tree shows ancestors; lsns 2.38 adds them whatever -t says (2.42 keeps to -t):
        // ask for user namespaces too, and leave NPROCS (of the host's) out.
        const relationTree = v.some((x) => /^(-T|--tree)(=?(owner|parent))?$/.test(x) || x === '-Tparent');
        const typeArgs = (relationTree && !types.includes('user') ? [...types, 'user'] : types).flatMap((t) => ['-t', t]);
        const cols = relationTree && !v.includes('-o') ? ['-o', 'NS,TYPE,PID,PPID,USER,COMMAND,PNS,ONS'] : [];
        const args = ['-p', String(p.pid), ...typeArgs, ...cols, ...v];
        // The command itself for the default form; the other forms in this process (one scan each, no
        // Node start-up: a loaded host made this test take 44 s).
        const [l, t] = both(args, v.length > 0);
        assert.equal(t, l, `lsns ${args.join(' ')}`);
        n++;
      }
    }
    assert.equal(n, pidVariants.length + 5 * fewer.size);
  });

  it('prints exactly what lsns prints for -p PID with host namespaces (columns without NPROCS)', () => {
    for (const p of [a, b]) {
      for (const v of [[], ['-T'], ['-Tparent'], ['-r'], ['-J'], ['--output-all']]) {
        const cols =
          v[0] === '--output-all'
            ? ['-o', 'NS,TYPE,PATH,PID,PPID,COMMAND,UID,USER,NETNSID,NSFS,PNS,ONS', '-l']
            : ['-o', 'NS,TYPE,PID,PPID,USER,COMMAND,PNS,ONS'];
        const args = ['-p', String(p.pid), ...cols, ...v.filter((x) => x !== '--output-all')];
        const [l, t] = both(args, v.length > 0);
        assert.equal(t, l, `lsns ${args.join(' ')}`);
      }
    }
  });

  it("--output-all: every column, no tree; lsns's columns hold lsns's values", () => {
    const args = ['--output-all', '-p', String(pinned.pid), '-t', 'net'];
    const [l, t] = both(args);
    // tsns has columns lsns lacks (at the end); lsns's part of each line is the same.
    const lsnsHeader = l.split('\n')[0];
    assert.ok(t.split('\n')[0].startsWith(lsnsHeader.trimEnd()));
    for (const c of ['NS', 'TYPE', 'PATH', 'NPROCS', 'PID', 'PPID', 'COMMAND', 'UID', 'USER', 'NETNSID', 'NSFS', 'PNS', 'ONS'])
      assert.match(t.split('\n')[0], new RegExp(`\\b${c}\\b`));
    const [lj, tj] = both([...args, '-J']);
    const lrow = (JSON.parse(lj) as { namespaces: JsonRow[] }).namespaces;
    const trow = (JSON.parse(tj) as { namespaces: JsonRow[] }).namespaces;
    assert.equal(trow.length, lrow.length);
    for (let i = 0; i < lrow.length; i++) {
      assert.equal(trow[i].children, undefined); // --output-all is a list, as lsns
      for (const key of Object.keys(lrow[i])) assert.deepEqual(trow[i][key], lrow[i][key], key);
    }
  });

  it('NETNSID and NSFS: the id ip netns set gave, both pins (multi-line; comma with -W and -r)', () => {
    const args = ['-p', String(pinned.pid), '-t', 'net'];
    const [l, t] = both(args);
    assert.equal(t, l);
    const lines = t.split('\n');
    assert.match(lines[1], new RegExp(`^${pinned.ns('net')} net\\s+1\\s+${pinned.pid} root\\s+${netnsid} /run/netns/${netns.name} `));
    assert.equal(lines[2].trim(), bindPath);
    const [lw, tw] = both([...args, '-W']);
    assert.equal(tw, lw);
    assert.ok(tw.includes(`/run/netns/${netns.name},${bindPath}`));
    const j = JSON.parse(tsns([...args, '-J']).stdout) as { namespaces: JsonRow[] };
    assert.equal(j.namespaces[0].netnsid, String(netnsid));
    assert.equal(j.namespaces[0].nsfs, `/run/netns/${netns.name}\n${bindPath}`);
  });

  it('NSID: the processes of one namespace, as a process tree or list (PID, PPID, USER, COMMAND)', () => {
    const nsid = String(a.ns('pid'));
    for (const v of [[], ['-l'], ['-r'], ['-J'], ['-n'], ['-o', '+PATH,NS,UID'], ['-T'], ['-r', '-o', 'PID,COMMAND'], ['-u', '-W']]) {
      const [l, t] = both([...v, nsid]);
      assert.equal(t, l, `lsns ${[...v, nsid].join(' ')}`);
    }
    const tree = tsns([nsid]).stdout.split('\n');
    assert.match(tree[0], /^\s*PID\s+PPID USER COMMAND$/);
    assert.equal(tree.length, 6); // header, 4 processes, final newline
    assert.match(tree.join('\n'), /├─sh -c sleep 1001 & wait\n.*│ └─sleep 1001\n.*└─sleep 1001\n$/);
    // The user namespace with the ghost parent, by NSID.
    const [l, t] = both([String(ghost.ns('user'))]);
    assert.equal(t, l);
  });

  it('-t TYPE (repeatable) limits the listing; net adds NETNSID and NSFS to the defaults', () => {
    for (const types of [['uts'], ['net'], ['pid', 'user'], ['mnt', 'cgroup', 'time', 'ipc']]) {
      const args = types.flatMap((t) => ['-t', t]);
      const out = JSON.parse(tsns([...args, '-J', '-l']).stdout) as { namespaces: JsonRow[] };
      assert.ok(out.namespaces.length > 0);
      for (const row of out.namespaces) assert.ok(types.includes(row.type as string), `${row.type} not in ${types.join(',')}`);
      for (const p of [a, b]) for (const t of types as NsType[]) if (ours.has(p.ns(t))) assert.ok(out.namespaces.some((r) => r.ns === p.ns(t)));
    }
    const header = tsns(['-t', 'net', '-p', String(pinned.pid)]).stdout.split('\n')[0];
    assert.match(header, /^\s+NS TYPE NPROCS\s+PID USER\s+NETNSID NSFS\s+COMMAND$/);
  });

  it('-P lists the namespaces no process is in (a pin), with NPROCS 0 and its path', () => {
    const out = JSON.parse(tsns(['-P', '-J', '-o', 'NS,TYPE,NPROCS,PID,NSFS,NETNSID,USER']).stdout) as { namespaces: JsonRow[] };
    const row = out.namespaces.find((r) => r.ns === persistent.id);
    assert.ok(row, `pinned netns ${persistent.id} listed`);
    assert.deepEqual(row, { ns: persistent.id, type: 'net', nprocs: 0, pid: null, nsfs: persistent.path, netnsid: 'unassigned', user: 'root' });
    for (const r of out.namespaces) assert.equal(r.nprocs, 0);
    assert.ok(!out.namespaces.some((r) => r.ns === a.ns('uts')));
    // Without -P it is listed too (lsns 2.42 lists pinned namespaces), after the ones with processes.
    const all = flatten(tsns(['-J', '-l']).stdout, 'ns');
    assert.equal(all.get(persistent.id)?.row.nprocs, 0);
  });

  it('-H/--list-columns lists every column with its JSON type (table, raw, JSON)', () => {
    const table = tsns(['-H']).stdout;
    for (const name of ['NS', 'TYPE', 'PATH', 'NPROCS', 'PID', 'PPID', 'COMMAND', 'UID', 'USER', 'NETNSID', 'NSFS', 'PNS', 'ONS']) {
      assert.match(table, new RegExp(`^\\s*${name} <(integer|string)>\\s+\\S`, 'm'));
    }
    assert.match(table, /^\s+NS <integer> namespace identifier \(inode number\)$/m);
    const json = JSON.parse(tsns(['-H', '-J']).stdout) as Record<string, { holder: string; type: string }[]>;
    assert.deepEqual(json['lsns-columns'].find((c) => c.holder === 'PNS')?.type, '<integer>');
    assert.match(tsns(['-H', '-r']).stdout, /^COMMAND <string> command\\x20line\\x20of\\x20the\\x20PID$/m);
  });

  it('--color: never on a pipe by default; always/never, NO_COLOR and FORCE_COLOR honoured; never in JSON', () => {
    const args = ['-p', String(a.pid), '-t', 'uts', '-t', 'pid'];
    const esc = new RegExp(String.fromCharCode(27) + '\\[');
    assert.doesNotMatch(tsns(args).stdout, esc);
    assert.match(tsns([...args, '--color=always']).stdout, esc);
    assert.match(tsns([...args, '--color=always'], { NO_COLOR: '1' }).stdout, esc);
    assert.doesNotMatch(tsns([...args, '--color=never'], { FORCE_COLOR: '1' }).stdout, esc);
    assert.match(tsns(args, { FORCE_COLOR: '1' }).stdout, esc);
    assert.doesNotMatch(tsns(args, { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout, esc);
    assert.match(tsns([...args, '--color'], { FORCE_COLOR: '1' }).stdout, esc);
    assert.doesNotMatch(tsns([...args, '--color=always', '-J']).stdout, esc);
    assert.doesNotMatch(tsns([...args, '--color=always', '-r']).stdout, esc);
    // Colour changes nothing but the escapes.
    assert.equal(tsns([...args, '--color=always']).stdout.replace(new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g'), ''), tsns(args).stdout);
  });

  it('on a terminal, COMMAND is cut to the width as lsns cuts it; -u keeps it whole', () => {
    // NO_COLOR: on a terminal tsns would colour its header; lsns never does.
    const pty = (c: string): string =>
      spawnSync('script', ['-qec', `stty cols 70; ${c}`, '/dev/null'], {
        encoding: 'utf8',
        env: { ...process.env, LANG: 'C.UTF-8', NO_COLOR: '1' },
      }).stdout.replace(/\r/g, '');
    for (const args of [
      `-p ${weird.pid} -t user -o NS,TYPE,PID,USER,COMMAND`,
      `-p ${a.pid} -t uts`,
      `-p ${b.pid} -t user -t uts -t pid -T -o NS,TYPE,PID,USER,COMMAND`,
    ]) {
      for (const extra of ['', ' -u']) {
        const l = pty(`lsns ${args}${extra}`);
        const t = pty(`${TSNS} ls ${args}${extra}`);
        assert.ok(l.length > 0);
        assert.equal(t, l, `terminal output of ${args}${extra}`);
        const widest = Math.max(...t.split('\n').map((line) => [...line].length));
        if (extra === '') assert.ok(widest <= 70, `fits 70 columns: ${widest}`);
      }
    }
  });

  it('bad input: one tsns: line on stderr, exit 1, no stack', () => {
    assertBadInput(['-t', 'bogus'], /unknown namespace type: bogus/);
    assertBadInput(['-o', 'NS,BOGUS'], /unknown column: BOGUS/);
    assertBadInput(['-o', ''], /column/);
    assertBadInput(['--bogus'], /unrecognized option '--bogus'/);
    assertBadInput(['-x'], /invalid option -- 'x'/);
    assertBadInput(['-p', 'abc'], /invalid PID argument: 'abc'/);
    assertBadInput(['-p', '4000000'], /no process with PID 4000000/);
    assertBadInput(['-p'], /requires an argument/);
    assertBadInput(['123'], /not found namespace: 123/);
    assertBadInput(['abc'], /invalid namespace argument: 'abc'/);
    assertBadInput(['-J', '-r'], /mutually exclusive/);
    assertBadInput(['-l', '-T'], /mutually exclusive/);
    assertBadInput(['-P', '-p', '1'], /mutually exclusive/);
    assertBadInput(['-p', '1', String(a.ns('uts'))], /--task is mutually exclusive with <namespace>/);
    assertBadInput(['--tree=sideways'], /unknown tree type: sideways/);
    assertBadInput(['--color=sometimes'], /unsupported color mode: sometimes/);
    assertBadInput(['-t', 'uts', String(a.ns('net'))], /not found namespace/);
  });

  it('-h prints usage naming every option; lsns exits the same way for -p of an unreadable PID 1', () => {
    const help = tsns(['-h']);
    assert.equal(help.status, 0);
    assert.match(tsns(['-V']).stdout, /^tsns ls \d+\.\d+\.\d+\n$/);
    for (const opt of [
      '--json',
      '--list',
      '--noheadings',
      '--output',
      '--output-all',
      '--persistent',
      '--task',
      '--raw',
      '--notruncate',
      '--nowrap',
      '--type',
      '--tree',
      '--list-columns',
      '--color',
      '--help',
    ]) {
      assert.ok(help.stdout.includes(opt), opt);
    }
    // PID 1 here: readlink /proc/1/ns/* is EACCES even for root. Quietly nothing, as lsns.
    const [l, t] = both(['-p', '1']);
    assert.equal(t, l);
    const [lr, tr] = both(['-p', '1', '-r']);
    assert.equal(tr, lr);
    const [lj, tj] = both(['-p', '1', '-J']);
    assert.equal(tj, lj);
  });

  it('kernel threads show their name (kthreadd), and the library scan() returns the same model', () => {
    const [l, t] = both(['-p', '2', '-o', 'NS,TYPE,PID,PPID,COMMAND,USER']);
    assert.equal(t, l);
    assert.match(t, /kthreadd/);
    const model = scan();
    const proc = model.processes.get(a.pid);
    assert.ok(proc);
    assert.equal(proc.command, 'sh -c sh -c "sleep 1001 & wait" & sleep 1001 & wait');
    assert.equal(proc.ns.uts, a.ns('uts'));
    const uts = model.namespaces.get(a.ns('uts'));
    assert.deepEqual(uts?.pids, [a.holderPid, ...(model.namespaces.get(a.ns('pid'))?.pids ?? [])]); // unshare and its 4
    assert.equal(uts?.owner, a.ns('user'));
    assert.equal(model.namespaces.get(pinned.ns('net'))?.netnsid, netnsid);
    assert.equal(model.namespaces.get(ghost.ns('user'))?.parent !== undefined, true);
  });
});
