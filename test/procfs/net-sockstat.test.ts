import { describe, expect, it } from 'vitest';
import { parseSockstat, parseSockstat6 } from '../../src/procfs/net-sockstat.js';
import { error, ok, captured, readCaptured, readEra } from '../support/procfs.js';

const MODERN = 'sockets: used 17\nTCP: inuse 1 orphan 0 tw 1 alloc 1 mem 207\nUDP: inuse 0 mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n';

describe('parseSockstat', () => {
  it('reads the typed fields and keeps every protocol line', () => {
    const s = ok(parseSockstat(MODERN));
    expect(s.socketsUsed).toBe(17);
    expect(s.tcp).toEqual({ inuse: 1, orphan: 0, tw: 1, alloc: 1, mem: 207 });
    expect(s.udp).toEqual({ inuse: 0, mem: 0 });
    expect(s.protocols.FRAG).toEqual({ inuse: 0, memory: 0 });
    expect(Object.keys(s.protocols)).toEqual(['sockets', 'TCP', 'UDP', 'UDPLITE', 'RAW', 'FRAG']);
  });

  it('keeps an unknown extra field (a future `pressure`)', () => {
    const s = ok(parseSockstat('sockets: used 5\nTCP: inuse 1 orphan 2 tw 3 alloc 4 mem 5 pressure 1\n'));
    expect(s.protocols.TCP?.pressure).toBe(1);
    expect(s.tcp?.mem).toBe(5);
  });

  it('accepts CRLF and a missing final newline', () => {
    const s = ok(parseSockstat('sockets: used 9\r\nTCP: inuse 2 orphan 1 tw 0 alloc 3 mem 4'));
    expect(s.socketsUsed).toBe(9);
    expect(s.tcp).toEqual({ inuse: 2, orphan: 1, tw: 0, alloc: 3, mem: 4 });
  });

  it('leaves absent fields absent on an old kernel (UDP without mem, no UDPLITE)', () => {
    const s = ok(parseSockstat(readEra('2.6-d2000', 'proc/net/sockstat')));
    expect(s.udp).toEqual({ inuse: 1 });
    expect(s.udp).not.toHaveProperty('mem');
    expect(s.protocols).not.toHaveProperty('UDPLITE');
  });

  it('names the line of an odd key/value count (a truncated last line)', () => {
    expect(error(parseSockstat('sockets: used 1\nTCP: inuse 1 orphan 0 tw\n'))).toBe('/proc/net/sockstat line 2: odd number of key/value tokens (5)');
  });

  it('names the line of a non-integer value, including one decoded as U+FFFD', () => {
    expect(error(parseSockstat('sockets: used 1\nTCP: inuse 1 orphan \uFFFD\n'))).toBe('/proc/net/sockstat line 2: orphan: "\uFFFD" is not an integer');
  });

  it('says an empty file is empty', () => {
    expect(error(parseSockstat(''))).toBe('/proc/net/sockstat: file is empty');
    expect(error(parseSockstat('\n'))).toBe('/proc/net/sockstat: file is empty');
  });

  it('reads a value past 2^53 exactly, as a bigint, and leaves it out of the typed fields', () => {
    const s = ok(parseSockstat('TCP: inuse 1 mem 18446744073709551615\n'));
    expect(s.protocols.TCP?.mem).toBe(18446744073709551615n);
    expect(s.tcp).toEqual({ inuse: 1 });
  });

  it("reads Tsuna's published sockstat", () => {
    const s = ok(parseSockstat(readEra('2.6.38-tsuna', 'proc/net/sockstat')));
    expect(s.tcp).toEqual({ inuse: 35938, orphan: 21564, tw: 70529, alloc: 35942, mem: 1894 });
    expect(s.socketsUsed).toBe(14565);
  });

  it.skipIf(captured.skipReason !== undefined)(captured.title('reads the captured files of node_exporter and procfs'), () => {
    expect(ok(parseSockstat(readCaptured('node_exporter', 'net/sockstat'))).tcp).toEqual({ inuse: 4, orphan: 0, tw: 4, alloc: 17, mem: 1 });
    const p = ok(parseSockstat(readCaptured('procfs', 'net/sockstat')));
    expect(p.socketsUsed).toBe(1602);
    expect(p.tcp).toEqual({ inuse: 35, orphan: 0, tw: 4, alloc: 59, mem: 22 });
    expect(p.udp).toEqual({ inuse: 12, mem: 62 });
  });
});

describe('parseSockstat6', () => {
  it.skipIf(captured.skipReason !== undefined)(captured.title('reads the captured sockstat6'), () => {
    const s = ok(parseSockstat6(readCaptured('procfs', 'net/sockstat6')));
    expect(s.protocols).toEqual({ TCP6: { inuse: 17 }, UDP6: { inuse: 9 }, UDPLITE6: { inuse: 0 }, RAW6: { inuse: 1 }, FRAG6: { inuse: 0, memory: 0 } });
  });

  it('names the file in its errors', () => {
    expect(error(parseSockstat6('TCP6 inuse 3\n'))).toBe('/proc/net/sockstat6 line 1: expected "PROTOCOL:" first, found "TCP6"');
  });
});
