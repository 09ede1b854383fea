// The seam every way of reaching a host goes through: run the probe script there, within bounds,
// and hand back what it printed. ssh2 (ssh-transport.ts), a spawned process (spawn.ts: this
// machine, or any command such as `ssh`, `kubectl exec`, SSM: exec.ts) and saved probe outputs
// (saved-output.ts) are transports; probeHost (collect.ts) turns their result into an outcome.
import type { Target } from '../inventory/types.js';
import type { FailureStage, HostKeyUsed, HostKeyVerified } from './types.js';

/** What the script printed and how it ended; the same shape from every transport. */
export interface ExecResult {
  /** UTF-8; invalid bytes (and a character cut by the cap) become U+FFFD. */
  stdout: string;
  stderr: string;
  /** Exit status; null when none came (killed by a signal, ended by the cap, or not sent). */
  code: number | null;
  /** Output reached the cap: reading stopped there and the command was ended. */
  truncated: boolean;
  /** How the host's key was trusted, where the transport itself checked it (ssh2). */
  hostKeyVerified?: HostKeyVerified;
}

export interface TransportBounds {
  /** Hard limit for the whole host (connect, retries and the command): past it, the run fails at `timeout`. */
  deadlineMs: number;
  /** Bound on the output kept from the session; past it the command is ended. */
  maxOutputBytes: number;
  /** Aborted on interruption (the run fails at `cancelled`) or on the run deadline (a `TimeoutError`: `timeout`). */
  signal?: AbortSignal;
}

/** Why a transport produced no result, at which stage; the one failure shape all transports throw. */
export class TransportFailure extends Error {
  constructor(
    readonly stage: FailureStage,
    message: string,
    /** Worth another attempt (refused, reset before the banner, ...); transports that retry read it. */
    readonly transient = false,
    /** Host-key failures: what was seen and what known_hosts expected. */
    readonly detail?: Record<string, string>,
  ) {
    super(message);
    this.name = 'TransportFailure';
  }

  /**
   * How the host's key was trusted, when the failure came after the key exchange (the login was
   * refused, the session broke): the report says so of a host that was not audited, too.
   */
  hostKeyVerified?: HostKeyVerified;
}

export interface Transport {
  /** Short name for messages: `ssh`, `local`, `exec`, `saved`. */
  readonly kind: string;
  /** Runs `script` for `target` (`/bin/sh -s` with the script on stdin, or what stands for it); throws TransportFailure. */
  run(target: Target, script: string, bounds: TransportBounds): Promise<ExecResult>;
  /** Which host-key policy this target gets here, and why; recorded on its outcome. */
  hostKey(target: Target): HostKeyUsed;
  /** Releases what the transport holds for the whole run (pooled jump hosts, ...). */
  close?(): void;
}

/** A deadline or abort as the failure the caller reports: run deadline -> timeout, anything else -> cancelled. */
export function cancellation(signal: AbortSignal | undefined, what: string): TransportFailure {
  const reason: unknown = signal?.reason;
  if (reason instanceof TransportFailure) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return new TransportFailure('timeout', `${what} stopped before it finished: ${reason.message}`);
  return new TransportFailure('cancelled', `${what} cancelled`);
}
