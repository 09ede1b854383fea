// The textfile metrics: well-formed for promtool, in the evaluator's bytes (the 4096-byte quantum
// on a 64 KiB-page 5.x kernel), hostile host strings inert, and read back by a real node_exporter.
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostOutcome } from '../../src/collect/types.js';
import { defaultConfig, evaluateHost } from '../../src/evaluate/index.js';
import type { Finding } from '../../src/evaluate/types.js';
import type { Snapshot } from '../../src/procfs/types.js';
import { PROM_FAMILIES, PROM_FORMAT, renderProm } from '../../src/report/prom.js';
import type { AuditRun, HostResult } from '../../src/run/types.js';
import { missing, snapshot } from '../support/snapshot.js';
import { auditRun, HOSTILE_HTML_NAME, TERMINAL_NAME } from '../support/fleet.js';
import { describeWith, NODE_EXPORTER, parseExposition, PROMTOOL, run, sampleOf, startNodeExporter, type Exporter } from '../support/prom-tools.js';

const REACHED = '2025-01-01T00:00:03.000Z';

/** An audited host as the CLI hands it over: the snapshot and the real evaluator's verdict. */
function audited(name: string, snap: Snapshot): HostResult {
  const outcome: HostOutcome = {
    status: 'ok',
    target: { name, address: '127.0.0.1', groups: [] },
    record: { probeVersion: 1, sections: [] },
    snapshot: snap,
    problems: [],
    startedAt: REACHED,
    durationMs: 500,
  };
  return { outcome, verdict: evaluateHost(snap, defaultConfig) };
}

// A RHEL 9 aarch64 host on 64 KiB pages: sockstat mem counts 4096-byte quanta there.
const ARM = snapshot({
  kernel: '5.14.0-362.8.1.el9_3.aarch64',
  machine: 'aarch64',
  pageSize: 65536,
  sockstat: { orphan: 9000, mem: 180_000 },
  sysctl: { 'net.ipv4.tcp_mem': [22_000, 30_000, 45_000], 'net.ipv4.tcp_max_orphans': 32_768 },
});

// 5.14 on 64 KiB pages whose tcp_wmem[0] is the page size: the release says quanta, the data says
// pages-era code (a backport of the 6.0 revert). The evaluator reads pages, the reading that cannot
// understate, and marks the unit unsure.
const UNSURE = snapshot({
  kernel: '5.14.0-70.el9.aarch64',
  machine: 'aarch64',
  pageSize: 65536,
  sockstat: { mem: 1000 },
  sysctl: { 'net.ipv4.tcp_wmem': [65536, 16384, 4194304], 'net.ipv4.tcp_rmem': [65536, 131072, 6291456] },
});

const CONTAINER = snapshot({ container: true });

function figure(f: Finding | undefined, key: string): number {
  const v = f?.figures[key];
  if (typeof v !== 'number') throw new Error(`no figure ${key} in ${f?.id ?? 'a missing finding'}`);
  return v;
}

function findingOf(result: HostResult, id: string): Finding | undefined {
  return result.verdict?.findings.find((f) => f.id === id);
}

describe('renderProm', () => {
  it('is registered as report.prom', () => {
    expect(PROM_FORMAT).toEqual({ id: 'prom', fileName: 'report.prom' });
  });

  it('writes HELP and TYPE once per family, before that family’s samples, which stay together', () => {
    const text = renderProm(auditRun());
    const seen = new Set<string>();
    let current = '';
    for (const line of text.trimEnd().split('\n')) {
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (meta !== null) {
        if (meta[1] === 'HELP') {
          expect(seen.has(meta[2] as string), `second HELP for ${meta[2]}`).toBe(false);
          seen.add(meta[2] as string);
          current = meta[2] as string;
        } else expect(meta[2]).toBe(current);
        continue;
      }
      expect(line.startsWith(`${current}{`) || line.startsWith(`${current} `), line).toBe(true);
    }
    expect(text.endsWith('\n')).toBe(true);
    for (const f of Object.values(PROM_FAMILIES)) {
      expect(f.name).toMatch(/^sockaudit_[a-z_]+$/);
      if (f.type === 'counter') expect(f.name).toMatch(/_total$/);
    }
  });

  it('states a 64 KiB-page 5.x host in the evaluator’s bytes, not node_exporter’s 16x figure', () => {
    const host = audited('arm-1', ARM);
    const samples = parseExposition(renderProm(auditRun({ hosts: [host] })));
    const memory = findingOf(host, 'tcp-memory');
    const at = { host: 'arm-1' };
    const bytes = sampleOf(samples, 'sockaudit_tcp_memory_bytes', at).value;
    expect(bytes).toBe(figure(memory, 'memBytes'));
    // mem x page size is what node_exporter reports: 16 times the real figure here.
    expect(bytes * 16).toBe(180_000 * 65536);
    expect(sampleOf(samples, 'sockaudit_tcp_memory_limit_bytes', { ...at, line: 'high' }).value).toBe(figure(memory, 'tcpMemHighBytes'));
    expect(sampleOf(samples, 'sockaudit_tcp_memory_limit_bytes', { ...at, line: 'pressure' }).value).toBe(30_000 * 65536);
    expect(sampleOf(samples, 'sockaudit_tcp_memory_limit_bytes', { ...at, line: 'low' }).value).toBe(22_000 * 65536);
    expect(sampleOf(samples, 'sockaudit_tcp_memory_ratio', { ...at, line: 'high' }).value * 100).toBeCloseTo(figure(memory, 'percentOfHigh'), 1);
    expect(sampleOf(samples, 'sockaudit_tcp_memory_ratio', { ...at, line: 'pressure' }).value * 100).toBeCloseTo(figure(memory, 'percentOfPressure'), 1);
    expect(sampleOf(samples, 'sockaudit_sockstat_mem_unit_bytes', at).value).toBe(4096);
    expect(sampleOf(samples, 'sockaudit_sockstat_mem_unit_certain', at).value).toBe(1);
    expect(sampleOf(samples, 'sockaudit_page_size_bytes', at).value).toBe(65536);
    expect(sampleOf(samples, 'sockaudit_host_info', at).labels).toEqual({ ...at, kernel_release: '5.14.0-362.8.1.el9_3.aarch64', machine: 'aarch64' });

    const orphans = findingOf(host, 'orphans');
    expect(sampleOf(samples, 'sockaudit_tcp_orphans', at).value).toBe(figure(orphans, 'orphan'));
    expect(sampleOf(samples, 'sockaudit_tcp_max_orphans', at).value).toBe(figure(orphans, 'tcpMaxOrphans'));
    expect(sampleOf(samples, 'sockaudit_tcp_orphans_ratio', { ...at, line: 'limit' }).value * 100).toBeCloseTo(figure(orphans, 'percentOfLimit'), 1);
    expect(sampleOf(samples, 'sockaudit_tcp_orphans_ratio', { ...at, line: 'quarter' }).value).toBeCloseTo(9000 / (32_768 / 4), 12);
    expect(sampleOf(samples, 'sockaudit_tcp_orphans_ratio', { ...at, line: 'half' }).value).toBeCloseTo(9000 / (32_768 / 2), 12);

    const verdict = host.verdict;
    if (verdict === undefined) throw new Error('no verdict');
    const level = sampleOf(samples, 'sockaudit_host_level', at);
    expect(level.labels.level).toBe(verdict.verdict);
    expect(level.value).toBe(['ok', 'notice', 'unknown', 'warning', 'critical'].indexOf(verdict.verdict));
    expect(sampleOf(samples, 'sockaudit_host_score', at).value).toBe(verdict.score);
    for (const f of verdict.findings) {
      expect(sampleOf(samples, 'sockaudit_check_level', { ...at, check: f.id, ...(f.item ? { item: f.item } : {}) }).labels.level).toBe(f.level);
    }
    expect(sampleOf(samples, 'sockaudit_host_up', at)).toEqual({ name: 'sockaudit_host_up', labels: at, value: 1 });
    expect(sampleOf(samples, 'sockaudit_host_audit_timestamp_seconds', at).value).toBe(Date.parse(REACHED) / 1000);
  });

  it('reads pages where release and data disagree on the unit, as the evaluator does, and says it is unsure', () => {
    const host = audited('ppc-1', UNSURE);
    const samples = parseExposition(renderProm(auditRun({ hosts: [host] })));
    expect(sampleOf(samples, 'sockaudit_tcp_memory_bytes', { host: 'ppc-1' }).value).toBe(figure(findingOf(host, 'tcp-memory'), 'memBytes'));
    expect(sampleOf(samples, 'sockaudit_tcp_memory_bytes', { host: 'ppc-1' }).value).toBe(1000 * 65536);
    expect(sampleOf(samples, 'sockaudit_sockstat_mem_unit_certain', { host: 'ppc-1' }).value).toBe(0);
  });

  it('leaves out what the host did not show (a container) instead of writing zeros', () => {
    const host = audited('pod-1', CONTAINER);
    const samples = parseExposition(renderProm(auditRun({ hosts: [host] })));
    const names = new Set(samples.map((s) => s.name));
    for (const absent of ['sockaudit_tcp_max_orphans', 'sockaudit_tcp_orphans_ratio', 'sockaudit_tcp_memory_limit_bytes', 'sockaudit_tcp_memory_ratio']) {
      expect(names.has(absent), absent).toBe(false);
    }
    expect(sampleOf(samples, 'sockaudit_tcp_orphans', { host: 'pod-1' }).value).toBe(0);
    expect(names.has('sockaudit_tcp_memory_bytes')).toBe(true);
  });

  it('writes no figure for a host whose counters are missing, and no sample for a missing sockstat', () => {
    const host = audited('bare-1', snapshot({ sockstat: missing(), netstat: missing() }));
    const names = new Set(parseExposition(renderProm(auditRun({ hosts: [host] }))).map((s) => s.name));
    for (const absent of ['sockaudit_tcp_orphans', 'sockaudit_tcp_memory_bytes', 'sockaudit_tcp_memory_ratio', 'sockaudit_tcp_abort_on_memory_total']) {
      expect(names.has(absent), absent).toBe(false);
    }
    expect(names.has('sockaudit_tcp_max_orphans')).toBe(true);
  });

  it('says where a failed audit failed and writes no figures for it', () => {
    const samples = parseExposition(renderProm(auditRun()));
    expect(sampleOf(samples, 'sockaudit_host_up', { host: 'gw-hostkey' })).toEqual({
      name: 'sockaudit_host_up',
      labels: { host: 'gw-hostkey', stage: 'host-key' },
      value: 0,
    });
    expect(samples.filter((s) => s.labels.host === 'gw-hostkey').map((s) => s.name).sort()).toEqual([
      'sockaudit_host_audit_timestamp_seconds',
      'sockaudit_host_up',
    ]);
    expect(sampleOf(samples, 'sockaudit_host_probe_problems', { host: 'app-partial' }).value).toBe(1);
  });

  it('escapes backslash, quote and newline in host strings and shows every control character as text', () => {
    const nasty = 'a\\b"c\nd\u001b[2J\u0007\u009b1m\u202eend';
    const kernel = '6.1.0 "x"\\\n\u001b]0;t\u0007';
    const host = audited(nasty, snapshot({ kernel }));
    const text = renderProm(auditRun({ hosts: [host, ...auditRun().hosts] }));
    expect(text).toContain('{host="a\\\\b\\"c\\nd<U+001B>[2J<U+0007><U+009B>1m<U+202E>end"}');
    expect(text).toContain('kernel_release="6.1.0 \\"x\\"\\\\\\n<U+001B>]0;t<U+0007>"');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    const samples = parseExposition(text);
    expect(sampleOf(samples, 'sockaudit_host_up', { host: 'a\\b"c\nd<U+001B>[2J<U+0007><U+009B>1m<U+202E>end' }).value).toBe(1);
    expect(sampleOf(samples, 'sockaudit_host_up', { host: 'evil<U+001B>[31mred<U+001B>[0m<U+001B>]0;pwned<U+0007><U+009B>2Jend<U+000D>\n' }).labels.stage).toBe('command');
    expect(sampleOf(samples, 'sockaudit_host_up', { host: HOSTILE_HTML_NAME }).value).toBe(1);
    expect(TERMINAL_NAME).toContain('\u001b');
  });

  it('is listed in the README, family by family', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Prometheus'), readme.indexOf('### The rule pack'));
    const listed = [...section.matchAll(/^\| `(sockaudit_[a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(Object.values(PROM_FAMILIES).map((f) => f.name));
  });

  it('keeps two hosts apart when their names read the same', () => {
    const a = audited('twin', ARM);
    const b = audited('twin', UNSURE);
    const c = audited('twin (2)', ARM);
    const samples = parseExposition(renderProm(auditRun({ hosts: [a, b, c] })));
    const hosts = samples.filter((s) => s.name === 'sockaudit_host_up').map((s) => s.labels.host);
    expect(hosts).toEqual(['twin', 'twin (2)', 'twin (2) (2)']);
    expect(sampleOf(samples, 'sockaudit_page_size_bytes', { host: 'twin (2)' }).value).toBe(65536);
  });
});

const MIXED: AuditRun = auditRun({
  hosts: [audited('arm-1', ARM), audited('ppc-1', UNSURE), audited('pod-1', CONTAINER), audited('evil"\\\n\u001b[31m', ARM), ...auditRun().hosts],
});

describeWith([PROMTOOL], 'promtool check metrics', () => {
  it('finds nothing to fix in a whole fleet, hostile names included', async () => {
    const result = await run(PROMTOOL.path, ['check', 'metrics'], renderProm(MIXED));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('is a real check: it rejects a counter without _total', async () => {
    const text = renderProm(MIXED).replace(/sockaudit_tcp_abort_on_memory_total/g, 'sockaudit_tcp_abort_on_memory');
    const result = await run(PROMTOOL.path, ['check', 'metrics'], text);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/counter metrics should have "_total" suffix/);
  });
});

describeWith([NODE_EXPORTER], 'node_exporter textfile collector', () => {
  let dir = '';
  let exporter: Exporter | undefined;
  let scraped = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sockaudit-prom-'));
    // As a report writer does it: node_exporter skips the temporary name (not *.prom).
    const path = join(dir, PROM_FORMAT.fileName);
    await writeFile(`${path}.tmp`, renderProm(MIXED), { flag: 'wx' });
    await rename(`${path}.tmp`, path);
    exporter = await startNodeExporter(['--collector.textfile', `--collector.textfile.directory=${dir}`]);
    scraped = await (await fetch(exporter.url)).text();
  });

  afterAll(async () => {
    await exporter?.stop();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('reads the file without an error', async () => {
    const samples = parseExposition(scraped);
    expect(sampleOf(samples, 'node_textfile_scrape_error').value).toBe(0);
    expect(sampleOf(samples, 'node_textfile_mtime_seconds', { file: join(dir, 'report.prom') }).value).toBeGreaterThan(0);
    expect(await readdir(dir)).toEqual(['report.prom']);
  });

  it('serves every sample written, with the same labels and value', () => {
    const served = parseExposition(scraped);
    const written = parseExposition(renderProm(MIXED));
    expect(written.length).toBeGreaterThan(100);
    const key = (s: { name: string; labels: Record<string, string> }) =>
      `${s.name}${JSON.stringify(Object.entries(s.labels).filter(([, v]) => v !== '').sort(([a], [b]) => a.localeCompare(b)))}`;
    const byKey = new Map(served.map((s) => [key(s), s.value]));
    for (const s of written) expect(byKey.get(key(s)), key(s)).toBe(s.value);
  });

  it('serves the 64 KiB host in the evaluator’s bytes and the hostile name as inert text', () => {
    const served = parseExposition(scraped);
    const host = MIXED.hosts[0] as HostResult;
    expect(sampleOf(served, 'sockaudit_tcp_memory_bytes', { host: 'arm-1' }).value).toBe(figure(findingOf(host, 'tcp-memory'), 'memBytes'));
    expect(sampleOf(served, 'sockaudit_tcp_memory_bytes', { host: 'evil"\\\n<U+001B>[31m' }).value).toBe(180_000 * 4096);
    expect(scraped).toContain('# HELP sockaudit_tcp_memory_bytes Memory held by TCP sockets');
    expect(scraped).toContain('# TYPE sockaudit_tcp_abort_on_memory_total counter');
  });
});
