// Runs built from the recorded hosts (real probe output, kept in inventory/recorded/), so that a
// saved run can be parsed again from its raw records. Edits change the raw text, as a host would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FailureStage } from '../../src/collect/types.js';
import { defaultConfig, evaluateHost } from '../../src/evaluate/index.js';
import { packageRoot } from '../../src/paths.js';
import { parseProbeFrame } from '../../src/procfs/frame.js';
import { RECORDED_BOUNDARY, type ProbeRecord } from '../../src/procfs/sections.js';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';
import type { AuditRun, HostResult } from '../../src/run/types.js';

export const START = '2025-03-03T06:00:00.000Z';

export function recording(name: string): ProbeRecord {
  const text = readFileSync(join(packageRoot(), 'inventory', 'recorded', `${name}.probe`), 'utf8');
  const framed = parseProbeFrame(text, RECORDED_BOUNDARY);
  if (!framed.ok) throw new Error(`${name}: ${framed.error}`);
  return framed.record;
}

/** A host audited from a recording, as the audit command would produce it. */
export function recordedHost(name: string, record: ProbeRecord, extras: { groups?: string[]; port?: number } = {}): HostResult {
  const { snapshot, problems } = assembleSnapshot(record);
  return {
    outcome: {
      status: problems.length > 0 ? 'partial' : 'ok',
      target: { name, address: '127.0.0.1', port: extras.port ?? 2200, user: 'audit', groups: extras.groups ?? ['recorded'] },
      record,
      snapshot,
      problems,
      startedAt: START,
      durationMs: 120,
    },
    verdict: evaluateHost(snapshot, defaultConfig),
  };
}

export function failedHost(name: string, stage: FailureStage, message: string, detail?: Record<string, string>): HostResult {
  return {
    outcome: {
      status: 'failed',
      target: { name, address: '127.0.0.1', port: 2201, user: 'audit', groups: [] },
      stage,
      message,
      ...(detail ? { detail } : {}),
      startedAt: START,
      durationMs: 10_000,
    },
  };
}

export function runOf(hosts: HostResult[], extras: Partial<AuditRun> = {}): AuditRun {
  return {
    tool: { name: 'sockaudit', version: '9.9.9-test' },
    startedAt: START,
    finishedAt: '2025-03-03T06:00:04.000Z',
    failOn: 'critical',
    hostKeyPolicy: 'strict',
    samples: 1,
    intervalSeconds: 5,
    warnings: [],
    hosts,
    ...extras,
  };
}

/** The record with one section's content replaced (every sample of it, for sampled files). */
export function withSection(record: ProbeRecord, name: string, edit: (content: string) => string): ProbeRecord {
  if (!record.sections.some((s) => s.name === name)) throw new Error(`no section ${name}`);
  return { ...record, sections: record.sections.map((s) => (s.name === name ? { ...s, content: edit(s.content) } : s)) };
}

/** Sets a TcpExt counter in every sample of /proc/net/netstat (header line, then values line). */
export function withCounter(record: ProbeRecord, counter: string, value: number): ProbeRecord {
  return withSection(record, 'proc/net/netstat', (text) => {
    const lines = text.split('\n');
    const header = lines.findIndex((l) => l.startsWith('TcpExt:') && l.split(' ').includes(counter));
    const names = lines[header]?.split(' ');
    const values = lines[header + 1]?.split(' ');
    if (!names || !values) throw new Error(`no TcpExt ${counter}`);
    values[names.indexOf(counter)] = String(value);
    lines[header + 1] = values.join(' ');
    return lines.join('\n');
  });
}

export function withUptime(record: ProbeRecord, seconds: number): ProbeRecord {
  return withSection(record, 'proc/uptime', () => `${seconds.toFixed(2)} 1000.00\n`);
}

export function withBootId(record: ProbeRecord, id: string): ProbeRecord {
  return withSection(record, 'boot-id', () => `${id}\n`);
}

/** The counter as the host's last sample reports it. */
export function counterOf(result: HostResult, counter: string): number {
  if (result.outcome.status === 'failed') throw new Error('not audited');
  const samples = result.outcome.snapshot.samples;
  const last = samples[samples.length - 1]?.netstat;
  const v = last?.state === 'ok' ? last.value.groups.TcpExt?.[counter] : undefined;
  if (v === undefined) throw new Error(`no ${counter}`);
  return Number(v);
}
