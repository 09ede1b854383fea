// The ssh2 transport: ssh.ts (one command on one host, retries, deadline) and jump.ts (pooled
// bastions) behind the Transport seam, with the run's known_hosts, keys and agent read once.
import type { HostKeyPolicy, Target } from '../inventory/types.js';
import type { HostKeyUsed } from './types.js';
import { runOverSsh, SshFailure } from './ssh.js';
import { JumpPool } from './jump.js';
import { readKnownHosts, makeHostVerifier, preferredHostKeyAlgorithms } from './known-hosts.js';
import { loadIdentities, agentSocket, passphraseFromEnvOrTty } from './auth.js';
import { TransportFailure, type Transport } from './transport.js';

export interface SshTransportOptions {
  connectTimeoutMs: number;
  /** known_hosts files besides the user's and the system's. */
  knownHostsFiles: string[];
  /** From the command line: wins over each target's own (ssh config); strict when neither says. */
  hostKeyPolicy?: HostKeyPolicy;
  /** Where accept-new writes the keys it trusts. */
  knownHostsOut?: string;
  env: NodeJS.ProcessEnv;
  warn(message: string): void;
  askPassphrase?: (prompt: string) => Promise<string | undefined>;
}

/** The host-key policy a target gets over ssh2, and where it came from. */
export function sshHostKey(target: Target, flag: HostKeyPolicy | undefined): HostKeyUsed {
  if (flag !== undefined) return { policy: flag, reason: '--host-key-policy' };
  if (target.hostKeyPolicy !== undefined) return { policy: target.hostKeyPolicy, reason: `StrictHostKeyChecking of the host's ssh config or inventory` };
  return { policy: 'strict', reason: 'the default' };
}

/**
 * Reads known_hosts and every key the targets (and their jump hosts) name, once, then runs each
 * target over ssh2. Key problems are warned, not thrown: a host whose key is unusable fails at `auth`.
 */
export async function createSshTransport(targets: readonly Target[], opts: SshTransportOptions): Promise<Transport> {
  const extraKnownHosts = [...new Set([...opts.knownHostsFiles, ...targets.flatMap((t) => t.knownHostsFiles ?? [])])];
  const knownHosts = await readKnownHosts(extraKnownHosts);
  // Read every key once, the jump hosts' own included; bastions are offered the same identities.
  const identityFiles = [...new Set(targets.flatMap((t) => [...t.identityFiles, ...t.proxyJump.flatMap((j) => j.identityFiles ?? [])]))];
  const passphrase = passphraseFromEnvOrTty(opts.env, opts.askPassphrase);
  const identities = await loadIdentities(identityFiles, { passphrase });
  for (const p of identities.problems) opts.warn(p);
  const agent = agentSocket(opts.env);
  const jumps = new JumpPool();

  return {
    kind: 'ssh',
    hostKey: (target) => sshHostKey(target, opts.hostKeyPolicy),
    async run(target, script, bounds) {
      const policy = opts.hostKeyPolicy ?? target.hostKeyPolicy ?? 'strict';
      try {
        return await runOverSsh(target, { command: '/bin/sh -s', stdin: script }, {
          verifier: (names: string[], port: number) => makeHostVerifier(knownHosts, policy, names, port, opts.knownHostsOut),
          hostKeyAlgorithms: (names: string[], port: number) => preferredHostKeyAlgorithms(knownHosts, names, port),
          auth: { identities: identities.keys, ...(agent === undefined ? {} : { agent }), identitiesOnly: target.identitiesOnly ?? false },
          connectTimeoutMs: target.connectTimeoutMs ?? opts.connectTimeoutMs,
          deadlineMs: bounds.deadlineMs,
          keepaliveIntervalMs: 5000,
          maxOutputBytes: bounds.maxOutputBytes,
          ...(bounds.signal ? { signal: bounds.signal } : {}),
          jumps,
        });
      } catch (e) {
        if (e instanceof SshFailure) throw new TransportFailure(e.stage, e.message, e.transient, e.detail);
        throw new TransportFailure('connect', (e as Error).message);
      }
    },
    close: () => jumps.close(),
  };
}
