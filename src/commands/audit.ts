// `sockaudit audit`: targets -> collect -> evaluate -> report. The one command that touches hosts.
import { hostname } from 'node:os';
import type { HostKeyPolicy } from '../inventory/types.js';
import { collectFleet, localTarget, type CollectEnvironment } from '../collect/collect.js';
import { weakestHostKeyPolicy } from '../collect/host-trust.js';
import type { HostOutcome } from '../collect/types.js';
import type { PeersMode } from '../collect/holders.js';
import type { ProbeOptions } from '../collect/probe.js';
import type { Gate } from '../evaluate/types.js';
import { loadEvalConfig } from './config-file.js';
import { assembleHostResult } from '../run/assemble.js';
import { rankRun } from '../run/rank.js';
import type { AuditRun, HostResult } from '../run/types.js';
import { readSavedDigest } from '../run/saved-run.js';
import { type RunId, type Shard, type ShardSource } from '../inventory/shard.js';
import { resolveAuditTargets, type TargetOptions } from './audit-targets.js';
import { checkOutputFolder, type Format } from './outputs.js';
import { reportRanked, type AuditResult, type ReportOutputOptions } from './report.js';
import { openReportSpool } from './host-spool.js';
import { packageVersion } from '../paths.js';
import { UsageError } from '../errors.js';
import type { Io } from './io.js';

/** The hosts and how to reach them (TargetOptions), then how to audit and report. */
export interface AuditOptions extends TargetOptions, Pick<ReportOutputOptions, 'keepRecords'> {
  knownHosts: string[];
  hostKeyPolicy?: HostKeyPolicy;
  /** Where accept-new writes the keys it trusts. */
  knownHostsOut?: string;
  concurrency: number;
  /** Worker threads for the SSH sessions; 0: the main thread. */
  sshWorkers?: number;
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
  /** A saved report.json to compare with; read before any host is touched. */
  baseline?: string;
  /** Audit only this part of the targets (`--shard I/N` or `--shard auto`). */
  shard?: Shard & { from?: ShardSource };
  /** The run the shard belongs to; null when none was given or found. */
  runId?: RunId | null;
  /** Exit 1 also when a host got worse than in the baseline. */
  failOnWorse?: boolean;
  /** `--list-hosts`: the CLI prints the resolved hosts instead of auditing them. */
  listHosts?: boolean;
}

export type { AuditResult };

export async function audit(opts: AuditOptions, io: Io): Promise<AuditResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  const sources = opts.inventories.length + opts.hosts.length + (opts.extraTargets?.length ?? 0) + (opts.probeOutputs?.length ?? 0);
  if (!opts.local && sources === 0) throw new UsageError('nothing to audit: give --local, -i INVENTORY, -H HOSTS or --probe-output FILE');
  if (opts.shard && opts.local) throw new UsageError('--shard splits an inventory; --local audits this machine alone');
  if (opts.failOnWorse && opts.baseline === undefined) throw new UsageError('--fail-on-worse needs --baseline');
  // A bad baseline ends the run before any host is touched.
  let baseline: AuditRun['baseline'];
  if (opts.baseline !== undefined) {
    const saved = await readSavedDigest(opts.baseline, { config });
    for (const w of saved.warnings) io.warn(`${opts.baseline}: ${w}`);
    baseline = saved.digest;
  }
  // The flag, when given, wins over StrictHostKeyChecking from ssh config; strict otherwise.
  const hostKeyPolicy = opts.hostKeyPolicy ?? 'strict';
  // Every report states what went wrong around the hosts (inventory, known_hosts, keys), not only
  // stderr: kept here in the order said, each once. The reports add their own when checking is off.
  const warnings: string[] = [];
  const said = new Set<string>();
  const warn = (message: string): void => {
    io.warn(message);
    if (said.has(message)) return;
    said.add(message);
    warnings.push(message);
  };

  const resolved = await resolveAuditTargets(opts, warn);
  const targets = resolved.targets;
  // A shard records the whole inventory it was cut from, so that merge can prove coverage.
  let shard: AuditRun['shard'];
  if (opts.shard && resolved.coverage) {
    shard = { index: opts.shard.index, count: opts.shard.count, from: opts.shard.from ?? 'flag', runId: opts.runId ?? null, inventory: resolved.coverage };
    if (shard.runId === null) warnings.push('this shard has no run id (no --run-id and no CI pipeline id found): merge cannot tell it from a shard of another run');
  }

  // So does an --out folder that cannot take the reports: better now than after the audit.
  await checkOutputFolder(opts.outDir);

  const startedAt = new Date();
  const toolVersion = packageVersion();
  // Each host is evaluated as soon as it is done, and its report.json text written away then,
  // while the main thread would otherwise wait on the fleet (host-spool.ts).
  const spool = openReportSpool(opts);
  const results: (HostResult | undefined)[] = [];
  const settle = (outcome: HostOutcome, index: number): void => {
    const result = assembleHostResult(outcome, config);
    results[index] = result;
    spool.take(result);
  };
  const controller = new AbortController();
  const stop = () => controller.abort();
  io.onInterrupt(stop);
  const outcomes: HostOutcome[] = [];
  try {
    try {
      const collected = opts.local ? [localTarget(hostname()), ...targets] : targets;
      if (collected.length > 0) {
        const progress = io.progress(collected.length, opts.quiet);
        const environment: CollectEnvironment = {
          env: io.env,
          warn,
          ...(opts.quiet ? {} : { note: (m: string) => void io.stderr.write(`${m}\n`) }),
          onEvent: (e) => progress.event(e),
          onOutcome: settle,
          // A key passphrase is asked only where the CLI has someone to ask; else encrypted keys are skipped.
          ...(io.askPassphrase ? { askPassphrase: io.askPassphrase } : {}),
        };
        try {
          const collectedOutcomes = await collectFleet(
            collected,
            {
              concurrency: opts.concurrency,
              ...(opts.sshWorkers === undefined ? {} : { sshWorkers: opts.sshWorkers }),
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
              ...(resolved.transport ? { transport: resolved.transport } : {}),
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
      tool: { name: 'sockaudit', version: toolVersion },
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      failOn: opts.failOn,
      hostKeyPolicy: weakestHostKeyPolicy(outcomes, hostKeyPolicy),
      samples: opts.samples,
      intervalSeconds: opts.intervalSeconds,
      warnings,
      // Every outcome was settled as it came; one that was not is evaluated here.
      hosts: outcomes.map((o, i) => (results[i]?.outcome === o ? results[i] : assembleHostResult(o, config))),
      ...(shard ? { shard } : {}),
      ...(baseline ? { baseline } : {}),
    };
    const ranked = rankRun(run, { allowUnaudited: opts.allowUnaudited, failOnWorse: opts.failOnWorse ?? false });
    return await reportRanked(ranked, opts.outDir, opts.formats, spool.ready);
  } finally {
    spool.close();
  }
}

export type HoldersFlag = 'always' | 'auto' | 'never';

/** The probe's holders options for --holders and --holders-peers; none for `never`. */
export function holdersProbeOptions(opts: Pick<AuditOptions, 'holders' | 'holdersPeers'>): { holders?: ProbeOptions['holders'] } {
  const mode = opts.holders ?? 'auto';
  if (mode === 'never') return {};
  return { holders: { mode, peers: opts.holdersPeers ?? 'full' } };
}

