// argv -> typed options -> one command. The only place that decides what the process prints on
// error and which exit code it returns.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { audit, type AuditOptions, type AuditResult } from '../commands/audit.js';
import { reportFrom } from '../commands/report.js';
import { diff } from '../commands/diff.js';
import { merge } from '../commands/merge.js';
import { whatif } from '../commands/whatif.js';
import { compare } from '../commands/compare.js';
import { demo } from '../commands/demo.js';
import { listHosts } from '../commands/list-hosts.js';
import { probeScript } from '../commands/probe-script.js';
import { prometheusRulesText } from '../commands/prometheus-rules.js';
import { describeTargetsTable } from '../inventory/describe.js';
import type { Io } from '../commands/io.js';
import { EXIT, InputError, RunError, UsageError } from '../errors.js';
import { packageVersion } from '../paths.js';
import { AUDIT } from './args/audit.js';
import { COMPARE } from './args/compare.js';
import { DEMO } from './args/demo.js';
import { DIFF } from './args/diff.js';
import { MERGE } from './args/merge.js';
import { PROBE_SCRIPT } from './args/probe-script.js';
import { PROMETHEUS_RULES } from './args/prometheus-rules.js';
import { REPORT } from './args/report.js';
import type { CommandArgs } from './args/shared.js';
import { nearestWord } from './args/suggest.js';
import { isSystemError, plainMessage } from './messages.js';
import { signalExitCode, type StopSignal } from './process-io.js';
import { printAuditSummary, printDiff, summaryTarget, type SummaryTarget } from './summary.js';
import { renderTable } from './table.js';
import { visibleLine, visibleText } from './terminal-text.js';
import { WHATIF } from './args/whatif.js';

/** What main may learn from the real process beyond the commands' Io (cli/process-io.ts). */
export type MainIo = Io & {
  /** The stop signal the run received, if any: the exit code follows it. */
  interruptedBy?: () => StopSignal | undefined;
  /** Where `-o -` writes its report, untouched; default stdout. */
  reportOut?: Writable;
  /** What `-` reads (`-i -`, `--probe-output -`); absent: `-` is an error. */
  stdin?: NodeJS.ReadableStream;
};

interface Command<O> {
  args: CommandArgs<O>;
  run(opts: O, io: MainIo): Promise<number>;
}

function command<O>(args: CommandArgs<O>, run: (opts: O, io: MainIo) => Promise<number>): Command<O> {
  return { args, run };
}

const COMMANDS = [
  command(AUDIT, async (opts, io) => {
    const withStdin = await readStdinFor(opts, io);
    // The CLI needs a host's raw record only for report.json, which holds it once written away.
    return withStdin.listHosts ? printHosts(withStdin, io) : runReporting({ ...withStdin, keepRecords: false }, io, audit);
  }),
  command(DEMO, async (opts, io) => {
    const result = await demo(opts, io);
    printAuditSummary(withInterruption(result, io), summaryTarget(io));
    return exitCode(result, io);
  }),
  command(REPORT, (opts, io) => runReporting({ ...opts, keepRecords: false }, io, reportFrom)),
  command(DIFF, async (opts, io) => {
    const result = await diff(opts, io);
    printDiff(result, opts, io);
    return result.exitCode;
  }),
  command(MERGE, (opts, io) => runReporting({ ...opts, keepRecords: false }, io, merge)),
  command(WHATIF, async (opts, io) => (await whatif(opts, io)).exitCode),
  command(COMPARE, async (opts, io) => (await compare(opts, io)).exitCode),
  command(PROBE_SCRIPT, async (opts, io) => {
    // Byte for byte: the script goes to a file or a pipe, never through the terminal guard.
    await writeAll(io.reportOut ?? io.stdout, Buffer.from(probeScript(opts)));
    return EXIT.ok;
  }),
  command(PROMETHEUS_RULES, async (opts, io) => {
    await writeAll(io.reportOut ?? io.stdout, Buffer.from(await prometheusRulesText(opts, io)));
    return EXIT.ok;
  }),
] as const;

const NAMES = COMMANDS.map((c) => c.args.name);

const USAGE = `usage: sockaudit <command> [options]

commands:
${COMMANDS.map((c) => `  ${c.args.name.padEnd(16)}  ${c.args.summary}`).join('\n')}
  ${'help'.padEnd(16)}  this text; 'sockaudit help COMMAND' for a command's options
  ${'version'.padEnd(16)}  the version (also --version, -V)

run 'sockaudit <command> --help' for a command's options.`;

export async function main(argv: string[], io: MainIo): Promise<number> {
  const [name, ...rest] = argv;
  const found = COMMANDS.find((c) => c.args.name === name);
  try {
    if (found) return await runCommand(found as Command<unknown>, rest, io);
    switch (name) {
      case '--version':
      case '-V':
      case 'version':
        io.stdout.write(`${packageVersion()}\n`);
        return EXIT.ok;
      case undefined:
        io.stderr.write(`${USAGE}\n`);
        return EXIT.usage;
      case 'help':
      case '--help':
      case '-h':
        return help(rest[0], io);
      default: {
        io.stderr.write(`sockaudit: unknown command "${visibleLine(name)}"${commandHint(name)}\n${USAGE}\n`);
        return EXIT.usage;
      }
    }
  } catch (e) {
    return reportError(e, io);
  }
}

/** A misspelt command, or a command's flag given without the command (`sockaudit --local`). */
function commandHint(word: string): string {
  if (!word.startsWith('-')) {
    const near = nearestWord(word, NAMES);
    return near ? `: did you mean ${near}?` : '';
  }
  const flag = word.replace(/^-+/, '').split('=')[0] ?? '';
  const owner = COMMANDS.find((c) => Object.entries(c.args.options).some(([long, o]) => long !== 'help' && (long === flag || o.short === flag)));
  return owner ? `: a command comes first, as in sockaudit ${owner.args.name} ${visibleLine(word)}` : '';
}

/** `sockaudit help [COMMAND]`. */
function help(topic: string | undefined, io: Io): number {
  if (topic === undefined) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const found = COMMANDS.find((c) => c.args.name === topic);
  if (!found) {
    const near = nearestWord(topic, NAMES);
    io.stderr.write(`sockaudit help: no command "${visibleLine(topic)}"${near ? `: did you mean ${near}?` : ''}\n${USAGE}\n`);
    return EXIT.usage;
  }
  io.stdout.write(`${found.args.help}\n`);
  return EXIT.ok;
}

/** Parse, then run; a usage error prints the command's own usage line. */
async function runCommand(c: Command<unknown>, args: string[], io: MainIo): Promise<number> {
  try {
    const opts = c.args.parse(args);
    if (opts === 'help') {
      io.stdout.write(`${c.args.help}\n`);
      return EXIT.ok;
    }
    return await c.run(opts, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`sockaudit ${c.args.name}: ${visibleText(plainMessage(e.message))}\n${c.args.usage}\nrun 'sockaudit ${c.args.name} --help' for every option.\n`);
    return EXIT.usage;
  }
}

/** The one mapping of errors to what the user reads and the exit code. */
function reportError(e: unknown, io: Io): number {
  if (e instanceof UsageError) {
    io.stderr.write(`sockaudit: ${visibleText(plainMessage(e.message))}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const inputErrors = e instanceof AggregateError && e.errors.every((x) => x instanceof InputError);
  if (e instanceof InputError || e instanceof RunError || inputErrors || isSystemError(e)) {
    const lines = e instanceof AggregateError ? e.errors.map((x: Error) => x.message) : [(e as Error).message];
    for (const l of lines) io.stderr.write(`sockaudit: ${visibleText(plainMessage(l))}\n`);
    return EXIT.usage;
  }
  throw e;
}

interface ReportingOptions {
  outDir: string;
  formats: readonly string[];
}

/**
 * audit, report and merge: the command, then the summary and the exit code. With `-o -` the one
 * report goes to stdout, and the summary and progress to stderr.
 */
async function runReporting<O extends ReportingOptions>(opts: O, io: MainIo, run: (o: O, io: Io) => Promise<AuditResult>): Promise<number> {
  if (opts.outDir !== '-') {
    const result = await run(opts, io);
    printAuditSummary(withInterruption(result, io), summaryTarget(io));
    return exitCode(result, io);
  }
  const onStderr: Io = { ...io, stdout: io.stderr, color: io.stderrColor ?? false };
  const dir = await mkdtemp(join(tmpdir(), 'sockaudit-stdout-'));
  try {
    const result = await run({ ...opts, outDir: dir }, onStderr);
    const report = result.files[0];
    if (report !== undefined) await writeAll(io.reportOut ?? io.stdout, await readFile(report));
    const shown = { ...result, files: report === undefined ? [] : [`${basename(report)} to stdout`] };
    const to: SummaryTarget = { ...summaryTarget(onStderr), stream: io.stderr };
    printAuditSummary(withInterruption(shown, io), to);
    return exitCode(result, io);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `-i -` or `--probe-output -`: the standard input's text, read here (the only room that touches
 * the process) and handed to the command. Nothing is read otherwise: a run from a terminal never
 * waits on it.
 */
async function readStdinFor(opts: AuditOptions, io: MainIo): Promise<AuditOptions> {
  const wanted = opts.inventories.includes('-') || (opts.probeOutputs ?? []).includes('-');
  if (!wanted) return opts;
  if (!io.stdin) throw new UsageError('- reads standard input, and there is none here');
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return { ...opts, stdinText: Buffer.concat(chunks).toString('utf8') };
}

/** `audit --list-hosts`: the resolved hosts and where each value came from; nothing is audited. */
async function printHosts(opts: AuditOptions, io: MainIo): Promise<number> {
  const { targets, exec } = await listHosts(opts, io);
  const table = describeTargetsTable(targets);
  // With --exec the command reaches every host but those the inventory keeps on this machine.
  const rows = exec === undefined ? table.rows : table.rows.map((row, i) => (targets[i]?.connection === 'local' ? row : [...row.slice(0, 5), 'exec (--exec)']));
  // Fitted to a terminal (or COLUMNS); whole rows when the width is unknown, for grep and files.
  io.stdout.write(renderTable(table.header, rows, io.columns === undefined ? Number.POSITIVE_INFINITY : io.columns - 1));
  io.stdout.write(`${targets.length} ${targets.length === 1 ? 'host' : 'hosts'}\n`);
  return EXIT.ok;
}

function writeAll(stream: Writable, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => stream.write(data, (err) => (err ? reject(err) : resolve())));
}

/** An interrupted run says so in its exit line, and exits 128 + the signal: never 0, whatever the hosts showed. */
function withInterruption(result: AuditResult, io: MainIo): AuditResult {
  const signal = io.interruptedBy?.();
  if (signal === undefined) return result;
  return {
    ...result,
    judgement: { ...result.judgement, exitCode: signalExitCode(signal), reason: `interrupted by ${signal}; hosts not reached are reported cancelled` },
  };
}

function exitCode(result: AuditResult, io: MainIo): number {
  return withInterruption(result, io).judgement.exitCode;
}
