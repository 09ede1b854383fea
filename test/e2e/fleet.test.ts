// The fleet end to end: 200 recorded hosts served over SSH on loopback, one in ten faulty, through
// the CLI as a user runs it. Every host must be in the report with the outcome its fault implies.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateEd25519KeyPair, startRecordedFleet, type FleetFault, type RecordedFleet } from '../support/faults.js';
import { repoRoot, runCli, tempDir, type Captured } from './helpers.js';
import { expectValidReport } from '../support/schema.js';

const EXPECTED_STAGE: Record<FleetFault, string> = {
  'wrong-host-key': 'host-key',
  'auth-fail': 'auth',
  hang: 'timeout',
  refuse: 'connect',
  garbage: 'parse',
  'reset-mid-output': 'command',
  'endless-output': 'command',
  'slow-banner': 'timeout',
};
const FAULTS = Object.keys(EXPECTED_STAGE) as FleetFault[];

describe('200 hosts, 10 % faulty, over SSH', () => {
  const dir = tempDir('fleet200');
  let fleet: RecordedFleet;
  let result: Captured;
  let report: { hosts: { name: string; status: string; stage?: string; verdict: string | null; snapshot: { hostname?: string } | null }[]; summary: { hosts: number } };
  const recordingDir = join(repoRoot, 'inventory', 'recorded');
  const recordings = readdirSync(recordingDir).filter((f) => f.endsWith('.probe')).sort();
  const faultOf = (i: number): FleetFault | undefined => (i % 10 === 9 ? FAULTS[Math.floor(i / 10) % FAULTS.length] : undefined);
  let elapsedMs = 0;

  beforeAll(async () => {
    const key = generateEd25519KeyPair();
    const keyFile = join(dir.path, 'id_ed25519');
    writeFileSync(keyFile, key.private, { mode: 0o600 });
    fleet = await startRecordedFleet({
      authorizedKeys: `${key.public}\n`,
      // Far beyond the connect timeout, and the timeouts far beyond a healthy host's time even on a
      // loaded two-core machine, where client and servers share this one process.
      slowBannerMs: 15_000,
      hosts: Array.from({ length: 200 }, (_, i) => {
        const fault = faultOf(i);
        return {
          name: `host-${String(i).padStart(3, '0')}`,
          recording: readFileSync(join(recordingDir, recordings[i % recordings.length]!), 'utf8'),
          ...(fault ? { fault } : {}),
        };
      }),
    });
    writeFileSync(join(dir.path, 'known_hosts'), fleet.knownHosts);
    const inventory = {
      defaults: { user: 'audit', identityFile: keyFile },
      hosts: fleet.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port })),
    };
    writeFileSync(join(dir.path, 'fleet.yml'), stringify(inventory));
    const started = Date.now();
    result = await runCli([
      'audit', '-i', join(dir.path, 'fleet.yml'), '--no-ssh-config', '--known-hosts', join(dir.path, 'known_hosts'),
      '--connect-timeout', '5', '--host-timeout', '20', '--deadline', '100', '-c', '32', '-o', join(dir.path, 'out'), '--format', 'json,md,html',
    ]);
    elapsedMs = Date.now() - started;
    const text = readFileSync(join(dir.path, 'out', 'report.json'), 'utf8');
    expectValidReport(text);
    report = JSON.parse(text);
  }, 150_000);

  afterAll(async () => {
    await fleet?.stop();
    dir.cleanup();
  });

  it('accounts for every host, within the deadline', () => {
    expect(report.summary.hosts).toBe(200);
    expect(new Set(report.hosts.map((h) => h.name)).size).toBe(200);
    expect(elapsedMs).toBeLessThan(100_000);
  });

  it('gives each faulty host the stage its fault implies, and audits every healthy one', () => {
    for (const [i, h] of fleet.hosts.entries()) {
      const row = report.hosts.find((r) => r.name === h.name);
      const fault = faultOf(i);
      if (fault) {
        expect({ name: h.name, fault, status: row?.status, stage: row?.stage }).toEqual({ name: h.name, fault, status: 'failed', stage: EXPECTED_STAGE[fault] });
      } else {
        expect({ name: h.name, status: row?.status === 'failed' ? row.stage : 'audited' }).toEqual({ name: h.name, status: 'audited' });
        expect(row?.verdict).not.toBeNull();
      }
    }
  });

  it('lists the hosts not audited first, and exits 1 for the critical hosts (findings win over unaudited)', () => {
    const firstAudited = report.hosts.findIndex((h) => h.status !== 'failed');
    expect(firstAudited).toBe(20);
    expect(report.hosts.slice(0, 20).every((h) => h.status === 'failed')).toBe(true);
    expect(report.hosts.some((h) => h.verdict === 'critical')).toBe(true);
    expect(result.code).toBe(1);
  });

  it('never used a byte from the host whose key did not match', () => {
    const wrong = fleet.hosts.filter((h) => h.fault === 'wrong-host-key').map((h) => h.name);
    expect(wrong.length).toBeGreaterThan(0);
    for (const name of wrong) expect(report.hosts.find((h) => h.name === name)?.snapshot).toBeNull();
  });
});
