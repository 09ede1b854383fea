// `sockaudit merge A.json B.json ... --out DIR`: one report from the runs of several shards. Each
// is parsed and evaluated again by this version, so the merged ranking is the one a single run
// over the whole inventory would give.
import type { Level } from '../evaluate/types.js';
import { InputError, UsageError } from '../errors.js';
import { formatShard } from '../inventory/shard.js';
import { packageVersion } from '../paths.js';
import { readSavedRun, type SavedRun } from '../report/load.js';
import type { AuditRun } from '../report/types.js';
import type { AuditResult } from './audit.js';
import { loadEvalConfig } from './config-file.js';
import type { Io } from './io.js';
import { finishSavedRun, type ReportOutputOptions } from './report-from.js';

export interface MergeOptions extends ReportOutputOptions {
  files: string[];
}

export interface MergeInput {
  file: string;
  saved: SavedRun;
}

/** Weakest first: a merged run states the weakest host-key checking any shard used. */
const POLICY_STRENGTH: readonly AuditRun['hostKeyPolicy'][] = ['off', 'accept-new', 'strict'];

/**
 * One run from several. Pure. Throws InputError for runs of another schema version, an
 * AggregateError of InputErrors for hosts found in two files; returns warnings for shards that
 * look missing and for settings that differ.
 */
export function mergeRuns(inputs: readonly MergeInput[], opts: { toolVersion: string; failOn?: Level | 'never' }): { run: AuditRun; warnings: string[] } {
  const first = inputs[0];
  if (!first) throw new UsageError('merge needs at least one run');
  for (const { file, saved } of inputs) {
    if (saved.schemaVersion !== first.saved.schemaVersion)
      throw new InputError(file, undefined, `schema version ${saved.schemaVersion}, but ${first.file} has ${first.saved.schemaVersion}: merge runs of one sockaudit version`);
  }

  const seen = new Map<string, string>();
  const duplicates: InputError[] = [];
  for (const { file, saved } of inputs) {
    for (const h of saved.run.hosts) {
      const name = h.outcome.target.name;
      const other = seen.get(name);
      if (other !== undefined) duplicates.push(new InputError(file, undefined, `host ${JSON.stringify(name)} is also in ${other}`));
      else seen.set(name, file);
    }
  }
  if (duplicates.length > 0) throw new AggregateError(duplicates, `${duplicates.length} host(s) in more than one run`);

  const runs = inputs.map((i) => i.saved.run);
  const warnings: string[] = [];
  const failOns = [...new Set(runs.map((r) => r.failOn))];
  if (opts.failOn === undefined && failOns.length > 1)
    throw new UsageError(`the runs were gated differently (--fail-on ${failOns.join(', ')}): give --fail-on`);
  const sampling = [...new Set(runs.map((r) => `${r.samples}x${r.intervalSeconds}`))];
  if (sampling.length > 1) warnings.push(`the runs sampled differently (${runs.map((r) => (r.samples <= 1 ? '1 sample' : `${r.samples} samples ${r.intervalSeconds} s apart`)).join('; ')}); this report states the first's`);
  warnings.push(...assembleShardWarnings(inputs));

  const run: AuditRun = {
    tool: { name: 'sockaudit', version: opts.toolVersion },
    startedAt: runs.map((r) => r.startedAt).reduce((a, b) => (b < a ? b : a)),
    finishedAt: runs.map((r) => r.finishedAt).reduce((a, b) => (b > a ? b : a)),
    failOn: opts.failOn ?? first.saved.run.failOn,
    hostKeyPolicy: runs.map((r) => r.hostKeyPolicy).reduce((a, b) => (POLICY_STRENGTH.indexOf(b) < POLICY_STRENGTH.indexOf(a) ? b : a)),
    samples: first.saved.run.samples,
    intervalSeconds: first.saved.run.intervalSeconds,
    warnings: [...new Set([...runs.flatMap((r) => r.warnings), ...warnings])],
    hosts: runs.flatMap((r) => r.hosts),
  };
  return { run, warnings };
}

/** Shards of one split that are not all there, or runs of different splits. */
function assembleShardWarnings(inputs: readonly MergeInput[]): string[] {
  const shards = inputs.map((i) => i.saved.run.shard);
  if (shards.every((s) => s === undefined)) return [];
  const counts = [...new Set(shards.map((s) => s?.count))];
  const only = counts[0];
  if (counts.length > 1 || only === undefined) {
    return [`the runs are not shards of one split (${inputs.map((i) => `${i.file}: ${i.saved.run.shard ? formatShard(i.saved.run.shard) : 'whole'}`).join(', ')})`];
  }
  const present = new Set(shards.map((s) => s?.index));
  const missing = Array.from({ length: only }, (_, k) => k + 1).filter((k) => !present.has(k));
  return missing.length === 0 ? [] : [`shard${missing.length === 1 ? '' : 's'} ${missing.map((k) => `${k}/${only}`).join(', ')} not merged: their hosts are missing from this report`];
}

export async function merge(opts: MergeOptions, io: Io): Promise<AuditResult> {
  const config = await loadEvalConfig(opts.configFile, io);
  const inputs: MergeInput[] = [];
  for (const file of opts.files) {
    const saved = await readSavedRun(file, { config });
    for (const w of saved.warnings) io.warn(`${file}: ${w}`);
    inputs.push({ file, saved });
  }
  const { run, warnings } = mergeRuns(inputs, { toolVersion: packageVersion(), ...(opts.failOn === undefined ? {} : { failOn: opts.failOn }) });
  for (const w of warnings) io.warn(w);
  return finishSavedRun(run, opts, config, io);
}
