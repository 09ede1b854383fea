// A plain text table fitted to the terminal: columns as wide as their longest cell, and, when
// that is too wide, the widest columns narrowed first, their cells cut with an ellipsis. Cells
// are text that is not ours (host names, file names): made visible on one line before measuring.
import { cut, visibleLine } from './terminal-text.js';

const GAP = '  ';
/** No column is narrowed below this (or its header, when shorter). */
const MIN_COLUMN = 6;

export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], width: number): string {
  const clean = rows.map((r) => header.map((_, i) => visibleLine(r[i] ?? '')));
  const widths = header.map((h, i) => {
    let w = [...h].length;
    for (const r of clean) w = Math.max(w, [...(r[i] ?? '')].length);
    return w;
  });
  const floor = header.map((h) => Math.min(MIN_COLUMN, [...h].length));
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  // Narrow the widest column one character at a time: the short columns (port, user) stay whole.
  while (total() > width) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) if ((widths[i] ?? 0) > (floor[i] ?? 0) && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => {
        const w = widths[i] ?? 0;
        const shown = cut(c, w);
        return i === cells.length - 1 ? shown : shown.padEnd(w + (shown.length - [...shown].length));
      })
      .join(GAP)
      .trimEnd();
  return `${[line(header), ...clean.map(line)].join('\n')}\n`;
}
