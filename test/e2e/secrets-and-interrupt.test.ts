// Two promises a user relies on: a key's passphrase and material never reach any output, and
// Ctrl-C still leaves a report of everything, the hosts not reached marked not audited, and exits 130.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordedFleet, type RecordedFleet } from '../support/faults.js';
import { makeClientKey, type ClientKey } from '../support/sshd.js';
import { repoRoot, runCli, tempDir } from './helpers.js';

const recording = readFileSync(join(repoRoot, 'inventory', 'recorded', 'web-healthy-618.probe'), 'utf8');
const PASSPHRASE = 'correct horse battery staple 7f3a';

describe('secrets and interruption', () => {
  const dir = tempDir('secrets');
  let key: ClientKey;
  let fleet: RecordedFleet;

  beforeAll(async () => {
    key = await makeClientKey('ed25519', { passphrase: PASSPHRASE });
    fleet = await startRecordedFleet({
      authorizedKeys: `${key.publicKey}\n`,
      hosts: [
        { name: 'good', recording },
        { name: 'refuses-auth', recording, fault: 'auth-fail' },
        ...Array.from({ length: 12 }, (_, i) => ({ name: `hung-${i}`, recording, fault: 'hang' as const })),
      ],
    });
    writeFileSync(join(dir.path, 'known_hosts'), fleet.knownHosts);
  });

  afterAll(async () => {
    await fleet?.stop();
    key?.cleanup();
    dir.cleanup();
  });

  const hosts = (names: string[]) => names.map((n) => fleet.hosts.find((h) => h.name === n)!).map((h) => `audit@${h.address}:${h.port}`).join(',');

  it('an encrypted key opens with the passphrase from the environment, and neither it nor the key leaks', async () => {
    const out = join(dir.path, 'out');
    const r = await runCli(
      ['audit', '-H', hosts(['good', 'refuses-auth']), '--no-ssh-config', '--identity', key.privateKeyPath, '--known-hosts', join(dir.path, 'known_hosts'), '-o', out, '--fail-on', 'never'],
      { SOCKAUDIT_KEY_PASSPHRASE: PASSPHRASE },
    );
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { hosts: { status: string; stage?: string }[] };
    expect(report.hosts.map((h) => h.stage ?? h.status).sort()).toEqual(['auth', 'ok']);
    const everything = [r.stdout, r.stderr, ...readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8'))].join('\n');
    expect(everything).not.toContain(PASSPHRASE);
    const keyBody = key.privateKey.split('\n').filter((l) => !l.startsWith('-----') && l.length > 20);
    expect(keyBody.length).toBeGreaterThan(0);
    for (const line of keyBody) expect(everything).not.toContain(line);
  });

  it('a wrong passphrase is a clear warning that holds no secret, and the host fails at auth', async () => {
    const out = join(dir.path, 'wrong');
    const r = await runCli(
      ['audit', '-H', hosts(['good']), '--no-ssh-config', '--identity', key.privateKeyPath, '--known-hosts', join(dir.path, 'known_hosts'), '-o', out, '-q'],
      { SOCKAUDIT_KEY_PASSPHRASE: 'not it' },
    );
    expect(r.stderr).toContain(key.privateKeyPath);
    expect(r.stderr).not.toContain('not it');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { hosts: { stage?: string }[] };
    expect(report.hosts[0]?.stage).toBe('auth');
  });

  it('Ctrl-C writes the report of what was collected and marks the rest not audited', async () => {
    const out = join(dir.path, 'interrupted');
    const names = ['good', ...Array.from({ length: 12 }, (_, i) => `hung-${i}`)];
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'dist', 'src', 'bin.js'), 'audit', '-H', hosts(names), '--no-ssh-config', '--identity', key.privateKeyPath, '--known-hosts', join(dir.path, 'known_hosts'), '-o', out, '-c', '4', '--host-timeout', '60'],
      { env: { ...process.env, SOCKAUDIT_KEY_PASSPHRASE: PASSPHRASE }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Wait until the first hosts are under way, then interrupt as a user would.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (fleet.counters().authenticated >= 4) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
    });
    const started = Date.now();
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(stderr).toContain('interrupted');
    expect(code).toBe(130);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { hosts: { name: string; status: string; stage?: string }[] };
    expect(report.hosts).toHaveLength(names.length);
    const cancelled = report.hosts.filter((h) => h.stage === 'cancelled');
    expect(cancelled.length).toBeGreaterThanOrEqual(8);
    // Nothing else went wrong: each host was either collected or cut short by the interruption.
    for (const h of report.hosts) expect(h.status === 'ok' || h.stage === 'cancelled').toBe(true);
  });
});
