// Hostile or runaway inputs end in an error naming the file, quickly, not in a stack overflow or
// an exhausted heap.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInventory } from '../../src/inventory/load.js';
import { expandHostPattern, MAX_HOSTS_PER_INVENTORY, MAX_HOSTS_PER_RANGE } from '../../src/inventory/ranges.js';
import { InputError } from '../../src/errors.js';
import { AnsibleInventory } from '../../src/inventory/ansible-model.js';
import { parseAnsibleIniInto } from '../../src/inventory/ansible-ini.js';
import { Issues } from '../../src/inventory/issues.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sockaudit-bombs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(name: string, text: string): Promise<Awaited<ReturnType<typeof readInventory>>> {
  const file = join(dir, name);
  await writeFile(file, text);
  return readInventory(file);
}

const DEPTH = 9_000;

describe('bombs', () => {
  it('a YAML alias bomb (billion laughs) is refused', async () => {
    const levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let i = 1; i <= 9; i++) levels.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
    const text = `all:\n  vars:\n${levels.map((l) => `    ${l}`).join('\n')}\n  hosts:\n    web1:\n`;
    const result = await load('bomb.yml', text);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toBeInstanceOf(InputError);
    expect(result.errors[0]?.file).toBe(join(dir, 'bomb.yml'));
    expect(result.errors[0]?.problem).toMatch(/aliases expand to more than/);
  });

  it.each([
    ['chain.ini', Array.from({ length: DEPTH }, (_, i) => `[g${i}:children]\ng${i + 1}`).join('\n') + `\n[g${DEPTH}]\nweb1\n`],
    ['chain.json', JSON.stringify(Object.fromEntries([...Array.from({ length: DEPTH }, (_, i) => [`g${i}`, { children: [`g${i + 1}`] }]), [`g${DEPTH}`, { hosts: ['web1'] }]]))],
    ['chain.yml', `all:\n  children:\n    g0: ${'{children: {g: '.repeat(DEPTH)}{hosts: {web1: }}${'}}'.repeat(DEPTH)}\n`],
  ])('%s: a children chain 9,000 deep is an error naming the file', async (name, text) => {
    const result = await load(name, text);
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors[0]).toBeInstanceOf(InputError);
    expect(result.errors[0]?.file).toBe(join(dir, name));
    expect(result.errors[0]?.problem).toMatch(/deep/);
  });

  it('a range past the bound is refused before it allocates', () => {
    expect(expandHostPattern('r[0:9999999]')).toEqual({ problem: `host range in "r[0:9999999]" gives more than ${MAX_HOSTS_PER_RANGE} names` });
    expect(expandHostPattern('r[0:999][0:999]')).toEqual({ problem: `host range in "r[0:999][0:999]" gives more than ${MAX_HOSTS_PER_RANGE} names` });
  });

  it('an inventory past the bound of hosts in all is refused, reported once with its line', () => {
    const inventory = new AnsibleInventory(5);
    const issues = new Issues('hosts');
    const result = parseAnsibleIniInto(inventory, '[a]\nh[1:3]\n[b]\nh[2:4]\nx[1:2]\ny1\n', issues);
    expect(MAX_HOSTS_PER_INVENTORY).toBe(1_000_000);
    expect(result.errors.map((e) => e.message)).toEqual(['hosts:5: the inventory has more than 5 hosts; the rest are refused']);
    expect(result.value.hosts).toEqual([]);
  });
});
