/**
 * -Q/--filter: the libsmartcols filter language (parser and evaluator, in process), then `tsns ls -Q` on
 * namespaces this test makes. The installed lsns (2.38) has no -Q: the expectations come from its
 * unfiltered output, filtered here by hand.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { compileRowFilter, evaluateFilter, parseFilter, type FilterCell, type FilterNode } from '../src/report/filter';
import { namespaceColumns } from '../src/report/namespace-columns';
import { planLs, type LsPlan } from '../src/cli/ls';
import { addNetns, killAll, nsInode, removeAllNetns, startProcess, unshareProcess, type NsProcess } from './helpers/ns';
import { childrenOf, waitFor } from './helpers/proc';
import { assertBadInput, flatten, jsonRows, lsns, okOut, tsns, type JsonRow } from './helpers/ls';

/** A made-up row: what each column holds (null: an empty cell). */
const CELLS: Record<string, FilterCell> = {
  NS: { type: 'number', value: 4026532177 },
  TYPE: { type: 'string', value: 'uts' },
  NPROCS: { type: 'number', value: 3 },
  PID: { type: 'number', value: 42 },
  PPID: { type: 'number', value: null },
  NETNSID: { type: 'string', value: null },
  COMMAND: { type: 'string', value: 'sleep 1000' },
  USER: { type: 'string', value: 'root' },
};

const holds = (text: string): boolean => evaluateFilter(parseFilter(text), (name) => CELLS[name.toUpperCase()]);

/** The parse tree, fully parenthesised. */
function shape(n: FilterNode | null): string {
  if (n === null) return '';
  switch (n.kind) {
    case 'column':
      return n.name;
    case 'value':
      return n.type === 'string' ? JSON.stringify(n.value) : String(n.value);
    case 'not':
      return `(!${shape(n.operand)})`;
    case 'and':
    case 'or':
      return `(${shape(n.left)} ${n.kind} ${shape(n.right)})`;
    case 'compare':
      return `(${shape(n.left)} ${n.op} ${shape(n.right)})`;
  }
}

const parsed = (text: string): string => shape(parseFilter(text).root);

describe('filter expressions (-Q, libsmartcols semantics)', () => {
  it('parses every operator spelling', () => {
    for (const [op, spellings] of Object.entries({
      '==': ['==', 'eq', 'EQ'],
      '!=': ['!=', 'ne', 'NE'],
      '>=': ['>=', 'ge', 'GE'],
      '<=': ['<=', 'le', 'LE'],
      '>': ['>', 'gt', 'GT'],
      '<': ['<', 'lt', 'LT'],
    })) {
      for (const s of spellings) assert.equal(parsed(`PID ${s} 1`), `(PID ${op} 1)`, s);
    }
    for (const s of ['&&', 'and', 'AND']) assert.equal(parsed(`a ${s} b`), '(a and b)');
    for (const s of ['||', 'or', 'OR']) assert.equal(parsed(`a ${s} b`), '(a or b)');
    for (const s of ['!', 'not ', 'NOT ']) assert.equal(parsed(`${s}a`), '(!a)');
    assert.equal(parsed('COMMAND =~ \'x\' && COMMAND !~ "y"'), '((COMMAND =~ "x") and (COMMAND !~ "y"))');
    // Whitespace is optional between tokens; words that only start like a keyword are column names.
    assert.equal(parsed('(NPROCS>1)&&(TYPE=="uts")'), '((NPROCS > 1) and (TYPE == "uts"))');
    assert.equal(parsed('andy == order'), '(andy == order)');
    assert.equal(parsed('x.y-z%:/0 == 1'), '(x.y-z%:/0 == 1)');
  });

  it('AND and OR share one precedence, left to right; NOT and comparisons bind tighter (bison grammar)', () => {
    assert.equal(parsed('a || b && c'), '((a or b) and c)');
    assert.equal(parsed('a && b || c'), '((a and b) or c)');
    assert.equal(parsed('a || (b && c)'), '(a or (b and c))');
    assert.equal(parsed('a && b == c'), '(a and (b == c))');
    assert.equal(parsed('a == b && c'), '((a == b) and c)');
    assert.equal(parsed('a == b != c'), '((a == b) != c)');
    assert.equal(parsed('!a == b'), '((!a) == b)');
    assert.equal(parsed('!!a && b'), '((!(!a)) and b)');
    assert.equal(parsed('!(a && b)'), '(!(a and b))');
    // The same order when evaluated: C's precedence would say true.
    assert.equal(holds('true || false && false'), false);
    assert.equal(holds('! TYPE == "uts"'), true); // (!TYPE) == "uts": false == false
    assert.equal(holds('!(TYPE == "uts")'), false);
  });

  it('literals: integers with K..Y size suffixes, floats, quoted strings (trimmed), true/false', () => {
    assert.equal(holds('10K == 10240'), true);
    assert.equal(holds('2KiB == 2048 && 1M == 1048576 && 3G == 3221225472 && 1T == 1099511627776'), true);
    assert.equal(holds('15E > 1P'), true);
    assert.throws(() => parseFilter('16E == 1'), /failed to parse "16E == 1": "16E" .*too large/);
    assert.throws(() => parseFilter('1Z > 0'), /too large/);
    assert.throws(() => parseFilter('NS == 99999999999999999999999'), /failed to parse .*"99999999999999999999999" .*too large/);
    assert.equal(holds('1.5 > 1 && 1.5 < 2 && 0.5 == 0.50'), true);
    assert.equal(holds(`'abc' == "abc" && "  sleep 1000 " == COMMAND`), true);
    assert.equal(holds('"it\'s" == "it\'s"'), true);
    assert.equal(holds('TRUE && true && !FALSE && !false'), true);
  });

  it('types: the literal decides against a column, else the left side; floats win over integers', () => {
    assert.equal(holds('PID == 42 && PID == "42" && PID == 42.0'), true);
    assert.equal(holds('PID < "5"'), true); // as strings: "42" < "5"
    assert.equal(holds('PID < 5'), false);
    assert.equal(holds('PID > 41.5 && NPROCS < 3.01'), true);
    assert.equal(holds('NS > 4026532176 && NS >= 4026532177 && NS <= 4026532177'), true);
    assert.equal(holds('"a" < "b" && "Z" < "a" && "é" > "z" && "😀" > "\uFFFD"'), true); // byte order (UTF-8)
    assert.equal(holds('"10" < "9"'), true); // two strings: as strings
    assert.equal(holds('"10" < 9'), true); // two literals: the left one's type, so "10" < "9"
    assert.equal(holds('9 > "10"'), false); // and here 9 > 10
    assert.equal(holds('TYPE == true'), false); // "uts" is no yes
    assert.throws(() => holds('TYPE == 5'), /^TsnsError: failed to apply filter: .*"uts".*number/);
    assert.throws(() => holds('TYPE > 1.5'), /failed to apply filter/);
  });

  it('empty cells: false for number comparisons, below every string, false as a bare name', () => {
    assert.equal(holds('NETNSID != "0"'), true);
    assert.equal(holds('NETNSID == "0"'), false);
    assert.equal(holds('NETNSID < "0"'), true);
    assert.equal(holds('NETNSID'), false);
    assert.equal(holds('!NETNSID'), true);
    assert.equal(holds('PPID == 0 || PPID != 0 || PPID > 0 || PPID < 1'), false);
    assert.equal(holds('PPID == NETNSID'), false);
    assert.equal(holds('NETNSID == 5'), false); // an empty cell never reaches the conversion
  });

  it('a bare value is true when non-empty, non-zero or true', () => {
    for (const t of ['NPROCS', 'USER', '1', '"x"', 'true', '0.5']) assert.equal(holds(t), true, t);
    for (const t of ['0', '""', 'false', '0.0', 'PPID']) assert.equal(holds(t), false, t);
  });

  it('=~ and !~: unanchored extended regular expressions; POSIX classes work', () => {
    assert.equal(holds('COMMAND =~ "eep"'), true);
    assert.equal(holds('COMMAND =~ "^sle+p [0-9]+$"'), true);
    assert.equal(holds('COMMAND =~ "^[[:alpha:]]+[[:space:]][[:digit:]]{4}$"'), true);
    assert.equal(holds('COMMAND !~ "^eep"'), true);
    assert.equal(holds('COMMAND =~ "SLEEP"'), false);
    assert.equal(holds('NETNSID !~ "."'), true); // an empty cell matches as ""
    assert.equal(holds('NS =~ "^4026"'), true); // a number column matches as its text
    assert.throws(() => parseFilter('COMMAND =~ TYPE'), /failed to parse .*string/);
    assert.throws(() => parseFilter('COMMAND =~ "("'), /failed to parse "COMMAND =~ "\("": .*regular expression/);
  });

  it('AND and OR stop early: the right side is not evaluated (nor converted)', () => {
    assert.equal(holds('false && TYPE == 5'), false);
    assert.equal(holds('true || TYPE == 5'), true);
    assert.equal(holds('PID == 42 || TYPE == 5'), true);
  });

  it('syntax errors name the expression and the reason; an empty expression keeps every row', () => {
    for (const [text, reason] of [
      ['NS ==', /syntax error, unexpected end of expression/],
      ['(NS == 1', /syntax error, unexpected end of expression/],
      ['NS == 1)', /syntax error, unexpected '\)'/],
      ['NS = 1', /unexpected character '='/],
      ['NS == "abc', /unterminated string/],
      ['NS == 1 2', /syntax error, unexpected '2'/],
      ['&& NS', /syntax error, unexpected '&&'/],
      ['   ', /syntax error, unexpected end of expression/],
      ['10k == 1', /syntax error, unexpected 'k'/],
    ] as const) {
      assert.throws(
        () => parseFilter(text),
        (err: Error) => {
          assert.equal(err.name, 'TsnsError');
          assert.ok(err.message.startsWith(`failed to parse "${text}": `), err.message);
          assert.match(err.message, reason);
          assert.ok(!err.message.includes('\n'));
          return true;
        },
      );
    }
    assert.equal(parseFilter('').root, null);
    assert.equal(holds(''), true);
  });

  it('binds column names case-insensitively to the registry; unknown names are an error', () => {
    const lookup = (name: string) => namespaceColumns.find(name);
    const f = compileRowFilter('nprocs > 1 && Type == "uts" && NPROCS < 10', lookup);
    assert.deepEqual(
      f.columns.map((c) => c.name),
      ['NPROCS', 'TYPE'],
    );
    assert.throws(() => compileRowFilter('BOGUS == 1 || NS', lookup), /^TsnsError: unknown column: BOGUS$/);
  });

  it('tsns ls takes -Q EXPR, -QEXPR, --filter EXPR, --filter=EXPR', () => {
    for (const args of [['-Q', 'NPROCS>1'], ['-QNPROCS>1'], ['--filter', 'NPROCS>1'], ['--filter=NPROCS>1'], ['--filt=NPROCS>1']]) {
      const plan = planLs(args, false) as LsPlan;
      assert.equal(plan.filter?.filter.text, 'NPROCS>1', args.join(' '));
      assert.deepEqual(
        plan.columns.map((c) => c.name),
        ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', 'COMMAND'],
      ); // hidden ones are not shown
    }
    const hidden = planLs(['-o', 'NS,TYPE', '-Q', 'USER == "root" && NETNSID'], false) as LsPlan;
    assert.deepEqual(
      hidden.columns.map((c) => c.name),
      ['NS', 'TYPE'],
    );
    assert.deepEqual(
      hidden.filter?.columns.map((c) => c.name),
      ['USER', 'NETNSID'],
    );
  });
});

describe('tsns ls -Q/--filter (real namespaces, against lsns)', function () {
  this.timeout(30000);

  let one: NsProcess; // uts+ipc, one process
  let three: NsProcess; // uts+ipc(+pid): unshare, sh and sleep, a process tree
  let nested: NsProcess; // uts B inside uts A: B's process is the child of A's
  let owned: NsProcess; // a user namespace owning a uts namespace
  let net: NsProcess; // in a netns with NETNSID 78
  let netId: number;
  let sleepOfThree: number;
  const tag = process.pid;

  before(async function () {
    this.timeout(20000);
    one = await unshareProcess(['--uts', '--ipc'], ['sleep', '2101']);
    three = await unshareProcess(['--uts', '--ipc', '--pid', '--fork'], ['sh', '-c', 'sleep 2102 & wait']);
    sleepOfThree = await waitFor('sleep 2102', () => childrenOf(three.pid)[0]);
    nested = await unshareProcess(['--uts', '--pid', '--fork'], ['unshare', '--uts', 'sleep', '2103'], { ready: 'sleep 2103' });
    owned = await unshareProcess(['--user', '--map-root-user', '--uts'], ['sleep', '2104']);
    const pin = addNetns(`tsns-filter-${tag}`);
    assert.equal(spawnSync('ip', ['netns', 'set', pin.name, '78']).status, 0);
    net = await startProcess(['ip', 'netns', 'exec', pin.name, 'sleep', '2105'], 'sleep 2105');
    netId = pin.id;
  });

  after(async function () {
    this.timeout(20000);
    await killAll();
    removeAllNetns();
  });

  const utsOfOurs = (): number[] => [one.ns('uts'), three.ns('uts'), nsInode(nested.holderPid, 'uts'), nested.ns('uts'), owned.ns('uts')];

  it('-Q \'TYPE == "uts"\' prints what -t uts prints (table, raw; the process tree as lsns nests it)', () => {
    for (const extra of [[], ['-r']]) {
      const filtered = okOut(tsns(['-p', String(three.pid), '-Q', 'TYPE == "uts"', ...extra]), 'tsns -Q');
      assert.equal(filtered, okOut(lsns(['-p', String(three.pid), '-t', 'uts', ...extra]), 'lsns -t uts'));
      assert.match(filtered, / uts /);
    }
    // Whole host, as a process tree: our uts namespaces sit where lsns -t uts puts them (B under A).
    const t = flatten(okOut(tsns(['-J', '-Q', 'type == "uts"']), 'tsns -J -Q'), 'ns');
    const l = flatten(okOut(lsns(['-J', '-t', 'uts']), 'lsns -J -t uts'), 'ns');
    for (const { row } of t.values()) assert.equal(row.type, 'uts');
    for (const id of utsOfOurs()) assert.deepEqual(t.get(id), l.get(id), `uts ${id}`);
    assert.equal(t.get(nested.ns('uts'))?.parent, nsInode(nested.holderPid, 'uts'));
  });

  it('filters on hidden columns (NPROCS, PID, COMMAND, USER, NETNSID, ONS) as lsns -J shows them unfiltered', () => {
    const all = jsonRows(okOut(lsns(['-J', '-l', '-o', 'NS,TYPE,NPROCS,PID,COMMAND,USER,NETNSID,ONS']), 'lsns'));
    const ids = (args: string[]): number[] => jsonRows(okOut(tsns(['-J', '-l', '-o', 'NS', ...args]), `tsns ${args.join(' ')}`)).map((r) => r.ns as number);
    const want = (keep: (r: JsonRow) => boolean): number[] => all.filter(keep).map((r) => r.ns as number);

    // NPROCS changes on the host between two runs: compare on the namespaces this test made.
    const ours = new Set([...utsOfOurs(), one.ns('ipc'), three.ns('ipc'), three.ns('pid'), nested.ns('pid'), owned.ns('user'), net.ns('net')]);
    const busy = new Set(ids(['-Q', 'NPROCS > 1']));
    for (const id of ours) assert.equal(busy.has(id), want((r) => r.ns === id && (r.nprocs as number) > 1).length === 1, `NPROCS > 1 for ${id}`);
    assert.ok(busy.has(three.ns('uts')) && !busy.has(one.ns('uts')));

    // PID, COMMAND, USER, NETNSID, ONS of our processes: the same on every run, so the whole host is compared.
    assert.deepEqual(
      ids(['-Q', `PID == ${one.pid}`]),
      want((r) => r.pid === one.pid),
    );
    assert.deepEqual(
      ids(['-Q', `PID == "${one.pid}"`]),
      want((r) => r.pid === one.pid),
    );
    assert.deepEqual(want((r) => r.pid === one.pid).sort(), [one.ns('uts'), one.ns('ipc')].sort());
    const sleeps = want((r) => /^sleep 210[0-9]$/.test(r.command as string) && r.user === 'root');
    assert.deepEqual(ids(['-Q', 'COMMAND =~ "^sleep 210[0-9]$" && USER == "root"']), sleeps);
    assert.ok(sleeps.includes(nested.ns('uts')) && sleeps.includes(net.ns('net')));
    const withId = ids(['-Q', 'NETNSID == "78"']);
    assert.deepEqual(
      withId,
      want((r) => r.netnsid === '78'),
    );
    assert.deepEqual(withId, [netId]);
    const owners = ids(['-Q', `ONS == ${owned.ns('user')}`]);
    assert.deepEqual(
      owners,
      want((r) => r.ons === owned.ns('user')),
    );
    assert.deepEqual(owners, [owned.ns('uts')]);
  });

  it('--tree=owner: a removed namespace leaves its children to its nearest kept ancestor; -J has only kept rows', () => {
    const rootUser = nsInode(process.pid, 'user');
    const l = okOut(lsns(['-J', '--tree=owner', '-o', 'NS,TYPE']), 'lsns');
    const lf = flatten(l, 'ns');
    assert.equal(lf.get(owned.ns('uts'))?.parent, owned.ns('user'));
    assert.equal(lf.get(owned.ns('user'))?.parent, rootUser);
    const keep = (r: JsonRow): boolean => r.ns === rootUser || r.ns === owned.ns('uts');
    const t = okOut(tsns(['-J', '--tree=owner', '-o', 'NS,TYPE', '-Q', `NS == ${rootUser} || NS == ${owned.ns('uts')}`]), 'tsns');
    assert.deepEqual(jsonRows(t), prune(jsonRows(l), keep));
    assert.deepEqual(jsonRows(t), [{ ns: rootUser, type: 'user', children: [{ ns: owned.ns('uts'), type: 'uts' }] }]);
  });

  it('<namespace>: the filter applies to its processes too (columns shown or not)', () => {
    const nsid = String(three.ns('uts'));
    const l = jsonRows(okOut(lsns(['-J', nsid]), 'lsns')); // unshare > sh > sleep
    assert.equal(flatten(JSON.stringify({ namespaces: l }), 'pid').get(sleepOfThree)?.parent, three.pid);
    const t = jsonRows(okOut(tsns(['-J', nsid, '-Q', `PID != ${three.pid}`]), 'tsns'));
    assert.deepEqual(
      t,
      prune(l, (r) => r.pid !== three.pid),
    );
    assert.deepEqual(t, [
      {
        pid: three.holderPid,
        ppid: t[0].ppid,
        user: 'root',
        command: t[0].command,
        children: [{ pid: sleepOfThree, ppid: three.pid, user: 'root', command: 'sleep 2102' }],
      },
    ]);
    assert.equal(okOut(tsns(['-r', '-o', 'PID', nsid, '-Q', 'COMMAND =~ "^sleep"']), 'tsns'), `PID\n${sleepOfThree}\n`);
  });

  it('nothing kept: no output at all (an empty JSON list with -J)', () => {
    assert.equal(okOut(tsns(['-Q', 'NS == 1']), 'tsns'), '');
    assert.deepEqual(jsonRows(okOut(tsns(['-J', '-Q', 'NS == 1']), 'tsns -J')), []);
  });

  it('bad filters: one tsns: line on stderr, exit 1, no stack', () => {
    assertBadInput(['-Q', 'NPROCS >'], /^tsns: failed to parse "NPROCS >": syntax error, unexpected end of expression/);
    assertBadInput(['-Q', '(TYPE == "uts"'], /^tsns: failed to parse "\(TYPE == \\?"uts\\?"": syntax error/);
    assertBadInput(['-Q', 'BOGUS == 1'], /^tsns: unknown column: BOGUS$/);
    assertBadInput(['-Q', 'TYPE == 5'], /^tsns: failed to apply filter: .*"\w+".*number/);
    assertBadInput(['-Q'], /requires an argument/);
  });

  it('--help names -Q, --filter after -p, --task', () => {
    const help = okOut(tsns(['--help']), 'help').split('\n');
    const at = help.findIndex((line) => line.startsWith(' -p, --task'));
    assert.equal(help[at + 1], ' -Q, --filter <expr>    apply display filter');
    assert.match(readFileSync(require.resolve('../../README.md'), 'utf8'), /tsns ls .*-Q '/);
  });
});

/** A -J tree without the rows `keep` refuses; a refused row's children take its place. */
function prune(rows: JsonRow[], keep: (row: JsonRow) => boolean): JsonRow[] {
  const out: JsonRow[] = [];
  for (const row of rows) {
    const { children, ...rest } = row;
    const kids = prune(children ?? [], keep);
    if (!keep(rest)) out.push(...kids);
    else out.push(kids.length > 0 ? { ...rest, children: kids } : rest);
  }
  return out;
}
