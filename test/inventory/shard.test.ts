import { describe, expect, test } from 'vitest';
import { parseShard, selectShard, shardOf } from '../../src/inventory/shard.js';

const names = (n: number, prefix = 'web') => Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${String(i).padStart(4, '0')}.example.net` }));

describe('--shard I/N', () => {
  test('parses I/N and names what is wrong', () => {
    expect(parseShard('2/4')).toEqual({ value: { index: 2, count: 4 } });
    expect(parseShard(' 1 / 1 ')).toEqual({ value: { index: 1, count: 1 } });
    expect(parseShard('0/4')).toEqual({ error: '--shard: I must be from 1 to 4 (got 0)' });
    expect(parseShard('5/4')).toEqual({ error: '--shard: I must be from 1 to 4 (got 5)' });
    expect(parseShard('1/0')).toEqual({ error: '--shard: N must be from 1 to 1024 (got 0)' });
    expect(parseShard('2-4')).toMatchObject({ error: expect.stringContaining('must be I/N') });
  });

  test('the shards partition the hosts, each host in exactly one, in their given order', () => {
    const hosts = names(300);
    const parts = [1, 2, 3].map((index) => selectShard(hosts, { index, count: 3 }));
    expect(parts.flat().map((h) => h.name).sort()).toEqual(hosts.map((h) => h.name).sort());
    for (const p of parts) {
      expect(p.map((h) => h.name)).toEqual([...p].sort((a, b) => hosts.indexOf(a) - hosts.indexOf(b)).map((h) => h.name));
      // Hashing spreads 300 names roughly evenly: no shard is empty or holds most of them.
      expect(p.length).toBeGreaterThan(60);
      expect(p.length).toBeLessThan(140);
    }
  });

  test('adding hosts never moves the others between shards', () => {
    const before = names(200);
    const after = [...names(50, 'new'), ...before, ...names(50, 'db')];
    for (const index of [1, 2, 3, 4]) {
      const old = new Set(selectShard(before, { index, count: 4 }).map((h) => h.name));
      const now = selectShard(after, { index, count: 4 }).map((h) => h.name).filter((n) => n.startsWith('web-'));
      expect(new Set(now)).toEqual(old);
    }
  });

  test("a host's shard depends on its name and N only", () => {
    expect(shardOf('web-0001.example.net', 4)).toBe(shardOf('web-0001.example.net', 4));
    expect(shardOf('anything', 1)).toBe(1);
    const seen = new Set(names(100).map((h) => shardOf(h.name, 7)));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
