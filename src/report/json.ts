/**
 * JSON in lsns's shape and layout (libsmartcols): {"TABLE": [ {...},{...} ]}, three-space indents,
 * lower-case column names as keys, numbers as numbers, empty values as null, a tree's rows under
 * "children" (only when a tree column is shown, as lsns).
 */
import type { Column, RenderContext, TreeRow } from './columns';
import { cellJson } from './cells';
import type { RowSet } from './rows';

function fields<R extends TreeRow>(columns: readonly Column<R>[], row: R, ctx: RenderContext): string[] {
  return columns.map((c) => `"${c.name.toLowerCase()}": ${JSON.stringify(cellJson(c, c.value(row, ctx)))}`);
}

function emit<R extends TreeRow>(out: string[], columns: readonly Column<R>[], rows: readonly R[], indent: string, ctx: RenderContext, tree: boolean): void {
  const inner = indent + '   ';
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k];
    out.push(k === 0 ? `${indent}{` : `${indent}},{`);
    const parts = fields(columns, row, ctx);
    const nested = tree && row.children.length > 0;
    for (let i = 0; i < parts.length; i++) out.push(`${inner}${parts[i]}${i < parts.length - 1 || nested ? ',' : ''}`);
    if (nested) {
      out.push(`${inner}"children": [`);
      emit(out, columns, row.children as R[], inner + '   ', ctx, tree);
      out.push(`${inner}]`);
    }
  }
  if (rows.length > 0) out.push(`${indent}}`);
}

export function renderJson<R extends TreeRow>(tableName: string, columns: readonly Column<R>[], rows: RowSet<R>, ctx: RenderContext, tree: boolean): string {
  const out: string[] = ['{', `   "${tableName}": [`];
  const list = tree ? rows.top : rows.inOrder;
  if (list.length === 0) out.push('');
  emit(out, columns, list, '      ', ctx, tree);
  out.push('   ]', '}');
  return out.join('\n') + '\n';
}
