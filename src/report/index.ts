/** Views of the scan model: the column registry, row building, the -Q row filter, table/raw and JSON output. */
export { columns, define, findColumn, parseColumnList } from './columns';
export type { CellValue, Column, ColumnNeed, JsonType, RenderContext, Row } from './columns';
export { namespaceRows, processRows, pruneRows } from './rows';
export type { NamespaceRowOptions, RowSet, TreeKind } from './rows';
export { renderText } from './table';
export type { TextOptions } from './table';
export { renderJson } from './json';
export { renderColumnList } from './list-columns';
export { compileRowFilter, evaluateFilter, filterCell, parseFilter } from './filter';
export type { CompareOp, Filter, FilterCell, FilterNode, FilterType, RowFilter } from './filter';
