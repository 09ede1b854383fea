// Saved runs: report.json, both directions, in one codec with its schema version.
//
// Encoding: the whole run, ranked, with each host's raw probe sections so a later version can
// parse an old run again, one host a line. bigint values are written as decimal strings; every
// object's keys come in a fixed order (a failure's `detail` keeps the order the collector gave,
// which the HTML shows, so that a saved run renders the same again). The document comes out as a
// sequence of chunks, one host at a time, so a writer can stream it and no string grows with the
// fleet.
// schema/report.schema.json describes it.
//
// Schema version 1. Per host, `collectedBy` is the sockaudit that ran the probe, while `tool` is
// the one that parsed, evaluated and wrote the file; `baseline` and `trend` are present only when
// the run was compared with a baseline. A change a consumer must re-check bumps the version.
//
// Decoding: a report.json of any known schema version back into an AuditRun. Each audited host's
// snapshot is assembled again from its raw probe record by the current parsers and evaluated again
// by the current evaluator; hosts that were not audited stay as they were. What the file says
// about verdicts and findings is derived data and is not trusted or kept.
import type { FailureStage, HostKeyPolicyUsed, HostKeyVerified, HostOutcome, TargetRef } from '../collect/types.js';
import { defaultConfig, evaluateHost, type EvalConfig } from '../evaluate/index.js';
import { GATES, VERDICT_ORDER, type Finding } from '../evaluate/types.js';
import { assessHostHolders } from '../evaluate/holders.js';
import { InputError } from '../errors.js';
import type { InventoryCoverage, ShardSource } from '../inventory/shard.js';
import { packageVersion } from '../paths.js';
import { escapeInvisible } from '../text.js';
import type { ProbeRecord, RawSection } from '../procfs/sections.js';
import { assembleSnapshot } from '../procfs/snapshot.js';
import type { Int } from '../procfs/types.js';
import { SortedKeys, compactJson } from './compact-json.js';
import { ElementNotJson, NotAContainer, parseTopLevelArray } from './json-split.js';
import type { RankedHost, RankedRun } from './rank.js';
import { digestHost, digestOf } from './trend.js';
import { TREND_COUNTERS, type AuditRun, type RunShard, type DigestFinding, type HostDigest, type HostResult, type RunDigest, type TrendCounter } from './types.js';

export const JSON_SCHEMA_VERSION = 1;

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
  /**
   * readSavedRun: called with each host as soon as it is read and evaluated, in the file's order,
   * so that a writer can take its text then. A host whose collector the file names only in its
   * skeleton (read last) has no collectedBy yet; it gets it before the run is returned.
   */
  onHost?: (host: HostResult) => void;
}

const STAGES: readonly FailureStage[] = ['resolve', 'connect', 'host-key', 'auth', 'timeout', 'command', 'parse', 'cancelled'];
// A saved run may be gated at any level, `ok` included (the CLI does not offer it, but it is a valid gate).
const FAIL_ON = GATES;
const POLICIES: readonly AuditRun['hostKeyPolicy'][] = ['strict', 'accept-new', 'off'];
const HOST_KEY_POLICIES_USED: readonly HostKeyPolicyUsed[] = ['strict', 'accept-new', 'off', 'by-command', 'none'];
const HOST_KEY_VERIFIED: readonly HostKeyVerified[] = ['known', 'accepted-new', 'unverified'];
const VERDICTS = VERDICT_ORDER;

/**
 * Reads a report.json of any size: the hosts are split out as the file streams past and each is
 * parsed and evaluated on its own, so neither the file nor its parsed tree is ever held whole.
 */
export async function readSavedRun(path: string, opts: LoadOptions = {}): Promise<SavedRun> {
  const hosts: HostResult[] = [];
  // Which sockaudit wrote the file is known only from the skeleton, read last; hosts that do not
  // name their collector are given it then.
  const unattributed: HostResult[] = [];
  const saved = await readHosts(path, opts, hosts, (host) => {
    if (host.collectedBy === undefined) unattributed.push(host);
    hosts.push(host);
    opts.onHost?.(host);
  });
  for (const host of unattributed) host.collectedBy = saved.savedVersion;
  return { run: saved.run, schemaVersion: saved.schemaVersion, warnings: saved.warnings };
}

/**
 * A saved run reduced to its digest (trend.ts) as it is read, for a baseline: each host is
 * digested and let go, so a baseline of any size costs its digest's memory, not the run's.
 */
export async function readSavedDigest(path: string, opts: Omit<LoadOptions, 'onHost'> = {}): Promise<{ digest: RunDigest; warnings: string[] }> {
  const hosts: HostDigest[] = [];
  const saved = await readHosts(path, opts, [], (host) => hosts.push(digestHost(host)));
  return { digest: digestOf(saved.run, hosts), warnings: saved.warnings };
}

/** Reads the file's hosts one by one into `each`, then its skeleton into a run holding `hosts`. */
async function readHosts(path: string, opts: LoadOptions, hosts: HostResult[], each: (host: HostResult) => void): Promise<SavedRun & { savedVersion: string }> {
  const config = opts.config ?? defaultConfig;
  const fail = (at: string, problem: string): never => {
    throw new InputError(path, undefined, `${at}: ${problem}`);
  };
  const r = new JsonReader(fail);
  const warnings: string[] = [];
  let skeleton: string;
  try {
    ({ skeleton } = await parseTopLevelArray(path, 'hosts', (doc, i) => each(parseHost(r, doc, `$.hosts[${i}]`, undefined, config, warnings))));
  } catch (e) {
    if (e instanceof InputError) throw e;
    if (e instanceof NotAContainer) fail(`$.hosts[${e.index}]`, 'expected an object');
    if (e instanceof ElementNotJson) fail(`$.hosts[${e.index}]`, `not valid JSON: ${e.reason}`);
    throw new InputError(path, undefined, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return decodeSavedRun(skeleton, path, opts, { hosts, warnings });
}

/** The decoder under its earlier name. */
export const parseSavedRun = decodeSavedRun;

/** Throws InputError naming the file, and the JSON path, of the first problem. */
export function decodeSavedRun(text: string, file: string, opts?: LoadOptions): SavedRun;
/** With `split`: the hosts were read already (readSavedRun) and the text is the rest of the document. */
export function decodeSavedRun(text: string, file: string, opts: LoadOptions, split: { hosts: HostResult[]; warnings: string[] }): SavedRun & { savedVersion: string };
export function decodeSavedRun(text: string, file: string, opts: LoadOptions = {}, split?: { hosts: HostResult[]; warnings: string[] }): SavedRun & { savedVersion?: string } {
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
  const shard = shardDoc === null || shardDoc === undefined ? undefined : parseShardDoc(r, shardDoc, '$.run.shard');

  const warnings: string[] = split?.warnings ?? [];
  const hostsDoc = r.array(root.hosts, '$.hosts');
  const hosts = split?.hosts ?? hostsDoc.map((h, i) => parseHost(r, h, `$.hosts[${i}]`, savedVersion, config, warnings));

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
  return { run, schemaVersion: version, warnings, ...(split ? { savedVersion } : {}) };
}

const SHARD_SOURCES: readonly ShardSource[] = ['flag', 'gitlab', 'kubernetes', 'circleci', 'buildkite', 'nomad', 'aws-batch'];

/** A shard with, when recorded, where it came from, its run id and its inventory's coverage. */
function parseShardDoc(r: JsonReader, value: unknown, path: string): RunShard {
  const o = r.object(value, path);
  const index = r.integer(o.index, `${path}.index`, 1);
  const count = r.integer(o.count, `${path}.count`, 1);
  if (index > count) r.fail(`${path}.index`, `${index} is above the shard count ${count}`);
  const shard: RunShard = { index, count };
  if (o.from !== undefined && o.from !== null) shard.from = r.oneOf(o.from, `${path}.from`, SHARD_SOURCES);
  if (o.runId === null) shard.runId = null;
  else if (o.runId !== undefined) {
    const id = r.object(o.runId, `${path}.runId`);
    shard.runId = { value: r.string(id.value, `${path}.runId.value`), from: r.string(id.from, `${path}.runId.from`) };
  }
  if (o.inventory !== undefined && o.inventory !== null) {
    const inv = r.object(o.inventory, `${path}.inventory`);
    const digest = r.string(inv.digest, `${path}.inventory.digest`);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) r.fail(`${path}.inventory.digest`, 'expected sha256: and 64 hex digits');
    const names = r.array(inv.names, `${path}.inventory.names`).map((n, i) => r.string(n, `${path}.inventory.names[${i}]`));
    const hosts = r.integer(inv.hosts, `${path}.inventory.hosts`, 0);
    if (hosts !== names.length) r.fail(`${path}.inventory.hosts`, `${hosts}, but names lists ${names.length}`);
    const coverage: InventoryCoverage = { digest, hosts, names };
    shard.inventory = coverage;
  }
  return shard;
}

function parseHost(r: JsonReader, value: unknown, path: string, savedVersion: string | undefined, config: EvalConfig, warnings: string[]): HostResult {
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
  // Runs saved before hosts carried their host-key policy have neither key.
  if (h.hostKey !== undefined && h.hostKey !== null) {
    const k = r.object(h.hostKey, `${path}.hostKey`);
    target.hostKey = { policy: r.oneOf(k.policy, `${path}.hostKey.policy`, HOST_KEY_POLICIES_USED), reason: r.string(k.reason, `${path}.hostKey.reason`) };
  }
  if (h.hostKeyVerified !== undefined && h.hostKeyVerified !== null) target.hostKeyVerified = r.oneOf(h.hostKeyVerified, `${path}.hostKeyVerified`, HOST_KEY_VERIFIED);
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
        ...(h.holders === undefined || h.holders === null
          ? {}
          : {
              holders: r.array(h.holders, `${p}.holders`).map((x, j) => {
                const o = r.object(x, `${p}.holders[${j}]`);
                return { key: r.string(o.key, `${p}.holders[${j}].key`), count: r.integer(o.count, `${p}.holders[${j}].count`, 0) };
              }),
            }),
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

/**
 * The saved run as a sequence of chunks that concatenate to exactly one JSON document: the head,
 * then one host at a time, then the baseline and trend. The head, baseline and trend are indented
 * by two spaces as JSON.stringify indents them; each host is one compact line (four spaces, the
 * host, then a comma unless it is the last), a third smaller than indented text, which also lets
 * a reader split hosts at line ends (json-split.ts). A final newline ends the file.
 */
export function* encodeSavedRun(ranked: RankedRun): Generator<string, void, undefined> {
  for (const chunk of encodeSavedRunWith(ranked, () => undefined)) yield chunk as string;
}

/**
 * A host's object in report.json without its rank (`{"name":...}`), escaped as the file holds it:
 * what a writer can encode as soon as the host is done, before the run is ranked. The line in the
 * file is `{"rank":N,` followed by this text after its opening brace.
 */
export function encodeSavedHost(result: HostResult, toolVersion: string): string {
  if (result.outcome.status !== 'failed' && result.outcome.record === RECORD_WRITTEN_AWAY) {
    throw new Error(`host ${JSON.stringify(result.outcome.target.name)}: its raw record was written away and let go, and cannot be encoded again`);
  }
  return escapeInvisible(compactJson(assembleHost(result, toolVersion))!);
}

/**
 * What an audited host's `record` is once a writer holding its saved text let the record go
 * (commands/host-spool.ts): empty, and refused by encodeSavedHost, so that it can never be
 * written as if it were the host's.
 */
export const RECORD_WRITTEN_AWAY: ProbeRecord = Object.freeze({ probeVersion: -1, sections: Object.freeze([]) as unknown as RawSection[] });

/**
 * encodeSavedRun, with each host's text from `savedHost` where it has one (encodeSavedHost's
 * text, as a string or its UTF-8 bytes) and encoded here where it has none.
 */
export function* encodeSavedRunWith(ranked: RankedRun, savedHost: (host: RankedHost) => string | Uint8Array | undefined): Generator<string | Uint8Array, void, undefined> {
  const { run } = ranked;
  const byVerdict = { critical: 0, warning: 0, unknown: 0, notice: 0, ok: 0 };
  let notAudited = 0;
  for (const { result } of ranked.hosts) {
    if (result.outcome.status === 'failed') notAudited++;
    else byVerdict[result.verdict?.verdict ?? 'unknown']++;
  }
  const head = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: { name: run.tool.name, version: run.tool.version },
    run: {
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      failOn: run.failOn,
      hostKeyPolicy: run.hostKeyPolicy,
      samples: run.samples,
      intervalSeconds: run.intervalSeconds,
      shard: run.shard ? assembleShardDoc(run.shard) : null,
      warnings: ranked.warnings,
    },
    summary: { hosts: ranked.hosts.length, byVerdict, notAudited },
  };
  // Each part is the text of an object without its braces, so the members can follow one another.
  yield `{${members(head)}`;
  if (ranked.hosts.length === 0) yield ',\n  "hosts": []';
  else {
    yield ',\n  "hosts": [';
    let first = true;
    for (const host of ranked.hosts) {
      // JSON text of a host has no raw line break (JSON escapes it in strings): one host, one line.
      // The rank is its first member, so the rest of the object is the host's own text.
      const head = `${first ? '' : ','}\n    {"rank":${host.rank},`;
      const text = savedHost(host) ?? encodeSavedHost(host.result, run.tool.version);
      if (typeof text === 'string') yield head + text.slice(1);
      else {
        yield head;
        yield text.subarray(1);
      }
      first = false;
    }
    yield '\n  ]';
  }
  if (run.baseline && ranked.trend) yield `,${members({ baseline: assembleDigestDoc(run.baseline), trend: ranked.trend })}`;
  yield '\n}\n';
}

/** The whole saved run as one string, for callers that want it in memory (tests, small runs). */
export function encodeSavedRunText(ranked: RankedRun): string {
  return [...encodeSavedRun(ranked)].join('');
}

/** The members of an object as JSON.stringify indents them at the top level: "\n  "key": ...", comma-separated, no braces. */
function members(o: Record<string, unknown>): string {
  return escapeInvisible(stringify(o).slice(1, -2));
}

function stringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

function assembleHost(result: HostResult, toolVersion: string): Record<string, unknown> {
  const { outcome, verdict } = result;
  const t = outcome.target;
  const failed = outcome.status === 'failed';
  return {
    name: t.name,
    address: t.address,
    port: t.port ?? null,
    user: t.user ?? null,
    groups: t.groups,
    via: t.via ?? [],
    hostKey: t.hostKey ? { policy: t.hostKey.policy, reason: t.hostKey.reason } : null,
    hostKeyVerified: t.hostKeyVerified ?? null,
    status: outcome.status,
    ...(failed ? { stage: outcome.stage, message: outcome.message, ...(outcome.detail ? { detail: { ...outcome.detail } } : {}) } : {}),
    verdict: verdict?.verdict ?? null,
    score: verdict?.score ?? null,
    decidedBy: verdict?.decidedBy ?? null,
    findings: (verdict?.findings ?? []).map(assembleFinding),
    notes: verdict?.notes ?? [],
    problems: failed ? [] : outcome.problems,
    // Derived like the findings, and only where the probe looked, so older runs encode as before.
    ...holdersMember(result),
    collectedBy: result.collectedBy ?? toolVersion,
    // Keys sorted at every depth, so parser internals cannot change the output's order.
    snapshot: failed ? null : new SortedKeys(outcome.snapshot),
    record: failed ? null : new SortedKeys(outcome.record),
    startedAt: outcome.startedAt,
    durationMs: outcome.durationMs,
  };
}

/** A shard, keys in a fixed order; what a run saved before they were recorded lacks stays absent. */
function assembleShardDoc(shard: RunShard): Record<string, unknown> {
  return {
    index: shard.index,
    count: shard.count,
    ...(shard.from === undefined ? {} : { from: shard.from }),
    ...(shard.runId === undefined ? {} : { runId: shard.runId === null ? null : { value: shard.runId.value, from: shard.runId.from } }),
    ...(shard.inventory === undefined ? {} : { inventory: { digest: shard.inventory.digest, hosts: shard.inventory.hosts, names: shard.inventory.names } }),
  };
}

function holdersMember({ outcome, verdict }: HostResult): { holders?: Record<string, unknown> } {
  if (outcome.status === 'failed') return {};
  const h = assessHostHolders(outcome.snapshot, verdict?.findings ?? []);
  if (h === undefined) return {};
  return { holders: { sentence: h.sentence, available: h.available, partial: h.partial ?? null, gateReasons: h.gateReasons ?? null, remediation: h.remediation } };
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
      ...(h.holders ? { holders: h.holders.map((x) => ({ key: x.key, count: x.count })) } : {}),
    })),
  };
}
