// Runs the probe on every target through its transport and returns one outcome per host.
// What collect/ may see of the process is the narrow CollectEnvironment: no terminal, no stdin.
import type { HostKeyPolicy, Target } from '../inventory/types.js';
import type { HostOutcome, TargetRef } from './types.js';
import { buildProbeScript, newBoundary, probeOutputLimit, type ProbeOptions } from './probe.js';
import { runFleet, type FleetEvent } from './fanout.js';
import { assembleOutcome } from './outcome.js';
import { TransportFailure, type Transport } from './transport.js';
import { localTransport } from './spawn.js';
import { prepareSsh, sshTransport } from './ssh-transport.js';
import { MIN_HOSTS_FOR_WORKERS, sshWorkersUnavailable, workerSshTransport } from './ssh-workers.js';
import { capConcurrencyForOpenFiles, openFilesSoftLimit } from './fd-limit.js';

/** What collecting may use of the process that runs it. */
export interface CollectEnvironment {
  /** SSH_AUTH_SOCK, SOCKAUDIT_KEY_PASSPHRASE. */
  env: NodeJS.ProcessEnv;
  warn(message: string): void;
  /** How the run goes about it, for a reader watching (e.g. the SSH worker threads used); not a warning. */
  note?(message: string): void;
  /** Progress is drawn by the caller, from these. */
  onEvent(e: FleetEvent): void;
  /**
   * Each host's outcome as soon as it is settled (audited, failed or cancelled), with its index
   * among the targets: the caller can evaluate and save it while other hosts are still running.
   */
  onOutcome?(outcome: HostOutcome, index: number): void;
  /** Asks the user for a key passphrase; absent: nobody to ask (encrypted keys are skipped). */
  askPassphrase?: (prompt: string) => Promise<string | undefined>;
}

export interface ProbeOptionsForHost {
  samples: number;
  intervalSeconds: number;
  /** Who holds the sockets: mode `auto` or `always` and the peers' form; absent: the table is never read. */
  holders?: ProbeOptions['holders'];
  /** The host's own budget, sampling aside: the probe's sleeps between samples are added to it. */
  hostTimeoutMs: number;
}

export interface FleetOptions extends ProbeOptionsForHost {
  concurrency: number;
  /** For the whole run. */
  deadlineMs?: number;
  /** --connect-timeout: wins over the inventory's and the ssh config's; 10 s when none says. */
  connectTimeoutMs?: number;
  knownHostsFiles: string[];
  /** From the command line: wins over each target's own (ssh config); strict when neither says. */
  hostKeyPolicy?: HostKeyPolicy;
  knownHostsOut?: string;
  signal: AbortSignal;
  /**
   * One transport for every target (exec, saved outputs). Absent: ssh2, or this machine for
   * targets with `connection: 'local'`.
   */
  transport?: Transport;
  /**
   * Worker threads for the SSH sessions (see ssh-workers.ts); 0 or absent: this thread. Used
   * from MIN_HOSTS_FOR_WORKERS SSH hosts up, where their start-up pays for itself.
   */
  sshWorkers?: number;
}

/** The machine sockaudit runs on, as a target of the local transport. */
export function localTarget(name: string): Target {
  return { name, address: 'local', port: 0, groups: ['local'], identityFiles: [], proxyJump: [], vars: {}, connection: 'local' };
}

export function targetRef(t: Target): TargetRef {
  if (t.connection === 'local') return { name: t.name, address: 'local', groups: t.groups };
  return {
    name: t.name,
    address: t.address,
    ...(t.port > 0 ? { port: t.port } : {}),
    ...(t.user === undefined ? {} : { user: t.user }),
    groups: t.groups,
    ...(t.proxyJump.length > 0 ? { via: t.proxyJump.map((j) => `${j.user ? `${j.user}@` : ''}${j.host}:${j.port}`) } : {}),
  };
}

/**
 * The probe's time on the host: it sleeps only between samples, so `samples - 1` intervals are
 * added to the host's budget.
 */
export function hostDeadlineMs(opts: ProbeOptionsForHost): number {
  return opts.hostTimeoutMs + Math.max(0, opts.samples - 1) * opts.intervalSeconds * 1000;
}

/** One host: build the probe, run it through `transport`, and read what came back. Never throws. */
export async function probeHost(target: Target, transport: Transport, opts: ProbeOptionsForHost & { signal?: AbortSignal }): Promise<HostOutcome> {
  const ref: TargetRef = { ...targetRef(target), hostKey: transport.hostKey(target) };
  const boundary = newBoundary();
  const script = buildProbeScript({ boundary, samples: opts.samples, intervalSeconds: opts.intervalSeconds, ...(opts.holders ? { holders: opts.holders } : {}) });
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  try {
    const r = await transport.run(target, script, {
      deadlineMs: hostDeadlineMs(opts),
      // The probe's output is bounded by construction; more than that is a broken or hostile host.
      // One cap for the whole session, the bound of one sample: each further sample adds a few KB
      // (uptime, sockstat, netstat), far inside that bound's slack, so an endless stream stops here
      // however many samples were asked.
      maxOutputBytes: probeOutputLimit({ samples: 1 }),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (r.hostKeyVerified !== undefined) ref.hostKeyVerified = r.hostKeyVerified;
    return assembleOutcome({ target: ref, boundary, ...r, startedAt, durationMs: Date.now() - started });
  } catch (e) {
    const durationMs = Date.now() - started;
    if (e instanceof TransportFailure) {
      if (e.hostKeyVerified !== undefined) ref.hostKeyVerified = e.hostKeyVerified;
      return { status: 'failed', target: ref, stage: e.stage, message: e.message, ...(e.detail ? { detail: e.detail } : {}), startedAt, durationMs };
    }
    return { status: 'failed', target: ref, stage: 'connect', message: `${transport.kind}: ${(e as Error).message}`, startedAt, durationMs };
  }
}

export async function collectFleet(targets: Target[], opts: FleetOptions, environment: CollectEnvironment): Promise<HostOutcome[]> {
  const owned: Transport[] = [];
  let transportFor: (t: Target) => Transport;
  if (opts.transport) {
    const only = opts.transport;
    transportFor = () => only;
  } else {
    const local = localTransport();
    const overSsh = targets.filter((t) => t.connection !== 'local');
    // known_hosts and keys are read (and a passphrase asked) only when some host needs SSH.
    let ssh: Transport | undefined;
    if (overSsh.length > 0) {
      const setup = await prepareSsh(overSsh, {
        ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
        knownHostsFiles: opts.knownHostsFiles,
        ...(opts.hostKeyPolicy === undefined ? {} : { hostKeyPolicy: opts.hostKeyPolicy }),
        ...(opts.knownHostsOut === undefined ? {} : { knownHostsOut: opts.knownHostsOut }),
        env: environment.env,
        warn: environment.warn,
        ...(environment.askPassphrase ? { askPassphrase: environment.askPassphrase } : {}),
      });
      const workers = opts.sshWorkers ?? 0;
      const whyInThread = workers < 1 || overSsh.length < MIN_HOSTS_FOR_WORKERS ? 'in-thread' : sshWorkersUnavailable(setup);
      ssh = whyInThread === undefined ? workerSshTransport(overSsh, setup, workers) : sshTransport(overSsh, setup);
      if (whyInThread === undefined) environment.note?.(`SSH sessions in ${workers} worker thread${workers === 1 ? '' : 's'}`);
    }
    if (ssh) owned.push(ssh);
    transportFor = (t) => (t.connection === 'local' || !ssh ? local : ssh);
  }

  // Each connection holds a descriptor (two with a jump host): stay below the soft limit.
  const capped = capConcurrencyForOpenFiles(opts.concurrency, openFilesSoftLimit());
  if (capped.warning) environment.warn(capped.warning);
  try {
    return await runFleet(targets, (target, signal) => probeHost(target, transportFor(target), { ...opts, signal }), {
      concurrency: capped.concurrency,
      ...(opts.deadlineMs === undefined ? {} : { deadlineMs: opts.deadlineMs }),
      signal: opts.signal,
      onEvent: environment.onEvent,
      ...(environment.onOutcome ? { onResult: (o: HostOutcome, i: number) => environment.onOutcome?.(o, i) } : {}),
      onCancelled: (target, why) => ({
        status: 'failed',
        target: { ...targetRef(target), hostKey: transportFor(target).hostKey(target) },
        stage: why === 'deadline' ? 'timeout' : 'cancelled',
        message: why === 'deadline' ? 'not audited: the run deadline (--deadline) passed first' : 'not audited: the run was interrupted',
        startedAt: new Date().toISOString(),
        durationMs: 0,
      }),
    });
  } finally {
    for (const t of owned) t.close?.();
  }
}
