// Small lookups shared by the evaluator tests.
import { defaultConfig, evaluateHost } from '../../src/evaluate/index.js';
import type { EvalConfig, Finding, HostVerdict } from '../../src/evaluate/index.js';
import type { Snapshot } from '../../src/procfs/types.js';

export function findingOf(verdict: HostVerdict, id: string): Finding {
  const f = verdict.findings.find((x) => x.id === id);
  if (f === undefined) throw new Error(`no finding ${id}; notes: ${(verdict.notes ?? []).join(' | ')}`);
  return f;
}

/** Evaluate and return one finding. */
export function judge(snap: Snapshot, id: string, config: EvalConfig = defaultConfig): Finding {
  return findingOf(evaluateHost(snap, config), id);
}
