// Every audited host through the shared evaluator; failed hosts keep their failure and no verdict.
import type { HostOutcome } from '../collect/types.js';
import { evaluateHost } from '../evaluate/index.js';
import type { EvalConfig } from '../evaluate/index.js';
import type { HostResult } from './types.js';

export function assembleHostResults(outcomes: readonly HostOutcome[], config: EvalConfig): HostResult[] {
  return outcomes.map((outcome) => assembleHostResult(outcome, config));
}

export function assembleHostResult(outcome: HostOutcome, config: EvalConfig): HostResult {
  return outcome.status === 'failed' ? { outcome } : { outcome, verdict: evaluateHost(outcome.snapshot, config) };
}
