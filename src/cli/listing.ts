/**
 * What every listing but `tsns ls` shares (pins, containers, ps): -o/--output, -Q/--filter, -J/--json,
 * -r/--raw, -n/--noheadings, -u/--notruncate, -H/--list-columns, through a column registry, in lsns's
 * layout. (`tsns ls` has lsns's own options and trees: src/cli/ls.ts.)
 */
import { TsnsError } from '../sys/errors';
import { parseCommandLine, type OptionSpecs, type OptionValue, type ParseOptions } from './args';
import type { Column, ColumnTable, RenderContext, TreeRow } from '../report/columns';
import type * as FilterModule from '../report/filter';

export const LISTING_SPECS: OptionSpecs = {
  output: { short: 'o', kind: 'string', multiple: true },
  filter: { short: 'Q', kind: 'string' },
  json: { short: 'J', kind: 'boolean' },
  raw: { short: 'r', kind: 'boolean' },
  noheadings: { short: 'n', kind: 'boolean' },
  notruncate: { short: 'u', kind: 'boolean' },
  'list-columns': { short: 'H', kind: 'boolean' },
};

export const LISTING_HELP = ` -o, --output LIST   columns to show; +LIST adds to the default (-H lists them)
 -Q, --filter EXPR   only the rows EXPR is true for (the filter language of 'tsns ls -Q')
 -J, --json          JSON output
 -r, --raw           raw output (no alignment)
 -n, --noheadings    no header line
 -u, --notruncate    do not truncate (ids whole, long cells uncut)
 -H, --list-columns  list the columns`;

export interface Listing<R extends TreeRow, N extends string> {
  columns: Column<R, N>[];
  format: 'table' | 'raw' | 'json';
  context: RenderContext;
  noHeadings: boolean;
  noTruncate: boolean;
  filter?: FilterModule.RowFilter<R, N>;
  /** Whether a shown or filtered-on column needs this. */
  needs(need: N): boolean;
}

function utf8Locale(): boolean {
  const env = process.env;
  return /utf-?8/i.test(env.LC_ALL || env.LC_CTYPE || env.LANG || '');
}

/** The listing options, or 'list-columns' when -H was given (its output already written). */
export function parseListing<R extends TreeRow, N extends string>(
  table: ColumnTable<R, N>,
  values: Record<string, OptionValue | undefined>,
  defaults: readonly string[],
): Listing<R, N> | 'list-columns' {
  if (values.json && values.raw) throw new TsnsError('mutually exclusive arguments: --json --raw');
  const format = values.json ? 'json' : values.raw ? 'raw' : 'table';
  if (values['list-columns']) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { renderColumnList } = require('../report/list-columns') as typeof import('../report/list-columns');
    process.stdout.write(renderColumnList(table, `${table.name}-columns`, format, !utf8Locale()));
    return 'list-columns';
  }
  let columns = table.pick(...defaults);
  for (const list of (values.output as string[] | undefined) ?? []) columns = table.parseList(list, columns);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const filterModule = values.filter !== undefined ? (require('../report/filter') as typeof FilterModule) : undefined;
  const filter = filterModule?.compileRowFilter(String(values.filter), (name) => table.find(name));
  const noTruncate = values.notruncate === true;
  const context: RenderContext = { listSeparator: format === 'table' ? '\n' : ',', fullIds: noTruncate || format === 'json' };
  const needs = (need: N): boolean => columns.some((c) => c.needs.includes(need)) || (filter?.columns.some((c) => c.needs.includes(need)) ?? false);
  return { columns, format, context, noHeadings: values.noheadings === true, noTruncate, filter, needs };
}

/**
 * A listing command's command line: --help prints `usage`, -H the columns (neither needs the command's
 * arguments), and both return undefined: the command is done. Otherwise the values, positionals and
 * listing; `defaults` may depend on the values (pins -A adds MNTNS).
 */
export function parseListingCommand<R extends TreeRow, N extends string>(
  args: string[],
  specs: OptionSpecs,
  usage: string,
  table: ColumnTable<R, N>,
  defaults: (values: Record<string, OptionValue | undefined>) => readonly string[],
  opts: ParseOptions = {},
): { values: Record<string, OptionValue | undefined>; positionals: string[]; listing: Listing<R, N> } | undefined {
  const { values, positionals } = parseCommandLine(args, { ...specs, ...LISTING_SPECS, help: { short: 'h', kind: 'boolean' } }, opts);
  if (values.help) {
    process.stdout.write(usage);
    return undefined;
  }
  const listing = parseListing(table, values, defaults(values));
  return listing === 'list-columns' ? undefined : { values, positionals, listing };
}

/** Render the rows the filter keeps (as lsns: no rows, no header; an empty list in JSON). */
export function renderListing<R extends TreeRow, N extends string>(table: ColumnTable<R, N>, listing: Listing<R, N>, all: readonly R[]): string {
  const rows = listing.filter ? all.filter((r) => listing.filter?.matches(r, listing.context)) : [...all];
  const set = { top: rows, inOrder: rows };
  if (listing.format === 'json') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { renderJson } = require('../report/json') as typeof import('../report/json');
    return renderJson(table.name, listing.columns, set, listing.context, false);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderText } = require('../report/table') as typeof import('../report/table');
  const out = process.stdout;
  return renderText(listing.columns, set, listing.context, {
    raw: listing.format === 'raw',
    noHeadings: listing.noHeadings,
    treeColumn: -1,
    ascii: !utf8Locale(),
    fitWidth: listing.format === 'table' && !listing.noTruncate && out.isTTY ? out.columns || 80 : undefined,
  });
}
