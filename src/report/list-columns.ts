/** --list-columns: the registry as util-linux prints it (name, JSON type, description; no headings). */
import { columns, type Column, type RenderContext, type Row } from './columns';
import { renderJson } from './json';
import { renderText } from './table';

const TYPE_NAMES: Record<Column['json'], string> = { number: '<integer>', string: '<string>', array: '<string>' };

export function renderColumnList(format: 'table' | 'raw' | 'json', ascii: boolean): string {
  // Rows carry the described column in `ns`'s place: a small view of its own, built from the registry.
  const described = new Map<Row, Column>();
  const holder: Column = {
    name: 'HOLDER',
    help: '',
    json: 'string',
    right: true,
    trunc: false,
    wrap: false,
    hint: 0,
    needs: [],
    value: (r) => described.get(r)?.name ?? null,
  };
  const type: Column = { ...holder, name: 'TYPE', right: false, value: (r) => TYPE_NAMES[described.get(r)?.json ?? 'string'] };
  const description: Column = { ...holder, name: 'DESCRIPTION', right: false, value: (r) => described.get(r)?.help ?? null };
  const rows: Row[] = columns.map((c) => {
    const row = { ns: undefined, children: [] } as unknown as Row;
    described.set(row, c);
    return row;
  });
  const ctx: RenderContext = { listSeparator: ',' };
  const set = { top: rows, inOrder: rows };
  if (format === 'json') return renderJson('lsns-columns', [holder, type, description], set, ctx, false);
  return renderText([holder, type, description], set, ctx, { raw: format === 'raw', noHeadings: true, treeColumn: -1, ascii });
}
