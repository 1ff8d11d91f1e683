/**
 * Column registries: one table of columns per kind of listing (namespaces, pins, containers,
 * processes) drives -o parsing, headers, JSON keys and types, alignment, -Q, --list-columns and what
 * each column needs read. A column is one `define(...)` line in its table's file.
 */
import { TsnsError } from '../sys/errors';

export interface RenderContext {
  /** Separator between several values of one cell: newline (a multi-line cell) or ',' with -W/-r. */
  listSeparator: string;
  /** Inode of our own mount namespace: its pins are shown by path alone. */
  ownMountNamespace?: number;
  /** Container ids whole (-u), not shortened to 12 characters as a table shows them. */
  fullIds?: boolean;
}

export type JsonType = 'string' | 'number' | 'array';

export type CellValue = string | number | readonly string[] | null;

/** A row of any listing: a tree view nests rows under `children`. */
export interface TreeRow {
  children: TreeRow[];
}

export interface Column<R = never, N extends string = string> {
  /** Header and -o name (matched case-insensitively); its lower case is the JSON key. */
  name: string;
  help: string;
  json: JsonType;
  /** Right-aligned (numbers). */
  right: boolean;
  /** May be cut to fit the terminal (unless -u). */
  trunc: boolean;
  /** Holds several values, one per line unless -W/-r (an array column that does not wrap joins them with commas). */
  wrap: boolean;
  /** libsmartcols width hint: a column whose data is at least as wide as its header is widened to this. */
  hint: number;
  /** What the listing must read for this column (its table says which needs exist). */
  needs: readonly N[];
  value(row: R, ctx: RenderContext): CellValue;
}

export interface ColumnFlags<N extends string> {
  hint?: number;
  right?: boolean;
  trunc?: boolean;
  wrap?: boolean;
  needs?: readonly N[];
}

/** The columns of one kind of listing, in --list-columns order. */
export class ColumnTable<R, N extends string = string> {
  readonly columns: Column<R, N>[] = [];

  /** `name` is the JSON table's key (`namespaces`, `pins`, ...). */
  constructor(readonly name: string) {}

  define(name: string, json: JsonType, help: string, value: Column<R, N>['value'], flags: ColumnFlags<N> = {}): Column<R, N> {
    const column: Column<R, N> = {
      name,
      help,
      json,
      right: flags.right ?? json === 'number',
      trunc: flags.trunc ?? false,
      wrap: flags.wrap ?? json === 'array',
      hint: flags.hint ?? 0,
      needs: flags.needs ?? [],
      value,
    };
    const at = this.columns.findIndex((c) => c.name === name);
    if (at >= 0) this.columns[at] = column;
    else this.columns.push(column);
    return column;
  }

  find(name: string): Column<R, N> | undefined {
    const upper = name.toUpperCase();
    return this.columns.find((c) => c.name === upper);
  }

  /** Columns by name, in the order given (each must exist). */
  pick(...names: string[]): Column<R, N>[] {
    return names.map((n) => {
      const c = this.find(n);
      if (!c) throw new Error(`no column ${n} in ${this.name}`);
      return c;
    });
  }

  /**
   * -o LIST: comma-separated names replace `current`; `+LIST` appends to it (util-linux
   * string_add_to_idarray). Unknown names are an error naming the column.
   */
  parseList(list: string, current: readonly Column<R, N>[]): Column<R, N>[] {
    const append = list.startsWith('+');
    const body = append ? list.slice(1) : list;
    if (body === '') throw new TsnsError(`empty column list: '${list}'`);
    const out = append ? [...current] : [];
    for (const name of body.split(',')) {
      const column = this.find(name);
      if (!column) throw new TsnsError(`unknown column: ${name}`);
      out.push(column);
    }
    if (out.length > this.columns.length * 2) throw new TsnsError(`too many columns specified, the limit is ${this.columns.length * 2 - 1} columns`);
    return out;
  }
}
