// `sockaudit audit`: targets -> collect -> evaluate -> report. The one command that touches hosts.
import { hostname, userInfo } from 'node:os';
import type { HostKeyPolicy, Target } from '../inventory/types.js';
import { loadTargets } from '../inventory/index.js';
import { collectFleet, localTarget, type CollectEnvironment } from '../collect/collect.js';
import { weakestHostKeyPolicy } from '../collect/host-trust.js';
import type { HostOutcome } from '../collect/types.js';
import type { PeersMode } from '../collect/holders.js';
import type { ProbeOptions } from '../collect/probe.js';
import type { Gate } from '../evaluate/types.js';
import { loadEvalConfig } from './config-file.js';
import { assembleHostResults } from '../run/assemble.js';
import { rankRun } from '../run/rank.js';
import type { AuditRun } from '../run/types.js';
import { readSavedRun } from '../run/saved-run.js';
import { assembleDigest } from '../run/trend.js';
import { parseShard, selectShard, type Shard } from '../inventory/shard.js';
import { checkOutputFolder, type Format } from './outputs.js';
import { reportRanked, type AuditResult } from './report.js';
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
  /**
   * Who holds the sockets (/proc/net/tcp read on the host): `auto` (default) on hosts whose
   * orphans, TCP memory or TIME_WAIT are at notice or worse, `always`, or `never`.
   */
  holders?: HoldersFlag;
  /** Remote peers in the holders table: `full` addresses (default), network `prefix`es, or `none`. */
  holdersPeers?: PeersMode;
  configFile?: string;
  outDir: string;
  formats: Format[];
  failOn: Gate;
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

export type { AuditResult };

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

  // So does an --out folder that cannot take the reports: better now than after the audit.
  await checkOutputFolder(opts.outDir);

  const startedAt = new Date();
  const controller = new AbortController();
  const stop = () => controller.abort();
  io.onInterrupt(stop);
  const outcomes: HostOutcome[] = [];
  try {
    const collected = opts.local ? [localTarget(hostname()), ...targets] : targets;
    if (collected.length > 0) {
      const progress = io.progress(collected.length, opts.quiet);
      const environment: CollectEnvironment = {
        env: io.env,
        warn: io.warn,
        onEvent: (e) => progress.event(e),
        // A key passphrase is asked only where the CLI has someone to ask; else encrypted keys are skipped.
        ...(io.askPassphrase ? { askPassphrase: io.askPassphrase } : {}),
      };
      try {
        const collectedOutcomes = await collectFleet(
            collected,
            {
              concurrency: opts.concurrency,
              ...(opts.deadlineSeconds === undefined ? {} : { deadlineMs: opts.deadlineSeconds * 1000 }),
              ...(opts.connectTimeoutSeconds === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutSeconds * 1000 }),
              hostTimeoutMs: opts.hostTimeoutSeconds * 1000,
              samples: opts.samples,
              intervalSeconds: opts.intervalSeconds,
              ...holdersProbeOptions(opts),
              knownHostsFiles: opts.knownHosts,
              ...(opts.hostKeyPolicy === undefined ? {} : { hostKeyPolicy: opts.hostKeyPolicy }),
              ...(opts.knownHostsOut === undefined ? {} : { knownHostsOut: opts.knownHostsOut }),
              signal: controller.signal,
            },
            environment,
          );
        // A loop, not push(...): the fleet can be larger than the call stack allows arguments.
        for (const o of collectedOutcomes) outcomes.push(o);
      } finally {
        progress.finish();
      }
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
    hosts: assembleHostResults(outcomes, config),
    ...(opts.shard ? { shard: opts.shard } : {}),
    ...(baseline ? { baseline } : {}),
  };
  const ranked = rankRun(run, { allowUnaudited: opts.allowUnaudited, failOnWorse: opts.failOnWorse ?? false });
  return reportRanked(ranked, opts.outDir, opts.formats);
}

export type HoldersFlag = 'always' | 'auto' | 'never';

/** The probe's holders options for --holders and --holders-peers; none for `never`. */
export function holdersProbeOptions(opts: Pick<AuditOptions, 'holders' | 'holdersPeers'>): { holders?: ProbeOptions['holders'] } {
  const mode = opts.holders ?? 'auto';
  if (mode === 'never') return {};
  return { holders: { mode, peers: opts.holdersPeers ?? 'full' } };
}

function safeUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
