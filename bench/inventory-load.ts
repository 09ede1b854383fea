// How long reading a large inventory takes, per format: writes 50,000-host Ansible YAML, JSON
// (`ansible-inventory --list` form) and INI inventories to a temporary folder and times
// readInventory on each, in wall and CPU time. Run built:
// `node dist/bench/inventory-load.js [hosts]`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { readInventory } from '../src/inventory/load.js';

const GROUPS = 50;

/** `count` hosts spread over GROUPS groups, each with an address, a port and a label. */
export function largeInventories(count: number): { yaml: string; json: string; ini: string } {
  const perGroup = Math.ceil(count / GROUPS);
  const yaml: string[] = ['all:', '  children:'];
  const ini: string[] = [];
  const json: Record<string, unknown> = { all: { children: [] as string[] } };
  const hostvars: Record<string, Record<string, unknown>> = {};
  for (let g = 0; g < GROUPS; g++) {
    const group = `g${g}`;
    (json.all as { children: string[] }).children.push(group);
    yaml.push(`    ${group}:`, '      vars:', `        rack: r${g}`, '      hosts:');
    ini.push(`[${group}]`);
    const names: string[] = [];
    for (let i = g * perGroup; i < Math.min(count, (g + 1) * perGroup); i++) {
      const name = `host${i}.example.com`;
      const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      yaml.push(`        ${name}:`, `          ansible_host: ${address}`, `          ansible_port: ${2200 + (i % 100)}`);
      ini.push(`${name} ansible_host=${address} ansible_port=${2200 + (i % 100)}`);
      names.push(name);
      hostvars[name] = { ansible_host: address, ansible_port: 2200 + (i % 100), rack: `r${g}` };
    }
    json[group] = { hosts: names, vars: { rack: `r${g}` } };
    ini.push(`[${group}:vars]`, `rack=r${g}`);
  }
  json._meta = { hostvars };
  return { yaml: yaml.join('\n') + '\n', json: JSON.stringify(json, null, 2), ini: ini.join('\n') + '\n' };
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 50_000);
  const dir = await mkdtemp(join(tmpdir(), 'sockaudit-inventory-bench-'));
  try {
    const texts = largeInventories(count);
    const files = { yaml: join(dir, 'hosts.yml'), json: join(dir, 'hosts.json'), ini: join(dir, 'hosts.ini') };
    await writeFile(files.yaml, texts.yaml);
    await writeFile(files.json, texts.json);
    await writeFile(files.ini, texts.ini);
    for (const [format, file] of Object.entries(files)) {
      const start = performance.now();
      const cpu = process.cpuUsage();
      const result = await readInventory(file);
      const seconds = (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpu);
      const problems = result.errors.length > 0 ? `, ${result.errors.length} errors (first: ${result.errors[0]?.message})` : '';
      // CPU time beside wall time: on a shared machine the wall time says as much about the neighbours.
      const cpuSeconds = (used.user + used.system) / 1e6;
      console.log(`${format.padEnd(4)} ${String(result.value.hosts.length).padStart(7)} hosts  ${seconds.toFixed(2)} s wall  ${cpuSeconds.toFixed(2)} s CPU${problems}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
