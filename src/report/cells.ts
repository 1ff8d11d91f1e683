/**
 * Cell text as libsmartcols prints it: values to strings, unsafe bytes escaped (\xHH), display width.
 */
import type { CellValue, Column, RenderContext } from './columns';

export function cellText<R>(column: Column<R>, row: R, ctx: RenderContext): string {
  const v = column.value(row, ctx);
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return (v as readonly string[]).join(listSeparator(column, ctx));
}

/** A column that does not wrap keeps its values on one line, comma-separated. */
export function listSeparator<R>(column: Column<R>, ctx: RenderContext): string {
  return column.wrap ? ctx.listSeparator : ',';
}

/** The JSON form of a value, by the column's JSON type. */
export function cellJson<R>(column: Column<R>, value: CellValue): unknown {
  if (value === null || value === undefined) return null;
  if (column.json === 'number') {
    if (typeof value === 'number') return value;
    const n = Number(value);
    return value !== '' && Number.isFinite(n) ? n : null;
  }
  if (column.json === 'array') return typeof value === 'string' ? (value === '' ? [] : [value]) : [...(value as readonly string[])];
  if (typeof value === 'string') return value;
  return typeof value === 'number' ? String(value) : (value as readonly string[]).join('\n');
}

const hex = (byte: number): string => `\\x${byte.toString(16).padStart(2, '0')}`;

// eslint-disable-next-line no-control-regex
const TABLE_UNSAFE = /[\x00-\x1f\x7f\\]/;
// eslint-disable-next-line no-control-regex
const TABLE_UNSAFE_ALL = /[\x00-\x1f\x7f\\]/g;

/** Table output: control characters and backslash become \xHH; printable text, UTF-8 included, stays. */
export function tableSafe(s: string): string {
  if (!TABLE_UNSAFE.test(s)) return s;
  return s.replace(TABLE_UNSAFE_ALL, (c) => hex(c.charCodeAt(0)));
}

const RAW_SAFE = /^[\x21-\x5b\x5d-\x7e]*$/;

/** Raw output: every byte that is blank, a backslash, not printable ASCII, becomes \xHH (UTF-8 bytes). */
export function rawSafe(s: string): string {
  if (RAW_SAFE.test(s)) return s;
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : hex(byte);
  }
  return out;
}

/** Display width: code points (terminal-wide characters are rare in namespace listings). */
export function displayWidth(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) continue; // low surrogate: counted with its pair
    n++;
  }
  return n;
}

/** Cut to at most `width` display columns. */
export function cutToWidth(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  let n = 0;
  let i = 0;
  for (; i < s.length && n < width; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++;
    n++;
  }
  return s.slice(0, i);
}
