import { describe, expect, it } from 'vitest';
import { formatProbeFrame, parseProbeFrame } from '../../src/procfs/frame.js';
import { PROBE_SECTION_MAX_BYTES, type ProbeRecord } from '../../src/procfs/sections.js';

const B = 'TEST-BOUNDARY-1';

function frame(...lines: string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

describe('parseProbeFrame', () => {
  it('reads sections, samples and statuses, and strips exactly the newline the probe adds', () => {
    const text = frame(
      `${B} sockaudit-probe 1`,
      `${B} begin proc/uptime sample=2`,
      '12.5 40.1',
      '',
      `${B} end proc/uptime status=0`,
      `${B} begin sysctl/net.ipv4.tcp_ehash_entries`,
      '',
      `${B} end sysctl/net.ipv4.tcp_ehash_entries status=2`,
      `${B} begin uname-r`,
      'no newline of its own',
      `${B} end uname-r status=0`,
      `${B} done`,
    );
    const result = parseProbeFrame(text, B);
    expect(result).toEqual({
      ok: true,
      record: {
        probeVersion: 1,
        sections: [
          { name: 'proc/uptime', sample: 2, status: 0, content: '12.5 40.1\n' },
          { name: 'sysctl/net.ipv4.tcp_ehash_entries', status: 2, content: '' },
          { name: 'uname-r', status: 0, content: 'no newline of its own' },
        ],
      },
    });
  });

  it('keeps CR and blank lines of the content as they were', () => {
    const result = parseProbeFrame(frame(`${B} sockaudit-probe 1`, `${B} begin x`, 'a\r', '', 'b\r', '', `${B} end x status=0`, `${B} done`), B);
    expect(result.ok && result.record.sections[0]?.content).toBe('a\r\n\nb\r\n');
  });

  it('names the line of an unterminated section', () => {
    const text = frame(`${B} sockaudit-probe 1`, `${B} begin proc/meminfo`, 'MemTotal: 1 kB', `${B} begin proc/loadavg`);
    expect(parseProbeFrame(text, B)).toEqual({ ok: false, line: 4, error: 'probe output line 4: section proc/meminfo (line 2) is not ended before this line' });
    expect(parseProbeFrame(frame(`${B} sockaudit-probe 1`, `${B} begin proc/meminfo`, 'MemTotal: 1 kB'), B)).toMatchObject({
      ok: false,
      line: 4,
      error: 'probe output line 4: section proc/meminfo (line 2) is not ended',
    });
  });

  it('names unknown lines outside sections, a mismatched end, output cut before done, and text after it', () => {
    expect(parseProbeFrame(frame(`${B} sockaudit-probe 1`, 'stray', `${B} done`), B)).toMatchObject({ ok: false, line: 2 });
    expect(parseProbeFrame(frame(`${B} sockaudit-probe 1`, `${B} begin a`, 'x', `${B} end b status=0`, `${B} done`), B)).toMatchObject({ ok: false, line: 4 });
    expect(parseProbeFrame(frame(`${B} sockaudit-probe 1`), B)).toEqual({ ok: false, line: 2, error: `probe output line 2: output ends without "${B} done"` });
    expect(parseProbeFrame(frame(`${B} sockaudit-probe 1`, `${B} done`, 'more'), B)).toEqual({ ok: false, line: 3, error: `probe output line 3: text after "${B} done"` });
    expect(parseProbeFrame('Permission denied\n', B)).toMatchObject({ ok: false, line: 1 });
  });

  it('does not take another boundary for its own', () => {
    const text = frame(`OTHER sockaudit-probe 1`, `OTHER done`);
    expect(parseProbeFrame(text, B).ok).toBe(false);
  });

  it('marks content that reaches the size bound as truncated, counting UTF-8 bytes', () => {
    const atBound = 'é'.repeat(PROBE_SECTION_MAX_BYTES / 2);
    const below = 'a'.repeat(PROBE_SECTION_MAX_BYTES - 1);
    const text = frame(`${B} sockaudit-probe 1`, `${B} begin big`, atBound, `${B} end big status=0`, `${B} begin small`, below, `${B} end small status=0`, `${B} done`);
    const result = parseProbeFrame(text, B);
    if (!result.ok) throw new Error(result.error);
    expect(result.record.sections[0]?.truncated).toBe(true);
    expect(result.record.sections[1]).not.toHaveProperty('truncated');
  });
});

describe('formatProbeFrame', () => {
  const record: ProbeRecord = {
    probeVersion: 1,
    sections: [
      { name: 'uname-r', status: 0, content: '6.1.0-18-amd64\n' },
      { name: 'proc/net/sockstat', sample: 0, status: 0, content: 'sockets: used 1\r\nTCP: inuse 1' },
      { name: 'sysctl/net.ipv4.tcp_mem', status: 2, content: '' },
      { name: 'kernel-log', status: 1, content: 'dmesg: read kernel buffer failed: Operation not permitted\n\n' },
    ],
  };

  it('is the inverse of parseProbeFrame, with any boundary', () => {
    for (const boundary of [B, 'SOCKAUDIT-RECORDED', 'sockaudit-0123456789abcdef01234567']) {
      expect(parseProbeFrame(formatProbeFrame(record, boundary), boundary)).toEqual({ ok: true, record });
    }
  });

  it('refuses content that would forge a frame line', () => {
    expect(() => formatProbeFrame({ probeVersion: 1, sections: [{ name: 'x', status: 0, content: `a\n${B} done\n` }] }, B)).toThrow(/starting with the boundary/);
  });
});
