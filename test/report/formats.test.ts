import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { AUDIT } from '../../src/cli/args/audit.js';
import { DIFF } from '../../src/cli/args/diff.js';
import { MERGE } from '../../src/cli/args/merge.js';
import { REPORT } from '../../src/cli/args/report.js';
import { writeReports } from '../../src/commands/outputs.js';
import { UsageError } from '../../src/errors.js';
import { FORMAT_IDS, parseFormats, REPORT_FORMATS } from '../../src/report/formats.js';
import { buildView } from '../../src/report/view-model.js';
import { rankRun } from '../../src/run/rank.js';
import { encodeSavedRun, encodeSavedRunText } from '../../src/run/saved-run.js';
import { auditRun, manyHosts } from '../support/fleet.js';

describe('the format registry', () => {
  test('ids and file names are unique, and FORMAT_IDS lists the registry in order', () => {
    expect(FORMAT_IDS).toEqual(REPORT_FORMATS.map((f) => f.id));
    expect(new Set(FORMAT_IDS).size).toBe(REPORT_FORMATS.length);
    expect(new Set(REPORT_FORMATS.map((f) => f.fileName)).size).toBe(REPORT_FORMATS.length);
  });

  test('--format parsing reads the registry: every id and alias, once each, in the order given', () => {
    expect(parseFormats(FORMAT_IDS.join(','))).toEqual(FORMAT_IDS);
    expect(parseFormats(' JSON ,markdown,md,html')).toEqual(['json', 'md', 'html']);
    expect(() => parseFormats('html,pdf')).toThrow(new UsageError(`--format: unknown format "pdf" (known: ${FORMAT_IDS.join(', ')})`));
    expect(() => parseFormats(' , ')).toThrow(UsageError);
  });

  test('the help texts list the formats from the registry', () => {
    for (const { help } of [AUDIT, REPORT, MERGE, DIFF]) expect(help).toContain(FORMAT_IDS.join(','));
  });

  test('the writer writes each chosen format to its registry file name, rendered from the ranked run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockaudit-formats-'));
    try {
      const ranked = rankRun(auditRun());
      const view = buildView(ranked);
      // Every format but html (which also writes compare.html beside it), in reverse registry order.
      const chosen = REPORT_FORMATS.filter((f) => f.id !== 'html').reverse();
      const { files, unwritten } = await writeReports(ranked, dir, chosen.map((f) => f.id));
      expect(unwritten).toEqual([]);
      expect(files).toEqual(chosen.map((f) => join(dir, f.fileName)));
      expect(readdirSync(dir).sort()).toEqual(chosen.map((f) => f.fileName).sort());
      for (const format of chosen) {
        const rendered = format.render(ranked, view);
        const text = typeof rendered === 'string' ? rendered : [...rendered].map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'))).join('');
        expect(readFileSync(join(dir, format.fileName), 'utf8')).toBe(text);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the saved run as a stream', () => {
  test('one chunk per host plus a few, no chunk growing with the fleet, together one JSON document', () => {
    const chunksOf = (n: number) => [...encodeSavedRun(rankRun(auditRun({ hosts: manyHosts(n) })))];
    const small = chunksOf(20);
    const large = chunksOf(2000);
    expect(large.length - small.length).toBe(2000 - 20);
    const longest = (chunks: string[]) => Math.max(...chunks.map((c) => c.length));
    expect(longest(large)).toBeLessThan(longest(small) * 1.5);
    const doc = JSON.parse(large.join('')) as { hosts: unknown[]; summary: { hosts: number } };
    expect(doc.hosts).toHaveLength(2000);
    expect(doc.summary.hosts).toBe(2000);
  });

  test('the same bytes as JSON.stringify of the document, indented but for one compact line a host, with and without hosts', () => {
    // Reparsing loses nothing but the \u escapes of invisible characters, which this fleet's JSON has.
    const escape = (s: string) => s.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    for (const run of [auditRun(), auditRun({ hosts: [] })]) {
      const text = encodeSavedRunText(rankRun(run));
      expect(text.endsWith('}\n')).toBe(true);
      const doc = JSON.parse(text) as { hosts: unknown[] };
      const compactHosts = escape(JSON.stringify(doc, null, 2)).replace(/^ {4}\{\n[^]*?^ {4}\}/gm, () => `    ${escape(JSON.stringify(doc.hosts.shift()))}`);
      expect(compactHosts).toBe(text.slice(0, -1));
    }
  });
});
