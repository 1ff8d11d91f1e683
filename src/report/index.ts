/** Views of the scan model: the column registry, row building, table/raw and JSON output. */
export { columns, define, findColumn, parseColumnList } from './columns';
export type { CellValue, Column, ColumnNeed, JsonType, RenderContext, Row } from './columns';
export { namespaceRows, processRows } from './rows';
export type { NamespaceRowOptions, RowSet, TreeKind } from './rows';
export { renderText } from './table';
export type { TextOptions } from './table';
export { renderJson } from './json';
export { renderColumnList } from './list-columns';
