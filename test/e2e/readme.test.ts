// The README's examples are promises: its config example validates, its commands exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../src/evaluate/index.js';
import { AUDIT } from '../../src/cli/args/audit.js';
import { FORMAT_IDS } from '../../src/report/formats.js';
import { repoRoot, runCli } from './helpers.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

describe('README', () => {
  it('its config example is a valid config', () => {
    const block = /# sockaudit-config\.yml[^\n]*\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const { errors } = validateConfig(parse(block!));
    expect(errors).toEqual([]);
  });

  it('its first two lines of commands are the demo and the test suite', () => {
    const first = /```sh\n([^\n]+)\n([^\n]+)\n```/.exec(readme);
    expect(first?.[1]).toMatch(/^npm ci && npm run demo\b/);
    expect(first?.[2]).toMatch(/^npm test\b/);
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.scripts.demo).toContain('demo');
  });

  it('the audit option table and the CLI name the same flags, both ways', async () => {
    const table = readme.slice(readme.indexOf('| option | meaning |'), readme.indexOf('## Inventories'));
    const rows = table.split('\n').filter((l) => l.startsWith('| `'));
    // The option column only: the meaning column may mention other flags.
    const documented = new Set(rows.flatMap((r) => [...(r.split(' | ')[0] ?? '').matchAll(/(--[a-z][a-z-]+)/g)].map((m) => m[1]!)));
    expect(documented.size).toBeGreaterThan(15);
    const help = (await runCli(['audit', '--help'])).stdout;
    for (const flag of documented) expect(help, flag).toContain(flag);
    const known = Object.keys(AUDIT.options).filter((long) => long !== 'help').map((long) => `--${long}`);
    for (const flag of known) expect([...documented], `${flag} is missing from README's option table`).toContain(flag);
    // And the formats the table lists are the registry's.
    expect(table).toContain(`\`${FORMAT_IDS.join(',')}\``);
  });

  it('names every command the CLI has', async () => {
    const usage = (await runCli(['help'])).stdout;
    const commands = [...usage.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map((m) => m[1]!).filter((c) => c !== 'help' && c !== 'version');
    expect(commands).toContain('probe-script');
    for (const c of commands) expect(readme, c).toContain(`sockaudit ${c}`);
  });
});
