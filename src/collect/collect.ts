// Runs the probe on every target (over SSH, or on this machine) and returns one outcome per host.
import type { Target, HostKeyPolicy } from '../inventory/types.js';
import type { HostOutcome, TargetRef } from './types.js';
import { buildProbeScript, newBoundary, probeOutputLimit } from './probe.js';
import { LocalProbeFailure, runLocalProbe } from './local.js';
import { runOverSsh, SshFailure } from './ssh.js';
import { JumpPool } from './jump.js';
import { runFleet } from './fanout.js';
import { createProgress } from './progress.js';
import { readKnownHostsSets, makeHostVerifier, preferredHostKeyAlgorithms, hostKeyLookup, verifiedFromDecision, type HostVerifier } from './known-hosts.js';
import { hostTrustFor, type RunTrust } from './host-trust.js';
import { loadIdentities, agentSocket, passphraseFromEnvOrTty } from './auth.js';
import { assembleOutcome } from './outcome.js';
import { capConcurrencyForOpenFiles, openFilesSoftLimit } from './fd-limit.js';
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

/** OpenSSH has none (the system's TCP timeout, minutes); 10 s keeps a dead host from holding a slot. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface FleetOptions {
  concurrency: number;
  deadlineMs?: number;
  /** --connect-timeout: wins over the inventory's and the ssh config's; 10 s when none says. */
  connectTimeoutMs?: number;
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
  // Each host is checked against its own known_hosts files only (plus --known-hosts).
  const runTrust: RunTrust = {
    knownHostsFiles: opts.knownHostsFiles,
    ...(opts.hostKeyPolicy === undefined ? {} : { policy: opts.hostKeyPolicy }),
    ...(opts.knownHostsOut === undefined ? {} : { acceptNewFile: opts.knownHostsOut }),
  };
  const trusts = new Map(targets.map((t) => [t, hostTrustFor(t, runTrust)]));
  const knownHosts = await readKnownHostsSets([...trusts.values()].map((t) => t.files), { named: opts.knownHostsFiles });
  for (const w of knownHosts.warnings) opts.io.warn(w);
  // Read every key once, the jump hosts' own included; bastions are offered the same identities.
  const identityFiles = [...new Set(targets.flatMap((t) => [...t.identityFiles, ...t.proxyJump.flatMap((j) => j.identityFiles ?? [])]))];
  const passphrase = passphraseFromEnvOrTty(opts.io.env);
  const agent = agentSocket(opts.io.env);
  const identities = await loadIdentities(identityFiles, { passphrase, agent: agent !== undefined });
  for (const p of identities.problems) opts.io.warn(p);
  // A host is offered the keys its own IdentityFile lines name (and its jump hosts'), as ssh does;
  // hosts naming none are offered whatever was loaded.
  const authFor = (t: Target) => {
    const own = new Set([...t.identityFiles, ...t.proxyJump.flatMap((j) => j.identityFiles ?? [])]);
    const mine = <K extends { file: string }>(list: readonly K[]): K[] => (own.size === 0 ? [...list] : list.filter((k) => own.has(k.file)));
    return { identities: mine(identities.keys), agentKeys: mine(identities.agentKeys) };
  };
  const capped = capConcurrencyForOpenFiles(opts.concurrency, openFilesSoftLimit());
  if (capped.warning) opts.io.warn(capped.warning);
  const jumps = new JumpPool();
  const progress = createProgress({ stream: opts.io.stderr, isTTY: opts.io.stderrIsTTY, quiet: opts.quiet, total: targets.length });
  // One cap for a host's whole session, both streams: the bound for one sample. Each further
  // sample adds a few KB in practice (uptime, sockstat, netstat), far inside the slack of that
  // bound, so an endless stream stops here however many samples were asked.
  const sessionOutputLimit = probeOutputLimit({ samples: 1 });
  const sampleMs = opts.samples > 1 ? (opts.samples - 1) * opts.intervalSeconds * 1000 : 0;

  try {
    return await runFleet(
      targets,
      async (target, signal) => {
        const trust = trusts.get(target) ?? hostTrustFor(target, runTrust);
        const db = knownHosts.get(trust.files);
        const lookup = hostKeyLookup(target.address, target.port, target.hostKeyAlias);
        let verifier: HostVerifier | undefined;
        const ref: TargetRef = { ...targetRef(target), hostKey: { policy: trust.policy, reason: trust.reason } };
        const boundary = newBoundary();
        const script = buildProbeScript({ boundary, samples: opts.samples, intervalSeconds: opts.intervalSeconds });
        const started = Date.now();
        const startedAt = new Date(started).toISOString();
        try {
          const r = await runOverSsh(target, { command: '/bin/sh -s', stdin: script }, {
            verifier: (name: string) => {
              const made = makeHostVerifier(db, trust.policy, name, trust.recordIn);
              if (name === lookup) verifier = made;
              return made;
            },
            hostKeyAlgorithms: (name: string) => preferredHostKeyAlgorithms(db, name),
            auth: { ...authFor(target), ...(agent === undefined ? {} : { agent }), identitiesOnly: target.identitiesOnly ?? false },
            connectTimeoutMs: opts.connectTimeoutMs ?? target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
            deadlineMs: opts.hostTimeoutMs + sampleMs,
            keepaliveIntervalMs: 5000,
            // The probe's output is bounded by construction; more than that is a broken or hostile host.
            maxOutputBytes: sessionOutputLimit,
            signal,
            jumps,
          });
          const verified = verifiedFromDecision(verifier?.decision());
          if (verified !== undefined) ref.hostKeyVerified = verified;
          return assembleOutcome({ target: ref, boundary, ...r, startedAt, durationMs: Date.now() - started });
        } catch (e) {
          const durationMs = Date.now() - started;
          if (e instanceof SshFailure)
            return { status: 'failed', target: ref, stage: e.stage, message: e.message, ...(e.detail ? { detail: e.detail } : {}), startedAt, durationMs };
          return { status: 'failed', target: ref, stage: 'connect', message: (e as Error).message, startedAt, durationMs };
        }
      },
      {
        concurrency: capped.concurrency,
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
