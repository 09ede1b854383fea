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
  const groups = nameTable<Record<string, Int>>();
  // Lines pair up in order, blank lines skipped: a header, then its values.
  let header: string[] | undefined;
  let headerNumber = 0;
  let empty = true;
  const lines = splitLines(text);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (header !== undefined && line.startsWith(header[0]!) && line.charCodeAt(header[0]!.length) === 0x20) {
      if (readKernelValues(line, header, (groups[header[0]!.slice(0, -1)] ??= newGroup(header)))) {
        header = undefined;
        continue;
      }
    }
    const fields = header === undefined ? headerTokens(line) : tokens(line);
    if (fields.length === 0) continue;
    empty = false;
    const number = index + 1;
    if (header === undefined) {
      const label = fields[0]!;
      if (!label.endsWith(':')) return parseError(file, number, `expected "Group:" first, found "${label}"`);
      header = fields;
      headerNumber = number;
      continue;
    }
    const label = header[0]!;
    if (fields[0] !== label) return parseError(file, number, `value line starts with "${fields[0]}", header line ${headerNumber} with "${label}"`);
    if (fields.length !== header.length) return parseError(file, number, `${fields.length - 1} values for ${header.length - 1} names on line ${headerNumber}`);
    const group = (groups[label.slice(0, -1)] ??= newGroup(header));
    for (let f = 1; f < header.length; f++) {
      const token = fields[f]!;
      const value = parseInteger(token);
      if (value === undefined) return parseError(file, number, `${header[f]}: "${token}" is not an integer`);
      group[header[f]!] = value;
    }
    header = undefined;
  }
  if (empty) return parseError(file, undefined, 'file is empty');
  if (header !== undefined) return parseError(file, headerNumber, `header line of ${header[0]!.slice(0, -1)} has no value line`);
  return parsed({ groups });
}

// A kernel prints the same header lines on every host that runs it, 100 and more names each:
// their tokens are kept, by line, so that a fleet's hosts share one copy of the names instead of
// splitting them out again per host. Bounded, so that hosts printing ever new headers cannot grow
// it without end; the arrays are never modified.
const HEADERS_KEPT = 256;
const headers = new Map<string, readonly string[]>();

// With each kept header, its group as a template: every name, set to 0. A table filled name by
// name is kept by V8 as a hash table, six times the memory of an object laid out once (TcpExt's
// 120 counters: 6.2 KB against 1 KB), and a fleet keeps a few of them per host until its reports
// are written. A copy of the template has the layout already, shared by every host of that kernel,
// and its values are then stored in place. Without a prototype, set once the copy is laid out:
// no name reaches Object.prototype, as in a nameTable.
const templates = new WeakMap<readonly string[], Record<string, Int>>();

function headerTokens(line: string): string[] {
  const known = headers.get(line);
  if (known !== undefined) return known as string[];
  const fields = tokens(line);
  if (headers.size < HEADERS_KEPT && line.length > 64) {
    headers.set(line, fields);
    // Names in sorted order, as report.json writes them: its writer can then take the group as it is.
    templates.set(fields, Object.setPrototypeOf(Object.fromEntries(fields.slice(1).sort().map((name) => [name, 0])), null) as Record<string, Int>);
  }
  return fields;
}

/** An empty group for a header's values: a copy of its template when the header is kept, else a name table. */
function newGroup(header: readonly string[]): Record<string, Int> {
  const template = templates.get(header);
  return template === undefined ? nameTable<Int>() : (Object.setPrototypeOf({ ...template }, null) as Record<string, Int>);
}

/**
 * A value line as the kernel prints it, `Group: 12 0 345`, single spaces and counters below 2^53:
 * read straight into the group, without a token array or a string per value. False as soon as
 * the line is anything else (another spacing, a sign, a non-digit, a long number, a count that
 * differs), and then the general path reads it again from the start, errors included; what was
 * written meanwhile it writes again, in the same order.
 */
function readKernelValues(line: string, header: readonly string[], group: Record<string, Int>): boolean {
  let f = 1;
  let value = 0;
  let digits = 0;
  // One past the end stands for a final space, which closes the last value.
  for (let i = header[0]!.length + 1; i <= line.length; i++) {
    const c = i < line.length ? line.charCodeAt(i) : 0x20;
    if (c === 0x20) {
      if (digits === 0 || f >= header.length) return false;
      group[header[f++]!] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 15) {
      // Fifteen digits stay below 2^53, so the sum is exact.
      value = value * 10 + (c - 0x30);
      digits++;
    } else return false;
  }
  return f === header.length;
}
