// README's "How risk is scored" table against the rules: every rule has a row, and the
// count-over-limit rules show their default thresholds there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/evaluate/index.js';

const readme = readFileSync(join(fileURLToPath(new URL('../..', import.meta.url)), 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## How risk is scored'));
const rows = section
  .slice(0, section.indexOf('\n\n', section.indexOf('| check |')))
  .split('\n')
  .filter((l) => l.startsWith('| `'));

function rowOf(name: string): string | undefined {
  return rows.find((r) => (r.split('|')[1] ?? '').includes(`\`${name}\``));
}

describe('README threshold table', () => {
  it.each(RULES.map((r) => [r.id, r.item ?? r.id] as const))('has a row for %s', (_id, name) => {
    expect(rowOf(name)).toBeDefined();
  });

  it.each(RULES.filter((r) => r.share !== undefined).map((r) => [r.id, r] as const))('shows the thresholds of %s', (_id, rule) => {
    const row = rowOf(rule.item ?? rule.id) as string;
    for (const t of Object.values(rule.thresholds)) expect(row).toContain(`${t} %`);
  });
});
