// What the collectors produce: raw probe sections per host, and one outcome per host.
import type { Snapshot } from '../procfs/types.js';

/** One section of probe output: a file or command, with its exit status. */
export interface RawSection {
  /** Stable name, e.g. `proc/net/sockstat`, `sysctl/net.ipv4.tcp_mem`, `uname-r`, `kernel-log`. */
  name: string;
  /** 0-based sample index for sections read once per sample; absent for sections read once. */
  sample?: number;
  /** Exit status of the read; 0 is success. */
  status: number;
  /** What the read printed (stdout), cut at the probe's size bound. */
  content: string;
  /** Set when the probe cut the content at its bound. */
  truncated?: boolean;
}

/** The parsed frame of one probe run, before any /proc file is interpreted. */
export interface ProbeRecord {
  /** Version of the probe script that produced it. */
  probeVersion: number;
  sections: RawSection[];
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
