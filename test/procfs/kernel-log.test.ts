import { describe, expect, it } from 'vitest';
import { parseKernelLog } from '../../src/procfs/kernel-log.js';
import { error, ok, readEra } from '../support/procfs.js';

describe('parseKernelLog', () => {
  it('classifies every pattern of the risk model, whatever the case', () => {
    const log = ok(
      parseKernelLog(
        [
          'source dmesg',
          '[  100.000001] TCP: too many orphaned sockets',
          '[  100.000002] TCP: too many of orphaned sockets',
          '[  100.000003] TCP: out of memory -- consider tuning tcp_mem',
          '[  100.000004] Out of socket memory',
          '[  100.000005] MPTCP: out of memory: force closing socket',
          '[  100.000006] TCP: time wait bucket table overflow',
          '[  100.000007] nf_conntrack: nf_conntrack: table full, dropping packet',
          '[  100.000008] VFS: file-max limit 8192 reached',
          '[  100.000009] TCP: request_sock_TCP: Possible SYN flooding on port 80. Sending cookies.  Check SNMP counters.',
          '[  100.000010] possible SYN flooding on port 8080. Sending cookies.',
          '[  100.000011] net_ratelimit: 42 callbacks suppressed',
          '[  100.000012] e1000e: eth0 NIC Link is Up',
        ].join('\n'),
      ),
    );
    expect(log.source).toBe('dmesg');
    expect(log.lines.map((l) => l.kind)).toEqual([
      'tcp-orphans',
      'tcp-orphans',
      'tcp-memory',
      'socket-memory',
      'mptcp-memory',
      'tw-overflow',
      'conntrack-full',
      'file-max',
      'syn-flood',
      'syn-flood',
      'ratelimit-suppressed',
    ]);
    expect(log.lines[10]).toMatchObject({ suppressed: 42, secondsSinceBoot: 100.000011 });
  });

  it("reads Tsuna's kern.log line, syslog prefix and all", () => {
    const line = readEra('2.6.38-tsuna', 'var/log/kern.log').trim();
    const log = ok(parseKernelLog(`source dmesg\n${line}\n`));
    expect(log.lines).toEqual([{ kind: 'socket-memory', secondsSinceBoot: 3077014.450011, text: 'Feb 25 08:23:42 foo kernel: [3077014.450011] Out of socket memory' }]);
  });

  it('reads journalctl short-monotonic lines and leaves undated lines undated', () => {
    const log = ok(parseKernelLog('source journalctl\r\n[ 5021.441200] web-1 kernel: TCP: out of memory -- consider tuning tcp_mem\r\nTCP: too many orphaned sockets'));
    expect(log.source).toBe('journalctl');
    expect(log.lines[0]).toMatchObject({ kind: 'tcp-memory', secondsSinceBoot: 5021.4412 });
    expect(log.lines[1]?.kind).toBe('tcp-orphans');
    expect(log.lines[1]).not.toHaveProperty('secondsSinceBoot');
  });

  it('keeps no control characters from the host in the text', () => {
    const log = ok(parseKernelLog('source dmesg\n[1.0] Out of socket memory \u001b[31mred\u001b[0m \uFFFD\n'));
    expect(log.lines[0]?.text).toBe('[1.0] Out of socket memory \uFFFD[31mred\uFFFD[0m \uFFFD');
  });

  it('an empty log is legal; a missing or unknown source is not', () => {
    expect(ok(parseKernelLog('source dmesg\n'))).toEqual({ source: 'dmesg', lines: [] });
    expect(error(parseKernelLog(''))).toBe('kernel-log: no `source` line');
    expect(error(parseKernelLog('source syslog\n'))).toBe('kernel-log line 1: expected "source dmesg" or "source journalctl", found "source syslog"');
  });
});
