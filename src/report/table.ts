/**
 * Text views in libsmartcols's layout, as lsns prints them: columns one space apart, numbers right-
 * aligned, widths from the widest cell or header, the last column unpadded, a tree drawn in front of one
 * column, multi-line cells (NSFS) continued on following lines; raw: single spaces, unsafe bytes escaped.
 * On a terminal the truncatable column (COMMAND) is cut to fit, unless -u.
 */
import type { Column, RenderContext, TreeRow } from './columns';
import { cellText, cutToWidth, displayWidth, rawSafe, tableSafe } from './cells';
import type { RowSet } from './rows';

export interface TextOptions {
  raw: boolean;
  noHeadings: boolean;
  /** Index of the column the tree is drawn in front of; -1 for none (flat, in the order rows were made). */
  treeColumn: number;
  /** Terminal width to fit into (truncating `trunc` columns); undefined when not a terminal or -u. */
  fitWidth?: number;
  /** ASCII tree glyphs (non-UTF-8 locale). */
  ascii: boolean;
  /** Style the header and tree glyphs (chalk), when colour is on. */
  style?: { header(s: string): string; tree(s: string): string };
}

const UTF8_GLYPHS = { branch: '├─', last: '└─', vertical: '│ ', space: '  ' };
const ASCII_GLYPHS = { branch: '|-', last: '`-', vertical: '| ', space: '  ' };

interface Line {
  /** Per column: the cell's lines. */
  cells: string[][];
  /** Tree glyphs in front of the tree column's first line. */
  prefix: string;
}

export function renderText<R extends TreeRow>(columns: readonly Column<R>[], rows: RowSet<R>, ctx: RenderContext, options: TextOptions): string {
  const glyphs = options.ascii ? ASCII_GLYPHS : UTF8_GLYPHS;
  const ncols = columns.length;
  const lines: Line[] = [];
  const makeLine = (row: R, prefix: string): void => {
    const cells: string[][] = new Array(ncols);
    for (let i = 0; i < ncols; i++) {
      const text = cellText(columns[i], row, ctx);
      if (options.raw) cells[i] = [rawSafe(text)];
      else if (columns[i].wrap && text.includes('\n')) cells[i] = text.split('\n').map(tableSafe);
      else cells[i] = [tableSafe(text)];
    }
    lines.push({ cells, prefix });
  };
  if (options.treeColumn < 0) {
    for (const row of rows.inOrder) makeLine(row, '');
  } else {
    const walk = (list: readonly R[], indent: string, depth: number): void => {
      for (let k = 0; k < list.length; k++) {
        const row = list[k];
        const isLast = k === list.length - 1;
        makeLine(row, depth === 0 ? '' : indent + (isLast ? glyphs.last : glyphs.branch));
        if (row.children.length > 0) walk(row.children as R[], depth === 0 ? '' : indent + (isLast ? glyphs.space : glyphs.vertical), depth + 1);
      }
    };
    walk(rows.top, '', 0);
  }

  const headers = columns.map((c) => c.name);
  // libsmartcols prints nothing at all for an empty table, not even the header.
  if (lines.length === 0) return '';
  if (options.raw) {
    const out: string[] = [];
    if (!options.noHeadings) out.push(headers.join(' '));
    for (const line of lines) {
      const parts = line.cells.map((c) => c[0]);
      if (options.treeColumn >= 0 && line.prefix) parts[options.treeColumn] = rawSafe(line.prefix) + parts[options.treeColumn];
      out.push(parts.join(' '));
    }
    return out.length > 0 ? out.join('\n') + '\n' : '';
  }

  // Widths: the widest cell line; at least the header (counted even with -n); a column whose data is
  // as wide as its header grows to its width hint (libsmartcols count_column_width).
  const mins = headers.map((h) => displayWidth(h));
  const widths = headers.map(() => 0);
  for (const line of lines) {
    for (let i = 0; i < ncols; i++) {
      const extra = i === options.treeColumn ? displayWidth(line.prefix) : 0;
      for (const part of line.cells[i]) {
        const w = displayWidth(part) + extra;
        if (w > widths[i]) widths[i] = w;
      }
    }
  }
  for (let i = 0; i < ncols; i++) {
    const hint = columns[i].hint;
    if (widths[i] < mins[i]) widths[i] = mins[i];
    else if (hint >= 1 && widths[i] < hint && mins[i] < hint) widths[i] = hint;
  }
  if (options.fitWidth !== undefined) fit(columns, widths, options.fitWidth);

  const pad = (s: string, width: number, right: boolean, last: boolean): string => {
    const w = displayWidth(s);
    if (w > width) return cutToWidth(s, width);
    if (right) return s === '' && last ? '' : ' '.repeat(width - w) + s;
    return last ? s : s + ' '.repeat(width - w);
  };
  const style = options.style;
  const out: string[] = [];
  if (!options.noHeadings) {
    const parts = headers.map((h, i) => pad(h, widths[i], columns[i].right && i !== options.treeColumn, i === ncols - 1));
    const text = parts.join(' ');
    out.push(style ? style.header(text) : text);
  }
  for (const line of lines) {
    const height = Math.max(...line.cells.map((c) => c.length));
    for (let k = 0; k < height; k++) {
      let text = '';
      for (let i = 0; i < ncols; i++) {
        if (i > 0) text += ' ';
        const last = i === ncols - 1;
        let cell = line.cells[i][k] ?? '';
        if (i === options.treeColumn) {
          const prefix = k === 0 ? line.prefix : '';
          const body = pad(prefix + cell, widths[i], false, last);
          cell = style && prefix ? style.tree(prefix) + body.slice(prefix.length) : body;
          text += cell;
          continue;
        }
        text += pad(cell, widths[i], columns[i].right, last);
      }
      out.push(text);
    }
  }
  return out.length > 0 ? out.join('\n') + '\n' : '';
}

/** Shrink truncatable columns so the line fits `width`; never below the header. */
function fit<R>(columns: readonly Column<R>[], widths: number[], width: number): void {
  const total = widths.reduce((a, b) => a + b, 0) + widths.length - 1;
  let excess = total - width;
  if (excess <= 0) return;
  for (let i = widths.length - 1; i >= 0 && excess > 0; i--) {
    if (!columns[i].trunc) continue;
    const min = displayWidth(columns[i].name);
    const cut = Math.min(excess, widths[i] - min);
    if (cut > 0) {
      widths[i] -= cut;
      excess -= cut;
    }
  }
}
