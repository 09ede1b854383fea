import { rankRun } from '../../src/run/rank.js';
import { describe, expect, test } from 'vitest';
import { buildView, assembleVerdictLine, formatNumber, HOST_KEY_OFF_WARNING } from '../../src/report/index.js';
import { VERDICT_ORDER } from '../../src/evaluate/types.js';
import { auditRun, fleet, HOSTILE_HTML_NAME, TERMINAL_NAME } from '../support/fleet.js';

describe('buildView', () => {
  const run = auditRun();
  const view = buildView(rankRun(run));

  test('ranks not-audited hosts first, then by verdict and score', () => {
    const failedNames = run.hosts.filter((h) => h.outcome.status === 'failed').length;
    expect(view.hosts.slice(0, failedNames).every((h) => h.level === 'not-audited')).toBe(true);
    const audited = view.hosts.slice(failedNames);
    for (let i = 1; i < audited.length; i++) {
      const [a, b] = [audited[i - 1]!, audited[i]!];
      const order = VERDICT_ORDER.indexOf(a.level as never) - VERDICT_ORDER.indexOf(b.level as never);
      expect(order > 0 || (order === 0 && (a.score ?? 0) >= (b.score ?? 0))).toBe(true);
    }
    expect(view.hosts.map((h) => h.rank)).toEqual(view.hosts.map((_, i) => i + 1));
  });

  test('orders not-audited hosts by name, each with its stage and reason', () => {
    const failed = view.hosts.filter((h) => h.level === 'not-audited');
    const names = failed.map((h) => h.name);
    expect(names).toEqual([...names].sort());
    const hostKey = failed.find((h) => h.name === 'gw-hostkey');
    expect(hostKey?.failure?.stage).toBe('host-key');
    expect(hostKey?.deciding).toContain('host key mismatch for 127.0.0.10');
    expect(new Set(failed.map((h) => h.failure?.stage))).toEqual(new Set(['connect', 'host-key', 'auth', 'timeout', 'command']));
  });

  test('gives the same ranking whatever the input order', () => {
    const reversed = buildView(rankRun({ ...run, hosts: [...run.hosts].reverse() }));
    expect(reversed.hosts.map((h) => h.name)).toEqual(view.hosts.map((h) => h.name));
  });

  test('counts hosts per verdict and words the verdict line', () => {
    expect(view.total).toBe(run.hosts.length);
    const byLevel = (level: string) => view.hosts.filter((h) => h.level === level).length;
    expect(view.notAudited).toBe(byLevel('not-audited'));
    for (const v of VERDICT_ORDER) expect(view.byVerdict[v]).toBe(byLevel(v));
    expect(view.verdictLine).toBe(
      `${byLevel('critical')} critical, ${byLevel('warning')} warning, ${byLevel('unknown')} unknown, ${byLevel('notice')} notice, ${byLevel('not-audited')} not audited of ${run.hosts.length} hosts`,
    );
  });

  test('takes the deciding figure from the deciding finding', () => {
    const web = view.hosts.find((h) => h.name === 'web-1');
    const source = run.hosts.find((h) => h.outcome.target.name === 'web-1');
    expect(web?.deciding).toBe(source?.verdict?.findings.find((f) => f.id === 'orphans')?.summary);
  });

  test('builds the orphan bar against 25, 50 and 100 % of tcp_max_orphans', () => {
    const web = view.hosts.find((h) => h.name === 'web-1');
    const bar = web?.bars.find((b) => b.id === 'orphans');
    expect(bar?.valuePct).toBeCloseTo((21_564 / 65_536) * 100, 1);
    expect(bar?.marks.map((m) => m.pct)).toEqual([25, 50, 100]);
    expect(bar?.level).toBe('critical');
  });

  test('builds the memory bar against low, pressure and high on one scale', () => {
    const db = view.hosts.find((h) => h.name === 'db-1');
    const bar = db?.bars.find((b) => b.id === 'tcp-memory');
    const high = 6_187_968;
    expect(bar?.valuePct).toBeCloseTo((4_200_000 / high) * 100, 1);
    expect(bar?.marks.map((m) => m.label)).toEqual(['low', 'pressure', 'high']);
    expect(bar?.marks[1]?.pct).toBeCloseTo((4_125_312 / high) * 100, 1);
    expect(bar?.marks[2]?.pct).toBe(100);
  });

  test('draws no bar when the figures are missing', () => {
    const cache = view.hosts.find((h) => h.name === 'cache-1');
    expect(cache?.level).toBe('unknown');
    expect(cache?.bars).toEqual([]);
  });

  test('keeps a partial host with its problems', () => {
    const partial = view.hosts.find((h) => h.name === 'app-partial');
    expect(partial?.status).toBe('partial');
    expect(partial?.problems).toEqual(['proc/net/snmp: unreadable: Permission denied']);
  });

  test('cleans control characters from host strings but keeps markup characters as data', () => {
    expect(view.hosts.map((h) => h.name)).toContain(HOSTILE_HTML_NAME);
    const evil = view.hosts.find((h) => h.name.startsWith('evil'));
    expect(evil?.name).toBe('evilredend ');
    expect(TERMINAL_NAME).not.toBe(evil?.name);
  });

  test('warns once when host-key checking was off, and not otherwise', () => {
    expect(view.warnings).not.toContain(HOST_KEY_OFF_WARNING);
    const off = buildView(rankRun(auditRun({ hostKeyPolicy: 'off', warnings: [HOST_KEY_OFF_WARNING, 'other'] })));
    expect(off.hostKeyOff).toBe(true);
    expect(off.warnings).toEqual([HOST_KEY_OFF_WARNING, 'other']);
  });

  test('states the gate', () => {
    expect(view.gate).toContain(`--fail-on ${run.failOn}`);
    expect(buildView(rankRun({ ...run, failOn: 'never' })).gate).toContain('never');
  });
});

describe('assembleVerdictLine', () => {
  const none = { ok: 0, notice: 0, unknown: 0, warning: 0, critical: 0 };
  test('names the non-zero counts worst first, then not audited, of the total', () => {
    expect(assembleVerdictLine({ ...none, critical: 3, warning: 2, ok: 6 }, 1, 12)).toBe('3 critical, 2 warning, 1 not audited of 12 hosts');
    expect(assembleVerdictLine({ ...none, ok: 1 }, 0, 1)).toBe('all 1 host ok');
    expect(assembleVerdictLine(none, 0, 0)).toBe('no hosts audited');
  });
});

describe('formatNumber', () => {
  test('groups thousands and keeps up to three decimals', () => {
    expect(formatNumber(6187968)).toBe('6,187,968');
    expect(formatNumber(-1234.5678)).toBe('-1,234.568');
    expect(formatNumber(0.125)).toBe('0.125');
  });
});

test('the fleet has every kind of host the report must show', () => {
  const statuses = new Set(fleet().map((h) => h.outcome.status));
  expect(statuses).toEqual(new Set(['ok', 'partial', 'failed']));
});
