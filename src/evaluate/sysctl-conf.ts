// sysctl.conf syntax, as procps sysctl.conf(5) and systemd sysctl.d(5) read it: `key = value` lines,
// `#` and `;` comments, a leading `-` when errors setting the key are to be ignored, and names written
// with dots or slashes. Pure: text in, assignments out; meaning (known keys, numbers) is whatif.ts's.
import { InputError, type Result } from '../errors.js';

export interface SysctlAssignment {
  /** Dotted name, as snapshots key sysctls: `net.ipv4.tcp_mem`. */
  key: string;
  /** Path components under /proc/sys; a component may hold a dot (`eth0.100`). */
  segments: string[];
  /** The name as written, without the `-`. */
  written: string;
  /** The value as written, surrounding whitespace removed (inner whitespace kept). */
  value: string;
  /** Written with a leading `-`: sysctl ignores errors setting it. */
  ignoreErrors: boolean;
  file: string;
  line: number;
}

/**
 * Parses one sysctl.conf fragment. Never throws: every malformed line is an error naming the file
 * and line, and the lines that parsed are still returned.
 */
export function parseSysctlConf(text: string, file: string): Result<SysctlAssignment[]> {
  const value: SysctlAssignment[] = [];
  const warnings: string[] = [];
  const errors: InputError[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const parsed = parseSysctlLine(raw, file, line);
    if (parsed === undefined) return;
    if ('warning' in parsed) warnings.push(parsed.warning);
    else if ('error' in parsed) errors.push(parsed.error);
    else value.push(parsed.assignment);
  });
  return { value, warnings, errors };
}

type LineResult = { assignment: SysctlAssignment } | { error: InputError } | { warning: string } | undefined;

/** One line; undefined for blank lines and comments. */
export function parseSysctlLine(raw: string, file: string, line: number): LineResult {
  let text = raw.trim();
  if (text === '' || text.startsWith('#') || text.startsWith(';')) return undefined;
  const ignoreErrors = text.startsWith('-');
  if (ignoreErrors) text = text.slice(1).trimStart();
  const eq = text.indexOf('=');
  if (eq < 0) {
    // systemd reads `-key` without a value as "leave this key alone": nothing to apply.
    if (ignoreErrors) return { warning: `${file}:${line}: "-${text}" has no value; nothing to apply` };
    return { error: new InputError(file, line, `expected "key = value", found ${quote(text)}`) };
  }
  const written = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  if (written === '') return { error: new InputError(file, line, 'no key before "="') };
  if (/\s/.test(written)) return { error: new InputError(file, line, `a key has no spaces: ${quote(written)}`) };
  if (value === '') return { error: new InputError(file, line, `no value for ${written}`) };
  const segments = splitName(written);
  if (segments.some((s) => s === '')) return { error: new InputError(file, line, `empty name component in ${quote(written)}`) };
  return { assignment: { key: segments.join('.'), segments, written, value, ignoreErrors, file, line } };
}

/**
 * sysctl.d(5): when the first separator is a slash, the name is a path and dots are part of its
 * components; when it is a dot, dots separate and a slash stands for a dot inside a component.
 */
export function splitName(name: string): string[] {
  const firstSlash = name.indexOf('/');
  const firstDot = name.indexOf('.');
  const pathForm = firstSlash >= 0 && (firstDot < 0 || firstSlash < firstDot);
  if (pathForm) return name.replace(/^\/+|\/+$/g, '').split('/');
  return name.split('.').map((s) => s.replaceAll('/', '.'));
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);
}
