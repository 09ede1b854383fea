// Saved runs: a report.json of any known schema version back into an AuditRun. Each audited
// host's snapshot is assembled again from its raw probe record by the current parsers and
// evaluated again by the current evaluator; hosts that were not audited stay as they were. What
// the file says about verdicts and findings is derived data and is not trusted or kept.
import { readFile } from 'node:fs/promises';
import type { FailureStage, HostOutcome, TargetRef } from '../collect/types.js';
import { defaultConfig, evaluateHost, type EvalConfig } from '../evaluate/index.js';
import type { Level, Verdict } from '../evaluate/types.js';
import { InputError } from '../errors.js';
import type { Shard } from '../inventory/shard.js';
import { packageVersion } from '../paths.js';
import type { ProbeRecord, RawSection } from '../procfs/sections.js';
import { assembleSnapshot } from '../procfs/snapshot.js';
import type { Int } from '../procfs/types.js';
import { JSON_SCHEMA_VERSION } from './json.js';
import { TREND_COUNTERS, type DigestFinding, type HostDigest, type RunDigest, type TrendCounter } from './trend.js';
import type { AuditRun, HostResult } from './types.js';

/** The oldest report.json this version reads. */
export const OLDEST_SCHEMA_VERSION = 1;

export interface SavedRun {
  run: AuditRun;
  /** The schema version the file was written in. */
  schemaVersion: number;
  /** Things worth telling the user, e.g. a host whose verdict changed on evaluation. */
  warnings: string[];
}

export interface LoadOptions {
  /** Evaluator config; the defaults when absent. */
  config?: EvalConfig;
  /** The evaluating sockaudit's version; this package's when absent. */
  toolVersion?: string;
}

const STAGES: readonly FailureStage[] = ['resolve', 'connect', 'host-key', 'auth', 'timeout', 'command', 'parse', 'cancelled'];
const FAIL_ON: readonly (Level | 'never')[] = ['ok', 'notice', 'warning', 'critical', 'never'];
const POLICIES: readonly AuditRun['hostKeyPolicy'][] = ['strict', 'accept-new', 'off'];
const VERDICTS: readonly Verdict[] = ['ok', 'notice', 'unknown', 'warning', 'critical'];

export async function readSavedRun(path: string, opts: LoadOptions = {}): Promise<SavedRun> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(path, undefined, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseSavedRun(text, path, opts);
}

/** Throws InputError naming the file, and the JSON path, of the first problem. */
export function parseSavedRun(text: string, file: string, opts: LoadOptions = {}): SavedRun {
  const config = opts.config ?? defaultConfig;
  const toolVersion = opts.toolVersion ?? packageVersion();
  const fail = (path: string, problem: string): never => {
    throw new InputError(file, undefined, `${path}: ${problem}`);
  };

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /position (\d+)/.exec(message);
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : undefined;
    throw new InputError(file, line, `not valid JSON: ${message}`);
  }
  const r = new JsonReader(fail);
  const root = r.object(doc, '$');
  const schemaVersion = root.schemaVersion;
  if (typeof schemaVersion !== 'number' || !Number.isInteger(schemaVersion)) fail('$.schemaVersion', 'missing: this is not a sockaudit report.json');
  const version = schemaVersion as number;
  if (version > JSON_SCHEMA_VERSION)
    fail('$.schemaVersion', `${version} was written by a newer sockaudit; this one reads ${OLDEST_SCHEMA_VERSION === JSON_SCHEMA_VERSION ? `version ${JSON_SCHEMA_VERSION}` : `versions ${OLDEST_SCHEMA_VERSION} to ${JSON_SCHEMA_VERSION}`}`);
  if (version < OLDEST_SCHEMA_VERSION) fail('$.schemaVersion', `${version} is not a version sockaudit ever wrote`);

  const tool = r.object(root.tool, '$.tool');
  if (tool.name !== 'sockaudit') fail('$.tool.name', 'expected "sockaudit"');
  const savedVersion = r.string(tool.version, '$.tool.version');

  const runDoc = r.object(root.run, '$.run');
  const shardDoc = runDoc.shard;
  const shard: Shard | undefined =
    shardDoc === null || shardDoc === undefined
      ? undefined
      : (() => {
          const o = r.object(shardDoc, '$.run.shard');
          const index = r.integer(o.index, '$.run.shard.index', 1);
          const count = r.integer(o.count, '$.run.shard.count', 1);
          if (index > count) fail('$.run.shard.index', `${index} is above the shard count ${count}`);
          return { index, count };
        })();

  const warnings: string[] = [];
  const hostsDoc = r.array(root.hosts, '$.hosts');
  const hosts = hostsDoc.map((h, i) => parseHost(r, h, `$.hosts[${i}]`, savedVersion, config, warnings));

  const run: AuditRun = {
    tool: { name: 'sockaudit', version: toolVersion },
    startedAt: r.string(runDoc.startedAt, '$.run.startedAt'),
    finishedAt: r.string(runDoc.finishedAt, '$.run.finishedAt'),
    failOn: r.oneOf(runDoc.failOn, '$.run.failOn', FAIL_ON),
    hostKeyPolicy: r.oneOf(runDoc.hostKeyPolicy, '$.run.hostKeyPolicy', POLICIES),
    samples: r.integer(runDoc.samples, '$.run.samples', 1),
    intervalSeconds: r.number(runDoc.intervalSeconds, '$.run.intervalSeconds'),
    warnings: r.array(runDoc.warnings, '$.run.warnings').map((w, i) => r.string(w, `$.run.warnings[${i}]`)),
    hosts,
    ...(shard ? { shard } : {}),
  };
  if (root.baseline !== undefined && root.baseline !== null) run.baseline = parseDigest(r, root.baseline, '$.baseline');
  return { run, schemaVersion: version, warnings };
}

function parseHost(r: JsonReader, value: unknown, path: string, savedVersion: string, config: EvalConfig, warnings: string[]): HostResult {
  const h = r.object(value, path);
  const target: TargetRef = {
    name: r.string(h.name, `${path}.name`),
    address: r.string(h.address, `${path}.address`),
    groups: r.array(h.groups, `${path}.groups`).map((g, i) => r.string(g, `${path}.groups[${i}]`)),
  };
  if (h.port !== null && h.port !== undefined) target.port = r.integer(h.port, `${path}.port`, 0);
  if (h.user !== null && h.user !== undefined) target.user = r.string(h.user, `${path}.user`);
  const via = h.via === undefined || h.via === null ? [] : r.array(h.via, `${path}.via`).map((v, i) => r.string(v, `${path}.via[${i}]`));
  if (via.length > 0) target.via = via;
  const startedAt = r.string(h.startedAt, `${path}.startedAt`);
  const durationMs = r.number(h.durationMs, `${path}.durationMs`);
  // Version 1 did not say which sockaudit collected a host: the one that wrote the file did.
  const collectedBy = h.collectedBy !== undefined ? r.string(h.collectedBy, `${path}.collectedBy`) : savedVersion;
  const status = r.oneOf(h.status, `${path}.status`, ['ok', 'partial', 'failed'] as const);

  if (status === 'failed') {
    const outcome: HostOutcome = {
      status,
      target,
      stage: r.oneOf(h.stage, `${path}.stage`, STAGES),
      message: r.string(h.message, `${path}.message`),
      startedAt,
      durationMs,
    };
    if (h.detail !== undefined && h.detail !== null) {
      const d = r.object(h.detail, `${path}.detail`);
      outcome.detail = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, r.string(v, `${path}.detail.${k}`)]));
    }
    return { outcome, collectedBy };
  }

  const record = parseRecord(r, h.record, `${path}.record`);
  const { snapshot, problems } = assembleSnapshot(record);
  const outcome: HostOutcome = { status: problems.length > 0 ? 'partial' : 'ok', target, record, snapshot, problems, startedAt, durationMs };
  const verdict = evaluateHost(snapshot, config);
  const saved = typeof h.verdict === 'string' ? h.verdict : undefined;
  if (saved !== undefined && saved !== verdict.verdict) {
    warnings.push(`host ${JSON.stringify(target.name)}: ${saved} as saved, ${verdict.verdict} when parsed and evaluated again`);
  }
  return { outcome, verdict, collectedBy };
}

function parseRecord(r: JsonReader, value: unknown, path: string): ProbeRecord {
  const o = r.object(value, path);
  return {
    probeVersion: r.integer(o.probeVersion, `${path}.probeVersion`, 0),
    sections: r.array(o.sections, `${path}.sections`).map((s, i): RawSection => {
      const p = `${path}.sections[${i}]`;
      const x = r.object(s, p);
      const section: RawSection = { name: r.string(x.name, `${p}.name`), status: r.integer(x.status, `${p}.status`, 0), content: r.string(x.content, `${p}.content`) };
      if (x.sample !== undefined && x.sample !== null) section.sample = r.integer(x.sample, `${p}.sample`, 0);
      if (x.truncated === true) section.truncated = true;
      else if (x.truncated !== undefined && x.truncated !== false) r.fail(`${p}.truncated`, 'expected true or false');
      return section;
    }),
  };
}

function parseDigest(r: JsonReader, value: unknown, path: string): RunDigest {
  const o = r.object(value, path);
  const tool = r.object(o.tool, `${path}.tool`);
  return {
    tool: { name: r.string(tool.name, `${path}.tool.name`), version: r.string(tool.version, `${path}.tool.version`) },
    startedAt: r.string(o.startedAt, `${path}.startedAt`),
    hosts: r.array(o.hosts, `${path}.hosts`).map((v, i): HostDigest => {
      const p = `${path}.hosts[${i}]`;
      const h = r.object(v, p);
      const counters: Partial<Record<TrendCounter, Int>> = {};
      const c = r.object(h.counters, `${p}.counters`);
      for (const name of TREND_COUNTERS) if (c[name] !== undefined) counters[name] = r.counter(c[name], `${p}.counters.${name}`);
      return {
        name: r.string(h.name, `${p}.name`),
        verdict: h.verdict === null ? null : r.oneOf(h.verdict, `${p}.verdict`, VERDICTS),
        score: h.score === null ? null : r.number(h.score, `${p}.score`),
        stage: h.stage === null ? null : r.oneOf(h.stage, `${p}.stage`, STAGES),
        findings: r.array(h.findings, `${p}.findings`).map((f, j): DigestFinding => {
          const q = `${p}.findings[${j}]`;
          const x = r.object(f, q);
          return { key: r.string(x.key, `${q}.key`), level: r.oneOf(x.level, `${q}.level`, VERDICTS), summary: r.string(x.summary, `${q}.summary`) };
        }),
        counters,
        uptimeSeconds: h.uptimeSeconds === null ? null : r.number(h.uptimeSeconds, `${p}.uptimeSeconds`),
        bootId: h.bootId === null ? null : r.string(h.bootId, `${p}.bootId`),
      };
    }),
  };
}

/** Typed reads of parsed JSON; each failure names the JSON path. */
class JsonReader {
  constructor(readonly fail: (path: string, problem: string) => never) {}

  object(v: unknown, path: string): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return this.fail(path, `expected an object, found ${kind(v)}`);
    return v as Record<string, unknown>;
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) return this.fail(path, `expected an array, found ${kind(v)}`);
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string') return this.fail(path, `expected a string, found ${kind(v)}`);
    return v;
  }

  number(v: unknown, path: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.fail(path, `expected a number, found ${kind(v)}`);
    return v;
  }

  integer(v: unknown, path: string, min: number): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) return this.fail(path, `expected a whole number >= ${min}, found ${kind(v)}`);
    return v;
  }

  /** A counter: a number, or a decimal string for values beyond 2^53. */
  counter(v: unknown, path: string): Int {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v);
    return this.fail(path, `expected a counter (a whole number or its decimal string), found ${kind(v)}`);
  }

  oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) return this.fail(path, `expected one of ${allowed.join(', ')}, found ${kind(v)}`);
    return v as T;
  }
}

/** What a value is, for messages; host strings are not quoted back in full. */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)})`;
  if (typeof v === 'object') return 'an object';
  if (v === undefined) return 'nothing';
  return `${typeof v} ${String(v)}`;
}
