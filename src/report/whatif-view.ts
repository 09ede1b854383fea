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
  /** By verdict only: a score moving within the same verdict is `moved`, not better or worse. */
  change: VerdictChange;
  /** In words: "worse", "better", "score moved", "unchanged". */
  changeLabel: string;
  /** "critical → warning", or "ok, score 12 → 18". */
  changeDetail: string;
  flagged: boolean;
  settings: { key: string; was: string; text: string; from: string; origin: string; applied: boolean }[];
  flags: FlagView[];
  findings: { finding: string; before: string; after: string; beforeSummary: string; afterSummary: string }[];
  moved: { finding: string; figure: string; before: string; after: string }[];
}

export type VerdictChange = 'better' | 'worse' | 'moved' | 'same';

export interface WhatIfView extends Pick<WhatIfMeta, 'tool' | 'from' | 'auditedAt' | 'sources' | 'reportHref' | 'warnings' | 'notAudited'> {
  /** "1 host worse, 2 better, 1 moved within its verdict, 3 unchanged of 7 hosts; 2 findings resolved, 1 introduced; 2 warning flags". */
  headline: string;
  harmful: boolean;
  /** Why the command exits 1 or 0. */
  gate: string;
  counts: {
    better: number;
    worse: number;
    /** Same verdict, another score. */
    moved: number;
    same: number;
    flagged: number;
    notAudited: number;
    /** Findings above ok before and ok (or gone) after, over every host. */
    findingsResolved: number;
    /** Findings ok (or absent) before and above ok after. */
    findingsIntroduced: number;
  };
  settings: SettingView[];
  groups: { group: string; settings: SettingView[] }[];
  /** Proposal-level flags. */
  flags: FlagView[];
  /** Harm first: worse, then flagged, then better, then moved, then unchanged. */
  hosts: WhatIfHostView[];
}

const CHANGE_LABEL: Record<VerdictChange, string> = {
  worse: 'worse',
  better: 'better',
  moved: 'score moved',
  same: 'unchanged',
};

/** Better or worse only when the verdict changes; a score nudged within one verdict has moved. */
export function verdictChange(h: Pick<WhatIfHost, 'before' | 'after'>): VerdictChange {
  const a = severity(h.before.verdict);
  const b = severity(h.after.verdict);
  if (a !== b) return b < a ? 'better' : 'worse';
  return h.after.score === h.before.score ? 'same' : 'moved';
}

const isRaised = (v: Verdict | null): boolean => v !== null && v !== 'ok';

/** Resolved: above ok before, ok or gone after; introduced: the other way round. */
export function findingTurns(h: Pick<WhatIfHost, 'findings'>): { resolved: number; introduced: number } {
  let resolved = 0;
  let introduced = 0;
  for (const f of h.findings) {
    if (isRaised(f.before) && !isRaised(f.after)) resolved++;
    if (!isRaised(f.before) && isRaised(f.after)) introduced++;
  }
  return { resolved, introduced };
}

export function buildWhatIfView(outcome: WhatIfOutcome, settings: readonly ProposedSetting[], groups: readonly { group: string; settings: readonly ProposedSetting[] }[], meta: WhatIfMeta): WhatIfView {
  const hosts = outcome.hosts
    .map((h) => ({ h, flagged: h.flags.some((f) => f.level === 'warning') }))
    .sort((a, b) => orderOf(a) - orderOf(b) || severity(b.h.after.verdict) - severity(a.h.after.verdict) || b.h.after.score - a.h.after.score || cmp(a.h.name, b.h.name))
    .map(({ h, flagged }, i) => assembleHost(h, flagged, i + 1));
  const turns = outcome.hosts.map(findingTurns);
  const counts = {
    better: hosts.filter((h) => h.change === 'better').length,
    worse: hosts.filter((h) => h.change === 'worse').length,
    moved: hosts.filter((h) => h.change === 'moved').length,
    same: hosts.filter((h) => h.change === 'same').length,
    flagged: hosts.filter((h) => h.flagged).length,
    notAudited: meta.notAudited.length,
    findingsResolved: turns.reduce((n, t) => n + t.resolved, 0),
    findingsIntroduced: turns.reduce((n, t) => n + t.introduced, 0),
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
  if (c.moved > 0) parts.push(`${c.moved} moved within ${c.moved === 1 ? 'its verdict' : 'their verdicts'}`);
  if (c.same > 0) parts.push(`${c.same} unchanged`);
  const findings = `${plural(c.findingsResolved, 'finding')} resolved, ${c.findingsIntroduced} introduced`;
  const flags = warningFlags === 0 ? 'no warning flag' : plural(warningFlags, 'warning flag');
  return `${parts.join(', ')} of ${plural(total, 'host')}; ${findings}; ${flags}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function orderOf({ h, flagged }: { h: WhatIfHost; flagged: boolean }): number {
  const change = verdictChange(h);
  if (change === 'worse') return 0;
  if (flagged) return 1;
  return change === 'better' ? 2 : change === 'moved' ? 3 : 4;
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
    change: verdictChange(h),
    changeLabel: CHANGE_LABEL[verdictChange(h)],
    changeDetail:
      h.before.verdict === h.after.verdict
        ? `${LEVEL_LABELS[h.after.verdict]}, score ${h.before.score} → ${h.after.score}`
        : `${LEVEL_LABELS[h.before.verdict]} → ${LEVEL_LABELS[h.after.verdict]}`,
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
