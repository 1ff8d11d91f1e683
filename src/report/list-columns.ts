/** --list-columns: a registry as util-linux prints it (name, JSON type, description; no headings). */
import { ColumnTable, type ColumnTable as Table, type JsonType, type RenderContext } from './columns';
import { renderJson } from './json';
import { renderText } from './table';

const TYPE_NAMES: Record<JsonType, string> = { number: '<integer>', string: '<string>', array: '<string>' };

/** A row that describes one column of another table. */
interface Described {
  name: string;
  json: JsonType;
  help: string;
  children: Described[];
}

const described = new ColumnTable<Described>('columns');
described.define('HOLDER', 'string', 'column name', (r) => r.name, { right: true });
described.define('TYPE', 'string', 'JSON type', (r) => TYPE_NAMES[r.json]);
described.define('DESCRIPTION', 'string', 'what it shows', (r) => r.help);

/** `jsonName`: the JSON table's key, as util-linux names it (`lsns-columns`). */
export function renderColumnList<R, N extends string>(table: Table<R, N>, jsonName: string, format: 'table' | 'raw' | 'json', ascii: boolean): string {
  const rows: Described[] = table.columns.map((c) => ({ name: c.name, json: c.json, help: c.help, children: [] }));
  const ctx: RenderContext = { listSeparator: ',' };
  const set = { top: rows, inOrder: rows };
  if (format === 'json') return renderJson(jsonName, described.columns, set, ctx, false);
  return renderText(described.columns, set, ctx, { raw: format === 'raw', noHeadings: true, treeColumn: -1, ascii });
}
