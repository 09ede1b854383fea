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
  if (!m) return { error: `--shard must be I/N, e.g. 2/4 (got "${text}")` };
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
