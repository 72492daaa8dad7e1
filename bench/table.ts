/*
 * Plain-text tables for benchmark output.
 *
 * The benchmarks print figures that people paste into READMEs and issue comments, so the tables
 * are GitHub-flavoured Markdown: readable in a terminal and rendered as a table once pasted.
 * Numeric columns are right-aligned so magnitudes line up at a glance.
 */

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align: Align;
}

export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, index) => {
    let width = column.header.length;
    for (const row of rows) width = Math.max(width, (row[index] ?? '').length);
    return width;
  });
  const pad = (text: string, index: number): string => {
    const width = widths[index] ?? text.length;
    return columns[index]?.align === 'right' ? text.padStart(width) : text.padEnd(width);
  };
  const line = (cells: readonly string[]): string =>
    '| ' + columns.map((_, index) => pad(cells[index] ?? '', index)).join(' | ') + ' |';
  const rule =
    '|' +
    columns
      .map((column, index) => {
        const dashes = '-'.repeat((widths[index] ?? 1) + 2);
        // A trailing colon is Markdown's right-alignment marker; it costs one dash of width.
        return column.align === 'right' ? dashes.slice(0, -1) + ':' : dashes;
      })
      .join('|') +
    '|';
  return [line(columns.map((column) => column.header)), rule, ...rows.map(line)].join('\n');
}

/** 1234567.8 -> "1,234,568": ops/s figures are only meaningful to a few significant digits. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return Math.round(value).toLocaleString('en-US');
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a';
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${mib.toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[middle - 1] ?? upper) + upper) / 2;
}
