// `sockaudit audit`: targets -> collect -> evaluate -> report. The one command that touches hosts.
import { hostname, userInfo } from 'node:os';
import type { HostKeyPolicy, Target } from '../inventory/types.js';
import { loadTargets } from '../inventory/index.js';
import { collectFleet, collectLocalHost } from '../collect/collect.js';
import { weakestHostKeyPolicy } from '../collect/host-trust.js';
import type { HostOutcome } from '../collect/types.js';
import type { Level } from '../evaluate/types.js';
import { loadEvalConfig } from './config-file.js';
import { judgeRun, type RunJudgement } from './judge.js';
import { evaluateOutcomes } from './evaluate-outcomes.js';
import { writeReports, type Format } from './write-reports.js';
import type { AuditRun } from '../report/types.js';
import { readSavedRun } from '../report/load.js';
import { assembleDigest } from '../report/trend.js';
import { parseShard, selectShard, type Shard } from '../inventory/shard.js';
import { gateOnTrend } from './report-from.js';
import { packageVersion } from '../paths.js';
import { UsageError } from '../errors.js';
import type { Io } from './io.js';

export interface AuditOptions {
  local: boolean;
  inventories: string[];
  hosts: string[];
  limit?: string;
  /** null: --no-ssh-config; undefined: ~/.ssh/config. */
  sshConfig?: string | null;
  user?: string;
  identityFiles: string[];
  knownHosts: string[];
  hostKeyPolicy?: HostKeyPolicy;
  /** Where accept-new writes the keys it trusts. */
  knownHostsOut?: string;
  concurrency: number;
  deadlineSeconds?: number;
  /** Wins over the inventory's and the ssh config's ConnectTimeout when given. */
  connectTimeoutSeconds?: number;
  hostTimeoutSeconds: number;
  samples: number;
  intervalSeconds: number;
  configFile?: string;
  outDir: string;
  formats: Format[];
  failOn: Level | 'never';
  allowUnaudited: boolean;
  quiet: boolean;
  /** Extra targets supplied by the caller (the demo's recorded fleet). */
  extraTargets?: Target[];
  /** A saved report.json to compare with; read before any host is touched. */
  baseline?: string;
  /** Audit only this part of the targets (`--shard I/N`). */
  shard?: Shard;
  /** Exit 1 also when a host got worse than in the baseline. */
  failOnWorse?: boolean;
}

/** `--shard I/N` as typed by the user. */
export function parseShardFlag(text: string): Shard {
  const parsed = parseShard(text);
  if ('error' in parsed) throw new UsageError(parsed.error);
  return parsed.value;
}

export interface AuditResult {
  run: AuditRun;
  judgement: RunJudgement;
  files: string[];
}

export async function audit(opts: AuditOptions, io: Io): Promise<AuditResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  const sources = opts.inventories.length + opts.hosts.length + (opts.extraTargets?.length ?? 0);
  if (!opts.local && sources === 0) throw new UsageError('nothing to audit: give --local, -i INVENTORY or -H HOSTS');
  if (opts.shard && opts.local) throw new UsageError('--shard splits an inventory; --local audits this machine alone');
  if (opts.failOnWorse && opts.baseline === undefined) throw new UsageError('--fail-on-worse needs --baseline');
  // A bad baseline ends the run before any host is touched.
  let baseline: AuditRun['baseline'];
  if (opts.baseline !== undefined) {
    const saved = await readSavedRun(opts.baseline, { config });
    for (const w of saved.warnings) io.warn(`${opts.baseline}: ${w}`);
    baseline = assembleDigest(saved.run);
  }
  // The flag, when given, wins over StrictHostKeyChecking from ssh config; strict otherwise.
  const hostKeyPolicy = opts.hostKeyPolicy ?? 'strict';
  // The reports add their own warning when host-key checking is off.
  const warnings: string[] = [];

  let targets: Target[] = [...(opts.extraTargets ?? [])];
  if (opts.inventories.length > 0 || opts.hosts.length > 0) {
    const loaded = await loadTargets({
      inventories: opts.inventories,
      hosts: opts.hosts,
      ...(opts.limit === undefined ? {} : { limit: opts.limit }),
      ...(opts.sshConfig === undefined ? {} : { sshConfigFile: opts.sshConfig }),
      defaultUser: opts.user ?? safeUserName(),
    });
    for (const w of loaded.warnings) io.warn(w);
    targets = targets.concat(loaded.targets);
  }
  if (opts.shard) targets = selectShard(targets, opts.shard);
  if (opts.identityFiles.length > 0) targets = targets.map((t) => ({ ...t, identityFiles: [...opts.identityFiles, ...t.identityFiles] }));

  const startedAt = new Date();
  const controller = new AbortController();
  const stop = () => controller.abort();
  io.onInterrupt(stop);
  const outcomes: HostOutcome[] = [];
  try {
    if (opts.local) outcomes.push(await collectLocalHost({ samples: opts.samples, intervalSeconds: opts.intervalSeconds, timeoutMs: opts.hostTimeoutSeconds * 1000, name: hostname() }));
    if (targets.length > 0) {
      outcomes.push(
        ...(await collectFleet(targets, {
          concurrency: opts.concurrency,
          ...(opts.deadlineSeconds === undefined ? {} : { deadlineMs: opts.deadlineSeconds * 1000 }),
          ...(opts.connectTimeoutSeconds === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutSeconds * 1000 }),
          hostTimeoutMs: opts.hostTimeoutSeconds * 1000,
          samples: opts.samples,
          intervalSeconds: opts.intervalSeconds,
          knownHostsFiles: opts.knownHosts,
          ...(opts.hostKeyPolicy === undefined ? {} : { hostKeyPolicy: opts.hostKeyPolicy }),
          ...(opts.knownHostsOut === undefined ? {} : { knownHostsOut: opts.knownHostsOut }),
          signal: controller.signal,
          io,
          quiet: opts.quiet,
        })),
      );
    }
  } finally {
    io.offInterrupt(stop);
  }

  const run: AuditRun = {
    tool: { name: 'sockaudit', version: packageVersion() },
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    failOn: opts.failOn,
    hostKeyPolicy: weakestHostKeyPolicy(outcomes, hostKeyPolicy),
    samples: opts.samples,
    intervalSeconds: opts.intervalSeconds,
    warnings,
    hosts: evaluateOutcomes(outcomes, config),
    ...(opts.shard ? { shard: opts.shard } : {}),
    ...(baseline ? { baseline } : {}),
  };
  const files = await writeReports(run, opts.outDir, opts.formats);
  const judgement = gateOnTrend(judgeRun(run, { failOn: opts.failOn, allowUnaudited: opts.allowUnaudited }), run, opts.failOnWorse ?? false);
  return { run, judgement, files };
}

function safeUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
