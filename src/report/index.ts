/** Views: column registries (one per kind of listing), row building, the -Q row filter, table/raw, JSON and --list-columns output. */
export { ColumnTable } from './columns';
export type { CellValue, Column, ColumnFlags, JsonType, RenderContext, TreeRow } from './columns';
export { namespaceColumns } from './namespace-columns';
export type { ColumnNeed, NamespaceColumn, Row } from './namespace-columns';
export { namespaceRows, processRows, pruneRows } from './rows';
export type { NamespaceRowOptions, RowSet, TreeKind } from './rows';
export { renderText } from './table';
export type { TextOptions } from './table';
export { renderJson } from './json';
export { renderColumnList } from './list-columns';
export { compileRowFilter, evaluateFilter, filterCell, parseFilter } from './filter';
export type { CompareOp, Filter, FilterCell, FilterNode, FilterType, RowFilter } from './filter';
