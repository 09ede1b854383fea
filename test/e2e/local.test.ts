// `sockaudit audit --local` on this machine, through the built binary: the first thing a user runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBinary, tempDir } from './helpers.js';
import { expectValidReport } from '../support/schema.js';

describe('sockaudit audit --local (the built binary)', () => {
  const out = tempDir('local');
  afterAll(() => out.cleanup());

  it('writes all three reports, a JSON that holds this host, and an exit code that follows its verdict', async () => {
    const r = await runBinary(['audit', '--local', '-o', out.path, '--fail-on', 'warning']);
    const text = readFileSync(join(out.path, 'report.json'), 'utf8');
    expectValidReport(text);
    const json = JSON.parse(text);
    expect(json.schemaVersion).toBe(1);
    expect(json.hosts).toHaveLength(1);
    const host = json.hosts[0];
    expect(host.address).toBe('local');
    expect(['ok', 'partial']).toContain(host.status);
    // This machine's real sockstat was read: its TCP line names the fields the kernel prints.
    const sockstat = host.record.sections.find((s: { name: string }) => s.name === 'proc/net/sockstat');
    expect(sockstat.status).toBe(0);
    expect(sockstat.content).toMatch(/^TCP: inuse \d+ orphan \d+ tw \d+ alloc \d+ mem \d+$/m);
    expect(host.snapshot.kernelRelease).toBe(readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
    const gated = ['warning', 'critical'].includes(host.verdict);
    expect(r.code).toBe(gated ? 1 : 0);
    expect(readFileSync(join(out.path, 'report.md'), 'utf8').split('\n')[0]).toMatch(/^# sockaudit: /);
    expect(readFileSync(join(out.path, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(r.stdout).toContain(`wrote ${join(out.path, 'report.json')}`);
  });

  it('--format limits what is written', async () => {
    const dir = tempDir('local-md');
    try {
      await runBinary(['audit', '--local', '-o', dir.path, '--format', 'md', '-q']);
      expect(() => readFileSync(join(dir.path, 'report.md'))).not.toThrow();
      expect(() => readFileSync(join(dir.path, 'report.json'))).toThrow();
    } finally {
      dir.cleanup();
    }
  });
});
