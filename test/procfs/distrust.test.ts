// What a hostile or broken host can send: more than the probe prints, a section twice, a huge
// kernel log. The reader enforces the probe's own bounds and says what it refused.
import { describe, expect, it } from 'vitest';
import { formatProbeFrame, parseProbeFrame } from '../../src/procfs/frame.js';
import { parseKernelLog } from '../../src/procfs/kernel-log.js';
import {
  KERNEL_LOG_MAX_LINES,
  PROBE_MAX_SAMPLES,
  PROBE_MAX_SECTIONS,
  PROBE_SECTION_MAX_BYTES,
  type ProbeRecord,
  type RawSection,
} from '../../src/procfs/sections.js';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';

const B = 'HOSTILE-BOUNDARY';
const s = (name: string, content: string, status = 0, sample?: number): RawSection => ({ name, status, content, ...(sample === undefined ? {} : { sample }) });
const record = (sections: RawSection[]): ProbeRecord => ({ probeVersion: 1, sections });
const frame = (sections: RawSection[]) => formatProbeFrame(record(sections), B);

/** `count` kernel log lines as dmesg dates them, each a socket-resource message. */
function datedLog(count: number): string {
  const lines = ['source dmesg'];
  for (let i = 0; i < count; i++) lines.push(`[${String(i).padStart(6)}.000000] TCP: too many orphaned sockets`);
  return `${lines.join('\n')}\n`;
}

describe('the frame enforces the probe bounds', () => {
  it('refuses a section with more bytes than the probe prints, naming its line', () => {
    const over = 'x'.repeat(PROBE_SECTION_MAX_BYTES + 1);
    const result = parseProbeFrame(frame([s('uname-r', '6.1\n'), s('proc/meminfo', over)]), B);
    expect(result).toEqual({
      ok: false,
      line: 7,
      error: `probe output line 7: section proc/meminfo (line 6) holds more than ${PROBE_SECTION_MAX_BYTES} bytes, more than the probe prints`,
    });
    // At the bound exactly: what the probe prints when it cut a file.
    const at = parseProbeFrame(frame([s('proc/meminfo', 'x'.repeat(PROBE_SECTION_MAX_BYTES))]), B);
    expect(at.ok && at.record.sections[0]?.truncated).toBe(true);
  });

  it('counts a section over several lines, and takes the bound the probe ran with', () => {
    const lines = 'abcdefghi\n'.repeat(10); // 100 characters over 10 lines
    expect(parseProbeFrame(frame([s('proc/meminfo', lines)]), B, { maxSectionBytes: 100 }).ok).toBe(true);
    expect(parseProbeFrame(frame([s('proc/meminfo', `${lines}z`)]), B, { maxSectionBytes: 100 })).toMatchObject({ ok: false, line: 13 });
    const cut = parseProbeFrame(frame([s('proc/meminfo', lines)]), B, { maxSectionBytes: 100 });
    expect(cut.ok && cut.record.sections[0]?.truncated).toBe(true);
  });

  it('refuses more sections than a probe prints', () => {
    const many = Array.from({ length: PROBE_MAX_SECTIONS }, (_, i) => s(`extra-${i}`, ''));
    expect(parseProbeFrame(frame(many), B).ok).toBe(true);
    const result = parseProbeFrame(frame([...many, s('one-more', '')]), B);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining(`more than ${PROBE_MAX_SECTIONS} sections`) });
  });

  it('refuses a sample index beyond the samples a probe takes', () => {
    expect(parseProbeFrame(frame([s('proc/uptime', '1.00 1.00\n', 0, PROBE_MAX_SAMPLES - 1)]), B).ok).toBe(true);
    expect(parseProbeFrame(frame([s('proc/uptime', '1.00 1.00\n', 0, PROBE_MAX_SAMPLES)]), B)).toMatchObject({
      ok: false,
      line: 2,
      error: expect.stringContaining(`sample ${PROBE_MAX_SAMPLES} is beyond the ${PROBE_MAX_SAMPLES} samples`),
    });
    const huge = `${B} sockaudit-probe 1\n${B} begin proc/uptime sample=${'9'.repeat(400)}\n\n${B} end proc/uptime status=0\n${B} done\n`;
    const result = parseProbeFrame(huge, B);
    expect(result.ok).toBe(false);
    // The host's number is shortened in the message.
    expect(!result.ok && result.error.length).toBeLessThan(200);
  });
});

describe('a host printing 300,000 dated kernel log lines (7.8 MB)', () => {
  const log = datedLog(300_000);

  it('is that big', () => {
    expect(Buffer.byteLength(log)).toBeGreaterThan(7_800_000);
  });

  it('is refused by the frame, without overflowing the stack', () => {
    const result = parseProbeFrame(frame([s('kernel-log', log)]), B);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('section kernel-log (line 2) holds more than') });
  });

  it('is refused by the assembler when it arrives in a record, without overflowing the stack', () => {
    // A record from a saved run or a frame read with a raised bound reaches the assembler whole.
    const framed = parseProbeFrame(frame([s('kernel-log', log)]), B, { maxSectionBytes: 16 * 1024 * 1024 });
    if (!framed.ok) throw new Error(framed.error);
    const { snapshot, problems } = assembleSnapshot(framed.record);
    const detail = `kernel-log: 300000 lines, more than the ${KERNEL_LOG_MAX_LINES} the probe keeps`;
    expect(snapshot.kernelLog).toEqual({ state: 'invalid', detail });
    expect(problems).toContain(`kernel-log: invalid (${detail})`);
  });

  it('the kernel log reader keeps up to the probe bound and refuses one more line', () => {
    const atBound = parseKernelLog(datedLog(KERNEL_LOG_MAX_LINES));
    expect(atBound.ok && atBound.value.lines).toHaveLength(KERNEL_LOG_MAX_LINES);
    expect(parseKernelLog(datedLog(KERNEL_LOG_MAX_LINES + 1))).toEqual({
      ok: false,
      error: `kernel-log: ${KERNEL_LOG_MAX_LINES + 1} lines, more than the ${KERNEL_LOG_MAX_LINES} the probe keeps`,
    });
  });
});

describe('a section printed twice', () => {
  const dup = 'printed more than once, so none of its copies is used';

  it('is a problem, and neither copy is used (no last-wins)', () => {
    const { snapshot, problems } = assembleSnapshot(record([s('proc/meminfo', 'MemTotal: 1024 kB\n'), s('proc/meminfo', 'MemTotal: 999999999 kB\n')]));
    expect(snapshot.meminfo).toEqual({ state: 'invalid', detail: dup });
    expect(problems).toContain(`proc/meminfo: ${dup}`);
    expect(problems.filter((p) => p.startsWith('proc/meminfo'))).toHaveLength(1);
  });

  it('is named once however many copies arrive', () => {
    const { problems } = assembleSnapshot(record([s('sysctl/net.ipv4.tcp_mem', '1 2 3\n'), s('sysctl/net.ipv4.tcp_mem', '4 5 6\n'), s('sysctl/net.ipv4.tcp_mem', '7 8 9\n')]));
    expect(problems.filter((p) => p.startsWith('sysctl/net.ipv4.tcp_mem'))).toEqual([`sysctl/net.ipv4.tcp_mem: ${dup}`]);
  });

  it('leaves a fact unknown', () => {
    const { snapshot, problems } = assembleSnapshot(record([s('uname-r', '6.1.0\n'), s('uname-r', '2.6.32\n')]));
    expect(snapshot).not.toHaveProperty('kernelRelease');
    expect(problems).toContain(`uname-r: ${dup}`);
  });

  it('is told apart by sample: the same name in two samples is no duplicate, the same sample is', () => {
    const sockstat = (orphan: number) => `sockets: used 1\nTCP: inuse 1 orphan ${orphan} tw 0 alloc 1 mem 1\n`;
    const { snapshot, problems } = assembleSnapshot(
      record([s('proc/net/sockstat', sockstat(1), 0, 0), s('proc/net/sockstat', sockstat(2), 0, 1), s('proc/net/sockstat', sockstat(3), 0, 1)]),
    );
    expect(snapshot.samples[0]?.sockstat.state).toBe('ok');
    expect(snapshot.samples[1]?.sockstat).toEqual({ state: 'invalid', detail: dup });
    expect(problems).toContain(`proc/net/sockstat (sample 1): ${dup}`);
    expect(problems.some((p) => p.startsWith('proc/net/sockstat (sample 0)'))).toBe(false);
  });
});

describe('netns-count', () => {
  it('gives netnsCount, and no problem', () => {
    const { snapshot, problems } = assembleSnapshot(record([s('netns-count', '3\n')]));
    expect(snapshot.netnsCount).toBe(3);
    expect(problems.some((p) => p.startsWith('netns-count'))).toBe(false);
  });

  it('is absent without a problem when an older probe did not print it, or the probe could see no link', () => {
    for (const sections of [[], [s('netns-count', '', 2)]]) {
      const { snapshot, problems } = assembleSnapshot(record(sections));
      expect(snapshot).not.toHaveProperty('netnsCount');
      expect(problems.some((p) => p.startsWith('netns-count'))).toBe(false);
    }
  });

  it('is a problem when it is not a positive count or could not be taken', () => {
    for (const [section, problem] of [
      [s('netns-count', '0\n'), 'netns-count: invalid (netns-count line 1: "0" is not a positive integer)'],
      [s('netns-count', 'many\n'), 'netns-count: invalid (netns-count line 1: "many" is not a positive integer)'],
      [s('netns-count', 'stat: command not found\n', 127), 'netns-count: unreadable (stat: command not found)'],
    ] as const) {
      const { snapshot, problems } = assembleSnapshot(record([section]));
      expect(snapshot).not.toHaveProperty('netnsCount');
      expect(problems).toContain(problem);
    }
  });
});
