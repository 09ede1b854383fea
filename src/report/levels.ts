// How a level reads in every report: one word and one symbol each, so colour is never the only cue.
import type { Verdict } from '../evaluate/types.js';

/** A host's level as reports show it: a verdict, or not audited at all. */
export type DisplayLevel = Verdict | 'not-audited';

export const LEVEL_LABELS: Record<DisplayLevel, string> = {
  critical: 'critical',
  warning: 'warning',
  unknown: 'unknown',
  notice: 'notice',
  ok: 'ok',
  'not-audited': 'not audited',
};

export const LEVEL_SYMBOLS: Record<DisplayLevel, string> = {
  critical: '✖',
  warning: '▲',
  unknown: '?',
  notice: '●',
  ok: '✔',
  'not-audited': '⊘',
};
