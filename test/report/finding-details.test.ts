// Finding details as a person reads them, from the real evaluator's findings: thresholds with their
// direction and unit, figures named in words with the raw key kept, no fractions of pages, no
// doubled ids; and in report.html, the tooltip holding the raw key.
import { describe, expect, test } from 'vitest';
import { defaultConfig, evaluateHost } from '../../src/evaluate/index.js';
import { buildView, renderHtml } from '../../src/report/index.js';
import { displayKey, figureViews, thresholdViews } from '../../src/report/finding-details.js';
import { rankRun } from '../../src/run/rank.js';
import { logLine, snapshot } from '../support/snapshot.js';
import { auditRun } from '../support/fleet.js';

// A host with kills in the log 17 s ago, pressure episodes, and TCP memory near tcp_mem pressure.
const snap = snapshot({
  uptime: 100_000,
  sockstat: { orphan: 21_564, mem: 200_001 },
  netstat: { TcpExt: { TCPAbortOnMemory: 151, TCPMemoryPressures: 32, TCPMemoryPressuresChrono: 7_200_000, ListenOverflows: 4, TCPTimeWaitOverflow: 0 } },
  sysctl: { 'net.ipv4.tcp_mem': [185_565, 247_423, 371_130], 'net.ipv4.tcp_max_orphans': 65_536 },
  kernelLog: [logLine('tcp-memory', 100_000 - 17)],
});
const verdict = evaluateHost(snap, defaultConfig);
const finding = (id: string) => {
  const f = verdict.findings.find((x) => x.id === id);
  if (f === undefined) throw new Error(`no ${id} finding`);
  return f;
};
const thresholds = (id: string) => Object.fromEntries(thresholdViews(finding(id)).map((t) => [t.level, t.text]));

describe('thresholds in words', () => {
  test('incidents: the age of the newest line, newer than the window, not "> 604,800"', () => {
    expect(thresholds('incidents')).toEqual({
      warning: 'a log line about killed sockets newer than 7 days',
      critical: 'a log line about killed sockets newer than 1 hour, or TCPAbortOnMemory growing while sampling',
    });
  });

  test('pressure-history: time in pressure with its unit', () => {
    expect(thresholds('pressure-history')).toEqual({ warning: 'more than 1 hour in memory pressure since boot' });
  });

  test('tcp-memory: the share of pressure and high, with whole pages', () => {
    const t = thresholds('tcp-memory');
    // 75 % of pressure 247,423 is 185,567.25 pages: shown as whole pages.
    expect(t.notice).toBe('above 75 % of tcp_mem pressure (185,567 pages)');
    expect(t.warning).toBe('above 100 % of tcp_mem pressure (247,423 pages)');
    expect(t.critical).toBe('above 90 % of tcp_mem high (334,017 pages)');
    for (const text of Object.values(t)) expect(text).not.toMatch(/\d\.\d+ pages/);
  });

  test('shares: above a percentage of the named limit', () => {
    expect(thresholds('orphans')).toEqual({
      notice: 'above 12.5 % of tcp_max_orphans',
      warning: 'above 20 % of tcp_max_orphans',
      critical: 'above 25 % of tcp_max_orphans',
    });
    expect(thresholds('time-wait').critical).toBe('at or above 100 % of tcp_max_tw_buckets');
    expect(thresholds('limits-vs-ram')).toEqual({ notice: 'tcp_max_orphans x 64 KiB above 100 % of MemTotal', warning: 'tcp_mem high x page size above 100 % of MemTotal' });
    expect(thresholds('neighbours.listen-overflows')).toEqual({ notice: 'any, overflows since boot' });
  });
});

describe('figures', () => {
  test('are named in words with units, the raw key kept', () => {
    const figs = figureViews(finding('incidents'));
    const age = figs.find((f) => f.key === 'newestLineAgeSeconds');
    expect(age).toEqual({ key: 'newestLineAgeSeconds', label: "newest log line's age", value: '17 s' });
    expect(figs.find((f) => f.key === 'abortsSinceBoot')?.label).toBe('sockets killed since boot (TCPAbortOnMemory)');
    const mem = figureViews(finding('tcp-memory'));
    expect(mem.find((f) => f.key === 'memBytes')?.value).toMatch(/iB$/);
    expect(mem.find((f) => f.key === 'mem')?.label).toBe('peak TCP memory');
    // No label is a camelCase key (a kernel counter's own name may follow in parentheses).
    for (const f of verdict.findings.flatMap(figureViews)) {
      if (f.key !== 'samples') expect(f.label).not.toBe(f.key);
      expect(f.label.split(' (')[0]).not.toMatch(/\b[a-z]+[A-Z]/);
    }
  });

  test('a figure no table names yet still reads as words', () => {
    expect(figureViews({ ...finding('orphans'), figures: { someNewFigure: 3 } })).toEqual([{ key: 'someNewFigure', label: 'some new figure', value: '3' }]);
  });
});

test('ids are not doubled: the item only when the id does not end with it', () => {
  expect(displayKey({ id: 'neighbours.file-nr', item: 'file-nr' })).toBe('neighbours.file-nr');
  expect(displayKey({ id: 'orphans' })).toBe('orphans');
  expect(displayKey({ id: 'limits', item: 'udp' })).toBe('limits.udp');
});

test('report.html shows names, units and directions, with the raw key as a tooltip', () => {
  const base = auditRun().hosts.find((h) => h.outcome.target.name === 'web-1');
  if (!base || base.outcome.status === 'failed') throw new Error('fleet has no audited web-1');
  const view = buildView(rankRun(auditRun({ hosts: [{ outcome: { ...base.outcome, snapshot: snap }, verdict }] })));
  const html = renderHtml(view);
  expect(html).toContain('<dt title="newestLineAgeSeconds">newest log line&#x27;s age</dt><dd>17 s</dd>');
  expect(html).toContain('newer than 7 days');
  expect(html).not.toMatch(/warning<\/span> ?&gt;/);
  expect(html).not.toContain('neighbours.listen-overflows.listen-overflows');
  expect(html).toContain('neighbours.listen-overflows');
});
