// JUnit XML, for CI systems that show test results: one test case per host, failed at or above
// the gate, errored when the host could not be audited. Host strings are hostile: everything is
// escaped, and characters XML 1.0 cannot carry at all are removed.
import { atOrAbove } from '../evaluate/rank.js';
import type { FindingView, HostView, ReportView } from './view-model.js';

export function renderJunit(view: ReportView): string {
  const cases = view.hosts.map((h) => assembleCase(h, view));
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

function assembleCase(h: HostView, view: ReportView): Case {
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
  if (h.level !== 'not-audited' && view.failOn !== 'never' && atOrAbove(h.level, view.failOn)) {
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

/**
 * Characters XML 1.0 does not allow anywhere, even as references: C0 controls other than tab,
 * newline and carriage return, lone surrogates, U+FFFE and U+FFFF.
 */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text content: markup characters escaped, forbidden characters removed. */
export function xmlText(s: string): string {
  return s.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value in double quotes; whitespace kept as references so parsers do not fold it. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
