/** UTF-8 byte order mark: Excel reads a CSV as UTF-8 (Chinese text) only with it. */
export const CSV_BOM = '\ufeff';

/**
 * A CSV field: quoted when needed; a leading = + - @ (or tab, CR) is defused with a `'` so a
 * spreadsheet shows it as text instead of running it as a formula (CSV injection).
 */
export function csvField(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV line, CRLF-terminated (RFC 4180). */
export function csvLine(cells: string[]): string {
  return cells.map(csvField).join(',') + '\r\n';
}
