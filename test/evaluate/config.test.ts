// validateConfig: overrides, skips, and errors that name the key path.
import { describe, expect, it } from 'vitest';
import { defaultConfig, describeIssue, evaluateHost, thresholdsFor, validateConfig } from '../../src/evaluate/index.js';
import type { ConfigIssue } from '../../src/evaluate/index.js';
import { snapshot } from '../support/snapshot.js';
import { findingOf } from '../support/evaluate.js';

const FILE = 'sockaudit.yml';

const texts = (issues: readonly ConfigIssue[]): string[] => issues.map((i) => describeIssue(FILE, i));

describe('validateConfig', () => {
  it('returns each problem as its key path and the problem, for callers to point at the line', () => {
    const r = validateConfig({ skip: ['orphans', 'timewait'] });
    expect(r.errors).toEqual([{ path: 'skip[1]', problem: 'unknown rule id "timewait"; did you mean "time-wait"?' }]);
    expect(validateConfig('x').errors).toEqual([{ path: '', problem: 'expected a mapping with "thresholds" and/or "skip", found the string "x"' }]);
  });

  it('an empty file gives the defaults', () => {
    for (const empty of [null, undefined, {}]) {
      const r = validateConfig(empty);
      expect(r.errors).toEqual([]);
      expect(r.value).toEqual({ thresholds: {}, skip: [] });
    }
  });

  it('overriding a threshold changes the verdict', () => {
    const host = snapshot({ sockstat: { orphan: 2600 }, sysctl: { 'net.ipv4.tcp_max_orphans': 10000 } });
    expect(evaluateHost(host, defaultConfig).verdict).toBe('critical');
    const r = validateConfig({ thresholds: { orphans: { critical: 30 } } });
    expect(r.errors).toEqual([]);
    expect(thresholdsFor('orphans', r.value)).toEqual({ notice: 12.5, warning: 20, critical: 30 });
    const v = evaluateHost(host, r.value);
    expect(v.verdict).toBe('warning');
    expect(findingOf(v, 'orphans').thresholds.critical).toBe(30);
  });

  it('skips a rule by id, and an item by its id', () => {
    const r = validateConfig({ skip: ['time-wait', 'neighbours.file-nr'] });
    expect(r.errors).toEqual([]);
    const v = evaluateHost(snapshot(), r.value);
    const ids = v.findings.map((f) => f.id);
    expect(ids).not.toContain('time-wait');
    expect(ids).not.toContain('neighbours.file-nr');
    expect(ids).toContain('neighbours.listen-overflows');
    expect(v.notes).toContain('time-wait: skipped by config');
  });

  it('skips a whole group', () => {
    const r = validateConfig({ skip: ['neighbours'] });
    expect(r.errors).toEqual([]);
    const ids = evaluateHost(snapshot(), r.value).findings.map((f) => f.id);
    expect(ids.filter((id) => id.startsWith('neighbours.'))).toEqual([]);
  });

  it('an unknown rule id is an error naming the key path and the nearest id', () => {
    const r = validateConfig({ thresholds: { orphan: { warning: 10 } }, skip: ['timewait', 'conntrack'] });
    expect(r.errors).toHaveLength(3);
    expect(texts(r.errors)[0]).toBe('sockaudit.yml: skip[0]: unknown rule id "timewait"; did you mean "time-wait"?');
    expect(texts(r.errors)[1]).toBe('sockaudit.yml: skip[1]: unknown rule id "conntrack"; did you mean "neighbours.conntrack"?');
    expect(texts(r.errors)[2]).toBe('sockaudit.yml: thresholds.orphan: unknown rule id "orphan"; did you mean "orphans"?');
  });

  it('a far-off id gets no suggestion', () => {
    const r = validateConfig({ skip: ['completely-different-thing'] });
    expect(texts(r.errors)).toEqual(['sockaudit.yml: skip[0]: unknown rule id "completely-different-thing"']);
  });

  it('rejects bad levels, values and orderings with their path', () => {
    const r = validateConfig(
      {
        thresholds: {
          orphans: { warnng: 10 },
          'tcp-memory': { critical: 'high' },
          'time-wait': { notice: 90 }, // above its warning (80)
          'limits-vs-ram': { critical: 150 },
          incidents: { critical: 8 * 86400 }, // a wider window than warning's 7 days
          neighbours: { warning: 50 },
        },
      });
    expect(texts(r.errors)).toEqual([
      expect.stringMatching(/^sockaudit\.yml: thresholds\.orphans\.warnng: unknown level; did you mean "warning"\?/),
      expect.stringMatching(/^sockaudit\.yml: thresholds\.tcp-memory\.critical: expected a number >= 0 .*found the string "high"/),
      expect.stringMatching(/^sockaudit\.yml: thresholds\.time-wait: notice \(90\) must not be above warning \(80\)/),
      expect.stringMatching(/^sockaudit\.yml: thresholds\.limits-vs-ram\.critical: limits-vs-ram has no critical threshold/),
      expect.stringMatching(/^sockaudit\.yml: thresholds\.incidents: warning \(604800\) must not be below critical/),
      expect.stringMatching(/^sockaudit\.yml: thresholds\.neighbours: set thresholds per item: neighbours\.conntrack/),
    ]);
    expect(r.value.thresholds).toEqual({});
  });

  it('rejects unknown top-level keys and wrong shapes', () => {
    expect(texts(validateConfig({ skips: ['orphans'] }).errors)).toEqual([
      expect.stringMatching(/^sockaudit\.yml: skips: unknown key; did you mean "skip"\?/),
    ]);
    expect(texts(validateConfig({ skip: 'orphans' }).errors)).toEqual([
      'sockaudit.yml: skip: expected a list of rule ids, found the string "orphans"',
    ]);
    expect(texts(validateConfig([1, 2]).errors)).toEqual([
      'sockaudit.yml: expected a mapping with "thresholds" and/or "skip", found a list',
    ]);
  });

  it('warns about duplicates and overrides of skipped rules', () => {
    const r = validateConfig({ skip: ['orphans', 'orphans'], thresholds: { orphans: { warning: 18 } } });
    expect(r.errors).toEqual([]);
    expect(texts(r.warnings)).toEqual([
      'sockaudit.yml: skip[1]: orphans is listed twice',
      'sockaudit.yml: thresholds.orphans: has no effect: orphans is skipped',
    ]);
  });

  it('keys from the file are quoted when they are not plain ids', () => {
    const r = validateConfig({ thresholds: { 'a\u001b[31mb': {} } });
    expect(texts(r.errors)[0]).toContain('thresholds."a\\u001b[31mb"');
    expect(texts(r.errors)[0]).not.toContain('\u001b');
  });

  it('the default config is frozen and empty', () => {
    expect(Object.isFrozen(defaultConfig)).toBe(true);
    expect(defaultConfig.skip).toEqual([]);
  });
});
