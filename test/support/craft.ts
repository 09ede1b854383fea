// Multi-sample recordings crafted from the recorded hosts in inventory/recorded/: the host's
// once-read sections kept as they are, its first sample repeated with the gauges, counters and
// uptime a test asks for. Inputs for the sampling tests, not expected outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProbeFrame, parseProbeFrame } from '../../src/procfs/frame.js';
import { RECORDED_BOUNDARY, SAMPLED_FILES, type RawSection } from '../../src/procfs/sections.js';
import { packageRoot } from '../../src/paths.js';

export function readRecording(name: string): string {
  return readFileSync(join(packageRoot(), 'inventory', 'recorded', `${name}.probe`), 'utf8');
}

export interface SampleEdit {
  /** Seconds since the first sample (the base's sample-0 uptime plus this). */
  at?: number;
  /** Fields of the sockstat TCP line. */
  tcp?: Partial<Record<'inuse' | 'orphan' | 'tw' | 'alloc' | 'mem', number>>;
  /** TcpExt counters of /proc/net/netstat; each must exist in the base. */
  tcpExt?: Record<string, number>;
}

/** The base recording with its samples replaced by one per edit, each built from the base's sample 0. */
export function craftRecording(base: string, edits: readonly SampleEdit[]): string {
  const parsed = parseProbeFrame(base, RECORDED_BOUNDARY);
  if (!parsed.ok) throw new Error(`base recording: ${parsed.error}`);
  const isSampled = (s: RawSection) => (SAMPLED_FILES as readonly string[]).includes(s.name);
  const first = (name: string): RawSection => {
    const s = parsed.record.sections.find((x) => x.name === name && (x.sample ?? 0) === 0);
    if (!s) throw new Error(`base recording has no ${name} sample 0`);
    return s;
  };
  const uptime = first('proc/uptime');
  const sockstat = first('proc/net/sockstat');
  const netstat = first('proc/net/netstat');
  const [up0 = '0', ...restUptime] = uptime.content.split(' ');

  const sections = parsed.record.sections.filter((s) => !isSampled(s));
  edits.forEach((edit, k) => {
    const up = (Number(up0) + (edit.at ?? 5 * k)).toFixed(2);
    sections.push({ ...uptime, sample: k, content: [up, ...restUptime].join(' ') });
    sections.push({ ...sockstat, sample: k, content: setTcp(sockstat.content, edit.tcp ?? {}) });
    sections.push({ ...netstat, sample: k, content: setTcpExt(netstat.content, edit.tcpExt ?? {}) });
  });
  return formatProbeFrame({ ...parsed.record, sections }, RECORDED_BOUNDARY);
}

function setTcp(content: string, fields: Record<string, number>): string {
  return content.replace(/^TCP: (.*)$/m, (_line, rest: string) => {
    const tokens = rest.split(' ');
    for (const [key, value] of Object.entries(fields)) {
      const i = tokens.indexOf(key);
      if (i < 0 || i % 2 !== 0) throw new Error(`sockstat TCP line has no ${key}`);
      tokens[i + 1] = String(value);
    }
    return `TCP: ${tokens.join(' ')}`;
  });
}

function setTcpExt(content: string, counters: Record<string, number>): string {
  const lines = content.split('\n');
  const header = lines.findIndex((l) => l.startsWith('TcpExt: '));
  const names = (lines[header] ?? '').split(' ');
  const values = (lines[header + 1] ?? '').split(' ');
  for (const [name, value] of Object.entries(counters)) {
    const i = names.indexOf(name);
    if (header < 0 || i < 1) throw new Error(`netstat has no TcpExt ${name}`);
    values[i] = String(value);
  }
  lines[header + 1] = values.join(' ');
  return lines.join('\n');
}
