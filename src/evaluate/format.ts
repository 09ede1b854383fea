// Number formatting for summaries. Fixed formats (no locale), so the same snapshot always gives the
// same words whatever machine evaluates it.

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** 32.9 -> "32.9 %". */
export function pct(percent: number): string {
  return `${round(percent, 1).toFixed(1)} %`;
}

/**
 * Digits enough to tell a percentage from the lines it is judged against: one, or more while the
 * rounded value would print as a line it is not (25.0015 against a strict 25 % line: "25.002 %").
 */
export function digitsBeside(percent: number, lines: readonly (number | undefined)[]): number {
  if (!Number.isFinite(percent)) return 1;
  let digits = 1;
  while (digits < 6 && lines.some((l) => l !== undefined && l !== percent && round(percent, digits) === l)) digits++;
  return digits;
}

/** A percentage printed with enough digits not to read as one of `lines` it is not. */
export function pctBeside(percent: number, lines: readonly (number | undefined)[]): string {
  const digits = digitsBeside(percent, lines);
  return `${round(percent, digits).toFixed(digits)} %`;
}

/** 1536 -> "1.5 KiB"; bytes below 1 KiB stay in bytes. */
export function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${round(v, 1).toFixed(1)} ${units[i]}`;
}

/** 5400 -> "1 h 30 min"; 200000 -> "2 d 7 h"; under a minute in seconds. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** "1 sample" / "3 samples". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
