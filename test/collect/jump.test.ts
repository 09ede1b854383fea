import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from '../support/failure.js';
import { loadIdentities } from '../../src/collect/auth.js';
import type { Identity } from '../../src/collect/auth.js';
import { JumpPool } from '../../src/collect/jump.js';
import { makeHostVerifier, parseKnownHosts } from '../../src/collect/known-hosts.js';
import { reframeRecording, startRecordedFleet } from '../support/faults.js';
import type { FleetFault, FleetHost, RecordedFleet } from '../support/faults.js';
import { runOverSsh, SshFailure } from '../../src/collect/ssh.js';
import type { SshOptions } from '../../src/collect/ssh.js';
import type { JumpHost, Target } from '../../src/inventory/types.js';
import { makeClientKey, startSshd } from '../support/sshd.js';
import type { ClientKey, Sshd } from '../support/sshd.js';
import { probeLikeScript, sampleRecording } from '../support/recording.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const BOUNDARY = 'SA-JUMP-51c2';
const probe = { command: '/bin/sh -s', stdin: probeLikeScript(BOUNDARY) };

function optionsFor(knownHosts: string, identities: readonly Identity[], jumps: JumpPool): SshOptions {
  const db = parseKnownHosts(knownHosts, 'test-known_hosts');
  return {
    verifier: (lookup) => makeHostVerifier(db, 'strict', lookup, async () => {}),
    auth: { identities },
    connectTimeoutMs: 3000,
    deadlineMs: 15_000,
    keepaliveIntervalMs: 2000,
    maxOutputBytes: 1 << 20,
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
    jumps,
  };
}


describe('JumpPool through recorded-fleet bastions', () => {
  const TARGETS = 25;
  const BASTIONS = 7;
  let key: ClientKey;
  let identities: Identity[];
  let fleet: RecordedFleet;
  let targets: FleetHost[];
  let bastions: FleetHost[];
  let faulty: Partial<Record<FleetFault, FleetHost>>;

  const jump = (h: FleetHost): JumpHost => ({ host: h.address, port: h.port, user: 'jumper' });
  const through = (h: FleetHost, chain: JumpHost[]): Target => ({
    name: h.name,
    address: h.address,
    port: h.port,
    user: 'auditor',
    groups: [],
    identityFiles: [],
    proxyJump: chain,
    vars: {},
  });
  const expected = (h: FleetHost) => reframeRecording(sampleRecording(h.name), BOUNDARY);

  beforeAll(async () => {
    key = await makeClientKey('ed25519');
    identities = (await loadIdentities([key.privateKeyPath], {})).keys;
    const faults: FleetFault[] = ['auth-fail', 'refuse'];
    fleet = await startRecordedFleet({
      hosts: [
        ...Array.from({ length: TARGETS }, (_, i) => ({ name: `target-${i}`, recording: sampleRecording(`target-${i}`) })),
        ...Array.from({ length: BASTIONS }, (_, i) => ({ name: `bastion-${i}`, recording: sampleRecording(`bastion-${i}`) })),
        ...faults.map((fault) => ({ name: `faulty-${fault}`, recording: sampleRecording(`faulty-${fault}`), fault })),
      ],
      authorizedKeys: key.publicKey,
    });
    targets = fleet.hosts.slice(0, TARGETS);
    bastions = fleet.hosts.slice(TARGETS, TARGETS + BASTIONS);
    faulty = Object.fromEntries(fleet.hosts.filter((h) => h.fault).map((h) => [h.fault, h]));
  });
  afterAll(async () => {
    await fleet?.stop();
    key?.cleanup();
  });

  it('carries 25 targets over ceil(25/10) bastion connections, never over 10 handshakes or channels at once', async () => {
    const pool = new JumpPool();
    const bastion = bastions[0] as FleetHost;
    try {
      const opts = optionsFor(fleet.knownHosts, identities, pool);
      const results = await Promise.all(targets.map((t) => runOverSsh(through(t, [jump(bastion)]), probe, opts)));
      expect(results.map((r) => r.stdout)).toEqual(targets.map(expected));
      const c = bastion.counters();
      expect(c.connectionsAccepted).toBeLessThanOrEqual(Math.ceil(TARGETS / 10));
      expect(c.maxHandshakesInProgress).toBeLessThanOrEqual(10);
      expect(c.maxChannelsOnOneConnection).toBeLessThanOrEqual(10);
      expect(c.channelsRejected).toBe(0);
      expect(c.forwardsOpened).toBe(TARGETS);
    } finally {
      pool.close();
    }
  });

  it('keeps to smaller MaxSessions and MaxStartups when configured', async () => {
    const pool = new JumpPool({ maxSessions: 4, maxStartups: 2 });
    const bastion = bastions[1] as FleetHost;
    try {
      const opts = optionsFor(fleet.knownHosts, identities, pool);
      const results = await Promise.all(targets.map((t) => runOverSsh(through(t, [jump(bastion)]), probe, opts)));
      expect(results.every((r) => r.code === 0)).toBe(true);
      const c = bastion.counters();
      expect(c.connectionsAccepted).toBeLessThanOrEqual(Math.ceil(TARGETS / 4));
      expect(c.maxHandshakesInProgress).toBeLessThanOrEqual(2);
      expect(c.maxChannelsOnOneConnection).toBeLessThanOrEqual(4);
      expect(c.channelsRejected).toBe(0);
    } finally {
      pool.close();
    }
  });

  it('reaches a target through a chain of two jumps', async () => {
    const pool = new JumpPool();
    const [outer, inner] = [bastions[2] as FleetHost, bastions[3] as FleetHost];
    const target = targets[0] as FleetHost;
    try {
      const r = await runOverSsh(through(target, [jump(outer), jump(inner)]), probe, optionsFor(fleet.knownHosts, identities, pool));
      expect(r.stdout).toBe(expected(target));
      expect(outer.counters().forwardsOpened).toBe(1);
      expect(inner.counters().forwardsOpened).toBe(1);
      expect(outer.counters().authenticated).toBe(1);
      expect(inner.counters().authenticated).toBe(1);
    } finally {
      pool.close();
    }
  });

  it('reuses a bastion connection while it is busy or recently used, and closes it when idle', async () => {
    const bastion = bastions[4] as FleetHost;
    const [a, b] = [targets[1] as FleetHost, targets[2] as FleetHost];
    const lingering = new JumpPool({ idleMs: 10_000 });
    try {
      const opts = optionsFor(fleet.knownHosts, identities, lingering);
      await runOverSsh(through(a, [jump(bastion)]), probe, opts);
      await runOverSsh(through(b, [jump(bastion)]), probe, opts);
      expect(bastion.counters().connectionsAccepted).toBe(1);
    } finally {
      lingering.close();
    }
    const shortLived = new JumpPool({ idleMs: 50 });
    try {
      const opts = optionsFor(fleet.knownHosts, identities, shortLived);
      await runOverSsh(through(a, [jump(bastion)]), probe, opts);
      await sleep(300);
      await runOverSsh(through(b, [jump(bastion)]), probe, opts);
      expect(bastion.counters().connectionsAccepted).toBe(3);
    } finally {
      shortLived.close();
    }
  });

  it('reports a bastion that refuses authentication as an auth failure via the jump host', async () => {
    const pool = new JumpPool();
    const bastion = faulty['auth-fail'] as FleetHost;
    try {
      const f = await failureOf(runOverSsh(through(targets[0] as FleetHost, [jump(bastion)]), probe, optionsFor(fleet.knownHosts, identities, pool)));
      expect(f.stage).toBe('auth');
      expect(f.message).toContain('via jump host');
      expect(f.detail?.jumpHost).toBe(`jumper@${bastion.address}:${bastion.port}`);
      expect(bastion.counters().connectionsAccepted).toBe(1);
    } finally {
      pool.close();
    }
  });

  it('reports a target the bastion cannot reach as a connect failure', async () => {
    const pool = new JumpPool();
    try {
      const f = await failureOf(runOverSsh(through(faulty.refuse as FleetHost, [jump(bastions[5] as FleetHost)]), probe, optionsFor(fleet.knownHosts, identities, pool)));
      expect(f.stage).toBe('connect');
      expect(f.message).toContain('could not reach');
    } finally {
      pool.close();
    }
  });

  it('refuses new tunnels once closed', async () => {
    const pool = new JumpPool();
    pool.close();
    const f = await failureOf(runOverSsh(through(targets[0] as FleetHost, [jump(bastions[6] as FleetHost)]), probe, optionsFor(fleet.knownHosts, identities, pool)));
    expect(f.stage).toBe('cancelled');
    expect(bastions[6]?.counters().connectionsAccepted).toBe(0);
  });
});

describe('JumpPool through OpenSSH sshd', () => {
  let key: ClientKey;
  let bastion: Sshd;
  let target: Sshd;

  beforeAll(async () => {
    key = await makeClientKey('ed25519');
    [bastion, target] = await Promise.all([startSshd({ authorizedKeys: key.publicKey }), startSshd({ authorizedKeys: key.publicKey })]);
  });
  afterAll(async () => {
    await Promise.all([bastion?.stop(), target?.stop()]);
    key?.cleanup();
  });

  it('reaches a target sshd through a bastion sshd (ProxyJump)', async () => {
    const identities = (await loadIdentities([key.privateKeyPath], {})).keys;
    const pool = new JumpPool();
    try {
      const t: Target = {
        name: 'behind-bastion',
        address: '127.0.0.1',
        port: target.port,
        user: target.user,
        groups: [],
        identityFiles: [],
        proxyJump: [{ host: '127.0.0.1', port: bastion.port, user: bastion.user }],
        vars: {},
      };
      const r = await runOverSsh(t, { command: 'echo "$SSH_CONNECTION"' }, optionsFor(bastion.knownHosts + target.knownHosts, identities, pool));
      // SSH_CONNECTION is "client_ip client_port server_ip server_port": the target saw a connection to its own port.
      expect(r.code).toBe(0);
      expect(r.stdout.trim().split(' ')[3]).toBe(String(target.port));
    } finally {
      pool.close();
    }
  });
});
