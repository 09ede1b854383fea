// /proc/meminfo (fs/proc/meminfo.c): `Key:   value kB`, or a bare count for HugePages_*.
import { exactNumber, parseInteger } from './int.js';
import { nameTable, parseError, parsed, settled, splitLines, tokens, type ParseResult } from './parse-result.js';
import type { Int, Meminfo } from './types.js';

export function parseMeminfo(text: string, file = '/proc/meminfo'): ParseResult<Meminfo> {
  const lines = splitLines(text);
  if (lines.every((line) => line.trim() === '')) return parseError(file, undefined, 'file is empty');
  const raw = nameTable<Int>();
  const units = nameTable<string | undefined>();
  for (const [index, line] of lines.entries()) {
    const fields = tokens(line);
    if (fields.length === 0) continue;
    const [label, token, unit] = fields;
    if (!label?.endsWith(':') || token === undefined) return parseError(file, index + 1, `expected "Key: value [kB]", found "${line.trim()}"`);
    const value = parseInteger(token);
    if (value === undefined) return parseError(file, index + 1, `${label.slice(0, -1)}: "${token}" is not an integer`);
    raw[label.slice(0, -1)] = value;
    units[label.slice(0, -1)] = unit;
  }
  const bytes = (key: string): number | undefined => {
    const value = exactNumber(raw[key]);
    return value !== undefined && units[key] === 'kB' ? value * 1024 : undefined;
  };
  const meminfo: Meminfo = { raw: settled(raw) };
  const total = bytes('MemTotal');
  if (total !== undefined) meminfo.memTotalBytes = total;
  // MemAvailable exists since 3.14; older kernels simply lack it.
  const available = bytes('MemAvailable');
  if (available !== undefined) meminfo.memAvailableBytes = available;
  const free = bytes('MemFree');
  if (free !== undefined) meminfo.memFreeBytes = free;
  return parsed(meminfo);
}
