// The JSON report: the whole run, ranked, with each host's raw probe sections so a later version
// can parse an old run again (see load.ts). bigint values are written as decimal strings; every
// object's keys come in a fixed order (a failure's `detail` keeps the order the collector gave,
// which the HTML shows, so that a saved run renders the same again). schema/report.schema.json
// describes it.
//
// Schema version 1. Per host, `collectedBy` is the sockaudit that ran the probe, while `tool` is
// the one that parsed, evaluated and wrote the file; `baseline` and `trend` are present only when
// the run was compared with a baseline. A change a consumer must re-check bumps the version.
import type { Finding } from '../evaluate/types.js';
import { assembleDigest, diffRuns, TREND_COUNTERS, type RunDigest } from './trend.js';
import type { AuditRun } from './types.js';
import type { ReportView } from './view-model.js';

export const JSON_SCHEMA_VERSION = 1;

/**
 * The fields that may differ when the same hosts' data is rendered twice, by JSON path, with why.
 * A saved run rendered again by the same sockaudit differs in none of them (the times are the
 * run's own); by another version, in `tool.version` only. Two audits of the same hosts differ in
 * all of them.
 */
export const VOLATILE_FIELDS: Readonly<Record<string, string>> = {
  'tool.version': 'the sockaudit that parsed, evaluated and wrote the file',
  'run.startedAt': 'when the run started',
  'run.finishedAt': 'when the run finished',
  'hosts[].startedAt': 'when each host was reached',
  'hosts[].durationMs': 'how long each host took',
  'hosts[].port': 'test fleets listen on ports chosen at start',
  'hosts[].collectedBy': 'the sockaudit that ran the probe',
};

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
      shard: run.shard ? { index: run.shard.index, count: run.shard.count } : null,
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
        ...(failed ? { stage: outcome.stage, message: outcome.message, ...(outcome.detail ? { detail: { ...outcome.detail } } : {}) } : {}),
        verdict: verdict?.verdict ?? null,
        score: verdict?.score ?? null,
        decidedBy: verdict?.decidedBy ?? null,
        findings: (verdict?.findings ?? []).map(assembleFinding),
        notes: verdict?.notes ?? [],
        problems: failed ? [] : outcome.problems,
        collectedBy: result.collectedBy ?? run.tool.version,
        snapshot: failed ? null : canonical(outcome.snapshot),
        record: failed ? null : canonical(outcome.record),
        startedAt: outcome.startedAt,
        durationMs: outcome.durationMs,
      };
    }),
    ...(run.baseline ? { baseline: assembleDigestDoc(run.baseline), trend: diffRuns(run.baseline, assembleDigest(run)) } : {}),
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

/** The baseline as kept in the report, keys in a fixed order whichever way the digest was built. */
function assembleDigestDoc(d: RunDigest): Record<string, unknown> {
  return {
    tool: { name: d.tool.name, version: d.tool.version },
    startedAt: d.startedAt,
    hosts: d.hosts.map((h) => ({
      name: h.name,
      verdict: h.verdict,
      score: h.score,
      stage: h.stage,
      findings: h.findings.map((f) => ({ key: f.key, level: f.level, summary: f.summary })),
      counters: Object.fromEntries(TREND_COUNTERS.filter((c) => h.counters[c] !== undefined).map((c) => [c, h.counters[c]])),
      uptimeSeconds: h.uptimeSeconds,
      bootId: h.bootId,
    })),
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
