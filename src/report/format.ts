// Numbers as every report writes them: one formatter of each kind, the same on every machine.

/** Digits grouped by thousands, up to three decimals. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [int = '0', frac] = String(Math.round(Math.abs(n) * 1000) / 1000).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

/** A ratio as a percentage with one decimal, e.g. "32.9 %". */
export function formatPercent(ratio: number): string {
  return `${(Math.round(ratio * 1000) / 10).toFixed(1)} %`;
}
