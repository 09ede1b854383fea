// The trend as the report shows it: worded, host strings cleaned (each renderer escapes them).
import type { HostChange, HostTrend, Trend } from '../run/types.js';
import { sanitizeForTerminal as clean } from '../text.js';
import { LEVEL_LABELS } from './levels.js';

export interface TrendView {
  /** "baseline: 2025-01-01T00:00:00.000Z, sockaudit 0.1.0, 12 hosts". */
  since: string;
  /** "1 worse, 1 added, 1 removed; counters grew on 2 hosts; 1 rebooted" or "no changes". */
  line: string;
  hosts: TrendHostView[];
}

export interface TrendHostView {
  name: string;
  change: HostChange;
  changeLabel: string;
  changeSymbol: string;
  /** The colour a change is shown in, as a report level class. */
  tone: 'critical' | 'warning' | 'notice' | 'ok' | 'not-audited';
  before: string;
  after: string;
  scoreDelta: string;
  /** One line per change: findings new, resolved or changed, counters grown, reboot. */
  notes: string[];
  /** In-page link to the host's detail when it is in this run. */
  anchor: string | null;
}

const CHANGE_LABELS: Record<HostChange, { label: string; symbol: string; tone: TrendHostView['tone'] }> = {
  worse: { label: 'worse', symbol: '↑', tone: 'critical' },
  'not-audited': { label: 'no longer audited', symbol: '⊘', tone: 'not-audited' },
  added: { label: 'added', symbol: '+', tone: 'notice' },
  removed: { label: 'removed', symbol: '−', tone: 'not-audited' },
  better: { label: 'better', symbol: '↓', tone: 'ok' },
  audited: { label: 'audited again', symbol: '✔', tone: 'ok' },
  same: { label: 'same verdict', symbol: '=', tone: 'notice' },
};


export function assembleTrendView(trend: Trend, anchorOf: (name: string) => string | null): TrendView {
  const c = trend.counts;
  const parts = (['worse', 'not-audited', 'added', 'removed', 'better', 'audited'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${CHANGE_LABELS[k].label}`);
  const extra = [
    ...(c.countersGrew > 0 ? [`counters grew on ${c.countersGrew} ${c.countersGrew === 1 ? 'host' : 'hosts'}`] : []),
    ...(c.rebooted > 0 ? [`${c.rebooted} rebooted`] : []),
  ];
  const line = parts.length + extra.length === 0 ? 'no changes since the baseline' : [parts.join(', '), extra.join(', ')].filter(Boolean).join('; ');
  return {
    since: `baseline: ${clean(trend.baseline.startedAt)}, sockaudit ${clean(trend.baseline.toolVersion)}, ${trend.baseline.hosts} ${trend.baseline.hosts === 1 ? 'host' : 'hosts'}`,
    line,
    hosts: trend.hosts.map((t) => ({
      name: clean(t.name),
      change: t.change,
      changeLabel: CHANGE_LABELS[t.change].label,
      changeSymbol: CHANGE_LABELS[t.change].symbol,
      // Same verdict but counters grew: still worth a warning colour.
      tone: t.change === 'same' && t.counters.length > 0 ? 'warning' : CHANGE_LABELS[t.change].tone,
      before: sideText(t.before),
      after: sideText(t.after),
      scoreDelta: t.scoreDelta === null || t.scoreDelta === 0 ? '' : t.scoreDelta > 0 ? `+${t.scoreDelta}` : String(t.scoreDelta),
      notes: assembleNotes(t),
      anchor: t.after ? anchorOf(t.name) : null,
    })),
  };
}

function sideText(side: HostTrend['before']): string {
  if (!side) return '—';
  return side.score === null ? LEVEL_LABELS[side.level] : `${LEVEL_LABELS[side.level]} ${side.score}`;
}

function assembleNotes(t: HostTrend): string[] {
  const notes: string[] = [];
  if (t.rebooted === true) notes.push('rebooted since the baseline');
  for (const c of t.counters) {
    const since = c.reset === 'reboot' ? ' (counted since the reboot)' : c.reset === 'decrease' ? ` (the counter went down from ${c.before}: counted since it restarted)` : ` (${c.before} → ${c.after})`;
    notes.push(`${c.name} +${c.growth}${since}`);
  }
  for (const f of t.newFindings) notes.push(`new ${f.level}: ${clean(f.key)}: ${clean(f.summary)}`);
  for (const f of t.changedFindings) notes.push(`${clean(f.key)}: ${f.before} → ${f.after}: ${clean(f.summary)}`);
  for (const f of t.resolvedFindings) notes.push(`resolved: ${clean(f.key)} (was ${f.level})`);
  for (const h of t.holders ?? []) notes.push(h.before === null ? `new holder ${clean(h.key)}: ${h.after} orphans` : `holder ${clean(h.key)} grew: ${h.before} → ${h.after} orphans`);
  return notes;
}
