// Host strings in GitHub-flavoured Markdown that never become links. GFM links bare emails
// (`demo@web01.example.com`), `www.` names and URLs by itself, and no backslash escape stops an
// email (cmark-gfm links `demo\@example.com` too). Inside a code span nothing is linked and
// nothing is markup, so host names, endpoints and every link-shaped word of a host string are
// written as code spans; the rest is escaped as text.
import { sanitizeForTerminal } from '../text.js';
import { escapeMarkdown } from './escape.js';

export interface MdContext {
  /** Inside a table cell: a pipe must be written `\|` even in a code span (GFM splits cells first). */
  table?: boolean;
}

/** `s` as a code span, shown literally: the fence is longer than any run of backticks inside. */
export function mdCode(s: string, ctx: MdContext = {}): string {
  let text = sanitizeForTerminal(s).replace(/[\r\u2028\u2029]/g, ' ');
  if (text === '') return '';
  if (ctx.table === true) text = text.replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  // A space on each side keeps a leading or trailing backtick (or space) inside the span.
  const pad = /^[`\s]|[`\s]$/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Words GFM would turn into a link: anything with `@` (emails), `www.`, a `scheme://`, `mailto:` or `xmpp:`. */
const LINKISH = /@|www\.|[a-z][a-z0-9+.-]*:\/\/|(?:mailto|xmpp):/i;
/** Punctuation around such a word that stays outside the code span: `(demo@h:22),`. */
const EDGES = /^([("'[{<]*)(.*?)([)"'\]}>.,;:!?]*)$/s;

/** Text escaped for Markdown, with each link-shaped word written as a code span. */
export function mdText(s: string, ctx: MdContext = {}): string {
  return sanitizeForTerminal(s)
    .split(/(\s+)/)
    .map((word) => {
      if (!LINKISH.test(word)) return escapeMarkdown(word);
      const [, before = '', core = '', after = ''] = EDGES.exec(word) ?? [];
      if (core === '') return escapeMarkdown(word);
      return `${escapeMarkdown(before)}${mdCode(core, ctx)}${escapeMarkdown(after)}`;
    })
    .join('');
}
