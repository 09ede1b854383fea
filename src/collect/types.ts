// What the collectors produce: one outcome per host, with its raw probe sections.
import type { Snapshot } from '../procfs/types.js';
import type { ProbeRecord } from '../procfs/sections.js';

export type { ProbeRecord, RawSection } from '../procfs/sections.js';

/** The host-key checking a host got: by sockaudit (ssh2), by the command that reached it (exec), or none (this machine, saved outputs). */
export type HostKeyPolicyUsed = 'strict' | 'accept-new' | 'off' | 'by-command' | 'none';

/** How the key a host showed was trusted: found in known_hosts, newly accepted, or not checked. */
export type HostKeyVerified = 'known' | 'accepted-new' | 'unverified';

export interface HostKeyUsed {
  policy: HostKeyPolicyUsed;
  /** Where the policy came from, for the report: "--host-key-policy", "ssh config line 12", ... */
  reason: string;
}

export type FailureStage = 'resolve' | 'connect' | 'host-key' | 'auth' | 'timeout' | 'command' | 'parse' | 'cancelled';

/** The host as the report names it; enough to find it again, nothing secret. */
export interface TargetRef {
  /** Inventory name (alias). */
  name: string;
  /** Address connected to (ansible_host / HostName), or `local`. */
  address: string;
  port?: number;
  user?: string;
  groups: string[];
  /** Jump hosts, outermost first, as `user@host:port`. */
  via?: string[];
  /** Which host-key policy the host got and why (`accept-new from StrictHostKeyChecking no (ssh config FILE line N) ...`). */
  hostKey?: { policy: HostKeyPolicyUsed; reason: string };
  /** How the key the host showed was trusted: found in known_hosts, newly accepted, or not checked. */
  hostKeyVerified?: HostKeyVerified;
}

export type HostOutcome =
  | {
      status: 'ok' | 'partial';
      target: TargetRef;
      record: ProbeRecord;
      snapshot: Snapshot;
      /** Sections that were missing, unreadable or invalid, with why (partial when non-empty). */
      problems: string[];
      startedAt: string;
      durationMs: number;
    }
  | {
      status: 'failed';
      target: TargetRef;
      stage: FailureStage;
      message: string;
      /** Host-key failures: what was seen and what known_hosts expected. */
      detail?: Record<string, string>;
      startedAt: string;
      durationMs: number;
    };
