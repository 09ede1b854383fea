// `--shard I/N`: a deterministic split of the inventory by a hash of each host's name, so that
// a host's shard depends on its name and N only, and adding hosts never moves the others.
import { createHash } from 'node:crypto';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** Far more shards than any CI matrix runs; a larger N is a typo. */
export const MAX_SHARDS = 1024;

/** `I/N` with 1 <= I <= N <= MAX_SHARDS; a message naming the problem otherwise. */
export function parseShard(text: string): { value: Shard } | { error: string } {
  const m = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(text);
  if (!m) return { error: `--shard must be I/N, e.g. 2/4, or auto (got ${JSON.stringify(text.slice(0, 40))})` };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) return { error: `--shard: N must be from 1 to ${MAX_SHARDS} (got ${count})` };
  if (index < 1 || index > count) return { error: `--shard: I must be from 1 to ${count} (got ${index})` };
  return { value: { index, count } };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The 1-based shard a host name falls in: SHA-256 of the UTF-8 name, its first 48 bits modulo N. */
export function shardOf(name: string, count: number): number {
  const digest = createHash('sha256').update(name, 'utf8').digest();
  return (digest.readUIntBE(0, 6) % count) + 1;
}

/** The hosts of one shard, in their given order. */
export function selectShard<T extends { name: string }>(hosts: readonly T[], shard: Shard): T[] {
  return hosts.filter((h) => shardOf(h.name, shard.count) === shard.index);
}

/** Where a run's shard came from: `--shard I/N` typed out, or a CI or batch engine's variables. */
export type ShardSource = 'flag' | 'gitlab' | 'kubernetes' | 'circleci' | 'buildkite' | 'nomad' | 'aws-batch';

/** A shard and where it came from, as a run records it. */
export interface ResolvedShard extends Shard {
  from: ShardSource;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** The total that engines without one of their own (Kubernetes, Nomad) read. */
export const SHARD_TOTAL_VARIABLE = 'SOCKAUDIT_SHARD_TOTAL';

interface ShardEngine {
  source: Exclude<ShardSource, 'flag'>;
  name: string;
  index: string;
  /** 0 or 1: the value the first instance sees. */
  base: 0 | 1;
  total: string;
}

/**
 * The engines `--shard auto` reads, in the order they are looked for. Each sets its index only
 * in a parallel job, except CircleCI (0 of 1 without parallelism) and Nomad (every allocation
 * has an index), which read as shard 1 of their total.
 */
export const SHARD_ENGINES: readonly ShardEngine[] = [
  { source: 'gitlab', name: 'GitLab CI parallel', index: 'CI_NODE_INDEX', base: 1, total: 'CI_NODE_TOTAL' },
  { source: 'kubernetes', name: 'Kubernetes Indexed Job', index: 'JOB_COMPLETION_INDEX', base: 0, total: SHARD_TOTAL_VARIABLE },
  { source: 'circleci', name: 'CircleCI parallelism', index: 'CIRCLE_NODE_INDEX', base: 0, total: 'CIRCLE_NODE_TOTAL' },
  { source: 'buildkite', name: 'Buildkite parallelism', index: 'BUILDKITE_PARALLEL_JOB', base: 0, total: 'BUILDKITE_PARALLEL_JOB_COUNT' },
  { source: 'nomad', name: 'Nomad job', index: 'NOMAD_ALLOC_INDEX', base: 0, total: SHARD_TOTAL_VARIABLE },
  // AWS Batch passes each child of an array job the array's size.
  { source: 'aws-batch', name: 'AWS Batch array job', index: 'AWS_BATCH_JOB_ARRAY_INDEX', base: 0, total: 'AWS_BATCH_JOB_ARRAY_SIZE' },
];

/** How a run's summary names where its shard came from. */
export function describeShardSource(from: ShardSource): string {
  if (from === 'flag') return '--shard';
  const engine = SHARD_ENGINES.find((e) => e.source === from);
  return engine ? `${engine.name} (${engine.index}${engine.base === 0 ? ', 0-based' : ''}, ${engine.total})` : from;
}

/**
 * `--shard I/N` or `--shard auto`, the latter read from the engine running this process. Pure:
 * the environment is a parameter. An engine's index without its total, values that are not
 * whole numbers, or two engines at once are errors naming the variables; so is no engine at all.
 */
export function resolveShard(text: string, env: Environment): { value: ResolvedShard } | { error: string } {
  if (text.trim().toLowerCase() !== 'auto') {
    const parsed = parseShard(text);
    return 'error' in parsed ? parsed : { value: { ...parsed.value, from: 'flag' } };
  }
  const found = SHARD_ENGINES.filter((e) => present(env[e.index]));
  if (found.length === 0) {
    return { error: `--shard auto: no engine's shard index is set (looked for ${SHARD_ENGINES.map((e) => `${e.index} (${e.name})`).join(', ')}); give --shard I/N` };
  }
  if (found.length > 1) {
    return { error: `--shard auto: more than one engine's shard index is set (${found.map((e) => `${e.index}=${env[e.index] ?? ''}`).join(', ')}); give --shard I/N` };
  }
  const engine = found[0] as ShardEngine;
  const indexText = (env[engine.index] ?? '').trim();
  const totalText = env[engine.total];
  if (!present(totalText)) {
    return { error: `--shard auto: ${engine.index} is set (${engine.name}) but ${engine.total} is not: set ${engine.total} to the number of shards${engine.total === SHARD_TOTAL_VARIABLE ? ` (the ${engine.source === 'kubernetes' ? "Job's completions" : "group's count"})` : ''}` };
  }
  if (!/^\d{1,6}$/.test(indexText)) return { error: `--shard auto: ${engine.index} must be a whole number (got ${JSON.stringify(indexText.slice(0, 20))})` };
  if (!/^\s*\d{1,6}\s*$/.test(totalText)) return { error: `--shard auto: ${engine.total} must be a whole number (got ${JSON.stringify(totalText.trim().slice(0, 20))})` };
  const count = Number(totalText);
  const index = Number(indexText) + (1 - engine.base);
  if (count < 1 || count > MAX_SHARDS) return { error: `--shard auto: ${engine.total} must be from 1 to ${MAX_SHARDS} (got ${count})` };
  if (index < 1 || index > count) {
    return { error: `--shard auto: ${engine.index}=${indexText} is outside ${engine.base}..${count - 1 + engine.base} for ${engine.total}=${count}` };
  }
  return { value: { index, count, from: engine.source } };
}

function present(v: string | undefined): v is string {
  return v !== undefined && v.trim() !== '';
}

/** What ties the shards of one run together, and where it came from (`--run-id` or the variables read). */
export interface RunId {
  value: string;
  from: string;
}

/** Long enough for any engine's id; a run id is compared, never parsed. */
const MAX_RUN_ID = 200;

/**
 * The run id the shards of one run share: `--run-id` when given, else the pipeline id of the
 * engine running this process (null when there is none, which the run says). Pure.
 * GitHub's includes the attempt, so that re-running the whole workflow never mixes with the
 * first attempt's shards.
 */
export function resolveRunId(flag: string | undefined, env: Environment): { value: RunId | null } | { error: string } {
  if (flag !== undefined) {
    const v = flag.trim();
    if (v === '' || v.length > MAX_RUN_ID || /[\p{Cc}\p{Cf}]/u.test(v)) return { error: `--run-id must be 1 to ${MAX_RUN_ID} printable characters` };
    return { value: { value: v, from: '--run-id' } };
  }
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' || v.length > MAX_RUN_ID || /[\p{Cc}\p{Cf}]/u.test(v) ? undefined : v;
  };
  const github = get('GITHUB_RUN_ID');
  if (github !== undefined) {
    const attempt = get('GITHUB_RUN_ATTEMPT') ?? '1';
    return { value: { value: `github:${github}.${attempt}`, from: 'GITHUB_RUN_ID+GITHUB_RUN_ATTEMPT' } };
  }
  for (const [name, engine] of [
    ['CI_PIPELINE_ID', 'gitlab'],
    ['CIRCLE_WORKFLOW_ID', 'circleci'],
    ['BUILDKITE_BUILD_ID', 'buildkite'],
  ] as const) {
    const v = get(name);
    if (v !== undefined) return { value: { value: `${engine}:${v}`, from: name } };
  }
  // A Kubernetes Indexed Job: its name, given as JOB_NAME (from the job-name label), else from
  // the pod's host name, which is the job's name followed by -INDEX.
  const completion = get('JOB_COMPLETION_INDEX');
  if (completion !== undefined) {
    const job = get('JOB_NAME');
    if (job !== undefined) return { value: { value: `kubernetes:${job}`, from: 'JOB_NAME' } };
    const host = get('HOSTNAME');
    const suffix = `-${completion}`;
    if (host !== undefined && host.endsWith(suffix) && host.length > suffix.length) return { value: { value: `kubernetes:${host.slice(0, -suffix.length)}`, from: 'HOSTNAME (without -JOB_COMPLETION_INDEX)' } };
  }
  // An AWS Batch array child's job id is the array's id, a colon and the index.
  const batch = get('AWS_BATCH_JOB_ID');
  if (batch !== undefined && get('AWS_BATCH_JOB_ARRAY_INDEX') !== undefined) {
    const colon = batch.lastIndexOf(':');
    return { value: { value: `aws-batch:${colon > 0 ? batch.slice(0, colon) : batch}`, from: 'AWS_BATCH_JOB_ID (without :INDEX)' } };
  }
  // A Nomad job's id names one run only when it was dispatched or launched by a periodic job.
  const nomad = get('NOMAD_JOB_ID');
  if (nomad !== undefined && /\/(dispatch|periodic)-/.test(nomad)) return { value: { value: `nomad:${nomad}`, from: 'NOMAD_JOB_ID' } };
  return { value: null };
}

/**
 * The whole inventory a shard was cut from, so that a merge can prove its shards cover one
 * inventory and name the hosts a missing shard held. `names` is every target's name, sorted:
 * about 30 bytes a host (300 KB for 10,000 hosts), small beside the raw probe record each
 * audited host keeps, and it lets a merge name missing hosts from the shard files alone.
 */
export interface InventoryCoverage {
  /** `sha256:` and the hex SHA-256 of each target's name, address, port and user, sorted by name. */
  digest: string;
  hosts: number;
  /** By name, code-unit order. */
  names: string[];
}

/** The coverage of the resolved targets (after --limit, before the split). No secrets: names, addresses, ports, users. */
export function inventoryCoverage(targets: readonly { name: string; address: string; port: number; user?: string }[]): InventoryCoverage {
  const sorted = [...targets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hash = createHash('sha256');
  // One JSON array per line: no name, address or user can forge a line boundary.
  for (const t of sorted) hash.update(`${JSON.stringify([t.name, t.address, t.port, t.user ?? null])}\n`, 'utf8');
  return { digest: `sha256:${hash.digest('hex')}`, hosts: sorted.length, names: sorted.map((t) => t.name) };
}

/** The line a run's summary gives its shard: which, from where, the run id and the inventory cut. */
export function describeShardLine(shard: Shard & { from?: ShardSource; runId?: RunId | null; inventory?: InventoryCoverage }): string {
  const parts = [`shard ${formatShard(shard)}${shard.from === undefined ? '' : ` from ${describeShardSource(shard.from)}`}`];
  if (shard.runId !== undefined) parts.push(shard.runId === null ? 'no run id' : `run ${shard.runId.value} (${shard.runId.from})`);
  if (shard.inventory !== undefined) parts.push(`of ${shard.inventory.hosts} host${shard.inventory.hosts === 1 ? '' : 's'}, inventory ${shard.inventory.digest.slice(0, 19)}`);
  return parts.join('; ');
}
