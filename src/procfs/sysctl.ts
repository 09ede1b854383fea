// A file under /proc/sys holding integers: one (tcp_max_orphans), or several separated by tabs
// (tcp_mem, tcp_rmem, file-nr, ip_local_port_range).
import { parseInteger } from './int.js';
import { parseError, parsed, splitLines, tokens, type ParseResult } from './parse-result.js';
import type { Int, SysctlValue } from './types.js';

export function parseSysctl(text: string, file: string): ParseResult<SysctlValue> {
  const values: Int[] = [];
  for (const [index, line] of splitLines(text).entries()) {
    for (const token of tokens(line)) {
      const value = parseInteger(token);
      if (value === undefined) return parseError(file, index + 1, `"${token}" is not an integer`);
      values.push(value);
    }
  }
  if (values.length === 0) return parseError(file, undefined, 'file is empty');
  // A copy of its length: an array grown by push keeps room for 17 values, and a fleet holds one
  // per sysctl per host until its reports are written.
  return parsed(values.slice());
}
