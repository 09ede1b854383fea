// What the commands' flag parsers share: node:util's parseArgs with its complaints turned into
// usage errors that name the nearest flag, the format list, the gate, numbers, and the options
// of every command that writes pages from a saved run.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../../errors.js';
import type { Level } from '../../evaluate/types.js';
import type { ReportOutputOptions } from '../../commands/report.js';
import type { PageFormat } from '../../commands/compare.js';
// The one place the flag parsers learn the report formats.
import { FORMAT_IDS as FORMATS, parseFormats, type Format } from '../../report/formats.js';
import { suggestFlag } from './suggest.js';

export { FORMATS, parseFormats, type Format };

export type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** One command's face on the command line: its flags, its help, and argv -> typed options. */
export interface CommandArgs<O> {
  name: string;
  /** One line for the global command list. */
  summary: string;
  /** The usage line printed after a usage error. */
  usage: string;
  help: string;
  options: OptionTable;
  parse(args: string[]): O | 'help';
}

/** What parseArgs returns for these options, positionals allowed. */
export type ParsedFlags<O extends OptionTable> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** parseArgs, strict, with an unknown flag's error naming the nearest one. */
export function parseFlags<O extends OptionTable>(args: string[], options: O, allowPositionals = false): ParsedFlags<O> {
  try {
    return parseArgs({ args, options, allowPositionals: allowPositionals as true, strict: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const typed = /Unknown option '([^']+)'/.exec(err.message)?.[1] ?? '';
      const hint = suggestFlag(typed, options);
      throw new UsageError(`unknown option ${typed}${hint ? `: ${hint}` : ''}`);
    }
    if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const word = /Unexpected argument '([^']+)'/.exec(err.message)?.[1];
      throw new UsageError(word === undefined ? err.message : `unexpected argument "${word}"`);
    }
    throw new UsageError(err.message.replace(/ To specify an option argument starting with a dash use .*$/, ''));
  }
}

/** Runs a parse, turning whatever it throws into a UsageError (exit 2). */
export function usageErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}

export const GATES = ['notice', 'warning', 'critical', 'never'] as const;

/** `--fail-on LEVEL`. */
export function parseGate(text: string): Level | 'never' {
  if (!(GATES as readonly string[]).includes(text)) throw new UsageError(`--fail-on must be one of ${GATES.join(', ')} (got "${text}")`);
  return text as Level | 'never';
}

export function parseInteger(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got "${text}")`);
  return n;
}

export function parseSeconds(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} must be a number of seconds >= ${min} (got "${text}")`);
  return n;
}

/** The default and the list, as the help texts print them. */
export const DEFAULT_FORMATS = 'html,md,json';
export const FORMAT_LIST = FORMATS.join(',');

/** `-o -`: the report goes to stdout, so exactly one format can go there. */
export function checkStdoutOut(outDir: string | undefined, formats: readonly string[]): void {
  if (outDir === '-' && formats.length !== 1) throw new UsageError(`-o - writes one report to stdout: give exactly one --format (got ${formats.join(',')})`);
}

/** The options every command that writes a report from saved runs shares (report, merge). */
export const REPORT_OUTPUT_ARGS = {
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  baseline: { type: 'string' },
  config: { type: 'string' },
  'fail-on': { type: 'string' },
  'fail-on-worse': { type: 'boolean' },
  'allow-unaudited': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionTable;

export const REPORT_OUTPUT_HELP = `  -o, --out DIR            where to write reports (default ./sockaudit-report; - for stdout, one format)
  --format LIST            ${FORMAT_LIST} (default ${DEFAULT_FORMATS})`;

/** The shared output options from parsed values. */
export function assembleOutputOptions(v: {
  out?: string;
  format?: string;
  baseline?: string;
  config?: string;
  'fail-on'?: string;
  'fail-on-worse'?: boolean;
  'allow-unaudited'?: boolean;
}): ReportOutputOptions {
  const failOn = v['fail-on'] === undefined ? undefined : parseGate(v['fail-on']);
  if (v['fail-on-worse'] && v.baseline === undefined) throw new UsageError('--fail-on-worse needs --baseline');
  const formats = parseFormats(v.format ?? DEFAULT_FORMATS);
  checkStdoutOut(v.out, formats);
  return {
    outDir: v.out ?? 'sockaudit-report',
    formats,
    ...(v.baseline === undefined ? {} : { baseline: v.baseline }),
    ...(v.config === undefined ? {} : { configFile: v.config }),
    ...(failOn === undefined ? {} : { failOn }),
    failOnWorse: v['fail-on-worse'] ?? false,
    allowUnaudited: v['allow-unaudited'] ?? false,
  };
}

/** Options of every command that writes pages from a saved run (whatif, compare). */
export const SAVED_RUN_PAGE_ARGS = {
  from: { type: 'string' },
  config: { type: 'string' },
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionTable;

/** The formats of the compare and what-if pages (JUnit is the audit's alone). */
const PAGE_FORMATS: readonly PageFormat[] = ['html', 'md', 'json'];

export function parsePageFormats(text: string): PageFormat[] {
  const formats = parseFormats(text);
  const other = formats.find((f) => !(PAGE_FORMATS as readonly string[]).includes(f));
  if (other !== undefined) throw new UsageError(`--format: ${other} is not written here (known: ${PAGE_FORMATS.join(', ')})`);
  return formats as PageFormat[];
}
