// The evaluator's vocabulary: levels, findings, a host's verdict, and rules as data.

/** The levels a finding or a threshold can have, mildest first. The one list; the types derive from it. */
export const LEVELS = ['ok', 'notice', 'warning', 'critical'] as const;
export type Level = (typeof LEVELS)[number];
/** `unknown`: the data a core check needs is missing or unparsable; neither healthy nor zero. */
export type Verdict = Level | 'unknown';

/** What a run can be gated on (`--fail-on`, a saved run's `failOn`): a level, or never. */
export const GATES = [...LEVELS, 'never'] as const;
export type Gate = (typeof GATES)[number];

/** Order used for ranking and for --fail-on: ok < notice < unknown < warning < critical. */
export const VERDICT_ORDER: readonly Verdict[] = ['ok', 'notice', 'unknown', 'warning', 'critical'];

export interface Finding {
  /** Stable rule id, e.g. `orphans`, `tcp-memory`, `incidents`, `neighbours.conntrack`. */
  id: string;
  /** Sub-item for rules with several (e.g. `conntrack`, `file-nr`, `listen-overflows`). */
  item?: string;
  level: Verdict;
  /** One line for a table, e.g. "orphans at 32.9 % of tcp_max_orphans (21564 of 65536)". */
  summary: string;
  /** The figures behind it, raw and derived, for the report and JSON. */
  figures: Record<string, number | string | null>;
  /** Thresholds applied, by level, in the figure's unit. */
  thresholds: Partial<Record<Level, number>>;
  rationale: string;
  remediation: string;
  /** Stated assumptions, e.g. the unit assumed for sockstat mem. */
  assumptions: string[];
  /**
   * 0..1, orders hosts within a level. Below the critical line: the fraction of that line reached.
   * At or past it: how far past, toward the hard limit (e.g. orphans from 25 % to 100 % of the limit).
   */
  closeness: number;
  /** Set when a stated assumption could change the level (e.g. the unit of sockstat mem is unsure). */
  uncertain?: boolean;
}

export interface HostVerdict {
  verdict: Verdict;
  /** 0-100, ranks the fleet: the verdict picks the band, closeness the place within it. */
  score: number;
  /** Id of the finding that decided the verdict. */
  decidedBy?: string;
  /** Findings, worst first, deterministic. */
  findings: Finding[];
  /**
   * Facts that are not findings: keys that do not exist on this host (no conntrack module), rules
   * skipped by config. Always set by evaluateHost; optional so hand-built verdicts stay short.
   */
  notes?: string[];
}
