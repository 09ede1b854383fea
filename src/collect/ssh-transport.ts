// The ssh2 transport: ssh.ts (one command on one host, retries, deadline) and jump.ts (pooled
// bastions) behind the Transport seam. known_hosts and keys are read once for the run; each host
// is then checked against its own known_hosts files and offered its own keys, as OpenSSH does.
import type { HostKeyPolicy, Target } from '../inventory/types.js';
import { runOverSsh } from './ssh.js';
import { JumpPool } from './jump.js';
import { hostKeyLookup, makeHostVerifier, preferredHostKeyAlgorithms, readKnownHostsSets, verifiedFromDecision, type HostVerifier, type KnownHostsSets } from './known-hosts.js';
import { hostTrustFor, type HostTrust, type RunTrust } from './host-trust.js';
import { loadIdentities, agentSocket, passphraseFromEnvOrTty, type AgentKeyRef, type Identity } from './auth.js';
import { TransportFailure, type Transport } from './transport.js';

/** OpenSSH has none (the system's TCP timeout, minutes); 10 s keeps a dead host from holding a slot. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export interface SshTransportOptions {
  /** --connect-timeout: wins over the inventory's and the ssh config's; 10 s when none says. */
  connectTimeoutMs?: number;
  /** --known-hosts: checked for every host, after its own files. */
  knownHostsFiles: string[];
  /** From the command line: wins over each target's own (ssh config); strict when neither says. */
  hostKeyPolicy?: HostKeyPolicy;
  /** --accept-new-file: where accept-new records keys, for every host. */
  knownHostsOut?: string;
  env: NodeJS.ProcessEnv;
  warn(message: string): void;
  askPassphrase?: (prompt: string) => Promise<string | undefined>;
}

/**
 * What every host's connection is made from, read once for the run: the known_hosts databases,
 * the keys (a passphrase asked at most once), the agent. Plain data apart from the databases,
 * so worker threads can be handed it (see ssh-workers.ts).
 */
export interface SshSetup {
  runTrust: RunTrust;
  knownHosts: KnownHostsSets;
  identities: { keys: Identity[]; agentKeys: AgentKeyRef[] };
  agent?: string;
  connectTimeoutMs?: number;
}

/**
 * Reads the known_hosts files and every key the targets (and their jump hosts) name, once.
 * Key and known_hosts problems are warned, not thrown: a host whose key is unusable fails at `auth`.
 */
export async function prepareSsh(targets: readonly Target[], opts: SshTransportOptions): Promise<SshSetup> {
  const runTrust: RunTrust = {
    knownHostsFiles: opts.knownHostsFiles,
    ...(opts.hostKeyPolicy === undefined ? {} : { policy: opts.hostKeyPolicy }),
    ...(opts.knownHostsOut === undefined ? {} : { acceptNewFile: opts.knownHostsOut }),
  };
  const knownHosts = await readKnownHostsSets(knownHostsLists(targets, runTrust), { named: opts.knownHostsFiles });
  for (const w of knownHosts.warnings) opts.warn(w);
  // Read every key once, the jump hosts' own included; bastions are offered the same identities.
  const identityFiles = [...new Set(targets.flatMap((t) => [...t.identityFiles, ...t.proxyJump.flatMap((j) => j.identityFiles ?? [])]))];
  const passphrase = passphraseFromEnvOrTty(opts.env, opts.askPassphrase);
  const agent = agentSocket(opts.env);
  const identities = await loadIdentities(identityFiles, { passphrase, agent: agent !== undefined });
  for (const p of identities.problems) opts.warn(p);
  return {
    runTrust,
    knownHosts,
    identities: { keys: identities.keys, agentKeys: identities.agentKeys },
    ...(agent === undefined ? {} : { agent }),
    ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
  };
}

/** Each target's list of known_hosts files, as hostTrustFor decides them. */
export function knownHostsLists(targets: readonly Target[], runTrust: RunTrust): string[][] {
  return targets.map((t) => hostTrustFor(t, runTrust).files);
}

/** Reads the setup, then runs each target over ssh2 in this thread. */
export async function createSshTransport(targets: readonly Target[], opts: SshTransportOptions): Promise<Transport> {
  return sshTransport(targets, await prepareSsh(targets, opts));
}

/**
 * Each host is checked against its own known_hosts files and offered its own keys, as OpenSSH
 * does, from a setup read once.
 */
export function sshTransport(targets: readonly Target[], setup: SshSetup): Transport {
  const { runTrust, knownHosts, identities, agent } = setup;
  const trusts = new Map<Target, HostTrust>(targets.map((t) => [t, hostTrustFor(t, runTrust)]));
  const trustOf = (t: Target): HostTrust => trusts.get(t) ?? hostTrustFor(t, runTrust);
  // A host is offered the keys its own IdentityFile lines name (and its jump hosts'), as ssh does;
  // hosts naming none are offered whatever was loaded.
  const authFor = (t: Target) => {
    const own = new Set([...t.identityFiles, ...t.proxyJump.flatMap((j) => j.identityFiles ?? [])]);
    const mine = <K extends { file: string }>(list: readonly K[]): K[] => (own.size === 0 ? [...list] : list.filter((k) => own.has(k.file)));
    return { identities: mine(identities.keys), agentKeys: mine(identities.agentKeys) };
  };
  const jumps = new JumpPool();

  return {
    kind: 'ssh',
    hostKey: (target) => {
      const { policy, reason } = trustOf(target);
      return { policy, reason };
    },
    async run(target, script, bounds) {
      const trust = trustOf(target);
      const db = knownHosts.get(trust.files);
      const lookup = hostKeyLookup(target.address, target.port, target.hostKeyAlias);
      let verifier: HostVerifier | undefined;
      try {
        const r = await runOverSsh(target, { command: '/bin/sh -s', stdin: script }, {
          verifier: (name: string) => {
            const made = makeHostVerifier(db, trust.policy, name, trust.recordIn);
            if (name === lookup) verifier = made;
            return made;
          },
          hostKeyAlgorithms: (name: string) => preferredHostKeyAlgorithms(db, name),
          auth: { ...authFor(target), ...(agent === undefined ? {} : { agent }), identitiesOnly: target.identitiesOnly ?? false },
          connectTimeoutMs: setup.connectTimeoutMs ?? target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
          deadlineMs: bounds.deadlineMs,
          keepaliveIntervalMs: 5000,
          maxOutputBytes: bounds.maxOutputBytes,
          ...(bounds.signal ? { signal: bounds.signal } : {}),
          jumps,
        });
        const verified = verifiedFromDecision(verifier?.decision());
        return verified === undefined ? r : { ...r, hostKeyVerified: verified };
      } catch (e) {
        const failure = e instanceof TransportFailure ? e : new TransportFailure('connect', (e as Error).message);
        const verified = verifiedFromDecision(verifier?.decision());
        if (verified !== undefined) failure.hostKeyVerified = verified;
        throw failure;
      }
    },
    close: () => jumps.close(),
  };
}
