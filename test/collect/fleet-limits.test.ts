// Limits a run must keep whatever the fleet does: one output cap per host session, the
// connect timeout as the flags say (retries included), and no host failed for this machine's
// lack of file descriptors. Against the in-process recorded fleet over real SSH.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { collectFleet, type CollectEnvironment, type FleetOptions } from '../../src/collect/collect.js';
import { capConcurrencyForOpenFiles, openFilesSoftLimit } from '../../src/collect/fd-limit.js';
import { probeOutputLimit } from '../../src/collect/probe.js';
import { generateEd25519KeyPair, startRecordedFleet, type FleetHostSpec, type RecordedFleet } from '../support/faults.js';
import type { Target } from '../../src/inventory/types.js';
import { repoRoot, tempDir } from '../e2e/helpers.js';

const recordingDir = join(repoRoot, 'inventory', 'recorded');
const recording = readFileSync(join(recordingDir, readdirSync(recordingDir).filter((f) => f.endsWith('.probe')).sort()[0]!), 'utf8');

/** The built CLI (npm test builds it first) under `prlimit --nofile=N`. */
function runBinaryWithOpenFiles(limit: number, argv: string[]): Promise<{ code: number; stderr: string }> {
  const bin = join(repoRoot, 'dist', 'src', 'bin.js');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run "npm run build" (npm test does it) first`);
  return new Promise((resolve) => {
    execFile('prlimit', [`--nofile=${limit}`, process.execPath, bin, ...argv], { cwd: repoRoot, maxBuffer: 64 << 20 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
    });
  });
}

describe('fleet limits', () => {
  const dir = tempDir('limits');
  const key = generateEd25519KeyPair();
  const keyFile = join(dir.path, 'id_ed25519');
  const knownHosts = join(dir.path, 'known_hosts');
  const warnings: string[] = [];
  const io: CollectEnvironment = { env: {}, warn: (m) => warnings.push(m), onEvent: () => {} };
  let fleet: RecordedFleet;
  // One port on many loopback addresses: hundreds of ports taken here could be the very port
  // another test file counts on staying closed.
  const start = async (hosts: FleetHostSpec[]): Promise<RecordedFleet> => {
    fleet = await startRecordedFleet({ authorizedKeys: `${key.public}\n`, slowBannerMs: 15_000, hosts, addressing: 'addresses' });
    writeFileSync(knownHosts, fleet.knownHosts);
    return fleet;
  };
  const targetOf = (h: { name: string; address: string; port: number }, extra: Partial<Target> = {}): Target => ({
    name: h.name,
    address: h.address,
    port: h.port,
    user: 'audit',
    groups: [],
    identityFiles: [keyFile],
    proxyJump: [],
    vars: {},
    ...extra,
  });
  const options = (extra: Partial<FleetOptions> = {}): FleetOptions => ({
    concurrency: 4,
    hostTimeoutMs: 20_000,
    samples: 1,
    intervalSeconds: 0,
    knownHostsFiles: [knownHosts],
    signal: new AbortController().signal,
    ...extra,
  });

  beforeAll(() => writeFileSync(keyFile, key.private, { mode: 0o600 }));
  afterAll(() => dir.cleanup());

  describe('one output cap for the whole session', () => {
    beforeAll(() => start([{ name: 'endless', recording, fault: 'endless-output' }]));
    afterAll(() => fleet.stop());

    it('with --samples 100, an endless host is cut at the one cap, not at one per sample', async () => {
      const [outcome] = await collectFleet([targetOf(fleet.hosts[0]!)], options({ samples: 100 }), io);
      expect(outcome).toMatchObject({ status: 'failed', stage: 'command', message: expect.stringContaining('size cap') });
      const cap = probeOutputLimit({ samples: 1 });
      // What the server sent: the cap, plus at most what ssh2's channel window let through.
      expect(fleet.counters().outputBytes).toBeGreaterThanOrEqual(cap);
      expect(fleet.counters().outputBytes).toBeLessThan(cap + 4 * 1024 * 1024);
      expect(probeOutputLimit({ samples: 100 })).toBeGreaterThan(cap + 4 * 1024 * 1024);
    });
  });

  describe('connect timeout', () => {
    beforeAll(() => start([{ name: 'slow', recording, fault: 'slow-banner' }]));
    afterAll(() => fleet.stop());

    it('--connect-timeout beats the ssh config/inventory value, and retries stay inside it', async () => {
      const h = fleet.hosts[0]!;
      const before = fleet.counters().connectionsAccepted;
      const started = Date.now();
      const [outcome] = await collectFleet([targetOf(h, { connectTimeoutMs: 8000 })], options({ connectTimeoutMs: 400 }), io);
      const took = Date.now() - started;
      expect(outcome).toMatchObject({ status: 'failed', stage: 'timeout', message: expect.stringContaining('banner') });
      expect(took).toBeLessThan(2000);
      expect(fleet.counters().connectionsAccepted - before).toBe(1);
    });

    it("without the flag the host's own timeout applies, once for all attempts", async () => {
      const started = Date.now();
      const [outcome] = await collectFleet([targetOf(fleet.hosts[0]!, { connectTimeoutMs: 1000 })], options(), io);
      const took = Date.now() - started;
      expect(outcome).toMatchObject({ status: 'failed', stage: 'timeout' });
      expect(took).toBeGreaterThanOrEqual(950);
      expect(took).toBeLessThan(2500);
    });
  });

  describe('file descriptors', () => {
    it('reads the soft limit and caps concurrency below it, with a warning', () => {
      const text = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            256                  4096                 files\n';
      expect(openFilesSoftLimit(text)).toBe(256);
      expect(openFilesSoftLimit('Max open files            unlimited            unlimited            files\n')).toBeUndefined();
      expect(openFilesSoftLimit()).toBeGreaterThan(0);
      const capped = capConcurrencyForOpenFiles(500, 256);
      expect(capped.concurrency).toBeLessThan(256 / 2);
      expect(capped.warning).toContain('ulimit -n');
      expect(capConcurrencyForOpenFiles(32, 256)).toEqual({ concurrency: 32 });
    });

    describe('the built binary at -c 500 under ulimit -n 256', () => {
      const HOSTS = 300;
      beforeAll(() =>
        start(Array.from({ length: HOSTS }, (_, i) => ({ name: `h${String(i).padStart(3, '0')}`, recording }))),
      );
      afterAll(() => fleet.stop());

      it('audits every host: none fails with EMFILE', async () => {
        const inventory = join(dir.path, 'fleet.yml');
        writeFileSync(inventory, stringify({ defaults: { user: 'audit', identityFile: keyFile }, hosts: fleet.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port })) }));
        const out = join(dir.path, 'out');
        const r = await runBinaryWithOpenFiles(256, [
          'audit', '-i', inventory, '--no-ssh-config', '--known-hosts', knownHosts, '-c', '500', '--connect-timeout', '20', '--host-timeout', '60',
          '-q', '-o', out, '--format', 'json', '--fail-on', 'never',
        ]);
        const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { hosts: { name: string; status: string; message?: string }[] };
        const failed = report.hosts.filter((h) => h.status === 'failed');
        expect(failed.map((h) => `${h.name}: ${h.message}`)).toEqual([]);
        expect(r.stderr).toContain('concurrency 500 lowered to');
        expect(report.hosts).toHaveLength(HOSTS);
      }, 180_000);
    });
  });
});
