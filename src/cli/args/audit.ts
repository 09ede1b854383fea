// `sockaudit audit`: its flags, its help, argv -> AuditOptions.
import { availableParallelism } from 'node:os';
import type { AuditOptions } from '../../commands/audit.js';
import type { HostKeyPolicy } from '../../inventory/types.js';
import { resolveRunId, resolveShard, type Environment, type ResolvedShard, type RunId } from '../../inventory/shard.js';
import { UsageError } from '../../errors.js';
import { checkStdoutOut, DEFAULT_FORMATS, FORMAT_LIST, parseFlags, parseFormats, parseGate, parseInteger, parseSeconds, type CommandArgs, type OptionTable } from './shared.js';

const USAGE = 'usage: sockaudit audit [--local] [-i INVENTORY]... [-H HOST,...] [--exec COMMAND] [--probe-output FILE]... [options]';

const HELP = `${USAGE}

what to audit:
  --local                  this machine, without SSH
  -i, --inventory FILE     an inventory (Ansible YAML/INI/JSON, script, folder, sockaudit YAML, host
                           list); repeatable; - reads it from standard input
  -H, --hosts LIST         hosts as [user@]host[:port], comma separated; repeatable
  -l, --limit PATTERN      Ansible-style host pattern (web:&prod:!web03, 'db*', web[0:2], ~regex)
  -u, --user USER          default login user (else the inventory's, ssh config's, or yours)
  --identity FILE          a private key to offer (repeatable; also IdentityFile, ansible_ssh_private_key_file)
  -F, --ssh-config FILE    OpenSSH client config (default ~/.ssh/config, then /etc/ssh/ssh_config)
  --no-ssh-config          do not read any ssh client config
  --list-hosts             print the hosts with address, port, user, jump hosts, connection and where
                           each value came from, and audit nothing

other ways to reach hosts:
  --exec COMMAND           reach each inventory host with COMMAND, the probe on its stdin: %h name,
                           %H address, %p port, %u user (each shell-quoted), %% a percent sign;
                           e.g. 'ssh %h sh -s' (the command checks host keys, not sockaudit)
  --probe-output FILE      judge a saved probe output (sockaudit probe-script | sh > FILE) as if the
                           host had just answered; repeatable, globs, - for stdin; the host is
                           named after the file

host keys (verified against ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts by default):
  --known-hosts FILE       another known_hosts file (repeatable)
  --host-key-policy P      strict (default) | accept-new | off
  --accept-new-file FILE   where accept-new records keys it trusts (default ~/.ssh/known_hosts)

how:
  -c, --concurrency N      hosts at once (default 32)
  --workers N              threads for the SSH sessions of a fleet of 64 hosts or more (default:
                           one per core beyond the first, at most 4; 0: all in the main thread)
  --deadline SECONDS       the whole run's deadline; hosts not done by then are reported not audited
  --connect-timeout S      per host TCP connect and SSH handshake, retries included
                           (wins over inventory and ssh config ConnectTimeout; default 10)
  --host-timeout S         per host hard deadline, connect to last byte (default 30)
  --samples N              snapshots per host in one session (default 1)
  --interval SECONDS       between samples (default 5)
  --holders WHEN           who holds the sockets, read from /proc/net/tcp on the host: auto (default:
                           hosts at notice or worse on orphans, TCP memory or TIME_WAIT) | always | never
  --holders-peers FORM     remote peers in the holders table: full (default) | prefix (/24, /64,
                           masked on the host) | none
  --config FILE            evaluator thresholds and skips (YAML or JSON)
  -q, --quiet              no progress on stderr

output:
  -o, --out DIR            where to write reports (default ./sockaudit-report); "-o -" writes the one
                           --format given to stdout, and the summary to stderr
  --format LIST            ${FORMAT_LIST} (default ${DEFAULT_FORMATS})
  --fail-on LEVEL          exit 1 when a host is at or above: notice | warning | critical (default) | never
  --allow-unaudited        do not exit 3 when a host could not be audited

CI:
  --baseline FILE          compare with a saved report.json (read before any host is touched)
  --fail-on-worse          exit 1 also when a host got worse than the baseline or its
                           TCPAbortOnMemory grew (needs --baseline)
  --shard I/N              audit only part I of N of the inventory (stable hash of host names)
  --shard auto             I/N from the engine running the job: GitLab parallel, Kubernetes
                           Indexed Job, CircleCI, Buildkite, Nomad, AWS Batch array (Kubernetes
                           and Nomad with SOCKAUDIT_SHARD_TOTAL)
  --run-id ID              the id every shard of one run shares, checked by merge (default: the
                           engine's pipeline id, e.g. GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT)

Ctrl-C (SIGINT), SIGTERM and SIGHUP stop new connections and still write the report, the hosts
not reached marked cancelled; a second signal quits at once.

exit codes: 0 nothing at or above --fail-on; 1 a host at or above it; 2 usage, inventory or config
error; 3 a host could not be audited (unless --allow-unaudited). When 1 and 3 both apply, 1 wins.
An interrupted run exits 130 (SIGINT), 143 (SIGTERM) or 129 (SIGHUP), whatever the hosts showed.`;

const OPTIONS = {
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
  workers: { type: 'string' },
  deadline: { type: 'string' },
  'connect-timeout': { type: 'string' },
  'host-timeout': { type: 'string' },
  samples: { type: 'string' },
  interval: { type: 'string' },
  holders: { type: 'string' },
  'holders-peers': { type: 'string' },
  config: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  'fail-on': { type: 'string' },
  'allow-unaudited': { type: 'boolean' },
  baseline: { type: 'string' },
  'fail-on-worse': { type: 'boolean' },
  shard: { type: 'string' },
  'list-hosts': { type: 'boolean' },
  exec: { type: 'string' },
  'probe-output': { type: 'string', multiple: true },
  'run-id': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionTable;

/** Flags of sockaudit's own SSH client: a command given with --exec decides these itself. */
const SSH_CLIENT_FLAGS = ['identity', 'known-hosts', 'host-key-policy', 'accept-new-file', 'connect-timeout'] as const;
/** Flags about reaching hosts: saved outputs reach none. */
const REACHING_FLAGS = [...SSH_CLIENT_FLAGS, 'limit', 'user', 'ssh-config', 'no-ssh-config', 'samples', 'interval'] as const;

const POLICIES: readonly HostKeyPolicy[] = ['strict', 'accept-new', 'off'];
const HOLDERS_WHEN = ['auto', 'always', 'never'] as const;
const HOLDERS_PEERS = ['full', 'prefix', 'none'] as const;

function oneOf<T extends string>(text: string, flag: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`${flag} must be ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)} (got "${text}")`);
  return text as T;
}

/** `--shard I/N` or `--shard auto` (read from `env`). */
export function parseShardFlag(text: string, env: Environment = process.env): ResolvedShard {
  const parsed = resolveShard(text, env);
  if ('error' in parsed) throw new UsageError(parsed.error);
  return parsed.value;
}

/** `--run-id`, else the engine's pipeline id from `env`; null when neither is there. */
export function parseRunIdFlag(text: string | undefined, env: Environment = process.env): RunId | null {
  const parsed = resolveRunId(text, env);
  if ('error' in parsed) throw new UsageError(parsed.error);
  return parsed.value;
}

export function parseAuditArgs(args: string[], env: Environment = process.env): AuditOptions | 'help' {
  const { values: v } = parseFlags(args, OPTIONS);
  if (v.help) return 'help';
  const policy = v['host-key-policy'];
  if (policy !== undefined && !(POLICIES as readonly string[]).includes(policy)) throw new UsageError(`--host-key-policy must be strict, accept-new or off (got "${policy}")`);
  if (v['ssh-config'] !== undefined && v['no-ssh-config']) throw new UsageError('--ssh-config and --no-ssh-config exclude each other');
  if (v['run-id'] !== undefined && v.shard === undefined) throw new UsageError('--run-id names the run a shard belongs to: give --shard too');
  const formats = parseFormats(v.format ?? DEFAULT_FORMATS);
  checkStdoutOut(v.out, formats);
  const probeOutputs = v['probe-output'] ?? [];
  if (v.exec !== undefined) {
    const ignored = SSH_CLIENT_FLAGS.filter((f) => v[f] !== undefined);
    if (ignored.length > 0) throw new UsageError(`--${ignored[0]} is for sockaudit's own ssh client: with --exec the command decides it (e.g. ssh -i KEY -o StrictHostKeyChecking=yes)`);
    if (v.local) throw new UsageError('--exec reaches inventory hosts through a command; --local audits this machine without one: run them apart');
    if (!v.inventory && !v.hosts) throw new UsageError('--exec needs hosts: give -i INVENTORY or -H HOSTS');
  }
  if (probeOutputs.length > 0) {
    if (v.local || v.inventory || v.hosts || v.exec !== undefined) throw new UsageError('--probe-output judges saved outputs alone: leave out --local, -i, -H and --exec');
    const ignored = REACHING_FLAGS.filter((f) => v[f] !== undefined);
    if (ignored.length > 0) throw new UsageError(`--${ignored[0]} has no effect on saved probe outputs (the probe ran with its own --samples and --interval)`);
  }
  if (v['list-hosts'] && !v.inventory && !v.hosts) throw new UsageError('--list-hosts lists inventory hosts: give -i INVENTORY or -H HOSTS');
  const fromStdin = (v.inventory ?? []).filter((i) => i === '-').length + probeOutputs.filter((p) => p === '-').length;
  if (fromStdin > 1) throw new UsageError('standard input can be read once: give - to one -i or one --probe-output');
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
    concurrency: parseInteger(v.concurrency, '--concurrency', 32, 1, 4096),
    sshWorkers: parseInteger(v.workers, '--workers', defaultSshWorkers(), 0, 64),
    ...(v.deadline === undefined ? {} : { deadlineSeconds: parseSeconds(v.deadline, '--deadline', 0.1) }),
    ...(v['connect-timeout'] === undefined ? {} : { connectTimeoutSeconds: parseSeconds(v['connect-timeout'], '--connect-timeout', 0.1) }),
    hostTimeoutSeconds: parseSeconds(v['host-timeout'] ?? '30', '--host-timeout', 0.1),
    samples: parseInteger(v.samples, '--samples', 1, 1, 100),
    intervalSeconds: parseInteger(v.interval, '--interval', 5, 0, 3600),
    holders: oneOf(v.holders ?? 'auto', '--holders', HOLDERS_WHEN),
    holdersPeers: oneOf(v['holders-peers'] ?? 'full', '--holders-peers', HOLDERS_PEERS),
    ...(v.config === undefined ? {} : { configFile: v.config }),
    outDir: v.out ?? 'sockaudit-report',
    formats,
    failOn: parseGate(v['fail-on'] ?? 'critical'),
    allowUnaudited: v['allow-unaudited'] ?? false,
    quiet: v.quiet ?? false,
    ...(v.baseline === undefined ? {} : { baseline: v.baseline }),
    ...(v.shard === undefined ? {} : { shard: parseShardFlag(v.shard, env), runId: parseRunIdFlag(v['run-id'], env) }),
    ...(v['fail-on-worse'] ? { failOnWorse: true } : {}),
    ...(probeOutputs.length > 0 ? { probeOutputs } : {}),
    ...(v.exec === undefined ? {} : { exec: v.exec }),
    ...(v['list-hosts'] ? { listHosts: true } : {}),
  };
}

export const AUDIT: CommandArgs<AuditOptions> = {
  name: 'audit',
  summary: 'audit hosts (--local, -i INVENTORY, -H HOSTS, --probe-output FILE) and write reports',
  usage: USAGE,
  help: HELP,
  options: OPTIONS,
  parse: parseAuditArgs,
};

/**
 * One SSH worker thread per core beyond the first, at most 4: the sessions' crypto is what keeps a
 * large run's client busy, and the first core stays with the main thread, which parses, evaluates
 * and writes the reports meanwhile. On a 2-core machine that also serves the hosts (the benches'
 * in-process fleet) a second worker only competed with them: 10,000 hosts took 60 s with 2
 * workers, 55 s with 1 and 50 s with none. On one core there is nothing to spread.
 */
export function defaultSshWorkers(cores = availableParallelism()): number {
  return Math.max(0, Math.min(4, cores - 1));
}
