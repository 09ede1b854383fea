// How a level reads in every report: one word and one symbol each, so colour is never the only cue.
import type { DisplayLevel } from '../run/types.js';

export type { DisplayLevel };

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
