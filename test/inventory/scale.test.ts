// Regression guard for load time: 20,000 hosts in one group (one mapping of 20,000 keys) took
// 66 s as YAML and 12 s as JSON when the duplicate-key check compared each key with every
// earlier one; the 10,000 here a quarter of that. CPU time, not wall time, is bounded: the machine's cores are shared, and a loose
// bound on the process's own work still tells linear from quadratic.
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/load.js';

const COUNT = 10_000;
const names = Array.from({ length: COUNT }, (_, i) => `h${i}.example.com`);

function cpuSecondsOf(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

describe('a 10,000-host inventory', () => {
  it.each([
    ['hosts.yml', 'all:\n  hosts:\n' + names.map((h, i) => `    ${h}:\n      ansible_port: ${2000 + (i % 100)}\n`).join('')],
    ['hosts.json', JSON.stringify({ all: { hosts: names }, _meta: { hostvars: Object.fromEntries(names.map((h, i) => [h, { ansible_port: 2000 + (i % 100) }])) } }, null, 1)],
    ['hosts.ini', '[all]\n' + names.map((h, i) => `${h} ansible_port=${2000 + (i % 100)}`).join('\n')],
  ])('%s loads in well under 2 s of CPU', (file, text) => {
    let hosts = 0;
    const seconds = cpuSecondsOf(() => {
      const result = parseInventory(text, file);
      expect(result.errors).toEqual([]);
      hosts = result.value.hosts.length;
    });
    expect(hosts).toBe(COUNT);
    expect(seconds).toBeLessThan(2);
  });
});
