import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackAddress, parseScriptBoundary, reframeRecording, startRecordedFleet } from '../support/faults.js';
import type { FleetFault, FleetHost, RecordedFleet } from '../support/faults.js';
import { buildProbeScript, newBoundary } from '../../src/collect/probe.js';
import { packageRoot } from '../../src/paths.js';
import { parseProbeFrame } from '../../src/procfs/frame.js';
import { RECORDED_BOUNDARY } from '../../src/procfs/sections.js';
import { makeClientKey } from '../support/sshd.js';
import type { ClientKey } from '../support/sshd.js';
import { runSsh, ssh2Connect, ssh2Exec } from '../support/ssh-client.js';
import { probeLikeScript, sampleRecording } from '../support/recording.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `check` comes true within `ms` (polled), for server-side effects of client actions. */
async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

function tcpConnect(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Milliseconds from asking for the TCP connection to the server's first byte (its SSH banner).
 * Timed from before connect(): the server's delay starts at its accept, which a loaded machine
 * may run well before the client's own connect callback.
 */
async function msToBanner(address: string, port: number): Promise<{ ms: number; banner: string }> {
  const started = performance.now();
  const socket = await tcpConnect(address, port);
  const first = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
  socket.destroy();
  return { ms: performance.now() - started, banner: first.toString('latin1') };
}

describe('parseScriptBoundary', () => {
  it("finds the B='...' line anywhere in the script", () => {
    expect(parseScriptBoundary("#!/bin/sh\nset -u\nB='SA-9f3c'\nprintf x\n")).toBe('SA-9f3c');
  });
  it('finds nothing in a script without one, or with an empty one', () => {
    expect(parseScriptBoundary('echo hi\n')).toBeUndefined();
    expect(parseScriptBoundary("B=''\n")).toBeUndefined();
    expect(parseScriptBoundary("  B='indented'\n")).toBeUndefined();
  });
});

describe('reframeRecording', () => {
  it('replaces the recorded boundary at line starts only', () => {
    const recording = `${RECORDED_BOUNDARY} begin x\nsee ${RECORDED_BOUNDARY} here\n${RECORDED_BOUNDARY} done\n`;
    expect(reframeRecording(recording, 'NEW$&B')).toBe(`NEW$&B begin x\nsee ${RECORDED_BOUNDARY} here\nNEW$&B done\n`);
  });
});

describe('loopbackAddress', () => {
  it('counts up from 127.0.0.2 and skips .0 and .255', () => {
    expect(loopbackAddress(0)).toBe('127.0.0.2');
    expect(loopbackAddress(252)).toBe('127.0.0.254');
    expect(loopbackAddress(253)).toBe('127.0.1.1');
    const all = Array.from({ length: 1000 }, (_, i) => loopbackAddress(i));
    expect(new Set(all).size).toBe(1000);
    expect(all.some((a) => /\.(0|255)$/.test(a))).toBe(false);
  });
});

describe('a recorded fleet driven by OpenSSH ssh', () => {
  const faults: FleetFault[] = ['slow-banner', 'reset-mid-output', 'endless-output', 'garbage', 'wrong-host-key', 'auth-fail', 'hang', 'refuse'];
  const recording = sampleRecording('web-01', 4000);
  let key: ClientKey;
  let stranger: ClientKey;
  let fleet: RecordedFleet;
  const host = (name: string): FleetHost => fleet.hosts.find((h) => h.name === name)!;
  const viaSsh = (h: FleetHost, boundary: string, extra: Partial<Parameters<typeof runSsh>[0]> = {}) =>
    runSsh({ address: h.address, port: h.port, user: 'auditor', identity: key.privateKeyPath, knownHosts: fleet.knownHosts, script: probeLikeScript(boundary), ...extra });

  beforeAll(async () => {
    [key, stranger] = await Promise.all([makeClientKey('ed25519'), makeClientKey('ecdsa')]);
    fleet = await startRecordedFleet({
      authorizedKeys: `# the auditor\n${key.publicKey}\n`,
      slowBannerMs: 400,
      hosts: [{ name: 'web-01', recording }, ...faults.map((fault) => ({ name: fault, recording, fault }))],
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    key?.cleanup();
    stranger?.cleanup();
  });

  it('lists every listening host on 127.0.0.1 with its own port in known_hosts; a refusing one on an address nothing binds', () => {
    const ports = fleet.hosts.map((h) => h.port);
    expect(new Set(ports).size).toBe(fleet.hosts.length);
    const refusing = fleet.hosts.filter((h) => h.fault === 'refuse');
    expect(refusing.length).toBeGreaterThan(0);
    for (const h of fleet.hosts) expect(h.address).toMatch(h.fault === 'refuse' ? /^127\.254\.\d+\.\d+$/ : /^127\.0\.0\.1$/);
    const web = host('web-01');
    expect(web.knownHostsLine).toBe(`[127.0.0.1]:${web.port} ssh-ed25519 ${web.hostKey.blob.toString('base64')}`);
    expect(fleet.knownHosts.split('\n').filter(Boolean)).toEqual(fleet.hosts.map((h) => h.knownHostsLine));
  });

  it('answers /bin/sh -s with the recording under the boundary the script declares', async () => {
    const result = await viaSsh(host('web-01'), 'SA-b0undary-1');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe(reframeRecording(recording, 'SA-b0undary-1'));
    expect(result.stdout.toString()).not.toContain(RECORDED_BOUNDARY);
  });

  it('refuses a key it was not given', async () => {
    const result = await viaSsh(host('web-01'), 'X', { identity: stranger.privateKeyPath });
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/permission denied \(publickey\)/i);
  });

  it('slow-banner: says nothing for slowBannerMs, then works', async () => {
    const { ms, banner } = await msToBanner('127.0.0.1', host('slow-banner').port);
    expect(ms).toBeGreaterThanOrEqual(380);
    expect(banner.startsWith('SSH-2.0-')).toBe(true);
    const fast = await msToBanner('127.0.0.1', host('web-01').port);
    expect(fast.ms).toBeLessThan(380);
    const result = await viaSsh(host('slow-banner'), 'SLOW');
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe(reframeRecording(recording, 'SLOW'));
  });

  it('reset-mid-output: hands out the first half of the reply, then resets the connection', async () => {
    const h = host('reset-mid-output');
    const full = Buffer.from(reframeRecording(recording, 'RESET'));
    const result = await viaSsh(h, 'RESET');
    expect(result.code).toBe(255);
    expect(h.counters().outputBytes).toBe(Math.floor(full.length / 2));
    // A reset drops whatever the client had not read yet, so it may see less than half.
    expect(result.stdout.length).toBeLessThanOrEqual(Math.floor(full.length / 2));
    expect(full.subarray(0, result.stdout.length).equals(result.stdout)).toBe(true);
  });

  it('endless-output: starts a frame and never ends it', async () => {
    const limit = 8 * 1024 * 1024;
    const result = await viaSsh(host('endless-output'), 'ENDLESS', { maxStdoutBytes: limit });
    expect(result.code).toBeNull();
    expect(result.stdout.length).toBeGreaterThanOrEqual(limit);
    const text = result.stdout.subarray(0, 200).toString();
    expect(text.startsWith('ENDLESS sockaudit-probe 1\nENDLESS begin hostname\n')).toBe(true);
    expect(result.stdout.includes('ENDLESS done')).toBe(false);
  });

  it('garbage: exits 0 with bytes that are no frame', async () => {
    const result = await viaSsh(host('garbage'), 'GARBAGE');
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBeGreaterThanOrEqual(1024);
    expect(result.stdout.includes('GARBAGE sockaudit-probe')).toBe(false);
  });

  it('wrong-host-key: presents a key other than the one known_hosts lists', async () => {
    const h = host('wrong-host-key');
    expect(h.servedHostKey.fingerprint).not.toBe(h.hostKey.fingerprint);
    const result = await viaSsh(h, 'WRONG');
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(result.stderr).toContain(h.servedHostKey.fingerprint);
    expect(result.stdout.length).toBe(0);
  });

  it('auth-fail: refuses even the authorized key', async () => {
    const result = await viaSsh(host('auth-fail'), 'AUTH');
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/permission denied \(publickey\)/i);
  });

  it('hang: accepts the command and never answers', async () => {
    const h = host('hang');
    const result = await viaSsh(h, 'HANG', { timeoutMs: 1000 });
    expect(result.code).toBeNull();
    expect(result.stdout.length).toBe(0);
    expect(h.counters().authenticated).toBeGreaterThanOrEqual(1);
    expect(h.counters().outputBytes).toBe(0);
  });

  it('refuse: nothing listens on its port', async () => {
    const result = await viaSsh(host('refuse'), 'REFUSE');
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/connection refused/i);
  });
});

describe('a recorded fleet driven by ssh2', () => {
  const recording = sampleRecording('db-01');
  let key: ClientKey;
  let fleet: RecordedFleet;

  beforeAll(async () => {
    key = await makeClientKey('ed25519');
    fleet = await startRecordedFleet({
      authorizedKeys: key.publicKey,
      offerPassword: true,
      maxSessions: 3,
      hosts: [
        { name: 'bastion', recording: sampleRecording('bastion') },
        { name: 'db-01', recording },
        { name: 'endless', recording, fault: 'endless-output' },
      ],
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    key?.cleanup();
  });
  const bastion = (): FleetHost => fleet.hosts[0]!;
  const db = (): FleetHost => fleet.hosts[1]!;
  const endless = (): FleetHost => fleet.hosts[2]!;

  it('verifies as the host key known_hosts lists, and answers only /bin/sh -s', async () => {
    const client = await ssh2Connect({ host: db().address, port: db().port, privateKey: key.privateKey, hostKey: db().hostKey.blob });
    try {
      const ok = await ssh2Exec(client, '/bin/sh -s', probeLikeScript('S2'));
      expect(ok.code).toBe(0);
      expect(ok.stdout.toString()).toBe(reframeRecording(recording, 'S2'));
      const other = await ssh2Exec(client, 'uname -r', '');
      expect(other.code).toBe(127);
      expect(other.stdout.length).toBe(0);
      const noBoundary = await ssh2Exec(client, '/bin/sh -s', 'echo no boundary here\n');
      expect(noBoundary.code).toBe(2);
      expect(noBoundary.stderr).toMatch(/no boundary/);
    } finally {
      client.end();
    }
  });

  it('frees a session slot when its channel closes', async () => {
    const client = await ssh2Connect({ host: db().address, port: db().port, privateKey: key.privateKey });
    try {
      for (let i = 0; i < 5; i++) expect((await ssh2Exec(client, '/bin/sh -s', probeLikeScript(`SEQ${i}`))).code).toBe(0);
    } finally {
      client.end();
    }
  });

  it('offers password when asked to, and refuses every password', async () => {
    await expect(ssh2Connect({ host: db().address, port: db().port, password: 'hunter2' })).rejects.toThrow(/authentication methods failed/);
  });

  it('endless-output waits for a client that stops reading', async () => {
    const client = await ssh2Connect({ host: endless().address, port: endless().port, privateKey: key.privateKey });
    try {
      const channel = await new Promise<import('ssh2').ClientChannel>((resolve, reject) =>
        client.exec('/bin/sh -s', (err, ch) => (err ? reject(err) : resolve(ch))),
      );
      channel.end(probeLikeScript('PAUSED'));
      let received = 0;
      const onData = (data: Buffer): void => {
        received += data.length;
        if (received < 1024 * 1024) return;
        channel.off('data', onData);
        channel.pause();
      };
      channel.on('data', onData);
      // The server must stop writing: two samples 200 ms apart agree within a few seconds.
      let first = -1;
      let second = endless().counters().outputBytes;
      for (let i = 0; i < 25 && second !== first; i++) {
        first = second;
        await sleep(200);
        second = endless().counters().outputBytes;
      }
      expect(second).toBe(first);
      // What it handed out is what the client's window let through, plus the channel's buffer.
      expect(first).toBeLessThan(received + 8 * 1024 * 1024);
      channel.on('data', () => {});
      channel.resume();
      expect(await until(() => endless().counters().outputBytes > second)).toBe(true);
      channel.close();
    } finally {
      client.end();
    }
  });

  it('forwards to loopback destinations as a bastion, and counts what it did', async () => {
    const before = bastion().counters();
    const outer = await ssh2Connect({ host: bastion().address, port: bastion().port, privateKey: key.privateKey, hostKey: bastion().hostKey.blob });
    try {
      const stream = await new Promise<import('ssh2').ClientChannel>((resolve, reject) =>
        outer.forwardOut('127.0.0.1', 0, db().address, db().port, (err, ch) => (err ? reject(err) : resolve(ch))),
      );
      const inner = await ssh2Connect({ sock: stream, privateKey: key.privateKey, hostKey: db().hostKey.blob });
      const result = await ssh2Exec(inner, '/bin/sh -s', probeLikeScript('JUMPED'));
      inner.end();
      expect(result.code).toBe(0);
      expect(result.stdout.toString()).toBe(reframeRecording(recording, 'JUMPED'));
      const after = bastion().counters();
      expect(after.connectionsAccepted - before.connectionsAccepted).toBe(1);
      expect(after.forwardsOpened - before.forwardsOpened).toBe(1);
      expect(after.channelsOpened - before.channelsOpened).toBe(1);
    } finally {
      outer.end();
    }
  });

  it('refuses forwards outside 127.0.0.0/8 and to closed ports', async () => {
    const outer = await ssh2Connect({ host: bastion().address, port: bastion().port, privateKey: key.privateKey });
    const before = bastion().counters().forwardsRefused;
    const forward = (host: string, port: number) =>
      new Promise<void>((resolve, reject) => outer.forwardOut('127.0.0.1', 0, host, port, (err, ch) => (err ? reject(err) : (ch.close(), resolve()))));
    try {
      await expect(forward('10.0.0.1', 22)).rejects.toThrow(/open failure|prohibited/i);
      await expect(forward('example.com', 22)).rejects.toThrow(/open failure|prohibited/i);
      await expect(forward('127.0.0.1', 1)).rejects.toThrow(/open failure|connect/i);
      expect(bastion().counters().forwardsRefused - before).toBe(3);
    } finally {
      outer.end();
    }
  });

  it('refuses channels past maxSessions on one connection', async () => {
    const outer = await ssh2Connect({ host: bastion().address, port: bastion().port, privateKey: key.privateKey });
    const before = bastion().counters();
    try {
      const opened = await Promise.allSettled(
        [0, 1, 2, 3].map(
          () =>
            new Promise<import('ssh2').ClientChannel>((resolve, reject) =>
              outer.forwardOut('127.0.0.1', 0, db().address, db().port, (err, ch) => (err ? reject(err) : resolve(ch))),
            ),
        ),
      );
      expect(opened.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      expect(opened.filter((r) => r.status === 'rejected')).toHaveLength(1);
      const after = bastion().counters();
      expect(after.channelsRejected - before.channelsRejected).toBe(1);
      expect(after.maxChannelsOnOneConnection).toBe(3);
      for (const r of opened) if (r.status === 'fulfilled') r.value.close();
    } finally {
      outer.end();
    }
  });

  it('counts handshakes in progress, and their peak', async () => {
    const h = db();
    const sockets = await Promise.all([1, 2, 3, 4, 5].map(() => tcpConnect(h.address, h.port)));
    expect(await until(() => h.counters().handshakesInProgress === 5)).toBe(true);
    expect(h.counters().maxHandshakesInProgress).toBeGreaterThanOrEqual(5);
    for (const s of sockets) s.destroy();
    expect(await until(() => h.counters().handshakesInProgress === 0)).toBe(true);
    expect(fleet.counters().maxHandshakesInProgress).toBeGreaterThanOrEqual(5);
  });
});

describe('a recorded fleet as a ProxyCommand bastion for OpenSSH ssh', () => {
  it('carries ssh -W through to another host of the fleet', async () => {
    const key = await makeClientKey('ed25519');
    const recording = sampleRecording('behind');
    const fleet = await startRecordedFleet({
      authorizedKeys: key.publicKey,
      hosts: [
        { name: 'bastion', recording },
        { name: 'behind', recording },
      ],
    });
    try {
      const [bastion, behind] = fleet.hosts as [FleetHost, FleetHost];
      const result = await runSsh({
        address: behind.address,
        port: behind.port,
        user: 'auditor',
        identity: key.privateKeyPath,
        knownHosts: fleet.knownHosts,
        script: probeLikeScript('VIA'),
        extraArgs: ['-o', `ProxyCommand=ssh -F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR -o BatchMode=yes -i ${key.privateKeyPath} -p ${bastion.port} -W %h:%p auditor@${bastion.address}`],
      });
      expect(result.code).toBe(0);
      expect(result.stdout.toString()).toBe(reframeRecording(recording, 'VIA'));
      expect(bastion.counters().forwardsOpened).toBe(1);
      expect(behind.counters().authenticated).toBe(1);
    } finally {
      await fleet.stop();
      key.cleanup();
    }
  });
});

describe('a recorded fleet on many loopback addresses', () => {
  it('puts host i on 127.0.0.(2+i), all on one port', async () => {
    const key = await makeClientKey('ed25519');
    const recording = sampleRecording('many');
    const fleet = await startRecordedFleet({
      authorizedKeys: key.publicKey,
      addressing: 'addresses',
      hosts: Array.from({ length: 20 }, (_, i) => ({ name: `h${i}`, recording, ...(i === 5 ? { fault: 'refuse' as const } : {}) })),
    });
    try {
      expect(fleet.hosts.map((h) => h.address)).toEqual(Array.from({ length: 20 }, (_, i) => `127.0.0.${i + 2}`));
      expect(new Set(fleet.hosts.map((h) => h.port)).size).toBe(1);
      const last = fleet.hosts[19]!;
      const result = await runSsh({ address: last.address, port: last.port, user: 'a', identity: key.privateKeyPath, knownHosts: fleet.knownHosts, script: probeLikeScript('ADDR') });
      expect(result.code).toBe(0);
      expect(result.stdout.toString()).toBe(reframeRecording(recording, 'ADDR'));
      await expect(tcpConnect(fleet.hosts[5]!.address, fleet.hosts[5]!.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await fleet.stop();
      key.cleanup();
    }
  });
});

describe('a recorded fleet that cannot listen', () => {
  it('fails with the listen error and leaves nothing listening', async () => {
    const key = await makeClientKey('ed25519');
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.3', resolve));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const recording = sampleRecording('x');
      const hosts = ['a', 'b', 'c'].map((name) => ({ name, recording }));
      await expect(startRecordedFleet({ authorizedKeys: key.publicKey, addressing: 'addresses', port, hosts })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await expect(tcpConnect('127.0.0.2', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await expect(tcpConnect('127.0.0.4', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
      key.cleanup();
    }
  });
});

describe('stop()', () => {
  const ours = (): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) if (/^(TCPServerWrap|TCPSocketWrap|Timeout)$/.test(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
    return counts;
  };

  let key: ClientKey;
  beforeAll(async () => {
    key = await makeClientKey('ed25519');
  });
  afterAll(() => key?.cleanup());

  it('leaves no listener, socket or timer behind, even with connections in flight', async () => {
    const recording = sampleRecording('leak');
    const baseline = ours();
    const fleet = await startRecordedFleet({
      authorizedKeys: key.publicKey,
      slowBannerMs: 60_000,
      hosts: [
        { name: 'ok', recording },
        { name: 'slow', recording, fault: 'slow-banner' },
        { name: 'endless', recording, fault: 'endless-output' },
        { name: 'hang', recording, fault: 'hang' },
      ],
    });
    const [ok, slow, endless, hang] = fleet.hosts as [FleetHost, FleetHost, FleetHost, FleetHost];
    const waiting = await tcpConnect(slow.address, slow.port);
    const waitingClosed = new Promise((resolve) => waiting.once('close', resolve));
    waiting.on('error', () => {});
    const clients = await Promise.all([ok, endless, hang].map((h) => ssh2Connect({ host: h.address, port: h.port, privateKey: key.privateKey })));
    const closed = clients.map((c) => new Promise<void>((resolve) => c.once('close', () => resolve())));
    for (const c of clients) c.on('error', () => {});
    for (const c of clients.slice(1)) {
      c.exec('/bin/sh -s', (err, ch) => {
        if (!err) ch.end(probeLikeScript('LEAK'));
      });
    }
    expect(await until(() => endless.counters().outputBytes > 0 && slow.counters().connectionsAccepted === 1)).toBe(true);
    const during = ours();
    // The servers' and clients' sockets; the timers are checked against `after` below.
    expect(during.TCPServerWrap ?? 0).toBe((baseline.TCPServerWrap ?? 0) + 4);
    expect(during.TCPSocketWrap ?? 0).toBe((baseline.TCPSocketWrap ?? 0) + 8);

    await fleet.stop();
    await Promise.all([waitingClosed, ...closed]);
    // Handles go away a tick after their close events.
    await until(() => (ours().TCPSocketWrap ?? 0) === (baseline.TCPSocketWrap ?? 0));
    const after = ours();
    expect(after.TCPServerWrap ?? 0).toBe(baseline.TCPServerWrap ?? 0);
    expect(after.TCPSocketWrap ?? 0).toBe(baseline.TCPSocketWrap ?? 0);
    // Timers of the test runner and of finished child processes may come and go meanwhile.
    expect(after.Timeout ?? 0).toBeLessThanOrEqual(baseline.Timeout ?? 0);
    // stop() ended the slow-banner timer and the three sessions' keepalive timers.
    expect((during.Timeout ?? 0) - (after.Timeout ?? 0)).toBeGreaterThanOrEqual(4);
    await expect(tcpConnect(ok.address, ok.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('scale', () => {
  it('starts 250 hosts in one process, each answering, and stops them', async () => {
    const key = await makeClientKey('ed25519');
    const recording = sampleRecording('scale');
    const started = performance.now();
    const fleet = await startRecordedFleet({ authorizedKeys: key.publicKey, hosts: Array.from({ length: 250 }, (_, i) => ({ name: `s${i}`, recording })) });
    const startMs = performance.now() - started;
    try {
      console.info(`recorded fleet: 250 hosts started in ${startMs.toFixed(0)} ms`);
      expect(new Set(fleet.hosts.map((h) => h.port)).size).toBe(250);
      const banners = await Promise.all(fleet.hosts.map((h) => msToBanner(h.address, h.port)));
      expect(banners.every((b) => b.banner.startsWith('SSH-2.0-'))).toBe(true);
      for (const h of [fleet.hosts[0]!, fleet.hosts[249]!]) {
        const client = await ssh2Connect({ host: h.address, port: h.port, privateKey: key.privateKey, hostKey: h.hostKey.blob });
        const result = await ssh2Exec(client, '/bin/sh -s', probeLikeScript('SCALE'));
        client.end();
        expect(result.stdout.toString()).toBe(reframeRecording(recording, 'SCALE'));
      }
      expect(fleet.counters().connectionsAccepted).toBe(252);
    } finally {
      await fleet.stop();
      key.cleanup();
    }
  });
});

describe('the real probe against a real recording', () => {
  it('parses to the same sections as the recording itself', async () => {
    const key = await makeClientKey('ed25519');
    const dir = join(packageRoot(), 'inventory', 'recorded');
    const name = readdirSync(dir).find((f) => f.endsWith('.probe'));
    expect(name).toBeDefined();
    const recording = readFileSync(join(dir, name!), 'utf8');
    const fleet = await startRecordedFleet({ authorizedKeys: key.publicKey, hosts: [{ name: name!, recording }] });
    try {
      const h = fleet.hosts[0]!;
      const boundary = newBoundary();
      const script = buildProbeScript({ boundary });
      expect(parseScriptBoundary(script)).toBe(boundary);
      const result = await runSsh({ address: h.address, port: h.port, user: 'auditor', identity: key.privateKeyPath, knownHosts: fleet.knownHosts, script });
      expect(result.code).toBe(0);
      const served = parseProbeFrame(result.stdout.toString(), boundary);
      const recorded = parseProbeFrame(recording, RECORDED_BOUNDARY);
      expect(recorded.ok).toBe(true);
      expect(served).toEqual(recorded);
    } finally {
      await fleet.stop();
      key.cleanup();
    }
  });
});
