/** `tsns pins`: every pinned namespace (nsfs bind mount), the processes still in it, through the pin column registry. */
import { parseCommandLine, OptionSpecs } from './args';
import { NS_TYPES, NsType, isNsType } from '../sys/constants';
import { TsnsError } from '../sys/errors';
import { listPins } from '../pin';
import { pinColumns, type PinRow } from '../report/pin-columns';
import type { Column, RenderContext } from '../report/columns';
import { renderText } from '../report/table';
import { renderJson } from '../report/json';
import { renderColumnList } from '../report/list-columns';
import { compileRowFilter } from '../report/filter';

const usage = `Usage:
  tsns pins [options]

List pinned namespaces: nsfs bind mounts made by 'tsns pin', 'ip netns add', 'unshare --net=FILE' ...

Options:
 -t, --type TYPE     only this type (repeatable: ${NS_TYPES.join(', ')})
 -A, --all-mounts    also pins in every other mount namespace (column MNTNS tells which)
 -o, --output LIST   columns to show; +LIST adds to the default
 -Q, --filter EXPR   only the rows EXPR is true for (the filter language of 'tsns ls -Q')
 -J, --json          JSON output
 -r, --raw           raw output (no alignment)
 -n, --noheadings    no header line
 -H, --list-columns  list the columns
 -h, --help          display this help

Default columns: PATH TYPE NS NPROCS (processes still inside), and MNTNS with -A.
`;

const specs: OptionSpecs = {
  type: { short: 't', kind: 'string', multiple: true },
  'all-mounts': { short: 'A', kind: 'boolean' },
  output: { short: 'o', kind: 'string', multiple: true },
  filter: { short: 'Q', kind: 'string' },
  json: { short: 'J', kind: 'boolean' },
  raw: { short: 'r', kind: 'boolean' },
  noheadings: { short: 'n', kind: 'boolean' },
  'list-columns': { short: 'H', kind: 'boolean' },
  help: { short: 'h', kind: 'boolean' },
};

function selectColumns(outputs: string[] | undefined, allMounts: boolean): Column<PinRow>[] {
  let selected = pinColumns.pick('PATH', 'TYPE', 'NS', 'NPROCS', ...(allMounts ? ['MNTNS'] : []));
  for (const list of outputs ?? []) selected = pinColumns.parseList(list, selected);
  return selected;
}

export function run(args: string[]): number {
  const { values, positionals } = parseCommandLine(args, specs);
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (positionals.length) throw new TsnsError(`unexpected argument '${positionals[0]}'; try 'tsns pins --help'`);
  if (values.json && values.raw) throw new TsnsError('mutually exclusive arguments: --json --raw');
  const format = values.json ? 'json' : values.raw ? 'raw' : 'table';
  if (values['list-columns']) {
    process.stdout.write(renderColumnList(pinColumns, 'pins-columns', format, false));
    return 0;
  }
  const types = values.type as string[] | undefined;
  for (const t of types ?? []) if (!isNsType(t)) throw new TsnsError(`unknown namespace type '${t}'`);
  const allMounts = Boolean(values['all-mounts']);
  const columns = selectColumns(values.output as string[] | undefined, allMounts);
  const filter = values.filter === undefined ? undefined : compileRowFilter(String(values.filter), (name) => pinColumns.find(name));
  const ctx: RenderContext = { listSeparator: format === 'table' ? '\n' : ',' };
  const rows: PinRow[] = listPins({ types: types as NsType[] | undefined, allMountNamespaces: allMounts })
    .map((pin) => ({ pin, children: [] }))
    .filter((row) => !filter || filter.matches(row, ctx));
  const set = { top: rows, inOrder: rows };
  if (format === 'json') {
    process.stdout.write(renderJson('pins', columns, set, ctx, false));
    return 0;
  }
  // As lsns: no rows, no header. Cells escaped as tsns ls escapes them (a newline in a path stays one cell).
  process.stdout.write(renderText(columns, set, ctx, { raw: format === 'raw', noHeadings: values.noheadings === true, treeColumn: -1, ascii: false }));
  return 0;
}
