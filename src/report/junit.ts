// JUnit XML, for CI systems that show test results: one test case per host, failed when the run's
// judgement puts it at or above the gate, errored when the host could not be audited. Host strings
// are hostile: everything is escaped, and characters XML 1.0 cannot carry at all are removed.
import type { RankedRun } from '../run/rank.js';
import { xmlAttr, xmlText } from './escape.js';
import type { ReportFormat } from './report-format.js';
import type { FindingView, HostView, ReportView } from './view-model.js';

export { xmlAttr, xmlText };

export function renderJunit(ranked: RankedRun, view: ReportView): string {
  // The judgement names the hosts at or above the gate; the view lists hosts in the same ranked order.
  const failing = new Set(ranked.judgement.atOrAboveGate);
  const cases = view.hosts.map((h, i) => assembleCase(h, failing.has(ranked.hosts[i]?.result.outcome.target.name ?? '')));
  const failures = cases.filter((c) => c.state === 'failure').length;
  const errors = cases.filter((c) => c.state === 'error').length;
  const seconds = formatSeconds(view.hosts.reduce((sum, h) => sum + h.durationMs, 0));
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sockaudit" ${counts}>`,
    `  <testsuite name="sockaudit" ${counts}>`,
    '    <properties>',
    property('tool', `${view.tool.name} ${view.tool.version}`),
    property('gate', view.gate),
    property('verdict', view.verdictLine),
    property('startedAt', view.startedAt),
    '    </properties>',
    ...cases.map((c) => c.xml),
    '  </testsuite>',
    '</testsuites>',
  ];
  return `${lines.join('\n')}\n`;
}

interface Case {
  state: 'pass' | 'failure' | 'error';
  xml: string;
}

function assembleCase(h: HostView, atOrAboveGate: boolean): Case {
  const open = `    <testcase classname="${xmlAttr(h.groups[0] ?? 'sockaudit')}" name="${xmlAttr(h.name)}" time="${formatSeconds(h.durationMs)}"`;
  if (h.failure) {
    const body = [`${h.failure.phrase} (stage ${h.failure.stage}): ${h.failure.message}`, ...h.failure.detail.map((d) => `${d.label}: ${d.value}`)].join('\n');
    return {
      state: 'error',
      xml: `${open}>\n      <error message="${xmlAttr(`not audited: ${h.deciding}`)}" type="${xmlAttr(h.failure.stage)}">${xmlText(body)}</error>\n    </testcase>`,
    };
  }
  const findings = h.findings.filter((f) => f.level !== 'ok');
  const body = [`${h.levelLabel}, score ${h.score ?? '-'}`, ...findings.map(findingText)].join('\n');
  if (h.level !== 'not-audited' && atOrAboveGate) {
    return {
      state: 'failure',
      xml: `${open}>\n      <failure message="${xmlAttr(`${h.levelLabel}: ${h.deciding}`)}" type="${xmlAttr(h.level)}">${xmlText(body)}</failure>\n    </testcase>`,
    };
  }
  // Below the gate: passed, with anything worth reading kept in the case's output.
  if (findings.length === 0) return { state: 'pass', xml: `${open}/>` };
  return { state: 'pass', xml: `${open}>\n      <system-out>${xmlText(body)}</system-out>\n    </testcase>` };
}

function findingText(f: FindingView): string {
  return `[${f.levelLabel}] ${f.key}: ${f.summary}\n  what to do: ${f.remediation}`;
}

function property(name: string, value: string): string {
  return `      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`;
}

function formatSeconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

export const junitFormat = { id: 'junit', fileName: 'report.junit.xml', render: renderJunit } as const satisfies ReportFormat;
