import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf } from '../support/failure.js';
import { loadIdentities } from '../../src/collect/auth.js';
import type { Identity } from '../../src/collect/auth.js';
import { makeHostVerifier, parseKnownHosts } from '../../src/collect/known-hosts.js';
import { reframeRecording, startRecordedFleet } from '../support/faults.js';
import type { FleetFault, FleetHost, RecordedFleet } from '../support/faults.js';
import { backoffDelay, withRetry } from '../../src/collect/retry.js';
import { runOverSsh, SshFailure } from '../../src/collect/ssh.js';
import type { SshOptions } from '../../src/collect/ssh.js';
import type { Target } from '../../src/inventory/types.js';
import { makeClientKey, startSshAgent, startSshd } from '../support/sshd.js';
import type { ClientKey, Sshd } from '../support/sshd.js';
import { probeLikeScript, sampleRecording } from '../support/recording.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function targetAt(name: string, address: string, port: number, user?: string): Target {
  return { name, address, port, ...(user ? { user } : {}), groups: [], identityFiles: [], proxyJump: [], vars: {} };
}

function optionsFor(knownHosts: string, identities: readonly Identity[], over: Partial<SshOptions> = {}): SshOptions {
  const db = parseKnownHosts(knownHosts, 'test-known_hosts');
  return {
    verifier: (lookup) => makeHostVerifier(db, 'strict', lookup, async () => {}),
    auth: { identities },
    connectTimeoutMs: 2000,
    deadlineMs: 8000,
    keepaliveIntervalMs: 1000,
    maxOutputBytes: 1 << 20,
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
    ...over,
  };
}


const BOUNDARY = 'SA-TEST-7f3a';
const probe = { command: '/bin/sh -s', stdin: probeLikeScript(BOUNDARY) };

describe('withRetry', () => {
  const policy = { attempts: 4, baseDelayMs: 10, maxDelayMs: 25 };
  const transient = (e: unknown) => e instanceof SshFailure && e.transient;

  it('retries transient failures up to the attempt count, then throws the last one', async () => {
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw new SshFailure('connect', `refused ${calls}`, true);
      },
      { policy, isTransient: transient, signal: new AbortController().signal, deadlineAt: Date.now() + 10_000 },
    );
    await expect(run).rejects.toThrow('refused 4');
    expect(calls).toBe(4);
  });

  it('does not retry a failure that is not transient', async () => {
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw new SshFailure('auth', 'refused', false);
      },
      { policy, isTransient: transient, signal: new AbortController().signal, deadlineAt: Date.now() + 10_000 },
    );
    await expect(run).rejects.toThrow('refused');
    expect(calls).toBe(1);
  });

  it('starts no retry that would begin after the deadline', async () => {
    let calls = 0;
    const run = withRetry(
      async () => {
        calls++;
        throw new SshFailure('connect', 'refused', true);
      },
      { policy, isTransient: transient, signal: new AbortController().signal, deadlineAt: Date.now() - 1, random: () => 0.5 },
    );
    await expect(run).rejects.toThrow('refused');
    expect(calls).toBe(1);
  });

  it('backs off exponentially under a ceiling, with full jitter', () => {
    const p = { attempts: 9, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, p, () => 0.999999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(3, p, () => 0)).toBe(0);
  });
});

describe('runOverSsh against the recorded fleet', () => {
  let key: ClientKey;
  let identities: Identity[];
  let fleet: RecordedFleet;
  const faults: (FleetFault | undefined)[] = [undefined, 'wrong-host-key', 'auth-fail', 'hang', 'endless-output', 'reset-mid-output', 'refuse', 'slow-banner'];
  const host = (fault: FleetFault | undefined): FleetHost => {
    const found = fleet.hosts.find((h) => h.fault === fault);
    if (!found) throw new Error(`no fleet host with fault ${fault}`);
    return found;
  };
  const target = (h: FleetHost) => targetAt(h.name, h.address, h.port, 'auditor');
  const options = (over: Partial<SshOptions> = {}) => optionsFor(fleet.knownHosts, identities, over);

  beforeAll(async () => {
    key = await makeClientKey('ed25519');
    identities = (await loadIdentities([key.privateKeyPath], {})).keys;
    fleet = await startRecordedFleet({
      hosts: faults.map((fault, i) => ({ name: `host-${fault ?? 'ok'}-${i}`, recording: sampleRecording(`host-${i}`, 50), ...(fault ? { fault } : {}) })),
      authorizedKeys: key.publicKey,
      slowBannerMs: 5000,
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    key?.cleanup();
  });

  it('returns the recording reframed with the boundary the script declared', async () => {
    const h = host(undefined);
    const r = await runOverSsh(target(h), probe, options());
    expect(r).toEqual({ stdout: reframeRecording(sampleRecording('host-0', 50), BOUNDARY), stderr: '', code: 0, truncated: false });
  });

  it('refuses a host whose key differs from known_hosts, naming both fingerprints, before any session', async () => {
    const h = host('wrong-host-key');
    const f = await failureOf(runOverSsh(target(h), probe, options()));
    expect(f.stage).toBe('host-key');
    expect(f.transient).toBe(false);
    expect(f.message).toContain(h.servedHostKey.fingerprint);
    expect(f.message).toContain(h.hostKey.fingerprint);
    expect(f.detail?.seen).toContain(h.servedHostKey.fingerprint);
    expect(f.detail?.expected).toContain(h.hostKey.fingerprint);
    expect(h.counters().authenticated).toBe(0);
    expect(h.counters().channelsOpened).toBe(0);
    expect(h.counters().connectionsAccepted).toBe(1);
  });

  it('reports refused authentication with what was tried, and does not retry it', async () => {
    const h = host('auth-fail');
    const f = await failureOf(runOverSsh(target(h), probe, options()));
    expect(f.stage).toBe('auth');
    expect(f.message).toContain('publickey');
    expect(f.message).toContain(identities[0]?.fingerprint ?? 'missing');
    expect(f.message).not.toContain(key.privateKey.split('\n')[1] ?? 'missing');
    expect(h.counters().connectionsAccepted).toBe(1);
  });

  it('says there was nothing to offer when no key is loaded and no agent is given', async () => {
    const h = host(undefined);
    const f = await failureOf(runOverSsh(target(h), probe, { ...options(), auth: { identities: [] } }));
    expect(f.stage).toBe('auth');
    expect(f.message).toContain('nothing to offer');
  });

  it('stops a command that never answers at the deadline', async () => {
    const h = host('hang');
    const started = Date.now();
    const f = await failureOf(runOverSsh(target(h), probe, options({ deadlineMs: 1500 })));
    const took = Date.now() - started;
    expect(f.stage).toBe('timeout');
    expect(f.message).toContain('deadline');
    expect(f.message).toContain('command');
    expect(took).toBeGreaterThanOrEqual(1450);
    expect(took).toBeLessThan(1500 + 700);
  });

  it('cuts endless output at the cap and ends the command', async () => {
    const h = host('endless-output');
    const cap = 64 * 1024;
    const started = Date.now();
    const r = await runOverSsh(target(h), probe, options({ maxOutputBytes: cap }));
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.stdout)).toBe(cap);
    expect(r.stdout.startsWith(`${BOUNDARY} sockaudit-probe 1\n`)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    // The server stops sending once the channel is closed: output it handed over stays bounded.
    await sleep(300);
    const sent = h.counters().outputBytes;
    await sleep(300);
    expect(h.counters().outputBytes).toBe(sent);
  });

  it('maps a reset in the middle of the output to stage command, without retrying', async () => {
    const h = host('reset-mid-output');
    const f = await failureOf(runOverSsh(target(h), probe, options()));
    expect(f.stage).toBe('command');
    expect(f.transient).toBe(false);
    expect(h.counters().connectionsAccepted).toBe(1);
  });

  it('maps a refused connection to stage connect, as transient', async () => {
    const h = host('refuse');
    const started = Date.now();
    const f = await failureOf(runOverSsh(target(h), probe, options()));
    expect(f.stage).toBe('connect');
    expect(f.transient).toBe(true);
    expect(f.message).toContain('refused');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out a server slower to greet than the connect timeout once: retries stay inside the connect budget', async () => {
    const h = host('slow-banner');
    const before = h.counters().connectionsAccepted;
    const started = Date.now();
    const f = await failureOf(runOverSsh(target(h), probe, options({ connectTimeoutMs: 300, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 } })));
    expect(f.stage).toBe('timeout');
    expect(f.message).toContain('banner');
    expect(h.counters().connectionsAccepted - before).toBe(1);
    expect(Date.now() - started).toBeLessThan(600);
  });

  it('stops at once, as cancelled, when the caller aborts', async () => {
    const h = host('hang');
    const control = new AbortController();
    setTimeout(() => control.abort(), 300);
    const started = Date.now();
    const f = await failureOf(runOverSsh(target(h), probe, options({ signal: control.signal })));
    expect(f.stage).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('leaves no socket or timer behind, whether the host succeeds or fails', async () => {
    const count = () => {
      const kinds = process.getActiveResourcesInfo();
      return { sockets: kinds.filter((k) => k === 'TCPSocketWrap').length, timers: kinds.filter((k) => k === 'Timeout').length };
    };
    await sleep(300);
    const before = count();
    await runOverSsh(target(host(undefined)), probe, options());
    await failureOf(runOverSsh(target(host('auth-fail')), probe, options()));
    await failureOf(runOverSsh(target(host('hang')), probe, options({ deadlineMs: 300 })));
    await sleep(300);
    expect(count()).toEqual(before);
  });

  it('calls a run deadline (a TimeoutError reason) a timeout', async () => {
    const h = host('hang');
    const f = await failureOf(runOverSsh(target(h), probe, options({ signal: AbortSignal.timeout(300) })));
    expect(f.stage).toBe('timeout');
  });
});

describe('runOverSsh retries a server that drops connections before its banner', () => {
  let server: Server;
  let port = 0;
  let accepted = 0;
  beforeAll(async () => {
    // Like sshd over its MaxStartups: accept, then close without a word.
    server = createServer((socket: Socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('tries the configured number of times, then fails with stage connect', async () => {
    const f = await failureOf(
      runOverSsh(targetAt('dropper', '127.0.0.1', port, 'auditor'), probe, optionsFor('', [], { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 } })),
    );
    expect(f.stage).toBe('connect');
    expect(f.transient).toBe(true);
    expect(accepted).toBe(3);
  });
});

describe('runOverSsh against OpenSSH sshd', () => {
  let key: ClientKey;
  let agentKey: ClientKey;
  let identities: Identity[];
  let sshd: Sshd;
  const run = promisify(execFile);
  const target = () => targetAt('real', '127.0.0.1', sshd.port, sshd.user);

  beforeAll(async () => {
    [key, agentKey] = await Promise.all([makeClientKey('ed25519'), makeClientKey('ecdsa')]);
    identities = (await loadIdentities([key.privateKeyPath], {})).keys;
    sshd = await startSshd({ authorizedKeys: `${key.publicKey}\n${agentKey.publicKey}\n` });
  });
  afterAll(async () => {
    await sshd?.stop();
    key?.cleanup();
    agentKey?.cleanup();
  });

  it('runs /bin/sh -s with the script on stdin, authenticated by key', async () => {
    const r = await runOverSsh(target(), probe, optionsFor(sshd.knownHosts, identities));
    expect(r.code).toBe(0);
    expect(r.truncated).toBe(false);
    expect(r.stdout).toBe(`${BOUNDARY} sockaudit-probe 1\n${BOUNDARY} begin whoami\n${sshd.user}\n${BOUNDARY} end whoami status=0\n${BOUNDARY} done\n`);
  });

  it('authenticates through ssh-agent', async () => {
    const agent = await startSshAgent([agentKey.privateKeyPath]);
    try {
      const r = await runOverSsh(target(), { command: 'id -un' }, { ...optionsFor(sshd.knownHosts, []), auth: { identities: [], agent: agent.socket } });
      expect(r.stdout).toBe(`${sshd.user}\n`);
      // identitiesOnly leaves the agent out: with no key of its own, nothing is offered.
      const f = await failureOf(
        runOverSsh(target(), { command: 'id -un' }, { ...optionsFor(sshd.knownHosts, []), auth: { identities: [], agent: agent.socket, identitiesOnly: true } }),
      );
      expect(f.stage).toBe('auth');
    } finally {
      await agent.stop();
    }
  });

  it('returns the exit status and stderr of a failing command', async () => {
    const r = await runOverSsh(target(), { command: 'echo oops >&2; exit 3' }, optionsFor(sshd.knownHosts, identities));
    expect(r).toEqual({ stdout: '', stderr: 'oops\n', code: 3, truncated: false });
  });

  it('kills a command that hangs when the deadline passes, leaving no remote process', async () => {
    const marker = `sleep ${1000 + Math.floor(Math.random() * 900)}`;
    const started = Date.now();
    const f = await failureOf(runOverSsh(target(), { command: `${marker}; echo never` }, optionsFor(sshd.knownHosts, identities, { deadlineMs: 1500 })));
    expect(f.stage).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1500 + 700);
    const remaining = async () => {
      try {
        return (await run('pgrep', ['-f', `^${marker}`])).stdout.trim();
      } catch {
        return ''; // pgrep exits 1 when nothing matches
      }
    };
    let left = await remaining();
    for (let i = 0; i < 20 && left !== ''; i++) {
      await sleep(100);
      left = await remaining();
    }
    expect(left).toBe('');
  });

  it('refuses the host under strict checking when known_hosts lists another key', async () => {
    const other = await makeClientKey('ed25519');
    try {
      const [type, blob] = other.publicKey.split(' ');
      const f = await failureOf(runOverSsh(target(), probe, optionsFor(`[127.0.0.1]:${sshd.port} ${type} ${blob}\n`, identities)));
      expect(f.stage).toBe('host-key');
      expect(f.message).toContain(sshd.hostKeyFingerprint);
    } finally {
      other.cleanup();
    }
  });
});
