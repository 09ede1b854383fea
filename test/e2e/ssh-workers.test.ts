// The SSH sessions of a fleet of 64 hosts or more run in worker threads (src/collect/ssh-workers.ts).
// Through the built CLI against the in-process fleet: the workers give each host the same outcome
// as the main thread does, faults included; accept-new records each key once whichever worker
// met it; an encrypted key opened on the main thread signs in the workers, its passphrase never
// shown; a signal still stops the run, writes every host and ends the process at once.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateEd25519KeyPair, startRecordedFleet, type FleetFault, type RecordedFleet } from '../support/faults.js';
import { repoRoot, runBinary, tempDir } from './helpers.js';
import { expectValidReport } from '../support/schema.js';

const N = 96;
const PASSPHRASE = 'worker threads keep this to themselves';
const FAULTS: FleetFault[] = ['wrong-host-key', 'refuse', 'auth-fail', 'garbage'];
const recordingDir = join(repoRoot, 'inventory', 'recorded');
const recordings = readdirSync(recordingDir).filter((f) => f.endsWith('.probe')).sort().map((f) => readFileSync(join(recordingDir, f), 'utf8'));
const faultOf = (i: number): FleetFault | undefined => (i % 12 === 11 ? FAULTS[Math.floor(i / 12) % FAULTS.length] : undefined);

interface JsonHost {
  name: string;
  status: string;
  stage?: string;
  message?: string;
  detail?: Record<string, string>;
  verdict: string | null;
  score: number | null;
  hostKeyVerified: string | null;
  findings: { id: string; item: string | null; level: string; summary: string }[];
}

describe(`${N} hosts through ssh worker threads`, () => {
  const dir = tempDir('ssh-workers');
  const keyFile = join(dir.path, 'id_ed25519');
  let fleet: RecordedFleet;

  beforeAll(async () => {
    const key = generateEd25519KeyPair();
    writeFileSync(keyFile, key.private, { mode: 0o600 });
    fleet = await startRecordedFleet({
      authorizedKeys: `${key.public}\n`,
      hosts: Array.from({ length: N }, (_, i) => {
        const fault = faultOf(i);
        return { name: `w-${String(i).padStart(3, '0')}`, recording: recordings[i % recordings.length]!, ...(fault ? { fault } : {}) };
      }),
    });
    writeFileSync(join(dir.path, 'known_hosts'), fleet.knownHosts);
    writeFileSync(join(dir.path, 'empty_known_hosts'), '');
    const inventory = { defaults: { user: 'audit', identityFile: keyFile }, hosts: fleet.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port })) };
    writeFileSync(join(dir.path, 'fleet.yml'), stringify(inventory));
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
    dir.cleanup();
  });

  // The built binary: the worker threads run its compiled ssh-worker.js.
  const cli = (argv: string[]) => runBinary(argv, { env: { SSH_AUTH_SOCK: '' } });
  const base = () => ['audit', '-i', join(dir.path, 'fleet.yml'), '--no-ssh-config', '--connect-timeout', '10', '--host-timeout', '30', '-c', '32', '--format', 'json', '--fail-on', 'never', '--allow-unaudited'];
  const hostsOf = (out: string): JsonHost[] => {
    const text = readFileSync(join(out, 'report.json'), 'utf8');
    expectValidReport(text);
    return (JSON.parse(text) as { hosts: JsonHost[] }).hosts;
  };
  const outcome = (h: JsonHost) => ({
    name: h.name,
    status: h.status,
    stage: h.stage ?? null,
    detail: h.detail ?? null,
    verdict: h.verdict,
    score: h.score,
    hostKeyVerified: h.hostKeyVerified,
    findings: h.findings.map((f) => `${f.id}.${f.item ?? ''} ${f.level} ${f.summary}`),
  });

  it('gives every host the outcome the main thread gives it, faults included', async () => {
    const runs = [];
    for (const workers of ['2', '0']) {
      const out = join(dir.path, `strict-${workers}`);
      const r = await cli([...base(), '--known-hosts', join(dir.path, 'known_hosts'), '--workers', workers, '-o', out]);
      expect(r.code, r.stderr).toBe(0);
      // Said before the fan-out, so a run that quietly stayed on one thread cannot pass for one that did not.
      if (workers === '0') expect(r.stderr).not.toContain('worker thread');
      else expect(r.stderr).toContain(`SSH sessions in ${workers} worker threads`);
      runs.push(hostsOf(out));
    }
    const [viaWorkers, inThread] = runs as [JsonHost[], JsonHost[]];
    expect(viaWorkers).toHaveLength(N);
    expect(viaWorkers.map(outcome)).toEqual(inThread.map(outcome));
    for (const [i, h] of fleet.hosts.entries()) {
      const got = viaWorkers.find((x) => x.name === h.name)!;
      const fault = faultOf(i);
      if (fault === undefined) {
        expect(got.status, `${h.name}: ${got.message ?? ''}`).not.toBe('failed');
        expect(got.hostKeyVerified).toBe('known');
      } else {
        expect(got.stage, `${h.name} (${fault})`).toBe({ 'wrong-host-key': 'host-key', refuse: 'connect', 'auth-fail': 'auth', garbage: 'parse' }[fault as string]);
        // A host whose key was checked before it failed says so; one refused or never reached does not.
        expect(got.hostKeyVerified, `${h.name} (${fault})`).toBe(fault === 'auth-fail' || fault === 'garbage' ? 'known' : null);
      }
    }
    // A refused key names what was seen and what was expected, across the thread boundary too.
    const wrongKey = viaWorkers.find((h) => h.stage === 'host-key')!;
    expect(Object.keys(wrongKey.detail ?? {}).length).toBeGreaterThan(0);
  }, 120_000);

  it('accept-new records each new key once, whichever worker met the host, and a strict run then knows them all', async () => {
    const recordIn = join(dir.path, 'accepted_known_hosts');
    const out = join(dir.path, 'accept-new');
    const r = await cli([...base(), '--known-hosts', join(dir.path, 'empty_known_hosts'), '--host-key-policy', 'accept-new', '--accept-new-file', recordIn, '--workers', '2', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    // Every host that answered had its key checked and recorded: refused logins (auth) included.
    const reached = hostsOf(out).filter((h) => h.stage !== 'connect');
    const audited = reached.filter((h) => h.status !== 'failed');
    expect(audited.length).toBeGreaterThan(N * 0.8);
    for (const h of audited) expect(h.hostKeyVerified, h.name).toBe('accepted-new');
    const lines = readFileSync(recordIn, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(reached.length);
    expect(new Set(lines.map((l) => l.split(' ')[0])).size).toBe(lines.length);

    const again = join(dir.path, 'after-accept');
    const strict = await cli([...base(), '--known-hosts', recordIn, '--workers', '2', '-o', again]);
    expect(strict.code, strict.stderr).toBe(0);
    for (const h of hostsOf(again).filter((x) => x.status !== 'failed')) expect(h.hostKeyVerified, h.name).toBe('known');
  }, 120_000);

  it('an encrypted key opened once on the main thread signs in every worker, and its passphrase appears nowhere', async () => {
    const encrypted = join(dir.path, 'id_encrypted');
    writeFileSync(encrypted, readFileSync(keyFile));
    chmodSync(encrypted, 0o600);
    execFileSync('ssh-keygen', ['-q', '-p', '-N', PASSPHRASE, '-a', '4', '-f', encrypted]);
    const inventory = { defaults: { user: 'audit', identityFile: encrypted }, hosts: fleet.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port })) };
    writeFileSync(join(dir.path, 'fleet-encrypted.yml'), stringify(inventory));
    const out = join(dir.path, 'encrypted');
    const argv = base().map((a) => (a === join(dir.path, 'fleet.yml') ? join(dir.path, 'fleet-encrypted.yml') : a));
    const r = await runBinary([...argv, '--known-hosts', join(dir.path, 'known_hosts'), '--workers', '2', '-o', out, '--format', 'json,md,html'], {
      env: { SSH_AUTH_SOCK: '', SOCKAUDIT_KEY_PASSPHRASE: PASSPHRASE },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('SSH sessions in 2 worker threads');
    const hosts = hostsOf(out);
    for (const [i, h] of fleet.hosts.entries()) {
      const got = hosts.find((x) => x.name === h.name)!;
      // Auth failures are the fleet's own fault hosts; every other host logged in with the key.
      if (faultOf(i) === undefined) expect(got.status, `${h.name}: ${got.message ?? ''}`).not.toBe('failed');
    }
    for (const text of [r.stdout, r.stderr, ...['report.json', 'report.md', 'report.html'].map((f) => readFileSync(join(out, f), 'utf8'))]) {
      expect(text).not.toContain(PASSPHRASE);
    }
  }, 120_000);

  it('SIGINT stops the workers: every host in the report, the others cancelled, and the process ends at once', async () => {
    const out = join(dir.path, 'interrupted');
    // One at a time with a slow connect budget: far from done when the signal comes.
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'dist', 'src', 'bin.js'), ...base(), '--known-hosts', join(dir.path, 'known_hosts'), '--workers', '2', '-c', '1', '-o', out],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const before = fleet.counters().authenticated;
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (fleet.counters().authenticated >= before + 3) {
          clearInterval(poll);
          resolve();
        }
      }, 25);
    });
    const sentAt = Date.now();
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    const hosts = hostsOf(out);
    expect(hosts).toHaveLength(N);
    expect(hosts.filter((h) => h.stage === 'cancelled').length).toBeGreaterThan(N / 2);
  }, 60_000);
});
