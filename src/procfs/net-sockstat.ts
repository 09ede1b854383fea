// /proc/net/sockstat and /proc/net/sockstat6 (net/ipv4/proc.c sockstat_seq_show,
// net/ipv6/proc.c sockstat6_seq_show): one line per protocol, `PROTO: key value key value ...`.
import { exactNumber, parseInteger } from './int.js';
import { nameTable, parseError, parsed, splitLines, tokens, type ParseResult } from './parse-result.js';
import type { Int, Sockstat, Sockstat6 } from './types.js';

type Protocols = Record<string, Record<string, Int>>;

function parseProtocolLines(text: string, file: string): ParseResult<Protocols> {
  const lines = splitLines(text);
  if (lines.every((line) => line.trim() === '')) return parseError(file, undefined, 'file is empty');
  const protocols: Protocols = nameTable();
  for (const [index, line] of lines.entries()) {
    const fields = tokens(line);
    if (fields.length === 0) continue;
    const [label, ...pairs] = fields;
    if (!label?.endsWith(':')) return parseError(file, index + 1, `expected "PROTOCOL:" first, found "${label}"`);
    if (pairs.length % 2 !== 0) return parseError(file, index + 1, `odd number of key/value tokens (${pairs.length})`);
    const values = nameTable<Int>();
    for (let i = 0; i < pairs.length; i += 2) {
      const key = pairs[i] as string;
      const value = parseInteger(pairs[i + 1] as string);
      if (value === undefined) return parseError(file, index + 1, `${key}: "${pairs[i + 1]}" is not an integer`);
      values[key] = value;
    }
    protocols[label.slice(0, -1)] = values;
  }
  return parsed(protocols);
}

/**
 * /proc/net/sockstat. Fields are taken by name, so an old kernel's shorter lines (2.6-era kernels
 * print no `UDPLITE` line and some no UDP `mem`: see test/fixtures/proc/2.6-*) leave them absent,
 * and a field a newer kernel adds (e.g. a proposed TCP `pressure`) is kept in `protocols`.
 */
export function parseSockstat(text: string, file = '/proc/net/sockstat'): ParseResult<Sockstat> {
  const result = parseProtocolLines(text, file);
  if (!result.ok) return result;
  const protocols = result.value;
  const sockstat: Sockstat = { protocols };
  const used = exactNumber(protocols.sockets?.used);
  if (used !== undefined) sockstat.socketsUsed = used;
  const tcp = protocols.TCP;
  if (tcp) {
    sockstat.tcp = pick(tcp, ['inuse', 'orphan', 'tw', 'alloc', 'mem']);
  }
  const udp = protocols.UDP;
  if (udp) sockstat.udp = pick(udp, ['inuse', 'mem']);
  return parsed(sockstat);
}

/** /proc/net/sockstat6: `TCP6: inuse N` and the like. Absent when IPv6 is disabled (a state, not an error). */
export function parseSockstat6(text: string, file = '/proc/net/sockstat6'): ParseResult<Sockstat6> {
  const result = parseProtocolLines(text, file);
  return result.ok ? parsed({ protocols: result.value }) : result;
}

function pick<K extends string>(values: Record<string, Int>, keys: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const key of keys) {
    const value = exactNumber(values[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
