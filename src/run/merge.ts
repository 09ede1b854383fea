// One run from the saved runs of several shards. Pure: each input was already read, parsed and
// evaluated again by this version, so the merged ranking is the one a single run over the whole
// inventory would give.
import type { Gate } from '../evaluate/types.js';
import { InputError, UsageError } from '../errors.js';
import { formatShard, shardOf } from '../inventory/shard.js';
import { weakestPolicy } from './judge.js';
import type { SavedRun } from './saved-run.js';
import type { AuditRun } from './types.js';

export interface MergeInput {
  file: string;
  saved: SavedRun;
}

/**
 * One run from several. Pure. Throws InputError for runs of another schema version, an
 * AggregateError of InputErrors for hosts found in two files; returns warnings for shards that
 * look missing and for settings that differ.
 */
export function mergeRuns(inputs: readonly MergeInput[], opts: { toolVersion: string; failOn?: Gate }): { run: AuditRun; warnings: string[] } {
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

  const warnings: string[] = checkOneRun(inputs);
  const runs = inputs.map((i) => i.saved.run);
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
    // A merged run states the weakest host-key checking any shard used.
    hostKeyPolicy: weakestPolicy(runs.map((r) => r.hostKeyPolicy)),
    samples: first.saved.run.samples,
    intervalSeconds: first.saved.run.intervalSeconds,
    warnings: [...new Set([...runs.flatMap((r) => r.warnings), ...warnings])],
    hosts: runs.flatMap((r) => r.hosts),
  };
  return { run, warnings };
}

/** Missing hosts named in a warning; the rest are counted. */
const MISSING_NAMES_SHOWN = 50;

/**
 * Refuses shards of different runs or different inventories, naming the files (the first file
 * is the reference); warns when a shard cannot prove either, having been saved without them.
 */
function checkOneRun(inputs: readonly MergeInput[]): string[] {
  const sharded = inputs.filter((i) => i.saved.run.shard !== undefined);
  const first = sharded[0];
  if (!first) return [];
  const errors: InputError[] = [];
  const warnings: string[] = [];
  const runOf = (i: MergeInput) => i.saved.run.shard?.runId?.value;
  const digestOf = (i: MergeInput) => i.saved.run.shard?.inventory?.digest;
  const withRun = sharded.find((i) => runOf(i) !== undefined);
  const withDigest = sharded.find((i) => digestOf(i) !== undefined);
  for (const i of sharded) {
    const id = runOf(i);
    if (withRun && id !== undefined && id !== runOf(withRun)) errors.push(new InputError(i.file, undefined, `a shard of run ${JSON.stringify(id)}, but ${withRun.file} is of run ${JSON.stringify(runOf(withRun))}: merge the shards of one run`));
    const digest = digestOf(i);
    if (withDigest && digest !== undefined && digest !== digestOf(withDigest))
      errors.push(new InputError(i.file, undefined, `cut from another inventory than ${withDigest.file} (${digest.slice(0, 19)}… against ${digestOf(withDigest)?.slice(0, 19)}…): merge shards of one inventory`));
  }
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} shard(s) of another run or inventory`);
  const noRun = sharded.filter((i) => runOf(i) === undefined).map((i) => i.file);
  if (noRun.length > 0) warnings.push(`${noRun.join(', ')}: no run id (give audit --run-id), so nothing proves ${noRun.length === 1 ? 'it is' : 'they are'} of the same run as the others`);
  const noDigest = sharded.filter((i) => digestOf(i) === undefined).map((i) => i.file);
  if (noDigest.length > 0) warnings.push(`${noDigest.join(', ')}: saved without the inventory's digest, so nothing proves the shards cover one inventory`);
  return warnings;
}

/** Shards of one split that are not all there, with the hosts they held, or runs of different splits. */
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
  if (missing.length === 0) return [];
  const shardsText = `shard${missing.length === 1 ? '' : 's'} ${missing.map((k) => `${k}/${only}`).join(', ')} not merged`;
  const inventory = inputs.map((i) => i.saved.run.shard?.inventory).find((inv) => inv !== undefined);
  if (!inventory) return [`${shardsText}: their hosts are missing from this report`];
  const absent = new Set(missing);
  const names = inventory.names.filter((n) => absent.has(shardOf(n, only)));
  if (names.length === 0) return [`${shardsText}: they held no host of the inventory`];
  const shown = names.slice(0, MISSING_NAMES_SHOWN).map((n) => JSON.stringify(n)).join(', ');
  const more = names.length > MISSING_NAMES_SHOWN ? ` and ${names.length - MISSING_NAMES_SHOWN} more` : '';
  return [`${shardsText}: ${names.length} host${names.length === 1 ? '' : 's'} of the inventory missing from this report: ${shown}${more}`];
}
