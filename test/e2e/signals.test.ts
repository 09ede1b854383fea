// SIGINT, SIGTERM and SIGHUP, sent to the built binary in the middle of an audit of a slow
// in-process fleet: new connections stop, the report is still written with every host in it
// (those not reached cancelled), and the exit code is 128 + the signal, --allow-unaudited or
// not. A second signal exits at once.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordedFleet, type RecordedFleet } from '../support/faults.js';
import { makeClientKey, type ClientKey } from '../support/sshd.js';
import { repoRoot, tempDir } from './helpers.js';

const recording = readFileSync(join(repoRoot, 'inventory', 'recorded', 'web-healthy-618.probe'), 'utf8');
const HUNG = 10;

describe('signals', () => {
  const dir = tempDir('signals');
  let key: ClientKey;
  let fleet: RecordedFleet;

  beforeAll(async () => {
    key = await makeClientKey('ed25519');
    fleet = await startRecordedFleet({
      authorizedKeys: `${key.publicKey}\n`,
      hosts: [{ name: 'good', recording }, ...Array.from({ length: HUNG }, (_, i) => ({ name: `hung-${i}`, recording, fault: 'hang' as const }))],
    });
    writeFileSync(join(dir.path, 'known_hosts'), fleet.knownHosts);
  });

  afterAll(async () => {
    await fleet?.stop();
    key?.cleanup();
    dir.cleanup();
  });

  /** Starts an audit of the whole fleet, 3 at a time, and resolves once 3 more hosts have logged in. */
  async function startAudit(out: string, extra: string[] = []) {
    const hosts = fleet.hosts.map((h) => `audit@${h.address}:${h.port}`).join(',');
    const before = fleet.counters().authenticated;
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'dist', 'src', 'bin.js'), 'audit', '-H', hosts, '--no-ssh-config', '--identity', key.privateKeyPath, '--known-hosts', join(dir.path, 'known_hosts'), '-o', out, '-c', '3', '--host-timeout', '60', '--format', 'json', ...extra],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let gone = false;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => ((gone = true), resolve(code))));
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (fleet.counters().authenticated >= before + 3) {
          clearInterval(poll);
          resolve();
        } else if (gone) {
          // A binary that could not start would otherwise leave this waiting until the test times out.
          clearInterval(poll);
          reject(new Error(`the audit ended before 3 hosts logged in: ${stderr.slice(-500)}`));
        }
      }, 25);
    });
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  it.each([
    ['SIGINT', 130, []],
    ['SIGTERM', 143, []],
    ['SIGHUP', 129, ['--allow-unaudited', '--fail-on', 'never']],
  ] as const)('%s stops new connections, writes the report with every host, and exits %i', async (signal, expected, extra) => {
    const out = join(dir.path, signal);
    const run = await startAudit(out, [...extra]);
    const sentAt = Date.now();
    run.child.kill(signal);
    const code = await run.exited;
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(code).toBe(expected);
    const { stdout, stderr } = run.output();
    expect(stderr).toContain(`interrupted (${signal})`);
    expect(stdout).toContain(`exit ${expected}: interrupted by ${signal}`);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { hosts: { name: string; status: string; stage?: string }[] };
    // Hosts given with -H are named by their address.
    expect(report.hosts.map((h) => h.name).sort()).toEqual(fleet.hosts.map((h) => `${h.address}:${h.port}`).sort());
    // With 3 at a time, most hung hosts were never reached.
    expect(report.hosts.filter((h) => h.stage === 'cancelled').length).toBeGreaterThanOrEqual(HUNG - 3);
    for (const h of report.hosts) expect(h.status === 'ok' || h.stage === 'cancelled').toBe(true);
  });

  it('a second signal exits at once, with its own code, without waiting for the report', async () => {
    const out = join(dir.path, 'twice');
    const run = await startAudit(out);
    run.child.kill('SIGINT');
    run.child.kill('SIGTERM');
    const code = await run.exited;
    // Both arrive together; whichever the process saw first stops the run, the other ends it.
    const first = /interrupted \((SIGINT|SIGTERM)\)/.exec(run.output().stderr)?.[1];
    expect(first, JSON.stringify(run.output())).toBeDefined();
    expect(code, JSON.stringify(run.output())).toBe(first === 'SIGINT' ? 143 : 130);
    expect(run.output().stdout).not.toContain('exit ');
    expect(existsSync(join(out, 'report.json'))).toBe(false);
  });
});
