import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCounterTable } from '../../src/procfs/net-netstat.js';
import { nameTable, parseError, parsed, splitLines, type ParseResult } from '../../src/procfs/parse-result.js';
import type { CounterTable, Int } from '../../src/procfs/types.js';
import { error, ok, captured, readCaptured, readEra } from '../support/procfs.js';

describe('parseCounterTable', () => {
  it('reads any number of pairs, MPTcpExt included', () => {
    const text = 'TcpExt: SyncookiesSent TCPAbortOnMemory\nTcpExt: 0 7\nIpExt: InOctets\nIpExt: 99\nMPTcpExt: MPCapableSYNRX MPTCPRetrans\nMPTcpExt: 3 4\n';
    const t = ok(parseCounterTable(text));
    expect(t.groups).toEqual({ TcpExt: { SyncookiesSent: 0, TCPAbortOnMemory: 7 }, IpExt: { InOctets: 99 }, MPTcpExt: { MPCapableSYNRX: 3, MPTCPRetrans: 4 } });
  });

  it('leaves fields an old kernel lacks absent', () => {
    const t = ok(parseCounterTable(readEra('2.6-d2000', 'proc/net/netstat')));
    expect(t.groups.TcpExt?.TCPAbortOnMemory).toBe(0);
    expect(t.groups.TcpExt).not.toHaveProperty('TCPMemoryPressuresChrono');
    expect(t.groups.TcpExt).not.toHaveProperty('TCPTimeWaitOverflow');
    expect(t.groups.TcpExt?.TCPAbortOnSyn).toBe(0);
    expect(t.groups).not.toHaveProperty('IpExt');
  });

  it('names the line where header and values differ in length', () => {
    expect(error(parseCounterTable('TcpExt: A B C\nTcpExt: 1 2\n'))).toBe('/proc/net/netstat line 2: 2 values for 3 names on line 1');
  });

  it('names a header line left without its value line (a truncated file)', () => {
    expect(error(parseCounterTable('TcpExt: A\nTcpExt: 1\nIpExt: InOctets OutOc', '/proc/net/snmp'))).toBe(
      '/proc/net/snmp line 3: header line of IpExt has no value line',
    );
  });

  it('names a value line of another group', () => {
    expect(error(parseCounterTable('Ip: A\nTcp: 1\n'))).toBe('/proc/net/netstat line 2: value line starts with "Tcp:", header line 1 with "Ip:"');
  });

  it('names a non-integer value', () => {
    expect(error(parseCounterTable('Tcp: A B\nTcp: 1 x\n'))).toBe('/proc/net/netstat line 2: B: "x" is not an integer');
  });

  it('accepts CRLF, no final newline, and negative values (Tcp MaxConn -1)', () => {
    const t = ok(parseCounterTable('Tcp: RtoAlgorithm MaxConn\r\nTcp: 1 -1'));
    expect(t.groups.Tcp).toEqual({ RtoAlgorithm: 1, MaxConn: -1 });
  });

  it('reads u64 counters past 2^53 exactly', () => {
    const t = ok(parseCounterTable('IpExt: InOctets\nIpExt: 18446744073709551615\n'));
    expect(t.groups.IpExt?.InOctets).toBe(18446744073709551615n);
  });

  it('gives each host a group of its own, without a prototype, when hosts print the same long header', () => {
    // Headers longer than 64 characters are kept and their groups copied from one layout.
    const names = ['SyncookiesSent', '__proto__', 'constructor', 'toString', 'TCPAbortOnMemory', 'TCPMemoryPressures'];
    const text = (values: number[]) => `TcpExt: ${names.join(' ')}\nTcpExt: ${values.join(' ')}\n`;
    const first = ok(parseCounterTable(text([1, 2, 3, 4, 5, 6]))).groups.TcpExt!;
    const second = ok(parseCounterTable(text([10, 20, 30, 40, 50, 60]))).groups.TcpExt!;
    expect(Object.getPrototypeOf(first)).toBeNull();
    expect(first).toEqual(Object.fromEntries(names.map((n, i) => [n, i + 1])));
    expect(second).toEqual(Object.fromEntries(names.map((n, i) => [n, (i + 1) * 10])));
    // In sorted order, as report.json writes them.
    expect(Object.keys(first)).toEqual([...names].sort());
    first.TCPAbortOnMemory = 99;
    expect(ok(parseCounterTable(text([0, 0, 0, 0, 0, 0]))).groups.TcpExt!.TCPAbortOnMemory).toBe(0);
    expect(second.TCPAbortOnMemory).toBe(50);
  });

  it('says an empty file is empty', () => {
    expect(error(parseCounterTable(''))).toBe('/proc/net/netstat: file is empty');
  });

  it('reads the 6.18 capture of this machine, three pairs', () => {
    const t = ok(parseCounterTable(readEra('6.18-x86_64', 'proc/net/netstat')));
    expect(Object.keys(t.groups)).toEqual(['TcpExt', 'IpExt', 'MPTcpExt']);
    expect(Object.keys(t.groups.TcpExt ?? {})).toHaveLength(135);
    expect(Object.keys(t.groups.MPTcpExt ?? {})).toHaveLength(76);
    expect(t.groups.TcpExt?.TCPAbortOnMemory).toBe(0);
  });

  it('reads the 3.10 RHEL 7 netstat and snmp', () => {
    const t = ok(parseCounterTable(readEra('3.10-el7', 'proc/net/netstat')));
    expect(t.groups.TcpExt?.TCPTimeWaitOverflow).toBe(6405403);
    expect(t.groups.TcpExt?.TCPHPHits).toBe(49750058725);
    expect(t.groups.IpExt?.InOctets).toBe(40347513394529);
    const s = ok(parseCounterTable(readEra('3.10-el7', 'proc/net/snmp'), '/proc/net/snmp'));
    expect(s.groups.Tcp?.MaxConn).toBe(-1);
    expect(s.groups.Udp?.InDatagrams).toBe(38763043221);
  });

  it.skipIf(captured.skipReason !== undefined)(captured.title('reads the captured files of node_exporter and procfs, hand-edited fields included'), () => {
    const ne = ok(parseCounterTable(readCaptured('node_exporter', 'net/netstat')));
    expect(Object.keys(ne.groups.TcpExt ?? {})).toHaveLength(84);
    expect(ne.groups.TcpExt?.TCPOFOQueue).toBe(42);
    expect(ne.groups.TcpExt?.TCPRcvQDrop).toBe(131);
    expect(ne.groups.IpExt?.InOctets).toBe(6286396970);
    const neSnmp = ok(parseCounterTable(readCaptured('node_exporter', 'net/snmp'), '/proc/net/snmp'));
    expect(neSnmp.groups.Udp).toMatchObject({ RcvbufErrors: 9, SndbufErrors: 8 });
    const pf = ok(parseCounterTable(readCaptured('procfs', 'net/netstat')));
    expect(Object.keys(pf.groups.TcpExt ?? {})).toHaveLength(113);
    // Paired by position, as a reader of the file must: the hand-inserted name takes the 79th value.
    expect(pf.groups.TcpExt).toMatchObject({ TCPRcvCoalesce: 0, TCPRcvQDrop: 92425, TCPOFOQueue: 65515 });
    const pfSnmp = ok(parseCounterTable(readCaptured('procfs', 'net/snmp'), '/proc/net/snmp'));
    expect(pfSnmp.groups.Tcp).toMatchObject({ MaxConn: -1, ActiveOpens: 1103, RetransSegs: 348 });
  });
});

describe('parseCounterTable on lines the kernel would not print', () => {
  /** The parser as it was before the kernel's own value lines were read without tokens. */
  function reference(text: string, file = '/proc/net/netstat'): ParseResult<CounterTable> {
    const lines = splitLines(text)
      .map((line, index) => ({ number: index + 1, fields: line.split(/[ \t]+/).filter((t) => t !== '') }))
      .filter((line) => line.fields.length > 0);
    if (lines.length === 0) return parseError(file, undefined, 'file is empty');
    const groups = nameTable<Record<string, Int>>();
    for (let i = 0; i < lines.length; i += 2) {
      const header = lines[i]!;
      const values = lines[i + 1];
      const label = header.fields[0]!;
      if (!label.endsWith(':')) return parseError(file, header.number, `expected "Group:" first, found "${label}"`);
      if (!values) return parseError(file, header.number, `header line of ${label.slice(0, -1)} has no value line`);
      if (values.fields[0] !== label) return parseError(file, values.number, `value line starts with "${values.fields[0]}", header line ${header.number} with "${label}"`);
      if (values.fields.length !== header.fields.length) return parseError(file, values.number, `${values.fields.length - 1} values for ${header.fields.length - 1} names on line ${header.number}`);
      const group = (groups[label.slice(0, -1)] ??= nameTable<Int>());
      for (let f = 1; f < header.fields.length; f++) {
        const value = /^-?\d+$/.test(values.fields[f]!) ? BigInt(values.fields[f]!) : undefined;
        if (value === undefined) return parseError(file, values.number, `${header.fields[f]}: "${values.fields[f]}" is not an integer`);
        group[header.fields[f]!] = value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) || 0 : value;
      }
    }
    return parsed({ groups });
  }

  const token = fc.constantFrom('TcpExt:', 'IpExt:', 'A', 'B', '__proto__', '0', '7', '00', '-3', '-0', '123456789012345', '9007199254740993', '18446744073709551615', 'x', '1.5');
  const separator = fc.constantFrom(' ', ' ', ' ', '  ', '\t', ' \t');
  const line = fc.tuple(fc.constantFrom('', ' ', '\t'), fc.array(fc.tuple(token, separator), { maxLength: 6 }), fc.constantFrom('', ' ', '\r')).map(
    ([lead, parts, tail]) => lead + parts.map(([t, s], i) => (i === parts.length - 1 ? t : t + s)).join('') + tail,
  );

  it('reads every line as the general path always did: the same groups, the same first error', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const text = lines.join('\n');
        expect(parseCounterTable(text)).toEqual(reference(text));
      }),
      { numRuns: 3000 },
    );
    // Pairs that mostly pass, so that the values are compared and not only the errors.
    const pair = fc.tuple(fc.constantFrom('TcpExt:', 'IpExt:'), fc.array(fc.constantFrom('A', 'B', 'C', '__proto__'), { maxLength: 4 }), fc.array(token, { maxLength: 4 }), separator).map(
      ([label, names, values, sep]) => `${label} ${names.join(' ')}\n${label}${sep}${values.join(' ')}`,
    );
    // Value lines in the kernel's form, counters of any size up to u64 and a few that are not counters.
    const counter = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String), fc.nat().map(String), fc.constantFrom('00', '-1', '1e3', '9007199254740992', '9007199254740993'));
    // Short names, and long ones whose header is kept and whose group is copied from its layout.
    const kernelPair = fc
      .tuple(fc.array(counter, { minLength: 1, maxLength: 6 }), fc.constantFrom('F', 'InCsumErrorsAndMoreOfThem'))
      .map(([values, stem]) => `IpExt: ${values.map((_, i) => `${stem}${i}`).join(' ')}\nIpExt: ${values.join(' ')}`);
    fc.assert(
      fc.property(fc.array(fc.oneof(pair, kernelPair), { minLength: 1, maxLength: 4 }), (pairs) => {
        const text = `${pairs.join('\n')}\n`;
        expect(parseCounterTable(text)).toEqual(reference(text));
      }),
      { numRuns: 3000 },
    );
  });
});
