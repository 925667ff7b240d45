import { CSV_BOM, csvLine } from '../../common/csv.js';
import { formatYuan } from '../../common/money.js';
import { FIGURES, type Figures } from './figures.js';

/**
 * The figures as CSV for Excel: UTF-8 with BOM, a Chinese header row, and each amount twice — in
 * fen as stored and in yuan with two decimals, converted from the integer fen (formatYuan, no
 * floats). Empty cells where a figure is null (not in the caller's view).
 */
export function figuresCsv<R extends Figures>(
  keyColumns: { zh: string; value: (row: R) => string }[],
  rows: R[],
): string {
  const header = [...keyColumns.map((k) => k.zh)];
  for (const f of FIGURES) {
    if (f.kind === 'fen') header.push(`${f.zh}（分）`, `${f.zh}（元）`);
    else header.push(f.zh);
  }
  let out = CSV_BOM + csvLine(header);
  for (const row of rows) {
    const cells = keyColumns.map((k) => k.value(row));
    for (const f of FIGURES) {
      const v = row[f.key];
      if (f.kind === 'fen')
        cells.push(v === null ? '' : String(v), v === null ? '' : formatYuan(v));
      else cells.push(v === null ? '' : String(v));
    }
    out += csvLine(cells);
  }
  return out;
}
