// The README's examples are promises: its config example validates, its commands exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../src/evaluate/index.js';
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

  it('every option in the audit table is one the CLI knows', async () => {
    const table = readme.slice(readme.indexOf('| option | meaning |'), readme.indexOf('## Inventories'));
    const flags = [...new Set([...table.matchAll(/(--[a-z][a-z-]+)/g)].map((m) => m[1]!))];
    expect(flags.length).toBeGreaterThan(15);
    const help = (await runCli(['audit', '--help'])).stdout;
    for (const flag of flags) expect(help).toContain(flag);
  });
});
