// Text made safe for each kind of output, one helper each. Host strings are data: they are cleaned
// of control characters before they reach a view (../text.ts), then escaped here for the format.
import { sanitizeForTerminal } from '../text.js';

export { escapeInvisible } from '../text.js';

/**
 * Text safe inside a Markdown paragraph, list item or table cell: escape sequences and controls
 * removed, newlines become spaces, inline markup characters are backslash-escaped, and `<`, `>`,
 * `&` become entities so no HTML or entity survives.
 */
export function escapeMarkdown(s: string): string {
  return sanitizeForTerminal(s)
    .replace(/[\u2028\u2029]/g, ' ')
    .replace(/[\\`*_[\]|~#]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * Characters XML 1.0 does not allow anywhere, even as references: C0 controls other than tab,
 * newline and carriage return, lone surrogates, U+FFFE and U+FFFF.
 */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** XML text content: markup characters escaped, forbidden characters removed. */
export function xmlText(s: string): string {
  return s.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An XML attribute value in double quotes; whitespace kept as references so parsers do not fold it. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/** At most `width` code points, marking a cut with an ellipsis. */
export function cut(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, width - 1).join('')}…`;
}
