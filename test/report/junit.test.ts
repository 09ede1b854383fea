import { rankRun } from '../../src/run/rank.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildView } from '../../src/report/index.js';
import { renderJunit, xmlAttr, xmlText } from '../../src/report/junit.js';
import type { AuditRun } from '../../src/run/types.js';
import { failedHost, recordedHost, recording, runOf } from '../support/runs.js';

const XMLLINT = '/usr/bin/xmllint';
const HOSTILE = 'x"\'<&>]]>\u0001\u0008\u000b\ud800\uffff\u001b[31m\u2028end';

function run(failOn: AuditRun['failOn']): AuditRun {
  return runOf(
    [
      recordedHost('web-ok', recording('web-healthy-618'), { groups: ['web', 'prod'] }),
      recordedHost('cache-critical', recording('cache-hot-61'), { groups: [] }),
      recordedHost('api-warning', recording('api-pressure-419'), { groups: ['api'] }),
      recordedHost(HOSTILE, recording('embedded-d2000-26'), { groups: [] }),
      failedHost('gw-hostkey', 'host-key', `refused ${HOSTILE}`, { seen: 'SHA256:b<b>', expected: 'SHA256:a&a' }),
    ],
    { failOn },
  );
}

/** Parses with xmllint and prints the cases as `classname|name|state` lines (XPath over the real parse). */
function cases(xml: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sockaudit-junit-'));
  try {
    const file = join(dir, 'report.junit.xml');
    writeFileSync(file, xml);
    execFileSync(XMLLINT, ['--noout', file]);
    const count = Number(execFileSync(XMLLINT, ['--xpath', 'count(//testcase)', file], { encoding: 'utf8' }).trim());
    return Array.from({ length: count }, (_, i) => {
      const q = (expr: string) => execFileSync(XMLLINT, ['--xpath', expr, file], { encoding: 'utf8' }).trim();
      const at = `(//testcase)[${i + 1}]`;
      const state = Number(q(`count(${at}/failure)`)) ? 'failure' : Number(q(`count(${at}/error)`)) ? 'error' : 'pass';
      return `${q(`string(${at}/@classname)`)}|${q(`string(${at}/@name)`)}|${state}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function junitOf(r: AuditRun): string {
  const ranked = rankRun(r);
  return renderJunit(ranked, buildView(ranked));
}

describe('JUnit XML (parsed by xmllint)', () => {
  test('one case per host: failed at or above --fail-on, errored when not audited', () => {
    const r = run('warning');
    const ranked = rankRun(r);
    const view = buildView(ranked);
    const levels = new Map(view.hosts.map((h) => [h.name, h.level]));
    expect(levels.get('cache-critical')).toBe('critical');
    expect(levels.get('api-warning')).toBe('warning');
    expect(levels.get('web-ok')).toBe('ok');
    const parsed = cases(renderJunit(ranked, view));
    expect(parsed).toHaveLength(r.hosts.length);
    const byName = new Map(parsed.map((c) => [c.split('|')[1], c]));
    expect(byName.get('cache-critical')).toBe('sockaudit|cache-critical|failure');
    expect(byName.get('api-warning')).toBe('api|api-warning|failure');
    expect(byName.get('web-ok')).toBe('web|web-ok|pass');
    expect(byName.get('gw-hostkey')).toBe('sockaudit|gw-hostkey|error');
  });

  test('--fail-on critical passes the warning host; never fails none', () => {
    const critical = cases(junitOf(run('critical')));
    expect(critical.find((c) => c.includes('|api-warning|'))).toBe('api|api-warning|pass');
    expect(critical.filter((c) => c.endsWith('|failure')).map((c) => c.split('|')[1])).toEqual(['cache-critical']);
    const never = cases(junitOf(run('never')));
    expect(never.filter((c) => c.endsWith('|failure'))).toEqual([]);
    expect(never.filter((c) => c.endsWith('|error'))).toHaveLength(1);
  });

  test('hostile host strings are escaped and characters XML 1.0 forbids are gone', () => {
    const xml = junitOf(run('warning'));
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/);
    expect(cases(xml).some((c) => c.startsWith('sockaudit|x"\'<&>]]>'))).toBe(true);
    expect(xml).toContain('<error message="not audited: ');
    expect(xml).toContain('seen: SHA256:b&lt;b&gt;');
  });

  test('the counts on the suite agree with the cases', () => {
    const xml = junitOf(run('warning'));
    expect(xml).toMatch(/<testsuite name="sockaudit" tests="5" failures="2" errors="1" skipped="0"/);
  });
});

test('escaping helpers', () => {
  expect(xmlText('a<b>&c\u0000\ud800')).toBe('a&lt;b&gt;&amp;c');
  expect(xmlAttr('"q"\n\'t\'')).toBe('&quot;q&quot;&#10;&apos;t&apos;');
  expect(xmlText('emoji \ud83d\ude00 kept')).toBe('emoji \ud83d\ude00 kept');
});
