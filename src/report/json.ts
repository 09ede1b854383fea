// The JSON report, schema version 1: the whole run, ranked, with each host's raw probe
// sections so a later version can parse an old run again. bigint values are written as
// decimal strings; every object's keys come in a fixed order.
import type { Finding } from '../evaluate/types.js';
import type { AuditRun } from './types.js';
import type { ReportView } from './view-model.js';

export const JSON_SCHEMA_VERSION = 1;

export function renderJson(run: AuditRun, view: ReportView): string {
  const doc = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: { name: run.tool.name, version: run.tool.version },
    run: {
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      failOn: run.failOn,
      hostKeyPolicy: run.hostKeyPolicy,
      samples: run.samples,
      intervalSeconds: run.intervalSeconds,
      warnings: view.warnings,
    },
    summary: {
      hosts: view.total,
      byVerdict: {
        critical: view.byVerdict.critical,
        warning: view.byVerdict.warning,
        unknown: view.byVerdict.unknown,
        notice: view.byVerdict.notice,
        ok: view.byVerdict.ok,
      },
      notAudited: view.notAudited,
    },
    hosts: view.hosts.map((h) => {
      const result = run.hosts[h.resultIndex];
      if (!result) throw new Error(`sockaudit: the view names host ${h.resultIndex}, which the run does not have`);
      const { outcome, verdict } = result;
      const t = outcome.target;
      const failed = outcome.status === 'failed';
      return {
        rank: h.rank,
        name: t.name,
        address: t.address,
        port: t.port ?? null,
        user: t.user ?? null,
        groups: t.groups,
        via: t.via ?? [],
        status: outcome.status,
        ...(failed ? { stage: outcome.stage, message: outcome.message, ...(outcome.detail ? { detail: canonical(outcome.detail) } : {}) } : {}),
        verdict: verdict?.verdict ?? null,
        score: verdict?.score ?? null,
        decidedBy: verdict?.decidedBy ?? null,
        findings: (verdict?.findings ?? []).map(assembleFinding),
        notes: verdict?.notes ?? [],
        problems: failed ? [] : outcome.problems,
        snapshot: failed ? null : canonical(outcome.snapshot),
        record: failed ? null : canonical(outcome.record),
        startedAt: outcome.startedAt,
        durationMs: outcome.durationMs,
      };
    }),
  };
  const text = JSON.stringify(doc, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2);
  return `${escapeInvisible(text)}\n`;
}

/**
 * JSON.stringify escapes C0 controls but leaves DEL, C1 controls, line separators and bidi
 * overrides raw; a terminal showing the file could act on them. They occur only inside
 * strings, so writing them as \u escapes keeps the same data.
 */
function escapeInvisible(text: string): string {
  return text.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function assembleFinding(f: Finding): Record<string, unknown> {
  return {
    id: f.id,
    item: f.item ?? null,
    level: f.level,
    summary: f.summary,
    uncertain: f.uncertain === true,
    figures: f.figures,
    thresholds: Object.fromEntries((['notice', 'warning', 'critical', 'ok'] as const).filter((l) => f.thresholds[l] !== undefined).map((l) => [l, f.thresholds[l]])),
    rationale: f.rationale,
    remediation: f.remediation,
    assumptions: f.assumptions,
    closeness: f.closeness,
  };
}

/** Objects with their keys sorted, recursively, so parser internals cannot change the output's order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
