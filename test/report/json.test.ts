import { rankRun } from '../../src/run/rank.js';
import { describe, expect, test } from 'vitest';
import { buildView } from '../../src/report/index.js';
import { encodeSavedRunText, JSON_SCHEMA_VERSION } from '../../src/run/saved-run.js';
import { packageVersion } from '../../src/paths.js';
import { auditRun } from '../support/fleet.js';
import { expectGolden, normalise } from './golden.js';

describe('JSON report', () => {
  const version = packageVersion();
  const run = auditRun({ version, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() });
  const ranked = rankRun(run);
  const view = buildView(ranked);
  const text = encodeSavedRunText(ranked);
  const doc = JSON.parse(text) as Record<string, unknown> & { hosts: Record<string, unknown>[] };

  test('matches the golden file (times and version normalised)', () => {
    expectGolden('report.json', normalise(text, version));
  });

  test('has the schema version and the top-level keys in order', () => {
    expect(doc.schemaVersion).toBe(JSON_SCHEMA_VERSION);
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'tool', 'run', 'summary', 'hosts']);
  });

  test('lists the hosts ranked, failed hosts with their stage and message', () => {
    expect(doc.hosts.map((h) => h.name)).toEqual(ranked.hosts.map((h) => h.result.outcome.target.name));
    const hostKey = doc.hosts.find((h) => h.name === 'gw-hostkey');
    expect(hostKey).toMatchObject({ status: 'failed', stage: 'host-key', verdict: null, snapshot: null, record: null });
    const web = doc.hosts.find((h) => h.name === 'web-1');
    expect(web).toMatchObject({ status: 'ok', verdict: 'critical', score: 92, decidedBy: 'orphans' });
    expect(web).not.toHaveProperty('stage');
  });

  test('counts hosts per verdict', () => {
    const summary = doc.summary as { hosts: number; byVerdict: Record<string, number>; notAudited: number };
    const failed = run.hosts.filter((h) => h.outcome.status === 'failed').length;
    expect(summary.hosts).toBe(run.hosts.length);
    expect(summary.notAudited).toBe(failed);
    const audited = Object.values(summary.byVerdict).reduce((a, b) => a + b, 0);
    expect(audited + failed).toBe(run.hosts.length);
  });

  test('writes bigints as decimal strings and keeps the raw probe sections', () => {
    expect(text).toContain('"Huge":"18446744073709551615"');
    const web = doc.hosts.find((h) => h.name === 'web-1') as { record: { sections: { name: string }[] } };
    expect(web.record.sections.map((s) => s.name)).toContain('proc/net/sockstat');
  });

  test('keeps host strings raw (JSON escaping only)', () => {
    const names = doc.hosts.map((h) => h.name);
    for (const h of run.hosts) expect(names).toContain(h.outcome.target.name);
  });

  test('writes each host on one line of its own, the rest indented', () => {
    const lines = text.split('\n');
    const hostLines = lines.filter((l) => l.startsWith('    {'));
    expect(hostLines).toHaveLength(doc.hosts.length);
    hostLines.forEach((line, i) => expect(JSON.parse(line.replace(/,$/, ''))).toEqual(doc.hosts[i]));
    expect(lines.filter((l) => !l.startsWith('    {')).every((l) => l.length < 120)).toBe(true);
  });

  test('is the same text for the same run whatever the input order', () => {
    const shuffled = { ...run, hosts: [...run.hosts].reverse() };
    expect(encodeSavedRunText(rankRun(shuffled))).toBe(text);
  });
});

test.each([
  ['mixed', 'x\u009b2J\u007f\u202ey\u2028'],
  ['DEL alone in ASCII text', 'web\u007f01'],
  ['a C1 control beside other text', 'café\u0085'],
  ['a bidi isolate', '\u2066web01'],
])('writes DEL, C1 controls and bidi overrides as escapes, keeping the data: %s', (_case, name) => {
  const run = auditRun({ hosts: auditRun().hosts.slice(0, 1).map((h) => ({ ...h, outcome: { ...h.outcome, target: { ...h.outcome.target, name } } })) });
  const text = encodeSavedRunText(rankRun(run));
  expect(text).not.toMatch(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  expect((JSON.parse(text) as { hosts: { name: string }[] }).hosts[0]?.name).toBe(name);
});

test('leaves other text as it is, ASCII or not', () => {
  const name = 'café-01 ✓';
  const run = auditRun({ hosts: auditRun().hosts.slice(0, 1).map((h) => ({ ...h, outcome: { ...h.outcome, target: { ...h.outcome.target, name } } })) });
  expect(encodeSavedRunText(rankRun(run))).toContain(`"name":"${name}"`);
});
