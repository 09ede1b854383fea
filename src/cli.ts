// argv -> typed options -> one command. The only place that decides what the process prints
// on error and which exit code it returns.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { audit, parseShardFlag, type AuditOptions, type AuditResult } from './commands/audit.js';
import { parseReportArgs, reportFrom, REPORT_HELP } from './commands/report-from.js';
import { diff, DIFF_HELP, parseDiffArgs, printDiff } from './commands/diff.js';
import { merge, MERGE_HELP, parseMergeArgs } from './commands/merge.js';
import { parseWhatIfArgs, whatif, WHATIF_HELP } from './commands/whatif.js';
import { compare, COMPARE_HELP, parseCompareArgs } from './commands/compare.js';
import { demo } from './commands/demo.js';
import { parseFormats } from './commands/write-reports.js';
import { sanitizeForTerminal } from './report/index.js';
import { EXIT, InputError, RunError, UsageError } from './errors.js';
import type { Io } from './commands/io.js';
import type { Level } from './evaluate/types.js';
import type { HostKeyPolicy } from './inventory/types.js';
import { packageVersion } from './paths.js';
import { printAuditSummary } from './commands/summary.js';
import { usageErrors } from './commands/args.js';

const USAGE = `usage: sockaudit <command> [options]

commands:
  audit      audit hosts (--local, -i INVENTORY, -H HOSTS) and write reports
  demo       audit a recorded fleet served on loopback, plus this machine
  report     render a saved report.json again, without touching a host
  diff       compare two saved runs: what got worse, what got better
  merge      one report from the JSON of several shards
  whatif     apply proposed sysctl values to a saved run and evaluate again
  compare    the hosts' sysctls and limits side by side, with drift marked
  help       this text

run 'sockaudit <command> --help' for a command's options.`;

const AUDIT_HELP = `usage: sockaudit audit [--local] [-i INVENTORY]... [-H HOST,...] [options]

what to audit:
  --local                  this machine, without SSH
  -i, --inventory FILE     an inventory (Ansible YAML/INI/JSON, sockaudit YAML, host list); repeatable
  -H, --hosts LIST         hosts as [user@]host[:port], comma separated; repeatable
  -l, --limit PATTERN      Ansible-style host pattern (web:&prod:!web03, 'db*', web[0:2], ~regex)
  -u, --user USER          default login user (else the inventory's, ssh config's, or yours)
  --identity FILE          a private key to offer (repeatable; also IdentityFile, ansible_ssh_private_key_file)
  -F, --ssh-config FILE    OpenSSH client config (default ~/.ssh/config, then /etc/ssh/ssh_config)
  --no-ssh-config          do not read any ssh client config

host keys (verified against ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts by default):
  --known-hosts FILE       another known_hosts file (repeatable)
  --host-key-policy P      strict (default) | accept-new | off
  --accept-new-file FILE   where accept-new records keys it trusts (default ~/.ssh/known_hosts)

how:
  -c, --concurrency N      hosts at once (default 32)
  --deadline SECONDS       the whole run's deadline; hosts not done by then are reported not audited
  --connect-timeout S      per host TCP connect and SSH handshake, retries included
                           (wins over inventory and ssh config ConnectTimeout; default 10)
  --host-timeout S         per host hard deadline, connect to last byte (default 30)
  --samples N              snapshots per host in one session (default 1)
  --interval SECONDS       between samples (default 5)
  --config FILE            evaluator thresholds and skips (YAML or JSON)
  -q, --quiet              no progress on stderr

output:
  -o, --out DIR            where to write reports (default ./sockaudit-report)
  --format LIST            html,md,json,junit (default html,md,json)
  --fail-on LEVEL          exit 1 when a host is at or above: notice | warning | critical (default) | never
  --allow-unaudited        do not exit 3 when a host could not be audited

CI:
  --baseline FILE          compare with a saved report.json (read before any host is touched)
  --fail-on-worse          exit 1 also when a host got worse than the baseline or its
                           TCPAbortOnMemory grew (needs --baseline)
  --shard I/N              audit only part I of N of the inventory (stable hash of host names)

exit codes: 0 nothing at or above --fail-on; 1 a host at or above it; 2 usage, inventory or config
error; 3 a host could not be audited (unless --allow-unaudited). When 1 and 3 both apply, 1 wins.`;

const DEMO_HELP = `usage: sockaudit demo [-o DIR] [--no-local] [-q]

Starts a small fleet of recorded hosts (real /proc data kept in the package, served by an
in-process SSH server on 127.0.0.1), audits it over SSH with strict host-key checking,
together with this machine, and writes the reports. The fleet's data is recorded, not live.`;

const LEVELS = ['notice', 'warning', 'critical', 'never'] as const;

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'audit':
        return await runAudit(rest, io);
      case 'demo':
        return await runDemo(rest, io);
      case 'report':
        return await runSaved(rest, io, parseReportArgs, REPORT_HELP, reportFrom);
      case 'merge':
        return await runSaved(rest, io, parseMergeArgs, MERGE_HELP, merge);
      case 'diff': {
        const opts = parseDiffArgs(rest);
        if (opts === 'help') return help(io, DIFF_HELP);
        const result = await diff(opts, io);
        printDiff(result, opts, io);
        return result.exitCode;
      }
      case 'whatif': {
        const opts = parseWhatIfArgs(rest);
        if (opts === 'help') return help(io, WHATIF_HELP);
        return (await whatif(opts, io)).exitCode;
      }
      case 'compare': {
        const opts = parseCompareArgs(rest);
        if (opts === 'help') return help(io, COMPARE_HELP);
        return (await compare(opts, io)).exitCode;
      }
      case '--version':
      case 'version':
        io.stdout.write(`${packageVersion()}\n`);
        return EXIT.ok;
      case undefined:
        io.stderr.write(`${USAGE}\n`);
        return EXIT.usage;
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(`${USAGE}\n`);
        return EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`sockaudit: ${e.message}\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (e instanceof InputError || e instanceof RunError || (e instanceof AggregateError && e.errors.every((x) => x instanceof InputError))) {
      const lines = e instanceof AggregateError ? e.errors.map((x: Error) => x.message) : [e.message];
      for (const l of lines) io.stderr.write(`sockaudit: ${sanitizeForTerminal(l)}\n`);
      return EXIT.usage;
    }
    throw e;
  }
}

const AUDIT_ARGS = {
  local: { type: 'boolean' },
  inventory: { type: 'string', short: 'i', multiple: true },
  hosts: { type: 'string', short: 'H', multiple: true },
  limit: { type: 'string', short: 'l' },
  user: { type: 'string', short: 'u' },
  identity: { type: 'string', multiple: true },
  'ssh-config': { type: 'string', short: 'F' },
  'no-ssh-config': { type: 'boolean' },
  'known-hosts': { type: 'string', multiple: true },
  'host-key-policy': { type: 'string' },
  'accept-new-file': { type: 'string' },
  concurrency: { type: 'string', short: 'c' },
  deadline: { type: 'string' },
  'connect-timeout': { type: 'string' },
  'host-timeout': { type: 'string' },
  samples: { type: 'string' },
  interval: { type: 'string' },
  config: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  'fail-on': { type: 'string' },
  'allow-unaudited': { type: 'boolean' },
  baseline: { type: 'string' },
  'fail-on-worse': { type: 'boolean' },
  shard: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  return usageErrors(() => parseArgs({ args, options, allowPositionals: false, strict: true }));
}

export function auditOptions(args: string[]): AuditOptions | 'help' {
  const { values: v } = parse(args, AUDIT_ARGS);
  if (v.help) return 'help';
  const policy = v['host-key-policy'];
  if (policy !== undefined && !['strict', 'accept-new', 'off'].includes(policy))
    throw new UsageError(`--host-key-policy must be strict, accept-new or off (got "${policy}")`);
  if (v['ssh-config'] !== undefined && v['no-ssh-config']) throw new UsageError('--ssh-config and --no-ssh-config exclude each other');
  return {
    local: v.local ?? false,
    inventories: v.inventory ?? [],
    hosts: (v.hosts ?? []).flatMap((h) => h.split(',')).map((h) => h.trim()).filter(Boolean),
    ...(v.limit === undefined ? {} : { limit: v.limit }),
    ...(v['no-ssh-config'] ? { sshConfig: null } : v['ssh-config'] === undefined ? {} : { sshConfig: v['ssh-config'] }),
    ...(v.user === undefined ? {} : { user: v.user }),
    identityFiles: v.identity ?? [],
    knownHosts: v['known-hosts'] ?? [],
    ...(policy === undefined ? {} : { hostKeyPolicy: policy as HostKeyPolicy }),
    ...(v['accept-new-file'] === undefined ? {} : { knownHostsOut: v['accept-new-file'] }),
    concurrency: integer(v.concurrency, '--concurrency', 32, 1, 4096),
    ...(v.deadline === undefined ? {} : { deadlineSeconds: number(v.deadline, '--deadline', 0.1) }),
    ...(v['connect-timeout'] === undefined ? {} : { connectTimeoutSeconds: number(v['connect-timeout'], '--connect-timeout', 0.1) }),
    hostTimeoutSeconds: number(v['host-timeout'] ?? '30', '--host-timeout', 0.1),
    samples: integer(v.samples, '--samples', 1, 1, 100),
    intervalSeconds: integer(v.interval, '--interval', 5, 0, 3600),
    ...(v.config === undefined ? {} : { configFile: v.config }),
    outDir: v.out ?? 'sockaudit-report',
    formats: parseFormats(v.format ?? 'html,md,json'),
    failOn: level(v['fail-on'] ?? 'critical'),
    allowUnaudited: v['allow-unaudited'] ?? false,
    quiet: v.quiet ?? false,
    ...(v.baseline === undefined ? {} : { baseline: v.baseline }),
    ...(v.shard === undefined ? {} : { shard: parseShardFlag(v.shard) }),
    ...(v['fail-on-worse'] ? { failOnWorse: true } : {}),
  };
}

async function runAudit(args: string[], io: Io): Promise<number> {
  const opts = auditOptions(args);
  if (opts === 'help') {
    io.stdout.write(`${AUDIT_HELP}\n`);
    return EXIT.ok;
  }
  const result = await audit(opts, io);
  printAuditSummary(result, io);
  return result.judgement.exitCode;
}

function help(io: Io, text: string): number {
  io.stdout.write(`${text}\n`);
  return EXIT.ok;
}

/** Commands that render a saved run: the same summary and exit code as an audit. */
async function runSaved<O>(args: string[], io: Io, parseArgs: (a: string[]) => O | 'help', text: string, run: (o: O, io: Io) => Promise<AuditResult>): Promise<number> {
  const opts = parseArgs(args);
  if (opts === 'help') return help(io, text);
  const result = await run(opts, io);
  printAuditSummary(result, io);
  return result.judgement.exitCode;
}

async function runDemo(args: string[], io: Io): Promise<number> {
  const { values: v } = parse(args, {
    out: { type: 'string', short: 'o' },
    'no-local': { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (v.help) {
    io.stdout.write(`${DEMO_HELP}\n`);
    return EXIT.ok;
  }
  const result = await demo({ outDir: v.out ?? 'sockaudit-report', local: !v['no-local'], quiet: v.quiet ?? false }, io);
  printAuditSummary(result, io);
  return EXIT.ok;
}

function level(text: string): Level | 'never' {
  if (!(LEVELS as readonly string[]).includes(text)) throw new UsageError(`--fail-on must be one of ${LEVELS.join(', ')} (got "${text}")`);
  return text as Level | 'never';
}

function integer(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max} (got "${text}")`);
  return n;
}

function number(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${flag} must be a number of seconds >= ${min} (got "${text}")`);
  return n;
}
