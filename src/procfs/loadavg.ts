// /proc/loadavg (fs/proc/loadavg.c): `1min 5min 15min running/total lastpid`; only the averages are used.
import { parseError, parsed, splitLines, tokens, type ParseResult } from './parse-result.js';
import type { Loadavg } from './types.js';

const DECIMAL = /^\d+(?:\.\d+)?$/;

export function parseLoadavg(text: string, file = '/proc/loadavg'): ParseResult<Loadavg> {
  const fields = tokens(splitLines(text)[0] ?? '');
  if (fields.length === 0) return parseError(file, undefined, 'file is empty');
  const averages = fields.slice(0, 3);
  if (averages.length < 3) return parseError(file, 1, `expected three load averages, found ${averages.length}`);
  const bad = averages.find((field) => !DECIMAL.test(field));
  if (bad !== undefined) return parseError(file, 1, `load average "${bad}" is not a number`);
  const [one, five, fifteen] = averages.map(Number) as [number, number, number];
  return parsed({ one, five, fifteen });
}
