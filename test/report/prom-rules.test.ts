// The rule pack: valid for promtool, unit-tested by promtool against series that reproduce the
// 16x trap (a 64 KiB-page 5.x host where a naive rule fires and this one must not), and written
// against metric names a real node_exporter, started with the pack's flags, actually serves.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { sockstatMemUnit } from '../../src/evaluate/units.js';
import { NODE_EXPORTER_FLAGS, prometheusRules, quantaReleasePattern, RECORDED } from '../../src/report/prom-rules.js';
import { describeWith, NODE_EXPORTER, parseExposition, PROMTOOL, run, startNodeExporter, type Exporter } from '../support/prom-tools.js';

interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  annotations?: Record<string, string>;
}

function rulesOf(text: string): AlertRule[] {
  const doc = parse(text) as { groups: { name: string; rules: AlertRule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

const RELEASES = [
  '2.6.32-754.el6.x86_64',
  '3.10.0-1160.el7.aarch64',
  '4.1.12-124.el7uek.aarch64',
  '4.9.0-19-arm64',
  '4.14.0-115.el7a.aarch64',
  '4.15.0-20-generic',
  '4.16.0',
  '4.18.0-553.el8_10.aarch64',
  '4.19.0-26-arm64',
  '4.20.17',
  '5.4.0-150-generic',
  '5.14.0-362.8.1.el9_3.aarch64',
  '5.15.0-1051-aws',
  '5.19',
  '5.19.17-rc1',
  '6.0.0',
  '6.1.0-18-arm64',
  '6.8.0-31-generic-64k',
  '10.1.0',
  '41.0',
];

describe('the quanta-era release pattern', () => {
  it('matches exactly the releases the evaluator reads as 4096-byte quanta', () => {
    // Prometheus anchors label regexes at both ends.
    const pattern = new RegExp(`^(?:${quantaReleasePattern()})$`);
    for (const release of RELEASES) {
      expect(pattern.test(release), release).toBe(sockstatMemUnit(release, 65536).unit === '4096-byte quanta');
    }
    expect(pattern.test('5.14.0-362.8.1.el9_3.aarch64')).toBe(true);
    expect(pattern.test('6.1.0-18-arm64')).toBe(false);
  });
});

describe('prometheusRules', () => {
  it('takes its thresholds from the evaluator, and from a config when given one', () => {
    const byName = (text: string) => new Map(rulesOf(text).map((r) => [r.alert ?? r.record, r.expr]));
    const defaults = byName(prometheusRules());
    expect(defaults.get('TcpOrphansPastQuarterOfLimit')).toBe(`${RECORDED.orphansOfLimit} > 0.25`);
    expect(defaults.get('TcpMemoryNearHigh')).toBe(`${RECORDED.memOfHigh} > 0.9`);
    expect(defaults.get('TcpMemoryAbovePressure')).toBe(`${RECORDED.memOfPressure} > 1`);
    const tuned = byName(prometheusRules({ config: { thresholds: { orphans: { critical: 40 } }, skip: [] }, staleAfterSeconds: 3600 }));
    expect(tuned.get('TcpOrphansPastQuarterOfLimit')).toBe(`${RECORDED.orphansOfLimit} > 0.4`);
    expect(tuned.get('SockauditAuditStale')).toBe('time() - sockaudit_host_audit_timestamp_seconds > 3600');
  });

  it('names the node_exporter flags it needs in its comments', () => {
    const text = prometheusRules();
    for (const flag of NODE_EXPORTER_FLAGS) expect(text).toContain(`#   ${flag}\n`);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const command = /prometheus-node-exporter \\\n([\s\S]*?)\n```/.exec(readme.slice(readme.indexOf('### The rule pack')))?.[1] ?? '';
    const flags = command.split(' \\\n').map((l) => l.trim().replace(/^'(.*)'$/, '$1'));
    expect(flags).toEqual(NODE_EXPORTER_FLAGS);
    expect(NODE_EXPORTER_FLAGS.find((f) => f.startsWith('--collector.netstat.fields='))).toMatch(/TCPAbortOnMemory/);
  });
});

/** The annotations promtool will expect, filled in from the pack's own templates. */
function annotations(text: string, alert: string, values: Record<string, string>): Record<string, string> {
  const rule = rulesOf(text).find((r) => r.alert === alert);
  if (rule?.annotations === undefined) throw new Error(`no alert ${alert}`);
  const out: Record<string, string> = {};
  for (const [key, template] of Object.entries(rule.annotations)) {
    const filled = template.replace(/\{\{ (\$labels\.\w+|\$value \| \w+) \}\}/g, (_m, name: string) => {
      const v = values[name];
      if (v === undefined) throw new Error(`no value for ${name} in ${alert}`);
      return v;
    });
    out[key] = filled;
  }
  return out;
}

const NODE = { job: 'node' };
const MINUTES = 30;

/** `value` held for the whole test window, in promtool's expanding notation. */
function held(value: number): string {
  return `${value}x${MINUTES}`;
}

/** The series of one node_exporter: uname, sockstat and the sysctls, as the pack's flags make it serve them. */
function nodeSeries(instance: string, o: { release: string; page: number; mem: number; orphan: number; maxOrphans: number; tcpMem: [number, number, number] }) {
  const at = `instance="${instance}",job="node"`;
  return [
    { series: `node_uname_info{${at},machine="aarch64",release="${o.release}"}`, values: held(1) },
    { series: `node_sockstat_TCP_mem{${at}}`, values: held(o.mem) },
    { series: `node_sockstat_TCP_mem_bytes{${at}}`, values: held(o.mem * o.page) },
    { series: `node_sockstat_UDP_mem{${at}}`, values: held(0) },
    { series: `node_sockstat_UDP_mem_bytes{${at}}`, values: held(0) },
    { series: `node_sockstat_TCP_orphan{${at}}`, values: held(o.orphan) },
    { series: `node_sysctl_net_ipv4_tcp_max_orphans{${at}}`, values: held(o.maxOrphans) },
    { series: `node_sysctl_net_ipv4_tcp_mem_low{${at}}`, values: held(o.tcpMem[0]) },
    { series: `node_sysctl_net_ipv4_tcp_mem_pressure{${at}}`, values: held(o.tcpMem[1]) },
    { series: `node_sysctl_net_ipv4_tcp_mem_high{${at}}`, values: held(o.tcpMem[2]) },
  ];
}

// The same sockstat line (95 000 of mem, tcp_mem high 100 000 pages) on three hosts:
// - a RHEL 9 aarch64 5.14 host on 64 KiB pages: 95 000 quanta = 1/16 of 95 000 pages, 5.9 % of high;
// - a 5.15 x86_64 host on 4 KiB pages: quanta are pages, 95 % of high;
// - a 6.1 arm64 host on 64 KiB pages: pages again, 95 % of high.
const TCP_MEM: [number, number, number] = [50_000, 70_000, 100_000];
const ARM5 = nodeSeries('arm5:9100', { release: '5.14.0-362.8.1.el9_3.aarch64', page: 65536, mem: 95_000, orphan: 100, maxOrphans: 65536, tcpMem: TCP_MEM });
const X86 = nodeSeries('x86:9100', { release: '5.15.0-91-generic', page: 4096, mem: 95_000, orphan: 100, maxOrphans: 65536, tcpMem: TCP_MEM });
const ARM6 = nodeSeries('arm6:9100', { release: '6.1.0-18-arm64', page: 65536, mem: 95_000, orphan: 100, maxOrphans: 65536, tcpMem: TCP_MEM });
// Orphans at 30.5 % of tcp_max_orphans, past the quarter line; little memory.
const ORPHANS = nodeSeries('orph:9100', { release: '5.15.0-91-generic', page: 4096, mem: 10, orphan: 20_000, maxOrphans: 65536, tcpMem: TCP_MEM });
// An idle 64 KiB host (no TCP memory, so no quotient) where sockaudit runs on the host itself.
const IDLE = [
  ...nodeSeries('idle:9100', { release: '5.14.0-70.el9.aarch64', page: 65536, mem: 0, orphan: 0, maxOrphans: 65536, tcpMem: TCP_MEM }),
  { series: 'sockaudit_page_size_bytes{host="idle",instance="idle:9100",job="node"}', values: held(65536) },
];

// The rule everyone writes: node_exporter's bytes over tcp_mem high in bytes.
const NAIVE = {
  groups: [
    {
      name: 'naive',
      rules: [
        {
          alert: 'NaiveTcpMemoryNearHigh',
          expr: `node_sockstat_TCP_mem_bytes / on (instance, job) (node_sysctl_net_ipv4_tcp_mem_high * on (instance, job) ${RECORDED.pageSize}) > 0.9`,
          labels: { severity: 'critical' },
        },
      ],
    },
  ],
};

function unitTests(pack: string) {
  const memHigh = (instance: string) => ({
    exp_labels: { ...NODE, instance, severity: 'critical' },
    exp_annotations: annotations(pack, 'TcpMemoryNearHigh', { '$labels.instance': instance, '$value | humanizePercentage': '95%' }),
  });
  const pressure = (instance: string) => ({
    exp_labels: { ...NODE, instance, severity: 'warning' },
    exp_annotations: annotations(pack, 'TcpMemoryAbovePressure', { '$labels.instance': instance, '$value | humanizePercentage': '135.7%' }),
  });
  const level = (alert: string, host: string, lvl: string, severity: string) => ({
    eval_time: '5m',
    alertname: alert,
    exp_alerts: [
      {
        exp_labels: { ...NODE, instance: 'audit:9100', host, level: lvl, severity },
        exp_annotations: annotations(pack, alert, { '$labels.host': host }),
      },
    ],
  });
  return {
    rule_files: ['sockaudit.rules.yml', 'naive.rules.yml'],
    // Every 5 minutes keeps the 49-hour staleness case quick; every `for` here is a multiple of it.
    evaluation_interval: '5m',
    tests: [
      {
        interval: '1m',
        input_series: [...ARM5, ...X86, ...ARM6, ...ORPHANS, ...IDLE],
        promql_expr_test: [
          {
            expr: RECORDED.memBytes,
            eval_time: '10m',
            exp_samples: [
              { labels: `${RECORDED.memBytes}{instance="arm5:9100",job="node"}`, value: 95_000 * 4096 },
              { labels: `${RECORDED.memBytes}{instance="arm6:9100",job="node"}`, value: 95_000 * 65536 },
              { labels: `${RECORDED.memBytes}{instance="idle:9100",job="node"}`, value: 0 },
              { labels: `${RECORDED.memBytes}{instance="orph:9100",job="node"}`, value: 10 * 4096 },
              { labels: `${RECORDED.memBytes}{instance="x86:9100",job="node"}`, value: 95_000 * 4096 },
            ],
          },
          {
            expr: RECORDED.pageSize,
            eval_time: '10m',
            exp_samples: [
              { labels: `${RECORDED.pageSize}{instance="arm5:9100",job="node"}`, value: 65536 },
              { labels: `${RECORDED.pageSize}{instance="arm6:9100",job="node"}`, value: 65536 },
              { labels: `${RECORDED.pageSize}{instance="idle:9100",job="node"}`, value: 65536 },
              { labels: `${RECORDED.pageSize}{instance="orph:9100",job="node"}`, value: 4096 },
              { labels: `${RECORDED.pageSize}{instance="x86:9100",job="node"}`, value: 4096 },
            ],
          },
          {
            expr: `${RECORDED.memOfHigh}{instance=~"arm5.*|idle.*"}`,
            eval_time: '10m',
            exp_samples: [
              { labels: `${RECORDED.memOfHigh}{instance="arm5:9100",job="node"}`, value: (95_000 * 4096) / (100_000 * 65536) },
              { labels: `${RECORDED.memOfHigh}{instance="idle:9100",job="node"}`, value: 0 },
            ],
          },
        ],
        alert_rule_test: [
          {
            eval_time: '10m',
            alertname: 'NaiveTcpMemoryNearHigh',
            exp_alerts: ['arm5:9100', 'arm6:9100', 'x86:9100'].map((instance) => ({ exp_labels: { ...NODE, instance, severity: 'critical' } })),
          },
          // The naive rule fires on arm5; this one must not: 5.9 % of high, in the kernel's unit.
          { eval_time: '10m', alertname: 'TcpMemoryNearHigh', exp_alerts: [memHigh('arm6:9100'), memHigh('x86:9100')] },
          { eval_time: '15m', alertname: 'TcpMemoryAbovePressure', exp_alerts: [pressure('arm6:9100'), pressure('x86:9100')] },
          {
            eval_time: '10m',
            alertname: 'TcpOrphansPastQuarterOfLimit',
            exp_alerts: [
              {
                exp_labels: { ...NODE, instance: 'orph:9100', severity: 'critical' },
                exp_annotations: annotations(pack, 'TcpOrphansPastQuarterOfLimit', { '$labels.instance': 'orph:9100', '$value | humanizePercentage': '30.52%' }),
              },
            ],
          },
          // Before its 15 minutes have passed the warning stays pending.
          { eval_time: '10m', alertname: 'TcpOrphansNearQuarterOfLimit', exp_alerts: [] },
        ],
      },
      {
        interval: '1m',
        input_series: [
          { series: 'node_netstat_TcpExt_TCPAbortOnMemory{instance="x86:9100",job="node"}', values: '0x10 0+3x10' },
          { series: 'node_netstat_TcpExt_TCPAbortOnMemory{instance="arm6:9100",job="node"}', values: '7x20' },
        ],
        alert_rule_test: [
          { eval_time: '5m', alertname: 'TcpSocketsKilledForMemory', exp_alerts: [] },
          {
            eval_time: '15m',
            alertname: 'TcpSocketsKilledForMemory',
            exp_alerts: [
              {
                exp_labels: { ...NODE, instance: 'x86:9100', severity: 'warning' },
                exp_annotations: annotations(pack, 'TcpSocketsKilledForMemory', { '$labels.instance': 'x86:9100', '$value | humanize': '12' }),
              },
            ],
          },
        ],
      },
      {
        // sockaudit's own textfile, served by the node_exporter of the machine that runs the audits.
        interval: '1h',
        input_series: [
          { series: 'sockaudit_host_level{host="web-1",instance="audit:9100",job="node",level="critical"}', values: '4x60' },
          { series: 'sockaudit_host_level{host="db-1",instance="audit:9100",job="node",level="warning"}', values: '3x60' },
          { series: 'sockaudit_host_level{host="cache-1",instance="audit:9100",job="node",level="unknown"}', values: '2x60' },
          { series: 'sockaudit_host_level{host="app-1",instance="audit:9100",job="node",level="ok"}', values: '0x60' },
          { series: 'sockaudit_host_up{host="gw-1",instance="audit:9100",job="node",stage="connect"}', values: '0x60' },
          { series: 'sockaudit_host_up{host="web-1",instance="audit:9100",job="node"}', values: '1x60' },
          // Audited once at the start and never again, against one audited every hour.
          { series: 'sockaudit_host_audit_timestamp_seconds{host="old-1",instance="audit:9100",job="node"}', values: '0x60' },
          { series: 'sockaudit_host_audit_timestamp_seconds{host="web-1",instance="audit:9100",job="node"}', values: '0+3600x60' },
        ],
        alert_rule_test: [
          level('SockauditHostCritical', 'web-1', 'critical', 'critical'),
          level('SockauditHostWarning', 'db-1', 'warning', 'warning'),
          level('SockauditHostUnknown', 'cache-1', 'unknown', 'info'),
          {
            eval_time: '5m',
            alertname: 'SockauditAuditFailed',
            exp_alerts: [
              {
                exp_labels: { ...NODE, instance: 'audit:9100', host: 'gw-1', stage: 'connect', severity: 'warning' },
                exp_annotations: annotations(pack, 'SockauditAuditFailed', { '$labels.host': 'gw-1', '$labels.stage': 'connect' }),
              },
            ],
          },
          { eval_time: '47h', alertname: 'SockauditAuditStale', exp_alerts: [] },
          {
            eval_time: '49h',
            alertname: 'SockauditAuditStale',
            exp_alerts: [
              {
                exp_labels: { ...NODE, instance: 'audit:9100', host: 'old-1', severity: 'warning' },
                exp_annotations: annotations(pack, 'SockauditAuditStale', { '$labels.host': 'old-1' }),
              },
            ],
          },
        ],
      },
    ],
  };
}

describeWith([PROMTOOL], 'promtool', () => {
  let dir = '';
  const pack = prometheusRules();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sockaudit-rules-'));
    await writeFile(join(dir, 'sockaudit.rules.yml'), pack);
    await writeFile(join(dir, 'naive.rules.yml'), stringify(NAIVE));
    await writeFile(join(dir, 'tests.yml'), stringify(unitTests(pack)));
  });

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('check rules: the pack is valid', async () => {
    const result = await run(PROMTOOL.path, ['check', 'rules', 'sockaudit.rules.yml'], undefined, dir);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/SUCCESS: 16 rules found/);
    expect(result.code).toBe(0);
  });

  it('test rules: right unit on 64 KiB pages, orphans, aborts and the audits', async () => {
    const result = await run(PROMTOOL.path, ['test', 'rules', 'tests.yml'], undefined, dir);
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('test rules is a real check: the 64 KiB 5.x host fires when the unit correction is taken out', async () => {
    const broken = pack.replace(`(node_uname_info{release=~\`${quantaReleasePattern()}\`})`, '(node_uname_info{release="none"})');
    expect(broken).not.toBe(pack);
    await writeFile(join(dir, 'sockaudit.rules.yml'), broken);
    try {
      const result = await run(PROMTOOL.path, ['test', 'rules', 'tests.yml'], undefined, dir);
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/alertname: TcpMemoryNearHigh[\s\S]*arm5:9100/);
    } finally {
      await writeFile(join(dir, 'sockaudit.rules.yml'), pack);
    }
  });
});

describeWith([NODE_EXPORTER], 'node_exporter with the pack’s flags', () => {
  let exporter: Exporter | undefined;
  let served = new Set<string>();

  beforeAll(async () => {
    exporter = await startNodeExporter(['--collector.sockstat', '--collector.uname', '--collector.netstat', ...NODE_EXPORTER_FLAGS]);
    served = new Set(parseExposition(await (await fetch(exporter.url)).text()).map((s) => s.name));
  });

  afterAll(async () => {
    await exporter?.stop();
  });

  it('serves every node_* metric the pack reads', () => {
    // Names in the expressions, not the pack's own recorded series (instance:node_...:max).
    const exprs = rulesOf(prometheusRules()).map((r) => r.expr);
    const names = new Set(exprs.flatMap((e) => e.match(/(?<![\w:])node_[A-Za-z0-9_]+(?![\w:])/g) ?? []));
    expect(names.size).toBeGreaterThan(8);
    for (const name of names) expect(served.has(name), `${name} not served`).toBe(true);
  });
});
