// The run being reported: what every renderer starts from.
import type { HostOutcome } from '../collect/types.js';
import type { HostVerdict, Level } from '../evaluate/types.js';
import type { Shard } from '../inventory/shard.js';
import type { RunDigest } from './trend.js';

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
  failOn: Level | 'never';
  hostKeyPolicy: 'strict' | 'accept-new' | 'off';
  samples: number;
  intervalSeconds: number;
  /** Run-level warnings, e.g. host-key checking off. */
  warnings: string[];
  hosts: HostResult[];
  /** The part of the inventory this run audited (`--shard I/N`); absent for a whole or merged run. */
  shard?: Shard;
  /** The run compared against (`--baseline`), kept as much as a trend needs. */
  baseline?: RunDigest;
}
