// The what-if view model: the outcome of a proposed rollout, ordered for reading (harm first) and
// worded, with no markup. Pure. Host strings are cleaned of control characters here and escaped by
// each renderer for its format.
import type { ProposedSetting, WhatIfFlag, WhatIfHost, WhatIfOutcome } from '../evaluate/whatif.js';
import { judgeWhatIf } from '../evaluate/whatif.js';
import { VERDICT_ORDER } from '../evaluate/types.js';
import type { Verdict } from '../evaluate/types.js';
import { sanitizeForTerminal as clean } from '../text.js';
import { formatNumber } from './format.js';
import { LEVEL_LABELS, LEVEL_SYMBOLS } from './levels.js';

export interface WhatIfMeta {
  tool: { name: string; version: string };
  /** The saved run, as given on the command line. */
  from: string;
  /** When the saved run was audited. */
  auditedAt: string;
  /** Where the proposal came from, e.g. `proposal.conf`, `--set`, `--set-for web`. */
  sources: string[];
  /** Relative link to the run's report.html; null when it was not found. */
  reportHref: string | null;
  /** Warnings from loading the run and reading the proposal. */
  warnings: string[];
  /** Hosts of the run that were not audited: nothing to apply the proposal to. */
  notAudited: { name: string; reason: string }[];
}

export interface LevelView {
  level: Verdict;
  label: string;
  symbol: string;
  score: number;
}

export interface FlagView {
  id: string;
  level: 'warning' | 'notice';
  symbol: string;
  key: string;
  origin: string;
  message: string;
}

export interface SettingView {
  key: string;
  text: string;
  origin: string;
  scope: string;
  /** "moves the evaluation" or "not evaluated by sockaudit". */
  evaluated: boolean;
}

export interface WhatIfHostView {
  anchor: string;
  name: string;
  groups: string[];
  before: LevelView;
  after: LevelView;
  change: 'better' | 'worse' | 'same';
  changeLabel: string;
  changeSymbol: string;
  flagged: boolean;
  settings: { key: string; was: string; text: string; from: string; origin: string; applied: boolean }[];
  flags: FlagView[];
  findings: { finding: string; before: string; after: string; beforeSummary: string; afterSummary: string }[];
  moved: { finding: string; figure: string; before: string; after: string }[];
}

export interface WhatIfView extends Pick<WhatIfMeta, 'tool' | 'from' | 'auditedAt' | 'sources' | 'reportHref' | 'warnings' | 'notAudited'> {
  /** "1 host worse, 2 better, 3 unchanged; 2 warning flags". */
  headline: string;
  harmful: boolean;
  /** Why the command exits 1 or 0. */
  gate: string;
  counts: { better: number; worse: number; same: number; flagged: number; notAudited: number };
  settings: SettingView[];
  groups: { group: string; settings: SettingView[] }[];
  /** Proposal-level flags. */
  flags: FlagView[];
  /** Harm first: worse, then flagged, then better, then unchanged. */
  hosts: WhatIfHostView[];
}

const CHANGE: Record<WhatIfHostView['change'], { label: string; symbol: string }> = {
  worse: { label: 'worse', symbol: '↑' },
  better: { label: 'better', symbol: '↓' },
  same: { label: 'unchanged', symbol: '=' },
};

export function buildWhatIfView(outcome: WhatIfOutcome, settings: readonly ProposedSetting[], groups: readonly { group: string; settings: readonly ProposedSetting[] }[], meta: WhatIfMeta): WhatIfView {
  const hosts = outcome.hosts
    .map((h) => ({ h, flagged: h.flags.some((f) => f.level === 'warning') }))
    .sort((a, b) => orderOf(a) - orderOf(b) || severity(b.h.after.verdict) - severity(a.h.after.verdict) || b.h.after.score - a.h.after.score || cmp(a.h.name, b.h.name))
    .map(({ h, flagged }, i) => assembleHost(h, flagged, i + 1));
  const counts = {
    better: hosts.filter((h) => h.change === 'better').length,
    worse: hosts.filter((h) => h.change === 'worse').length,
    same: hosts.filter((h) => h.change === 'same').length,
    flagged: hosts.filter((h) => h.flagged).length,
    notAudited: meta.notAudited.length,
  };
  const warningFlags = outcome.flags.filter((f) => f.level === 'warning').length + outcome.hosts.reduce((n, h) => n + h.flags.filter((f) => f.level === 'warning').length, 0);
  const judged = judgeWhatIf(outcome);
  return {
    tool: { name: meta.tool.name, version: meta.tool.version },
    from: clean(meta.from),
    auditedAt: meta.auditedAt,
    sources: meta.sources.map(clean),
    reportHref: meta.reportHref,
    warnings: meta.warnings.map(clean),
    headline: assembleHeadline(counts, warningFlags, hosts.length),
    harmful: judged.harmful,
    gate: judged.harmful ? `exit 1: ${judged.reason}` : `exit 0: ${judged.reason}`,
    counts,
    settings: settings.map(assembleSetting),
    groups: groups.map((g) => ({ group: clean(g.group), settings: g.settings.map(assembleSetting) })),
    flags: outcome.flags.map(assembleFlag),
    hosts,
    notAudited: meta.notAudited.map((n) => ({ name: clean(n.name), reason: clean(n.reason) })),
  };
}

function assembleHeadline(c: WhatIfView['counts'], warningFlags: number, total: number): string {
  if (total === 0) return 'no audited host to apply the proposal to';
  const parts: string[] = [];
  if (c.worse > 0) parts.push(`${c.worse} worse`);
  if (c.better > 0) parts.push(`${c.better} better`);
  if (c.same > 0) parts.push(`${c.same} unchanged`);
  const flags = warningFlags === 0 ? 'no warning flag' : `${warningFlags} warning flag${warningFlags === 1 ? '' : 's'}`;
  return `${parts.join(', ')} of ${total} host${total === 1 ? '' : 's'}; ${flags}`;
}

function orderOf({ h, flagged }: { h: WhatIfHost; flagged: boolean }): number {
  if (h.change === 'worse') return 0;
  if (flagged) return 1;
  return h.change === 'better' ? 2 : 3;
}

function severity(v: Verdict): number {
  return VERDICT_ORDER.indexOf(v);
}

function assembleHost(h: WhatIfHost, flagged: boolean, n: number): WhatIfHostView {
  const level = (v: Verdict, score: number): LevelView => ({ level: v, label: LEVEL_LABELS[v], symbol: LEVEL_SYMBOLS[v], score });
  return {
    anchor: `whatif-${n}`,
    name: clean(h.name),
    groups: h.groups.map(clean),
    before: level(h.before.verdict, h.before.score),
    after: level(h.after.verdict, h.after.score),
    change: h.change,
    changeLabel: CHANGE[h.change].label,
    changeSymbol: CHANGE[h.change].symbol,
    flagged,
    settings: h.settings.map((s) => ({ key: clean(s.key), was: clean(s.was), text: clean(s.text), from: clean(s.from), origin: clean(s.origin), applied: s.applied })),
    flags: h.flags.map(assembleFlag),
    findings: h.findings.map((f) => ({
      finding: f.finding,
      before: f.before ?? 'none',
      after: f.after ?? 'none',
      beforeSummary: clean(f.beforeSummary ?? ''),
      afterSummary: clean(f.afterSummary ?? ''),
    })),
    moved: h.moved.map((m) => ({ finding: m.finding, figure: clean(m.figure), before: figure(m.before), after: figure(m.after) })),
  };
}

function assembleSetting(s: ProposedSetting): SettingView {
  return { key: clean(s.key), text: clean(s.text), origin: clean(s.origin), scope: s.scope === 'global' ? 'global (host)' : 'per network namespace', evaluated: s.evaluated };
}

function assembleFlag(f: WhatIfFlag): FlagView {
  return { id: f.id, level: f.level, symbol: f.level === 'warning' ? '▲' : '●', key: clean(f.key), origin: clean(f.origin), message: clean(f.message) };
}

function figure(v: number | string | null): string {
  if (v === null) return 'n/a';
  return typeof v === 'number' ? formatNumber(v) : clean(v);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
