// Runs the probe on every target (over SSH, or on this machine) and returns one outcome per host.
import type { Target, HostKeyPolicy } from '../inventory/types.js';
import type { HostOutcome, TargetRef } from './types.js';
import { buildProbeScript, newBoundary, probeOutputLimit } from './probe.js';
import { LocalProbeFailure, runLocalProbe } from './local.js';
import { runOverSsh, SshFailure } from './ssh.js';
import { JumpPool } from './jump.js';
import { runFleet } from './fanout.js';
import { createProgress } from './progress.js';
import { readKnownHosts, makeHostVerifier, preferredHostKeyAlgorithms } from './known-hosts.js';
import { loadIdentities, agentSocket, passphraseFromEnvOrTty } from './auth.js';
import { assembleOutcome } from './outcome.js';
import type { Io } from '../commands/io.js';


export interface LocalOptions {
  name: string;
  samples: number;
  intervalSeconds: number;
  timeoutMs: number;
}

export async function collectLocalHost(opts: LocalOptions): Promise<HostOutcome> {
  const target: TargetRef = { name: opts.name, address: 'local', groups: ['local'] };
  const boundary = newBoundary();
  const script = buildProbeScript({ boundary, samples: opts.samples, intervalSeconds: opts.intervalSeconds });
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  try {
    const r = await runLocalProbe(script, { timeoutMs: opts.timeoutMs + opts.samples * opts.intervalSeconds * 1000, maxOutputBytes: probeOutputLimit(opts) });
    return assembleOutcome({ target, boundary, ...r, startedAt, durationMs: Date.now() - started });
  } catch (e) {
    const stage = e instanceof LocalProbeFailure ? e.stage : 'command';
    return { status: 'failed', target, stage, message: (e as Error).message, startedAt, durationMs: Date.now() - started };
  }
}

export interface FleetOptions {
  concurrency: number;
  deadlineMs?: number;
  connectTimeoutMs: number;
  hostTimeoutMs: number;
  samples: number;
  intervalSeconds: number;
  knownHostsFiles: string[];
  /** From the command line: wins over each target's own (ssh config); strict when neither says. */
  hostKeyPolicy?: HostKeyPolicy;
  knownHostsOut?: string;
  signal: AbortSignal;
  io: Io;
  quiet: boolean;
}

export function targetRef(t: Target): TargetRef {
  return {
    name: t.name,
    address: t.address,
    port: t.port,
    ...(t.user === undefined ? {} : { user: t.user }),
    groups: t.groups,
    ...(t.proxyJump.length > 0 ? { via: t.proxyJump.map((j) => `${j.user ? `${j.user}@` : ''}${j.host}:${j.port}`) } : {}),
  };
}

export async function collectFleet(targets: Target[], opts: FleetOptions): Promise<HostOutcome[]> {
  const extraKnownHosts = [...new Set([...opts.knownHostsFiles, ...targets.flatMap((t) => t.knownHostsFiles ?? [])])];
  const knownHosts = await readKnownHosts(extraKnownHosts);
  // Read every key once, the jump hosts' own included; bastions are offered the same identities.
  const identityFiles = [...new Set(targets.flatMap((t) => [...t.identityFiles, ...t.proxyJump.flatMap((j) => j.identityFiles ?? [])]))];
  const passphrase = passphraseFromEnvOrTty(opts.io.env);
  const identities = await loadIdentities(identityFiles, { passphrase });
  for (const p of identities.problems) opts.io.warn(p);
  const agent = agentSocket(opts.io.env);
  const jumps = new JumpPool();
  const progress = createProgress({ stream: opts.io.stderr, isTTY: opts.io.stderrIsTTY, quiet: opts.quiet, total: targets.length });
  const sampleMs = opts.samples > 1 ? (opts.samples - 1) * opts.intervalSeconds * 1000 : 0;

  try {
    return await runFleet(
      targets,
      async (target, signal) => {
        const ref = targetRef(target);
        const boundary = newBoundary();
        const script = buildProbeScript({ boundary, samples: opts.samples, intervalSeconds: opts.intervalSeconds });
        const started = Date.now();
        const startedAt = new Date(started).toISOString();
        try {
          const r = await runOverSsh(target, { command: '/bin/sh -s', stdin: script }, {
            verifier: (names: string[], port: number) => makeHostVerifier(knownHosts, opts.hostKeyPolicy ?? target.hostKeyPolicy ?? 'strict', names, port, opts.knownHostsOut),
            hostKeyAlgorithms: (names: string[], port: number) => preferredHostKeyAlgorithms(knownHosts, names, port),
            auth: { identities: identities.keys, ...(agent === undefined ? {} : { agent }), identitiesOnly: target.identitiesOnly ?? false },
            connectTimeoutMs: target.connectTimeoutMs ?? opts.connectTimeoutMs,
            deadlineMs: opts.hostTimeoutMs + sampleMs,
            keepaliveIntervalMs: 5000,
            // The probe's output is bounded by construction; more than that is a broken or hostile host.
            maxOutputBytes: probeOutputLimit(opts),
            signal,
            jumps,
          });
          return assembleOutcome({ target: ref, boundary, ...r, startedAt, durationMs: Date.now() - started });
        } catch (e) {
          const durationMs = Date.now() - started;
          if (e instanceof SshFailure)
            return { status: 'failed', target: ref, stage: e.stage, message: e.message, ...(e.detail ? { detail: e.detail } : {}), startedAt, durationMs };
          return { status: 'failed', target: ref, stage: 'connect', message: (e as Error).message, startedAt, durationMs };
        }
      },
      {
        concurrency: opts.concurrency,
        ...(opts.deadlineMs === undefined ? {} : { deadlineMs: opts.deadlineMs }),
        signal: opts.signal,
        onEvent: (e) => progress.event(e),
        onCancelled: (target, why) => ({
          status: 'failed',
          target: targetRef(target),
          stage: why === 'deadline' ? 'timeout' : 'cancelled',
          message: why === 'deadline' ? 'not audited: the run deadline (--deadline) passed first' : 'not audited: the run was interrupted',
          startedAt: new Date().toISOString(),
          durationMs: 0,
        }),
      },
    );
  } finally {
    progress.finish();
    jumps.close();
  }
}
