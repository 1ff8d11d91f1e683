/** `tsns pins`: every pinned namespace (nsfs bind mount), the processes still in it, as table, raw or JSON. */
import { parseCommandLine, OptionSpecs } from './args';
import { NS_TYPES, NsType, isNsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { Pin, listPins } from '../pin';
import { displayWidth, rawSafe, tableSafe } from '../report/cells';

const usage = `Usage:
  tsns pins [options]

List pinned namespaces: nsfs bind mounts made by 'tsns pin', 'ip netns add', 'unshare --net=FILE' ...

Options:
 -t, --type TYPE     only this type (repeatable: ${NS_TYPES.join(', ')})
 -A, --all-mounts    also pins in every other mount namespace (column MNTNS tells which)
 -o, --output LIST   columns to show (${'PATH,TYPE,NS,NPROCS,PID,MNTNS'}); +LIST adds to the default
 -J, --json          JSON output
 -r, --raw           raw output (no alignment)
 -n, --noheadings    no header line
 -h, --help          display this help

Default columns: PATH TYPE NS NPROCS (processes still inside).
`;

const specs: OptionSpecs = {
  type: { short: 't', kind: 'string', multiple: true },
  'all-mounts': { short: 'A', kind: 'boolean' },
  output: { short: 'o', kind: 'string', multiple: true },
  json: { short: 'J', kind: 'boolean' },
  raw: { short: 'r', kind: 'boolean' },
  noheadings: { short: 'n', kind: 'boolean' },
  help: { short: 'h', kind: 'boolean' },
};

interface Column {
  json: string;
  numeric: boolean;
  value(pin: Pin): string | number | null;
}

const columns: Record<string, Column> = {
  PATH: { json: 'path', numeric: false, value: (p) => p.path },
  TYPE: { json: 'type', numeric: false, value: (p) => p.type },
  NS: { json: 'ns', numeric: true, value: (p) => p.ns },
  NPROCS: { json: 'nprocs', numeric: true, value: (p) => p.nprocs },
  PID: { json: 'pid', numeric: true, value: (p) => p.pids[0] ?? null },
  MNTNS: { json: 'mntns', numeric: true, value: (p) => p.mountNamespace },
};
const defaultColumns = ['PATH', 'TYPE', 'NS', 'NPROCS'];

function selectColumns(outputs: string[] | undefined, allMounts: boolean): string[] {
  let selected = allMounts ? [...defaultColumns, 'MNTNS'] : [...defaultColumns];
  for (const list of outputs ?? []) {
    const add = list.startsWith('+');
    const names = (add ? list.slice(1) : list)
      .split(',')
      .filter(Boolean)
      .map((n) => n.toUpperCase());
    for (const n of names) if (!Object.hasOwn(columns, n)) throw new TsnsError(`unknown column: ${n}`);
    if (!names.length) throw new TsnsError(`no columns in '--output ${list}'`);
    selected = add ? [...selected, ...names] : names;
  }
  return selected;
}

export function run(args: string[]): number {
  const { values } = parseCommandLine(args, specs);
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (values.json && values.raw) throw new TsnsError('mutually exclusive arguments: --json --raw');
  const types = values.type as string[] | undefined;
  for (const t of types ?? []) if (!isNsType(t)) throw new TsnsError(`unknown namespace type '${t}'`);
  const allMounts = Boolean(values['all-mounts']);
  const selected = selectColumns(values.output as string[] | undefined, allMounts);
  const pins = listPins({ types: types as NsType[] | undefined, allMountNamespaces: allMounts });

  if (values.json) {
    const rows = pins.map((p) => Object.fromEntries(selected.map((c) => [columns[c].json, columns[c].value(p)])));
    process.stdout.write(JSON.stringify({ pins: rows }, null, 3) + '\n');
    return 0;
  }
  if (!pins.length) return 0; // as lsns: no rows, no header
  // Escaped as tsns ls escapes: a path with a newline or a blank stays one cell on one line.
  const safe = values.raw ? rawSafe : tableSafe;
  const cells = pins.map((p) => selected.map((c) => safe(String(columns[c].value(p) ?? ''))));
  const header = selected;
  if (values.raw) {
    const lines = values.noheadings ? [] : [header.join(' ')];
    for (const row of cells) lines.push(row.join(' '));
    if (lines.length) process.stdout.write(lines.join('\n') + '\n');
    return 0;
  }
  const rows = values.noheadings ? cells : [header, ...cells];
  const widths = selected.map((_, i) => Math.max(0, ...rows.map((r) => displayWidth(r[i]))));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => {
        const last = i === row.length - 1;
        const pad = ' '.repeat(widths[i] - displayWidth(cell));
        if (columns[selected[i]].numeric) return pad + cell;
        return last ? cell : cell + pad;
      })
      .join(' '),
  );
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
