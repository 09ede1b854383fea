// What a run is: its hosts' outcomes and verdicts, the settings it ran with, and the digest of a
// baseline it is compared with. Every later step (rank, judge, diff, merge, save, render) starts here.
import type { FailureStage, HostOutcome } from '../collect/types.js';
import type { Gate, HostVerdict, Verdict } from '../evaluate/types.js';
import type { InventoryCoverage, RunId, Shard, ShardSource } from '../inventory/shard.js';
import type { Int } from '../procfs/types.js';

/** A host's level as a run states it: a verdict, or not audited at all. */
export type DisplayLevel = Verdict | 'not-audited';

export interface HostResult {
  outcome: HostOutcome;
  /** Absent when the host failed (it was not audited). */
  verdict?: HostVerdict;
  /** Version of the sockaudit that collected `outcome`'s record; absent: the run's own tool. */
  collectedBy?: string;
}

export interface AuditRun {
  tool: { name: 'sockaudit'; version: string };
  /** ISO 8601; volatile. */
  startedAt: string;
  finishedAt: string;
  /** The gate in force, stated in every report. */
  failOn: Gate;
  hostKeyPolicy: 'strict' | 'accept-new' | 'off';
  samples: number;
  intervalSeconds: number;
  /** Run-level warnings, e.g. host-key checking off. */
  warnings: string[];
  hosts: HostResult[];
  /** The part of the inventory this run audited (`--shard I/N`); absent for a whole or merged run. */
  shard?: RunShard;
  /** The run compared against (`--baseline`), kept as much as a trend needs. */
  baseline?: RunDigest;
}

/**
 * A shard as its run records it: which part, where that came from, the run it belongs to and the
 * inventory it was cut from. The last three are absent in runs saved before they were recorded.
 */
export interface RunShard extends Shard {
  from?: ShardSource;
  /** Null: no run id was given or found. */
  runId?: RunId | null;
  inventory?: InventoryCoverage;
}

/** TcpExt counters whose growth since the baseline is reported (RISK-MODEL.md section 4). */
export const TREND_COUNTERS = ['TCPAbortOnMemory', 'TCPMemoryPressures', 'TCPTimeWaitOverflow'] as const;
export type TrendCounter = (typeof TREND_COUNTERS)[number];

export interface DigestFinding {
  /** `id` or `id.item`. */
  key: string;
  level: Verdict;
  summary: string;
}

export interface HostDigest {
  name: string;
  /** Null when the host was not audited. */
  verdict: Verdict | null;
  score: number | null;
  /** Why it was not audited; null when it was. */
  stage: FailureStage | null;
  /** Findings at notice or above (and unknown), in the evaluator's order. */
  findings: DigestFinding[];
  /** The counters at the last sample; a counter the host does not have is absent. */
  counters: Partial<Record<TrendCounter, Int>>;
  uptimeSeconds: number | null;
  bootId: string | null;
  /** The host's top orphan holders, key `STATE address:port`; absent when the probe did not read the table. */
  holders?: HolderCount[];
}

/** One orphan holder: `FIN_WAIT1 10.20.0.5:443` (IPv6 as `[2001:db8::1]:443`) and its orphans. */
export interface HolderCount {
  key: string;
  count: number;
}

export interface RunDigest {
  tool: { name: string; version: string };
  startedAt: string;
  /** By name, code-unit order. */
  hosts: HostDigest[];
}

/** A host's state on one side: its verdict, or not audited. */
export type TrendLevel = DisplayLevel;

/**
 * - `worse` / `better`: audited both times, verdict up / down;
 * - `not-audited`: audited in the baseline, not now; `audited`: not audited then, audited now;
 * - `added` / `removed`: in one run only; `same`: the same verdict (or not audited both times).
 */
export type HostChange = 'worse' | 'not-audited' | 'added' | 'removed' | 'better' | 'audited' | 'same';

export interface CounterGrowth {
  name: TrendCounter;
  before: Int;
  after: Int;
  /** Events since the baseline; after a reset, the count since the reset (at least that many). */
  growth: Int;
  /** Why the counter started again from zero: a reboot, or a decrease with no reboot seen. */
  reset: 'reboot' | 'decrease' | null;
}

export interface HolderGrowth {
  key: string;
  before: number | null;
  after: number;
}

export interface HostTrend {
  name: string;
  change: HostChange;
  before: { level: TrendLevel; score: number | null } | null;
  after: { level: TrendLevel; score: number | null } | null;
  /** After minus before, when both were scored. */
  scoreDelta: number | null;
  newFindings: DigestFinding[];
  resolvedFindings: DigestFinding[];
  changedFindings: { key: string; before: Verdict; after: Verdict; summary: string }[];
  /** Counters that grew since the baseline. */
  counters: CounterGrowth[];
  /** Orphan holders new since the baseline (before null) or grown; absent when the host's table was not read now. */
  holders?: HolderGrowth[];
  /** Null when neither boot id nor uptime tells. */
  rebooted: boolean | null;
}

export interface Trend {
  baseline: { toolVersion: string; startedAt: string; hosts: number };
  current: { toolVersion: string; startedAt: string; hosts: number };
  counts: Record<HostChange, number> & { countersGrew: number; rebooted: number };
  /** Hosts with something to report, most urgent first; hosts with nothing new are only counted. */
  hosts: HostTrend[];
}
