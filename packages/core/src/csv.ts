/**
 * A CSV cell: RFC 4180 quoting, plus a leading apostrophe on cells a spreadsheet would run as a
 * formula (`=`, `+`, `-`, `@`, tab, CR): an export must not become an attack on whoever opens it.
 * Objects are written as their JSON.
 */
export function csvCell(value: unknown): string {
  let text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : value === null || value === undefined ? '' : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV row of `values`, CRLF-terminated. */
export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
