/**
 * Property tests for the parsers that take what a user types: the -Q filter language and the option
 * parser (shared by every command). Inputs come from a seeded generator — near-valid expressions and
 * argument lists built from the real vocabulary, mutated, and plain noise — and every one must end in
 * a valid result or a TsnsError (a `tsns:` line), never another exception, and quickly.
 * TSNS_PROPERTY_SEED and TSNS_PROPERTY_RUNS replay or widen a run; a failure names its seed and input.
 */
import assert from 'node:assert/strict';
import { TsnsError } from '../src/sys/errors';
import { evaluateFilter, parseFilter, compileRowFilter, type FilterCell } from '../src/report/filter';
import { namespaceColumns } from '../src/report/namespace-columns';
import { parseCommandLine, type OptionSpecs } from '../src/cli/args';
import { planLs } from '../src/cli/ls';
import { parseEnterArgs } from '../src/cli/enter';
import { parseRunArgs } from '../src/cli/run';

const SEED = Number(process.env.TSNS_PROPERTY_SEED ?? 20261201);
const RUNS = Number(process.env.TSNS_PROPERTY_RUNS ?? 3000);
/** Per input: parsing a few hundred characters takes microseconds; this bound only catches a hang. */
const SLOW_MS = 250;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function generator(seed: number) {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)];
  const noise = (max: number): string => {
    const alphabet = ' ()!&|=~<>"\'\\-_.,:;[]{}*+?^$#%@`/\t\n\x00\x7faZ09KMiBé€😀';
    return Array.from({ length: int(max) }, () => (next() < 0.9 ? pick([...alphabet]) : String.fromCodePoint(int(0x10ffff)))).join('');
  };
  return { next, int, pick, noise };
}
type Gen = ReturnType<typeof generator>;

/** Throws unless `run()` returns, or throws a TsnsError with a message, in time. Returns whether it
 *  returned (the tests check that both outcomes occur: a generator that only makes errors tests little). */
function holds(what: string, input: unknown, run: () => unknown, slowMs = SLOW_MS): boolean {
  const t0 = performance.now();
  let returned = false;
  try {
    run();
    returned = true;
  } catch (err) {
    if (!(err instanceof TsnsError)) {
      assert.fail(`${what} (seed ${SEED}) threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}\ninput: ${JSON.stringify(input)}`);
    }
    assert.ok(err.message.length > 0, `${what}: empty message for ${JSON.stringify(input)}`);
  }
  const ms = performance.now() - t0;
  assert.ok(ms < slowMs, `${what} (seed ${SEED}) took ${ms.toFixed(0)} ms for ${JSON.stringify(input).slice(0, 200)}`);
  return returned;
}

/** Both outcomes, in a sensible share: `ok` of `runs` inputs gave a result. */
function assertMixed(what: string, ok: number, runs: number): void {
  assert.ok(ok > runs * 0.1 && ok < runs * 0.95, `${what}: ${ok} of ${runs} inputs gave a result`);
}

// ---- -Q

const columns = namespaceColumns.columns;
const NAMES = columns.map((c) => c.name);
const OPERATORS = ['==', '!=', '<', '<=', '>', '>=', '=~', '!~', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'EQ', 'NE', '='];
const LOGIC = ['&&', '||', 'and', 'or', 'AND', 'OR', '&', '|'];

function literal(g: Gen): string {
  switch (g.int(9)) {
    case 0:
      return String(g.int(1e6));
    case 1:
      return `${g.int(100)}${g.pick(['K', 'M', 'G', 'KiB', 'MiB', 'Y', 'Q', 'k'])}`;
    case 2:
      return `${g.int(100)}.${g.int(100)}`;
    case 3:
      return `"${g.pick(['uts', 'net', 'sleep', '^s.*p$', '[[:digit:]]+', '(a|b', '\\', 'é', '[', '*', '+?', '{2,1}', ''])}"`;
    case 4:
      return `'${g.noise(6).replace(/'/g, '')}'`;
    case 5:
      return g.pick(['true', 'false', 'TRUE', 'nul', '-1', '1e9', '0x10', '99999999999999999999999']);
    case 6:
      return `"${g.noise(8)}`; // unterminated
    default:
      return g.pick(NAMES).toLowerCase();
  }
}

function expression(g: Gen, depth: number): string {
  const r = g.int(depth > 4 ? 3 : 8);
  if (r === 0) return g.pick(NAMES);
  if (r === 1) return literal(g);
  if (r === 2) return `${g.pick(NAMES)} ${g.pick(OPERATORS)} ${literal(g)}`;
  if (r === 3) return `(${expression(g, depth + 1)})`;
  if (r === 4) return `${g.pick(['!', 'not ', 'NOT ', '!!'])}${expression(g, depth + 1)}`;
  if (r === 5) return `${expression(g, depth + 1)} ${g.pick(LOGIC)} ${expression(g, depth + 1)}`;
  if (r === 6) return `${expression(g, depth + 1)} ${g.pick(OPERATORS)} ${expression(g, depth + 1)}`;
  return `${g.pick(NAMES)}${g.pick(OPERATORS)}${literal(g)}`;
}

/** A near-valid expression, then perhaps cut, doubled, spliced with noise. */
function filterInput(g: Gen): string {
  let text = g.next() < 0.1 ? g.noise(40) : expression(g, 0);
  if (g.next() < 0.2) text = text.slice(0, g.int(text.length + 1));
  if (g.next() < 0.1) text = text + text;
  if (g.next() < 0.2) {
    const at = g.int(text.length + 1);
    text = text.slice(0, at) + g.noise(4) + text.slice(at);
  }
  return text;
}

function cellFor(g: Gen, name: string): FilterCell | undefined {
  const column = columns.find((c) => c.name === name.toUpperCase());
  if (!column) return undefined;
  const type = column.json === 'number' ? 'number' : 'string';
  const value = g.next() < 0.2 ? null : type === 'number' ? g.int(5e9) : g.pick(['uts', 'net', 'sleep 1000', '', ' root ', 'é', g.noise(10)]);
  return { type, value };
}

// ---- options

/** Option words of one command's own vocabulary, mutated and mixed with noise and `--`. */
function argvFor(g: Gen, longNames: string[], shorts: string[]): string[] {
  const words: string[] = [];
  for (let n = g.int(8); n > 0; n--) {
    switch (g.int(10)) {
      case 0:
        words.push(`--${g.pick(longNames)}`);
        break;
      case 1:
        words.push(`--${g.pick(longNames)}=${g.pick(['', 'x', '/tmp/f', '=y', g.noise(5)])}`);
        break;
      case 2: {
        const name = g.pick(longNames);
        words.push(`--${name.slice(0, 1 + g.int(name.length))}`); // a prefix, perhaps ambiguous
        break;
      }
      case 3:
        words.push(`-${Array.from({ length: 1 + g.int(3) }, () => g.pick(shorts)).join('')}${g.next() < 0.3 ? g.noise(3) : ''}`);
        break;
      case 4:
        words.push('--');
        break;
      case 5:
        words.push(g.pick(['-', '---', '--=', '-=', '---m', '--mnt', '--moutn', '-h', '--help']));
        break;
      case 6:
        words.push(String(g.int(5e9)));
        break;
      case 7: {
        const name = g.pick(longNames);
        const at = g.int(name.length);
        words.push(`--${name.slice(0, at)}${g.noise(1)}${name.slice(at + 1)}`); // a typo
        break;
      }
      default:
        words.push(g.noise(12));
    }
  }
  return words;
}

describe('property tests: parsers of what a user types', function () {
  this.timeout(60000);

  it(`-Q: ${RUNS} generated expressions parse and evaluate, or fail as a tsns: error`, () => {
    const g = generator(SEED);
    let ok = 0;
    for (let i = 0; i < RUNS; i++) {
      const text = filterInput(g);
      ok += +holds('-Q parse', text, () => {
        const rowFilter = compileRowFilter(text, (name) => namespaceColumns.find(name));
        // The same expression on a few made-up rows: a boolean, or a TsnsError (a string that does not
        // convert, say).
        for (let k = 0; k < 3; k++) {
          const cells = new Map<string, FilterCell | undefined>();
          const cell = (name: string) => {
            if (!cells.has(name)) cells.set(name, cellFor(g, name));
            return cells.get(name);
          };
          assert.equal(typeof evaluateFilter(rowFilter.filter, cell), 'boolean');
        }
      });
    }
    assertMixed('-Q', ok, RUNS);
  });

  it('-Q: deep nesting and long inputs are errors or results, not a stack overflow', () => {
    for (const text of [
      '('.repeat(100000) + 'NS' + ')'.repeat(100000),
      '!'.repeat(100000) + 'NS',
      Array.from({ length: 50000 }, () => 'NS').join(' && '),
      Array.from({ length: 20000 }, () => 'PID == 1').join(' || '),
      '"'.repeat(100001),
      'NS == ' + '9'.repeat(100000),
      'COMMAND =~ "' + '('.repeat(5000) + '"',
    ]) {
      // Inputs of 100 kB and more: linear time, not a hang.
      holds(
        '-Q parse',
        text.slice(0, 80),
        () => {
          const f = parseFilter(text);
          evaluateFilter(f, (name) => cellFor(generator(1), name));
        },
        3000,
      );
    }
  });

  it(`options: ${RUNS} generated argument lists for ls, enter and run give options or a tsns: error`, () => {
    const g = generator(SEED + 1);
    const vocab = (help: string): { longs: string[]; shorts: string[] } => ({
      longs: [...help.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]),
      shorts: [...help.matchAll(/^ +-([A-Za-z]),/gm)].map((m) => m[1]),
    });
    // The commands' own vocabulary, as their --help lists it (and a word or two they do not know).
    const ls = vocab(
      '--json --list --noheadings --output --output-all --persistent --task --filter --raw --notruncate --nowrap --type --tree --list-columns --color --container --help --version\n -J, -l, -n, -o, -P, -p, -Q, -r, -u, -W, -t, -T, -H, -h, -V, -x,',
    );
    const enter = vocab(
      '--all --target --mount --mnt --uts --ipc --net --pid --cgroup --user --time --net-socket --user-parent --setuid --setgid --preserve-credentials --keep-caps --root --wd --wdns --env --no-fork --join-cgroup --preserve-fds --help\n -a, -t, -m, -u, -i, -n, -p, -C, -U, -T, -N, -S, -G, -r, -w, -W, -e, -F, -c, -h, -z,',
    );
    const run = vocab(
      '--mount --mnt --uts --ipc --net --pid --user --cgroup --time --fork --kill-child --forward-signals --mount-proc --mount-binfmt --load-interp --propagation --hostname --root --wd --map-root-user --map-current-user --map-user --map-group --map-users --map-groups --map-auto --map-subids --setgroups --owner --clear-env --setuid --setgid --keep-caps --monotonic --boottime --help\n -m, -u, -i, -n, -p, -U, -C, -T, -f, -l, -R, -w, -r, -c, -S, -G, -h, -q,',
    );
    const ok = { ls: 0, enter: 0, run: 0 };
    for (let i = 0; i < RUNS; i++) {
      const lsArgs = argvFor(g, ls.longs, ls.shorts);
      ok.ls += +holds('ls options', lsArgs, () => planLs(lsArgs, false));
      const enterArgs = argvFor(g, enter.longs, enter.shorts);
      ok.enter += +holds('enter options', enterArgs, () => parseEnterArgs(enterArgs));
      const runArgs = argvFor(g, run.longs, run.shorts);
      ok.run += +holds('run options', runArgs, () => parseRunArgs(runArgs));
    }
    for (const [what, n] of Object.entries(ok)) assertMixed(`${what} options`, n, RUNS);
  });

  it(`options: ${RUNS} generated option tables and argument lists through the shared parser`, () => {
    const g = generator(SEED + 2);
    let ok = 0;
    for (let i = 0; i < RUNS; i++) {
      const specs: OptionSpecs = {};
      const longs: string[] = [];
      const shorts: string[] = [];
      for (let n = 1 + g.int(6); n > 0; n--) {
        const name = g.pick(['net', 'ne', 'n', 'mount', 'mount-proc', 'type', 'tree', 'json', 'x-y', 'a']) + (g.next() < 0.3 ? String(g.int(9)) : '');
        const short = g.next() < 0.6 ? g.pick([...'abcmnNtTJ']) : undefined;
        specs[name] = {
          kind: g.pick(['boolean', 'string', 'optional'] as const),
          short,
          multiple: g.next() < 0.3,
          aliases: g.next() < 0.2 ? [`${name}z`] : undefined,
        };
        longs.push(name);
        if (short) shorts.push(short);
      }
      const argv = argvFor(g, longs, shorts.length ? shorts : ['a']);
      const positionals = g.pick([0, 1, 3, Infinity]);
      const command = g.next() < 0.5;
      ok += +holds('parseCommandLine', { specs, argv, positionals, command }, () => {
        const parsed = parseCommandLine(argv, specs, { positionals, command });
        assert.ok(parsed.positionals.length <= positionals, 'no more positionals than slots');
        if (!command) assert.deepEqual(parsed.rest, []);
        for (const name of Object.keys(parsed.values)) assert.ok(name in specs, `value for an unknown option ${name}`);
      });
    }
    assertMixed('parseCommandLine', ok, RUNS);
  });

  describe('regressions the generator found', () => {
    it('-Q nested 100,000 deep was a stack overflow (RangeError): now a tsns: error past 1,000 levels', () => {
      const nest = (n: number) => '('.repeat(n) + 'NS' + ')'.repeat(n);
      assert.equal(
        evaluateFilter(parseFilter(nest(1000)), () => ({ type: 'number', value: 1 })),
        true,
      );
      assert.throws(
        () => parseFilter(nest(1001)),
        (err: Error) => err instanceof TsnsError && /nested too deeply \(more than 1000 levels\)$/.test(err.message),
      );
      assert.throws(() => parseFilter('!'.repeat(1001) + 'NS'), /nested too deeply/);
    });

    it('-Q with a chain of 50,000 || overflowed the evaluator: it is walked in a loop, in order, stopping early', () => {
      const pids = Array.from({ length: 50000 }, (_, i) => `PID == ${i}`).join(' || ');
      const seen: string[] = [];
      const cell = (name: string): FilterCell => (seen.push(name), { type: 'number', value: 41 });
      assert.equal(evaluateFilter(parseFilter(pids), cell), true);
      assert.ok(seen.length <= 2 * 42, `stops at the first that holds (${seen.length} cells read)`);
      assert.equal(evaluateFilter(parseFilter(Array.from({ length: 50000 }, () => 'NS').join(' && ') + ' && PID == 2'), cell), false);
    });
  });
});
