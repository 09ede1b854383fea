import { rankRun } from '../../src/run/rank.js';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { packageRoot } from '../../src/paths.js';
import { buildView, renderHtml, renderMarkdown } from '../../src/report/index.js';
import { encodeSavedRunText, VOLATILE_FIELDS } from '../../src/run/saved-run.js';
import { parseSavedRun, readSavedDigest, readSavedRun } from '../../src/run/saved-run.js';
import { assembleDigest } from '../../src/run/trend.js';
import type { AuditRun } from '../../src/run/types.js';
import { expectValidReport, reportSchemaErrors } from '../support/schema.js';
import { failedHost, recordedHost, recording, runOf, withSection } from '../support/runs.js';

const VERSION = '9.9.9-test';
const RECORDINGS = readdirSync(join(packageRoot(), 'inventory', 'recorded'))
  .filter((f) => f.endsWith('.probe'))
  .map((f) => f.slice(0, -'.probe'.length))
  .sort();

/** Every recorded host, hostile names, and hosts that could not be audited. */
function fleetRun(extras: Partial<AuditRun> = {}): AuditRun {
  return runOf(
    [
      ...RECORDINGS.map((name, i) => recordedHost(i === 0 ? 'evil\u001b[2J<script>|*x*' : name, recording(name), { groups: i % 2 ? ['web', 'prod'] : [] })),
      failedHost('gw-hostkey', 'host-key', 'host key mismatch', { seen: 'SHA256:bbb', expected: 'SHA256:aaa (known_hosts:3)' }),
      failedHost('gw-refused', 'connect', 'connection refused'),
    ],
    { tool: { name: 'sockaudit', version: VERSION }, ...extras },
  );
}

interface Rendered {
  json: string;
  html: string;
  md: string;
}

function render(run: AuditRun): Rendered {
  const ranked = rankRun(run);
  const view = buildView(ranked);
  return { json: encodeSavedRunText(ranked), html: renderHtml(view), md: renderMarkdown(view) };
}

function blankVolatile(json: string, fields: string[]): unknown {
  const doc = JSON.parse(json) as Record<string, Record<string, unknown>>;
  for (const f of fields) {
    const [head, key] = f.split('.') as [string, string];
    if (head === 'hosts[]') for (const h of doc.hosts as unknown as Record<string, unknown>[]) h[key] = '<volatile>';
    else if (doc[head]) doc[head][key] = '<volatile>';
  }
  return doc;
}

describe('a saved run rendered again', () => {
  test('is byte-identical in every format when the same version renders it', () => {
    const original = render(fleetRun());
    expectValidReport(original.json);
    const { run, warnings, schemaVersion } = parseSavedRun(original.json, 'report.json', { toolVersion: VERSION });
    expect(schemaVersion).toBe(1);
    expect(warnings).toEqual([]);
    const again = render(run);
    expect(again.json).toBe(original.json);
    expect(again.html).toBe(original.html);
    expect(again.md).toBe(original.md);
  });

  test('keeps its shard and its baseline, so the trend section renders the same', () => {
    const baseline = assembleDigest(fleetRun({ startedAt: '2025-02-24T06:00:00.000Z', hosts: fleetRun().hosts.slice(2, 8) }));
    const original = render(fleetRun({ shard: { index: 2, count: 3 }, baseline }));
    expectValidReport(original.json);
    expect(original.html).toContain('trend-title');
    const { run } = parseSavedRun(original.json, 'report.json', { toolVersion: VERSION });
    expect(run.shard).toEqual({ index: 2, count: 3 });
    const again = render(run);
    expect(again.json).toBe(original.json);
    expect(again.html).toBe(original.html);
    expect(again.md).toBe(original.md);
  });

  test('by a newer version: only the volatile tool version differs, and the data says who collected it', () => {
    const original = render(fleetRun({ tool: { name: 'sockaudit', version: '0.0.1' } }));
    const { run } = parseSavedRun(original.json, 'old.json', { toolVersion: VERSION });
    const again = render(run);
    const volatile = Object.keys(VOLATILE_FIELDS).filter((f) => f === 'tool.version');
    expect(blankVolatile(again.json, volatile)).toEqual(blankVolatile(original.json, volatile));
    expect(again.json).not.toBe(original.json);
    const doc = JSON.parse(again.json) as { tool: { version: string }; hosts: { collectedBy: string }[] };
    expect(doc.tool.version).toBe(VERSION);
    expect(new Set(doc.hosts.map((h) => h.collectedBy))).toEqual(new Set(['0.0.1']));
    expect(again.html).toContain('host data collected by sockaudit 0.0.1');
    expect(again.md).toContain('Data: host data collected by sockaudit 0.0.1');
  });

  test('parses the raw records again and evaluates them again; the saved verdicts and snapshots are not trusted', () => {
    const doc = JSON.parse(render(fleetRun()).json) as { hosts: Record<string, any>[] };
    const critical = doc.hosts.find((h) => h.verdict === 'critical')!;
    critical.verdict = 'ok';
    critical.findings = [];
    critical.snapshot.sockstat = { state: 'missing' };
    const healthy = doc.hosts.find((h) => h.name === 'web-healthy-618')!;
    healthy.record = withSection(healthy.record, 'proc/net/sockstat', (t) => t.replace('orphan 0', 'orphan 100000'));
    const { run, warnings } = parseSavedRun(JSON.stringify(doc), 'edited.json', { toolVersion: VERSION });
    const byName = new Map(run.hosts.map((h) => [h.outcome.target.name, h]));
    expect(byName.get(critical.name)?.verdict?.verdict).toBe('critical');
    expect(byName.get('web-healthy-618')?.verdict?.verdict).toBe('critical');
    expect(warnings).toContain(`host ${JSON.stringify(critical.name)}: ok as saved, critical when parsed and evaluated again`);
    expect(warnings.some((w) => w.includes('"web-healthy-618"'))).toBe(true);
  });

  test('keeps the hosts that were not audited as they were', () => {
    const { run } = parseSavedRun(render(fleetRun()).json, 'report.json', { toolVersion: VERSION });
    const gw = run.hosts.find((h) => h.outcome.target.name === 'gw-hostkey');
    expect(gw?.verdict).toBeUndefined();
    expect(gw?.outcome).toMatchObject({ status: 'failed', stage: 'host-key', message: 'host key mismatch' });
    expect(gw?.outcome.status === 'failed' && Object.keys(gw.outcome.detail ?? {})).toEqual(['seen', 'expected']);
  });
});

describe('a saved run that cannot be read', () => {
  const good = () => JSON.parse(render(fleetRun()).json) as Record<string, any>;

  function problem(text: string, file = 'weekly/report.json'): string {
    try {
      parseSavedRun(text, file, { toolVersion: VERSION });
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error('no error');
  }

  test('names the file of broken JSON', () => {
    expect(problem('{\n  "schemaVersion": 2,\n  "tool": }\n')).toMatch(/^weekly\/report\.json(:3)?: not valid JSON/);
  });

  test('names the file and the JSON path of a wrong value', () => {
    const doc = good();
    doc.hosts[3].record.sections[1].status = 'zero';
    expect(problem(JSON.stringify(doc))).toBe('weekly/report.json: $.hosts[3].record.sections[1].status: expected a whole number >= 0, found a string ("zero")');
    const noRecord = good();
    noRecord.hosts[4].record = null;
    expect(problem(JSON.stringify(noRecord))).toBe('weekly/report.json: $.hosts[4].record: expected an object, found null');
  });

  test('refuses a newer schema version and files that are not reports', () => {
    expect(problem(JSON.stringify({ ...good(), schemaVersion: 2 }))).toMatch(/\$\.schemaVersion: 2 was written by a newer sockaudit; this one reads version 1/);
    expect(problem('[]')).toMatch(/\$: expected an object, found an array/);
    expect(problem('{"hosts": []}')).toMatch(/\$\.schemaVersion: missing/);
  });

  test('a file that does not exist', async () => {
    await expect(readSavedRun('/nonexistent/report.json')).rejects.toThrow(/^\/nonexistent\/report\.json: cannot read: ENOENT/);
    await expect(readSavedDigest('/nonexistent/report.json')).rejects.toThrow(/^\/nonexistent\/report\.json: cannot read: ENOENT/);
  });
});

describe('readSavedDigest', () => {
  test('gives the digest of the run read whole, with its warnings, and refuses what readSavedRun refuses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockaudit-digest-'));
    try {
      // A host whose saved verdict is not what this version finds, so that the read warns.
      const doc = JSON.parse(render(fleetRun()).json) as { hosts: Record<string, any>[] };
      const critical = doc.hosts.find((h) => h.verdict === 'critical')!;
      critical.verdict = 'ok';
      const file = join(dir, 'report.json');
      writeFileSync(file, JSON.stringify(doc));
      const whole = await readSavedRun(file, { toolVersion: VERSION });
      const digested = await readSavedDigest(file, { toolVersion: VERSION });
      expect(whole.warnings.length).toBeGreaterThan(0);
      expect(digested.warnings).toEqual(whole.warnings);
      expect(digested.digest).toEqual(assembleDigest(whole.run));
      expect(digested.digest.hosts.map((h) => h.name)).toContain('gw-refused');

      doc.hosts[2]!.record = null;
      writeFileSync(file, JSON.stringify(doc));
      await expect(readSavedDigest(file)).rejects.toThrow(`${file}: $.hosts[2].record: expected an object, found null`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('the schema rejects what this version would never write', () => {
  const doc = JSON.parse(render(fleetRun()).json) as { hosts: Record<string, unknown>[]; run: Record<string, unknown> };
  expect(reportSchemaErrors(doc)).toEqual([]);
  const failed = doc.hosts.find((h) => h.status === 'failed')!;
  const audited = doc.hosts.find((h) => h.status === 'ok')!;
  failed.verdict = 'critical';
  audited.stage = 'connect';
  doc.run.shard = { index: 0, count: 2 };
  const errors = reportSchemaErrors(doc);
  expect(errors.some((e) => e.startsWith(`/hosts/${doc.hosts.indexOf(failed)}/verdict`))).toBe(true);
  expect(errors.some((e) => e.startsWith(`/hosts/${doc.hosts.indexOf(audited)}/stage`))).toBe(true);
  expect(errors.some((e) => e.startsWith('/run/shard'))).toBe(true);
});
