// Host strings are data: this makes them safe to show anywhere text is interpreted.

// ESC sequences (CSI with parameters, OSC/DCS/APC/PM/SOS strings up to BEL or ST, and
// two-character escapes), then single C0, DEL and C1 controls, and the bidirectional
// overrides that can reorder what a reader sees.
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|[ -/]*[0-~]?)/g;
const C1_STRING = /[\u0090\u0098\u009d\u009e\u009f][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u009b[0-?]*[ -/]*[@-~]?/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** Any character the replacements below act on (ESC, tab and newline are C0; the C1 introducers are in 0x80-0x9f). */
const NEEDS_CLEANING = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A host string made safe to print: escape sequences and C0/C1 controls removed; tabs and newlines become spaces. */
export function sanitizeForTerminal(s: string): string {
  // Nearly every string is clean already: one scan for anything the replacements would touch.
  if (!NEEDS_CLEANING.test(s)) return s;
  return s.replace(ESCAPE_SEQUENCE, '').replace(C1_STRING, '').replace(/[\t\n]/g, ' ').replace(CONTROL, '');
}

/**
 * `f` remembering its answers for one rendering: a fleet's hosts repeat most strings (a sysctl's
 * value, a level, a host's name on each of its samples), so each distinct one is worked out once.
 */
export function perDistinctText(f: (s: string) => string): (s: string) => string {
  const answers = new Map<string, string>();
  return (s) => {
    let answer = answers.get(s);
    if (answer === undefined) answers.set(s, (answer = f(s)));
    return answer;
  };
}

/** The same cleaner under the name the design uses: a host string made safe to show as text. */
export const cleanHostText = sanitizeForTerminal;

/**
 * JSON.stringify escapes C0 controls but leaves DEL, C1 controls, line separators and bidi
 * overrides raw; a terminal showing the file could act on them. They occur only inside
 * strings, so writing them as \u escapes keeps the same data.
 */
export function escapeInvisible(text: string): string {
  // In ASCII text (as many bytes as characters) DEL is the only one of them: a report.json host
  // line of 30 KB is cleared in 1-3 µs instead of the pattern's 30-40.
  if (Buffer.byteLength(text, 'utf8') === text.length && !text.includes('\u007f')) return text;
  return text.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
