// The one integer reader: /proc prints u64 counters and `unsigned long` limits (fs.file-max is
// 9223372036854775807 on 64-bit), which a JS number cannot hold exactly.
import type { Int } from './types.js';

/** A decimal integer token: a number when exact, a bigint beyond 2^53 - 1; undefined if not an integer. */
export function parseInteger(token: string): Int | undefined {
  // Optional minus, then ASCII digits only (what /^-?\d+$/ accepts), checked without a regex:
  // this runs for every counter of every host.
  const start = token.charCodeAt(0) === 0x2d ? 1 : 0;
  if (token.length === start) return undefined;
  for (let i = start; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  const n = Number(token);
  if (Number.isSafeInteger(n)) return n === 0 ? 0 : n; // no -0
  return BigInt(token);
}

/** The value as a number when it is one; the typed convenience fields only hold exact numbers. */
export function exactNumber(value: Int | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
