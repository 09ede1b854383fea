// /proc/net/netstat and /proc/net/snmp (net/ipv4/proc.c netstat_seq_show, snmp_seq_show): pairs of
// lines, `Group: Name Name ...` then `Group: value value ...`. The groups and their fields vary by
// kernel: TcpExt grows almost every release (TCPMemoryPressuresChrono only since 4.x, TCPAbortOnSyn
// gone in 3.6 per munin PR #817), IpExt is missing from some 2.6 kernels, the MPTcpExt pair exists
// since 5.x (net/mptcp/mib.c), and distribution kernels backport fields out of mainline order.
// So fields are read by name and a pair is only checked against itself.
import { parseInteger } from './int.js';
import { nameTable, parseError, parsed, splitLines, tokens, type ParseResult } from './parse-result.js';
import type { CounterTable, Int } from './types.js';

export function parseCounterTable(text: string, file = '/proc/net/netstat'): ParseResult<CounterTable> {
  const lines = splitLines(text)
    .map((line, index) => ({ number: index + 1, fields: tokens(line) }))
    .filter((line) => line.fields.length > 0);
  if (lines.length === 0) return parseError(file, undefined, 'file is empty');
  const groups = nameTable<Record<string, Int>>();
  for (let i = 0; i < lines.length; i += 2) {
    const header = lines[i]!;
    const values = lines[i + 1];
    const label = header.fields[0]!;
    if (!label.endsWith(':')) return parseError(file, header.number, `expected "Group:" first, found "${label}"`);
    if (!values) return parseError(file, header.number, `header line of ${label.slice(0, -1)} has no value line`);
    if (values.fields[0] !== label) {
      return parseError(file, values.number, `value line starts with "${values.fields[0]}", header line ${header.number} with "${label}"`);
    }
    if (values.fields.length !== header.fields.length) {
      return parseError(
        file,
        values.number,
        `${values.fields.length - 1} values for ${header.fields.length - 1} names on line ${header.number}`,
      );
    }
    const group = (groups[label.slice(0, -1)] ??= nameTable<Int>());
    for (let f = 1; f < header.fields.length; f++) {
      const token = values.fields[f]!;
      const value = parseInteger(token);
      if (value === undefined) return parseError(file, values.number, `${header.fields[f]}: "${token}" is not an integer`);
      group[header.fields[f]!] = value;
    }
  }
  return parsed({ groups });
}
