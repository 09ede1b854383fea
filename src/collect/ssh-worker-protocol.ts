// The messages between the main thread (ssh-workers.ts) and an ssh worker (ssh-worker.ts).
// Everything here is structured-cloned: plain data only.
import type { Target } from '../inventory/types.js';
import type { AgentKeyRef, PortableIdentity } from './auth.js';
import type { RunTrust } from './host-trust.js';
import type { FailureStage, HostKeyVerified } from './types.js';
import type { ExecResult } from './transport.js';

/** Handed to each worker once, as its workerData. */
export interface WorkerSetup {
  /** Every SSH target of the run; `run` messages name one by its index here. */
  targets: Target[];
  runTrust: RunTrust;
  identities: PortableIdentity[];
  agentKeys: AgentKeyRef[];
  agent?: string;
  connectTimeoutMs?: number;
}

export type ToWorker =
  | { type: 'run'; id: number; target: number; script: string; deadlineMs: number; maxOutputBytes: number }
  | { type: 'cancel'; id: number; timeout: boolean; message: string }
  | { type: 'close' };

export type FromWorker =
  | { type: 'done'; id: number; result: ExecResult }
  | { type: 'failed'; id: number; stage: FailureStage; message: string; transient: boolean; detail?: Record<string, string>; hostKeyVerified?: HostKeyVerified };
