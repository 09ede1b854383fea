// probeHost and collectFleet over the Transport seam: the one per-host path every transport shares.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFleet, hostDeadlineMs, localTarget, probeHost, type CollectEnvironment } from '../../src/collect/collect.js';
import { createSshTransport } from '../../src/collect/ssh-transport.js';
import { TransportFailure, type ExecResult, type Transport, type TransportBounds } from '../../src/collect/transport.js';
import { parseScriptBoundary } from '../../src/collect/frame-boundary.js';
import { RECORDED_BOUNDARY } from '../../src/procfs/sections.js';
import type { Target } from '../../src/inventory/types.js';
import { makeClientKey, type ClientKey } from '../support/sshd.js';
import { sampleRecording } from '../support/recording.js';
import { reframeRecording } from '../support/faults.js';

function target(name: string): Target {
  return { name, address: `${name}.example`, port: 2222, user: 'ops', groups: ['web'], identityFiles: [], proxyJump: [], vars: {} };
}

/** A transport that answers from a function and remembers what it was asked. */
function fake(answer: (script: string) => Promise<ExecResult>): Transport & { calls: { target: string; bounds: TransportBounds }[] } {
  const calls: { target: string; bounds: TransportBounds }[] = [];
  return {
    kind: 'fake',
    calls,
    hostKey: () => ({ policy: 'off', reason: 'the fake says so' }),
    run(t, script, bounds) {
      calls.push({ target: t.name, bounds });
      return answer(script);
    },
  };
}

const recorded = (script: string): Promise<ExecResult> =>
  Promise.resolve({ stdout: reframeRecording(sampleRecording('web-1'), parseScriptBoundary(script)!), stderr: '', code: 0, truncated: false });

const quiet: CollectEnvironment = { env: {}, warn: (m) => expect.fail(`unexpected warning: ${m}`), onEvent: () => {} };

describe('hostDeadlineMs', () => {
  it('adds the sleeps between samples, not one more', () => {
    expect(hostDeadlineMs({ hostTimeoutMs: 30_000, samples: 1, intervalSeconds: 5 })).toBe(30_000);
    expect(hostDeadlineMs({ hostTimeoutMs: 30_000, samples: 3, intervalSeconds: 2 })).toBe(34_000);
  });
});

describe('probeHost', () => {
  it('hands the transport the host deadline, the output cap and the signal, and records the host-key policy', async () => {
    const t = fake(recorded);
    const signal = new AbortController().signal;
    const o = await probeHost(target('web-1'), t, { hostTimeoutMs: 10_000, samples: 2, intervalSeconds: 3, signal });
    expect(o.status).not.toBe('failed');
    expect(o.target).toEqual({ name: 'web-1', address: 'web-1.example', port: 2222, user: 'ops', groups: ['web'], hostKey: { policy: 'off', reason: 'the fake says so' } });
    expect(t.calls[0]?.bounds.deadlineMs).toBe(13_000);
    expect(t.calls[0]?.bounds.signal).toBe(signal);
    expect(t.calls[0]?.bounds.maxOutputBytes).toBeGreaterThan(1_000_000);
  });

  it('reports a TransportFailure with its stage and detail, and anything else at connect with the transport named', async () => {
    const keyFailure = fake(() => Promise.reject(new TransportFailure('host-key', 'key changed', false, { seen: 'SHA256:x' })));
    const o = await probeHost(target('a'), keyFailure, { hostTimeoutMs: 1_000, samples: 1, intervalSeconds: 0 });
    expect(o).toMatchObject({ status: 'failed', stage: 'host-key', message: 'key changed', detail: { seen: 'SHA256:x' } });
    const bug = fake(() => Promise.reject(new Error('boom')));
    expect(await probeHost(target('b'), bug, { hostTimeoutMs: 1_000, samples: 1, intervalSeconds: 0 })).toMatchObject({ status: 'failed', stage: 'connect', message: 'fake: boom' });
  });

  it('never sees the recorded boundary: each run gets a fresh one', async () => {
    const scripts: string[] = [];
    const t = fake((s) => {
      scripts.push(s);
      return recorded(s);
    });
    await probeHost(target('a'), t, { hostTimeoutMs: 1_000, samples: 1, intervalSeconds: 0 });
    await probeHost(target('a'), t, { hostTimeoutMs: 1_000, samples: 1, intervalSeconds: 0 });
    const [b1, b2] = scripts.map(parseScriptBoundary);
    expect(b1).not.toBe(b2);
    expect(b1).not.toBe(RECORDED_BOUNDARY);
  });
});

describe('collectFleet', () => {
  const options = { concurrency: 2, connectTimeoutMs: 5_000, hostTimeoutMs: 20_000, samples: 1, intervalSeconds: 0, knownHostsFiles: [] };

  it('runs a local target on this machine without reading keys or known_hosts, its policy `none`', async () => {
    const [o] = await collectFleet([localTarget('me')], { ...options, signal: new AbortController().signal }, quiet);
    expect(o?.status).not.toBe('failed');
    expect(o?.target).toEqual({ name: 'me', address: 'local', groups: ['local'], hostKey: { policy: 'none', reason: 'this machine: no connection, no host key' } });
  });

  it('marks hosts never started when interrupted, with the policy they would have had', async () => {
    const controller = new AbortController();
    controller.abort();
    const t = fake(recorded);
    const outcomes = await collectFleet([target('a'), target('b')], { ...options, signal: controller.signal, transport: t }, quiet);
    expect(outcomes.map((o) => o.status === 'failed' && o.stage)).toEqual(['cancelled', 'cancelled']);
    expect(outcomes[0]?.target.hostKey?.policy).toBe('off');
    expect(t.calls).toEqual([]);
  });

  it('reports progress through the environment', async () => {
    const events: string[] = [];
    await collectFleet([target('a')], { ...options, signal: new AbortController().signal, transport: fake(recorded) }, { ...quiet, onEvent: (e) => events.push(e.kind) });
    expect(events).toEqual(['started', 'finished']);
  });
});

describe('the ssh transport', () => {
  let encrypted: ClientKey;
  beforeAll(async () => {
    encrypted = await makeClientKey('ed25519', { passphrase: 'correct horse' });
  });
  afterAll(() => encrypted?.cleanup());

  const base = { connectTimeoutMs: 1_000, knownHostsFiles: [] };

  it('asks the environment for a key passphrase once, and never when the variable gives it', async () => {
    const t = { ...target('a'), identityFiles: [encrypted.privateKeyPath] };
    const asked: string[] = [];
    const warnings: string[] = [];
    await createSshTransport([t, { ...t, name: 'b' }], { ...base, env: {}, warn: (m) => warnings.push(m), askPassphrase: async (p) => (asked.push(p), 'correct horse') });
    expect(asked).toEqual(['Passphrase for SSH keys (asked once): ']);
    expect(warnings).toEqual([]);

    const fromEnv = await createSshTransport([t], { ...base, env: { SOCKAUDIT_KEY_PASSPHRASE: 'correct horse' }, warn: (m) => warnings.push(m), askPassphrase: async () => expect.fail('asked') });
    expect(fromEnv.kind).toBe('ssh');
    expect(warnings).toEqual([]);
  });

  it('with nobody to ask, skips the encrypted key with a warning', async () => {
    const warnings: string[] = [];
    await createSshTransport([{ ...target('a'), identityFiles: [encrypted.privateKeyPath] }], { ...base, env: {}, warn: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(encrypted.privateKeyPath);
  });

  it('says which policy a host gets and why', async () => {
    const none = await createSshTransport([], { ...base, env: {}, warn: () => {} });
    expect(none.hostKey(target('a'))).toEqual({ policy: 'strict', reason: 'strict (default)' });
    expect(none.hostKey({ ...target('a'), hostKeyPolicy: 'accept-new' }).policy).toBe('accept-new');
    const flagged = await createSshTransport([], { ...base, hostKeyPolicy: 'off', env: {}, warn: () => {} });
    expect(flagged.hostKey({ ...target('a'), hostKeyPolicy: 'accept-new' })).toEqual({ policy: 'off', reason: 'off from --host-key-policy' });
  });
});
