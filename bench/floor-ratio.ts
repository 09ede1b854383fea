// sockaudit against the floor (bench/bare-ssh2.ts), the other way round from the table's ratios:
// the target reads "sockaudit's wall time at most 1.5x a bare ssh2 script's". Pure.
import { medianOfComplete, type BenchCase } from './table.js';

export const BARE_SSH2_ID = 'bare-ssh2';
/** sockaudit's wall time may be at most this multiple of bare ssh2's. */
export const FLOOR_WALL_TARGET = 1.5;

/** One line for a case, or undefined when either tool has no complete figures in it. */
export function floorLine(c: BenchCase): string | undefined {
  const ours = c.tools.find((t) => t.toolId === 'sockaudit');
  const floor = c.tools.find((t) => t.toolId === BARE_SSH2_ID);
  const o = ours && medianOfComplete(ours, c.n);
  const f = floor && medianOfComplete(floor, c.n);
  if (!o || !f || f.wallSeconds <= 0 || f.cpuSeconds <= 0) return undefined;
  const wall = o.wallSeconds / f.wallSeconds;
  const verdict = wall <= FLOOR_WALL_TARGET ? 'within' : 'over';
  return `sockaudit / bare ssh2: wall ${wall.toFixed(2)}x, CPU ${(o.cpuSeconds / f.cpuSeconds).toFixed(2)}x (${verdict} the target of ${FLOOR_WALL_TARGET}x wall)`;
}
