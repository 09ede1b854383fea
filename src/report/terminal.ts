// The short ranked summary the CLI prints. Every host string in it goes through sanitizeForTerminal.
import { sanitizeForTerminal } from '../text.js';
import { cut } from './escape.js';
import type { DisplayLevel, ReportView } from './view-model.js';
import { maxOf } from '../arrays.js';

export { sanitizeForTerminal };

export interface SummaryOptions {
  color: boolean;
  /** Columns available; lines are cut to fit. */
  width?: number;
  /** Hosts listed; the rest are counted. */
  top?: number;
}

const DEFAULT_WIDTH = 100;
const DEFAULT_TOP = 10;

const COLORS: Record<DisplayLevel, string> = {
  critical: '\u001b[1;31m',
  warning: '\u001b[33m',
  unknown: '\u001b[35m',
  notice: '\u001b[36m',
  ok: '\u001b[32m',
  // Bold inverse: readable on light and dark themes alike (bold white vanished on light ones).
  'not-audited': '\u001b[1;7m',
};
const RESET = '\u001b[0m';

export function renderSummary(view: ReportView, opts: SummaryOptions): string {
  const width = Math.max(40, opts.width ?? DEFAULT_WIDTH);
  const top = Math.max(0, opts.top ?? DEFAULT_TOP);
  const paint = (level: DisplayLevel, text: string): string => (opts.color ? `${COLORS[level]}${text}${RESET}` : text);
  const lines: string[] = [];
  lines.push(cut(`sockaudit: ${view.verdictLine}`, width));
  lines.push(cut(`${view.gate}; ${view.sampling}`, width));
  lines.push(cut(`host keys: ${view.hostKeyLine}`, width));
  // Wrapped, not cut: a warning's file name and line are what the reader acts on.
  for (const w of view.warnings) {
    for (const text of wrapLine(`WARNING: ${sanitizeForTerminal(w)}`, width)) lines.push(opts.color ? `${COLORS.warning}${text}${RESET}` : text);
  }
  const shown = view.hosts.slice(0, top);
  if (shown.length > 0) {
    const rankWidth = String(shown.length).length + 1;
    const nameWidth = Math.min(28, Math.max(4, maxOf(shown.map((h) => [...sanitizeForTerminal(h.name)].length))));
    lines.push('');
    lines.push(cut(`${'#'.padStart(rankWidth)}  ${'verdict'.padEnd(11)}  ${'score'.padStart(5)}  ${'host'.padEnd(nameWidth)}  deciding figure`, width));
    for (const h of shown) {
      const head = `${`${h.rank}`.padStart(rankWidth)}  `;
      const label = h.levelLabel.padEnd(11);
      const keyMark = h.hostKey?.mark ? `[${h.hostKey.mark}] ` : '';
      const rest = `  ${(h.score === null ? '-' : String(h.score)).padStart(5)}  ${cut(sanitizeForTerminal(h.name), nameWidth).padEnd(nameWidth)}  ${keyMark}${sanitizeForTerminal(h.deciding)}`;
      // Cut the plain line first, so colour codes never count toward the width.
      const plain = cut(head + label + rest, width);
      const labelEnd = head.length + label.length;
      lines.push(plain.length <= head.length ? plain : `${head}${paint(h.level, plain.slice(head.length, labelEnd))}${plain.slice(labelEnd)}`);
    }
    if (view.hosts.length > shown.length) lines.push(`${view.hosts.length - shown.length} more hosts in the report`);
  }
  return `${lines.join('\n')}\n`;
}

/** `text` in lines of at most `width` columns, broken at spaces, continuation lines indented; a longer word is cut. */
export function wrapLine(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && [...line].length + 1 + [...word].length > width) {
      lines.push(line);
      line = `   ${word}`;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.map((l) => cut(l, width));
}
