// End to end over real SSH on loopback: a 300-host recorded fleet audited whole, then in three
// shards merged into one report; then the saved run rendered again, and compared with itself.
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { audit, type AuditOptions } from '../../src/commands/audit.js';
import { diff } from '../../src/commands/diff.js';
import { captureIo } from '../support/io.js';
import { merge } from '../../src/commands/merge.js';
import { reportFrom } from '../../src/commands/report.js';
import { faultBehaviour, faultyHosts, type FleetHostSpec } from '../support/faults.js';
import { serveRecordedTargets, type ServedFleet } from '../../src/demo/hosts.js';
import { servedFleetAudit } from '../../src/commands/demo.js';
import type { Target } from '../../src/inventory/types.js';
import { packageRoot } from '../../src/paths.js';
import { expectValidReport } from '../support/schema.js';
import { encodeSavedRunText, RECORD_WRITTEN_AWAY } from '../../src/run/saved-run.js';

const N = 300;
const SHARDS = 3;
const dir = join(packageRoot(), 'inventory', 'recorded');
const recordings = readdirSync(dir).filter((f) => f.endsWith('.probe')).sort();

interface JsonHost {
  name: string;
  verdict: string | null;
  score: number | null;
  startedAt: string;
  durationMs: number;
}
interface JsonReport {
  run: { shard: { index: number; count: number } | null; warnings: string[] };
  hosts: JsonHost[];
  trend?: { hosts: unknown[]; counts: Record<string, number> };
}

let tmp: string;
let served: ServedFleet;

async function specs(): Promise<FleetHostSpec[]> {
  const texts = await Promise.all(recordings.map((f) => readFile(join(dir, f), 'utf8')));
  return Array.from({ length: N }, (_, i) => ({
    name: `host-${String(i).padStart(3, '0')}-${recordings[i % recordings.length]!.slice(0, -'.probe'.length)}`,
    recording: texts[i % texts.length]!,
    // A few that cannot be audited, so the ranking's first rows are failures too.
    ...(i % 97 === 5 ? { fault: 'refuse' as const } : i % 89 === 7 ? { fault: 'auth-fail' as const } : {}),
  }));
}

function options(outDir: string, extra: Partial<AuditOptions> = {}): AuditOptions {
  return servedFleetAudit(served, { outDir, concurrency: 32, ...extra });
}

async function readReport(file: string): Promise<JsonReport> {
  const text = await readFile(file, 'utf8');
  expectValidReport(text);
  return JSON.parse(text) as JsonReport;
}

/** The hosts as ranked, without when and how long each took. */
function ranking(r: JsonReport): Omit<JsonHost, 'startedAt' | 'durationMs'>[] {
  return r.hosts.map(({ startedAt: _s, durationMs: _d, ...h }) => h);
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'sockaudit-ci-'));
  served = await serveRecordedTargets(faultyHosts(await specs()), { user: 'ci', group: 'fleet', behaviour: faultBehaviour().behaviour });
});

afterAll(async () => {
  await served?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('a 300-host fleet over SSH', () => {
  let whole: JsonReport;

  test('whole, then in shards merged: the same hosts in the same ranking', async () => {
    const full = await audit(options(join(tmp, 'whole')), captureIo());
    expect(full.run.hosts).toHaveLength(N);
    whole = await readReport(join(tmp, 'whole', 'report.json'));
    expect(whole.hosts.filter((h) => h.verdict === null).length).toBeGreaterThan(2);

    const shardFiles: string[] = [];
    let total = 0;
    for (let index = 1; index <= SHARDS; index++) {
      const out = join(tmp, `shard-${index}`);
      const part = await audit(options(out, { shard: { index, count: SHARDS }, runId: { value: 'fleet-test-1', from: '--run-id' } }), captureIo());
      total += part.run.hosts.length;
      expect(part.run.hosts.length).toBeGreaterThan(N / SHARDS / 2);
      const doc = await readReport(join(out, 'report.json'));
      expect(doc.run.shard).toMatchObject({ index, count: SHARDS, from: 'flag', runId: { value: 'fleet-test-1', from: '--run-id' }, inventory: { hosts: N } });
      shardFiles.push(join(out, 'report.json'));
    }
    expect(total).toBe(N);

    const io = captureIo();
    const merged = await merge(
      { files: shardFiles, outDir: join(tmp, 'merged'), formats: ['html', 'md', 'json', 'junit'], failOnWorse: false, allowUnaudited: false },
      io,
    );
    expect(io.warnings).toEqual([]);
    const doc = await readReport(join(tmp, 'merged', 'report.json'));
    expect(doc.run.shard).toBeNull();
    expect(ranking(doc)).toEqual(ranking(whole));
    expect(merged.judgement.exitCode).toBe(full.judgement.exitCode);
    const junit = await readFile(join(tmp, 'merged', 'report.junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(N);
  }, 180_000);

  test('the saved run rendered again is byte-identical in every format', async () => {
    const out = join(tmp, 'again');
    await reportFrom({ from: join(tmp, 'whole', 'report.json'), outDir: out, formats: ['html', 'md', 'json'], failOnWorse: false, allowUnaudited: false }, captureIo());
    for (const f of ['report.html', 'report.md', 'report.json']) {
      expect(await readFile(join(out, f), 'utf8')).toBe(await readFile(join(tmp, 'whole', f), 'utf8'));
    }
    // As the CLI reads it: each host's text written away as it is read, and its record let go.
    const light = join(tmp, 'again-light');
    const result = await reportFrom({ from: join(tmp, 'whole', 'report.json'), outDir: light, formats: ['html', 'md', 'json'], failOnWorse: false, allowUnaudited: false, keepRecords: false }, captureIo());
    const audited = result.run.hosts.filter((h) => h.outcome.status !== 'failed');
    expect(audited.length).toBeGreaterThan(N / 2);
    for (const h of audited) if (h.outcome.status !== 'failed') expect(h.outcome.record).toBe(RECORD_WRITTEN_AWAY);
    for (const f of ['report.html', 'report.md', 'report.json']) {
      expect(await readFile(join(light, f), 'utf8'), f).toBe(await readFile(join(tmp, 'whole', f), 'utf8'));
    }
  });

  test('records let go once written away, as the CLI does: the same report.json, and no record held', async () => {
    const light = await audit(options(join(tmp, 'light'), { keepRecords: false }), captureIo());
    const audited = light.run.hosts.filter((h) => h.outcome.status !== 'failed');
    expect(audited.length).toBeGreaterThan(N / 2);
    for (const h of audited) if (h.outcome.status !== 'failed') expect(h.outcome.record).toBe(RECORD_WRITTEN_AWAY);
    expect(ranking(await readReport(join(tmp, 'light', 'report.json')))).toEqual(ranking(whole));
    // Encoding the run again without the spool cannot write an empty record in a host's name.
    expect(() => encodeSavedRunText(light.ranked)).toThrow(/written away/);
  }, 120_000);

  test('compared with itself: nothing changed; --baseline adds an empty trend and still gates on findings', async () => {
    const file = join(tmp, 'whole', 'report.json');
    const same = await diff({ oldFile: file, newFile: join(tmp, 'merged', 'report.json'), json: false, formats: ['json'], failOnWorse: true }, captureIo());
    expect(same.trend.hosts).toEqual([]);
    expect(same.trend.counts.same).toBe(N);
    expect(same.exitCode).toBe(0);
    const out = join(tmp, 'with-baseline');
    const result = await reportFrom({ from: file, outDir: out, formats: ['json'], baseline: file, failOnWorse: true, allowUnaudited: true }, captureIo());
    const doc = await readReport(join(out, 'report.json'));
    expect(doc.trend?.hosts).toEqual([]);
    expect(result.judgement.exitCode).toBe(whole.hosts.some((h) => h.verdict === 'critical') ? 1 : 0);
  });
});
