// The one sanitiser for what the process writes to a terminal. Text that is not ours (host names,
// messages from hosts, strings read back from a saved report.json, file names) may hold escape
// sequences that move the cursor, retitle the window, write the clipboard (OSC 52) or reorder
// what a reader sees (bidi overrides). Such characters are made visible as \uNNNN, never
// dropped in silence, so a reader sees that something was there.

/**
 * C0 controls except tab and newline, DEL, the C1 block (U+0085 NEL and U+009B CSI included),
 * the soft hyphen, zero-width and direction marks, line/paragraph separators, the bidi
 * embeddings, overrides and isolates (U+202A-202E, U+2066-2069), word joiner and invisible
 * operators, the BOM, and interlinear annotation controls.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/** The escapes this program itself writes: SGR colours, erase-to-end-of-line, carriage return. */
const OWN_SEQUENCE = /\u001b\[[0-9;]{0,16}m|\u001b\[K|\r/y;

/** Any character the guard has work to do for: a fast path for the plain text most chunks are. */
const NEEDS_WORK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/;

/**
 * \uNNNN, as in JSON and JavaScript: readable, and inside a JSON string (diff --json on stdout)
 * it is an escape that decodes to the same character, so guarded JSON stays the same JSON.
 */
function escapeChar(ch: string): string {
  return `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
}

/** Text that is not ours, made safe for a terminal line: every control made visible; tab and newline kept. */
export function visibleText(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/** One line of text that is not ours: like visibleText, and a newline is shown as \n too. */
export function visibleLine(s: string): string {
  return visibleText(s).replace(/\n/g, '\\n');
}

/**
 * A chunk on its way to the terminal: the sequences this program writes (colour, erase line,
 * carriage return) pass; any other control is made visible. The last guard on the process's
 * stdout and stderr, behind the per-message cleaning.
 */
export function guardTerminal(chunk: string): string {
  if (!NEEDS_WORK.test(chunk)) return chunk;
  let out = '';
  let i = 0;
  while (i < chunk.length) {
    OWN_SEQUENCE.lastIndex = i;
    const own = OWN_SEQUENCE.exec(chunk);
    if (own) {
      out += own[0];
      i += own[0].length;
      continue;
    }
    const ch = String.fromCodePoint(chunk.codePointAt(i) ?? 0);
    out += ch === '\n' || ch === '\t' ? ch : ch.replace(UNSAFE, escapeChar);
    i += ch.length;
  }
  return out;
}

/** At most `width` code points, a cut marked with an ellipsis. */
export function cut(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}
