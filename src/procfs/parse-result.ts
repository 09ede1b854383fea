// What every parser in this folder returns: a value, or an error that names the file and line.

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function parsed<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

/** An error naming the file and, when there is one, the 1-based line. */
export function parseError<T>(file: string, line: number | undefined, message: string): ParseResult<T> {
  return { ok: false, error: line === undefined ? `${file}: ${message}` : `${file} line ${line}: ${message}` };
}

/**
 * The lines of a file as the kernel printed them: CRLF accepted, and the empty string after the
 * final newline dropped (so a missing final newline changes nothing). Line i is number i + 1.
 */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  // /proc never prints CR: only a file that passed through other hands needs the pass.
  if (text.includes('\r')) for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

// The prototype of every name table: empty, frozen and without one of its own, so that no name a
// host prints reaches Object.prototype. With no prototype at all, a name such as `__proto__` or
// `constructor` would be as safe, but V8 keeps each object made by Object.create(null) as a hash
// table, several times the memory of an object laid out as its names are added, and a fleet holds
// a dozen tables per host until its reports are written.
const NO_NAMES: object = Object.freeze(Object.create(null) as object);

/**
 * An empty table for names the host prints, where each name is an own key like any other: on a
 * plain object `__proto__` or `constructor` would reach Object.prototype (`groups['constructor']
 * ??= {}` finds the inherited Object function and writes onto it). V8 lays it out for up to about
 * twenty names; settled() lays out a larger one.
 */
export function nameTable<T>(): Record<string, T> {
  return Object.create(NO_NAMES) as Record<string, T>;
}

/**
 * A filled name table laid out as one object, its names in the same order, for tables of more
 * names than V8 lays out as they are added (a sysctl per key, /proc/meminfo's fifty lines).
 * Object.fromEntries defines `__proto__` as an own key.
 */
export function settled<T>(table: Record<string, T>): Record<string, T> {
  return Object.setPrototypeOf(Object.fromEntries(Object.entries(table)), NO_NAMES) as Record<string, T>;
}

/** Whitespace-separated tokens of one line (spaces and tabs alike). */
export function tokens(line: string): string[] {
  // The kernel's usual line, single spaces between tokens and none around them, splits on the
  // space alone, which is several times faster than the pattern and gives the same tokens.
  if (line !== '' && line.charCodeAt(0) !== 0x20 && line.charCodeAt(line.length - 1) !== 0x20 && !line.includes('\t') && !line.includes('  ')) {
    return line.split(' ');
  }
  return line.split(/[ \t]+/).filter((t) => t !== '');
}

/**
 * Host text made safe to carry in a detail or a report: line breaks and tabs become spaces, other
 * control characters (an escape sequence would drive a terminal) U+FFFD; surrounding whitespace
 * goes, and length is bounded.
 */
export function hostText(text: string, max = 200): string {
  const clean = text
    .trim()
    .replace(/[\t\r\n]+/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
