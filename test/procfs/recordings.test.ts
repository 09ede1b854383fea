// Every recording under inventory/recorded/ frames, assembles with only the problems it is meant
// to show, and carries the figures it was written for.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProbeFrame } from '../../src/procfs/frame.js';
import { RECORDED_BOUNDARY, SAMPLED_FILES, COMMAND_SECTIONS, ONCE_FILES, SYSCTLS } from '../../src/procfs/sections.js';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';
import type { Reading, Snapshot } from '../../src/procfs/types.js';
import { repoRoot } from '../support/procfs.js';

const dir = path.join(repoRoot, 'inventory', 'recorded');
const names = readdirSync(dir).filter((f) => f.endsWith('.probe')).map((f) => f.slice(0, -'.probe'.length)).sort();

function load(name: string) {
  const framed = parseProbeFrame(readFileSync(path.join(dir, `${name}.probe`), 'utf8'), RECORDED_BOUNDARY);
  if (!framed.ok) throw new Error(`${name}: ${framed.error}`);
  return { record: framed.record, ...assembleSnapshot(framed.record) };
}

function value<T>(reading: Reading<T> | undefined): T {
  if (reading?.state !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(reading)}`);
  return reading.value;
}

const tcpExt = (snapshot: Snapshot, k = 0) => value(snapshot.samples[k]?.netstat).groups.TcpExt ?? {};

/** The problems each recording is meant to show; anything else is a mistake in the recording. */
const EXPECTED_PROBLEMS: Record<string, string[]> = {
  'api-pressure-419': [],
  'arm64-64k-515': [],
  'batch-abort-515': [],
  'cache-hot-61': [],
  'container-app-66': ['sysctl/net.ipv4.tcp_mem: missing', 'sysctl/net.ipv4.tcp_max_orphans: missing', 'sysctl/net.ipv4.udp_mem: missing'],
  'db-restricted-515': ['kernel-log: unreadable (dmesg: dmesg: read kernel buffer failed: Operation not permitted journalctl: No journal files were found.)'],
  'edge-tw-310': [],
  'embedded-d2000-26': [],
  'varnish-tsuna-2638': [],
  'web-healthy-618': [],
};

describe('recorded hosts', () => {
  it('are the ten hosts the README lists', () => {
    expect(names).toEqual(Object.keys(EXPECTED_PROBLEMS));
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    for (const name of names) expect(readme).toContain(`\`${name}\``);
  });

  it.each(names)('%s holds every section of sections.ts and only the problems it is meant to show', (name) => {
    const { record, problems } = load(name);
    const present = new Set(record.sections.map((s) => s.name));
    for (const section of [...COMMAND_SECTIONS, ...ONCE_FILES, ...SYSCTLS.map((n) => `sysctl/${n}`), ...SAMPLED_FILES]) expect(present).toContain(section);
    expect(problems).toEqual(EXPECTED_PROBLEMS[name]);
  });

  it("Tsuna's host: 21564 orphans of 65536, tcp_mem 3093984 4125312 6187968, mem 1894, Out of socket memory", () => {
    const { snapshot } = load('varnish-tsuna-2638');
    expect(value(snapshot.sockstat).tcp).toMatchObject({ orphan: 21564, mem: 1894 });
    expect(snapshot.sysctl['net.ipv4.tcp_max_orphans']).toEqual({ state: 'ok', value: [65536] });
    expect(snapshot.sysctl['net.ipv4.tcp_mem']).toEqual({ state: 'ok', value: [3093984, 4125312, 6187968] });
    expect(snapshot.kernelRelease).toBe('2.6.38-8-server');
    const log = value(snapshot.kernelLog);
    expect(log.lines.filter((l) => l.kind === 'socket-memory').map((l) => l.secondsSinceBoot)).toEqual([3077014.450011, 3077019.732521]);
    expect(log.lines.find((l) => l.kind === 'ratelimit-suppressed')?.suppressed).toBe(27);
    expect(snapshot.sysctl['net.ipv4.tcp_ehash_entries']).toEqual({ state: 'missing' });
    expect(snapshot.sockstat6).toEqual({ state: 'missing' });
  });

  it('the 64 KiB-page arm64 host: mem 42000 against tcp_mem high 46467, page size 65536', () => {
    const { snapshot } = load('arm64-64k-515');
    expect(snapshot).toMatchObject({ pageSize: 65536, machine: 'aarch64', kernelRelease: '5.15.0-91-generic-64k' });
    expect(value(snapshot.sockstat).tcp?.mem).toBe(42000);
    expect(snapshot.sysctl['net.ipv4.tcp_mem']).toEqual({ state: 'ok', value: [23233, 30977, 46467] });
  });

  it('the 6.1 host is above 90 % of tcp_mem high and logged it', () => {
    const { snapshot } = load('cache-hot-61');
    const [, , high] = value(snapshot.sysctl['net.ipv4.tcp_mem']) as number[];
    expect(value(snapshot.sockstat).tcp?.mem).toBe(170000);
    expect(high).toBe(184320);
    expect(170000 / (high as number)).toBeGreaterThan(0.9);
    expect(value(snapshot.kernelLog).lines.map((l) => l.kind)).toEqual(['tcp-memory', 'ratelimit-suppressed', 'tcp-memory', 'tcp-orphans']);
    expect(snapshot.sysctl['fs.file-max']).toEqual({ state: 'ok', value: [9223372036854775807n] });
  });

  it('the pressure host is above tcp_mem pressure and below 90 % of high', () => {
    const { snapshot } = load('api-pressure-419');
    const mem = value(snapshot.sockstat).tcp?.mem as number;
    const [, pressure, high] = value(snapshot.sysctl['net.ipv4.tcp_mem']) as number[];
    expect([mem, pressure, high]).toEqual([262144, 251084, 376626]);
    expect(mem).toBeGreaterThan(pressure as number);
    expect(mem).toBeLessThan(0.9 * (high as number));
    expect(tcpExt(snapshot)).toMatchObject({ TCPMemoryPressures: 14, TCPMemoryPressuresChrono: 5234000 });
  });

  it('the container host is in a child network namespace', () => {
    const { snapshot } = load('container-app-66');
    expect(snapshot.initNetns).toBe(false);
    expect(value(snapshot.kernelLog)).toEqual({ source: 'journalctl', lines: [] });
  });

  it('the time-wait host is at tcp_max_tw_buckets with overflows counted', () => {
    const { snapshot } = load('edge-tw-310');
    expect(value(snapshot.sockstat).tcp?.tw).toBe(180000);
    expect(snapshot.sysctl['net.ipv4.tcp_max_tw_buckets']).toEqual({ state: 'ok', value: [180000] });
    expect(tcpExt(snapshot).TCPTimeWaitOverflow).toBe(6405403);
  });

  it('TCPAbortOnMemory grows across three samples while uptime advances', () => {
    const { snapshot } = load('batch-abort-515');
    expect(snapshot.samples.map((s) => s.uptimeSeconds)).toEqual([1203456.1, 1203461.11, 1203466.12]);
    expect([0, 1, 2].map((k) => tcpExt(snapshot, k).TCPAbortOnMemory)).toEqual([120, 134, 151]);
  });

  it('the healthy 6.18 host and the old embedded host read cleanly', () => {
    const healthy = load('web-healthy-618').snapshot;
    expect(healthy.initNetns).toBe(true);
    expect(value(healthy.kernelLog)).toEqual({ source: 'dmesg', lines: [] });
    expect(Object.keys(value(healthy.netstat).groups)).toEqual(['TcpExt', 'IpExt', 'MPTcpExt']);
    const old = load('embedded-d2000-26').snapshot;
    expect(old.sysctl['net.ipv4.tcp_mem']).toEqual({ state: 'ok', value: [1536, 2048, 3072] });
    expect(value(old.sockstat).udp).toEqual({ inuse: 1 });
    // PID 1's netns link was unreadable there, and up to 3.2 every network namespace shows tcp_mem and
    // tcp_max_orphans (the global values), so nothing tells which namespace this was.
    expect(old.initNetns).toBeUndefined();
  });
});
