// /proc/uptime (fs/proc/uptime.c): `<seconds up> <idle seconds summed over CPUs>`, two decimals.
import { parseError, parsed, splitLines, tokens, type ParseResult } from './parse-result.js';
import type { Uptime } from './types.js';

const DECIMAL = /^\d+(?:\.\d+)?$/;

export function parseUptime(text: string, file = '/proc/uptime'): ParseResult<Uptime> {
  const fields = tokens(splitLines(text)[0] ?? '');
  const [up, idle] = fields;
  if (up === undefined) return parseError(file, undefined, 'file is empty');
  if (!DECIMAL.test(up)) return parseError(file, 1, `uptime "${up}" is not a number of seconds`);
  const uptime: Uptime = { uptimeSeconds: Number(up) };
  // Idle time is informative only; a cut second field is left absent rather than failing the file.
  if (idle !== undefined && DECIMAL.test(idle)) uptime.idleSeconds = Number(idle);
  return parsed(uptime);
}
