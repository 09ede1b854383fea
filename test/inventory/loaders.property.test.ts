// Property tests: random text and mutated real inventories never make a loader throw; every
// problem is an InputError naming the file, with a line inside the text when it gives one.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseAnsibleIni } from '../../src/inventory/ansible-ini.js';
import { parseAnsibleJson } from '../../src/inventory/ansible-json.js';
import { parseAnsibleYaml } from '../../src/inventory/ansible-yaml.js';
import { parseHostList } from '../../src/inventory/host-list.js';
import { parseInventory } from '../../src/inventory/load.js';
import { parseSockauditYaml } from '../../src/inventory/sockaudit-yaml.js';
import { expandHostPattern, MAX_HOSTS_PER_RANGE } from '../../src/inventory/ranges.js';
import type { InventorySource, Result } from '../../src/inventory/types.js';

const example = (name: string): string => readFileSync(fileURLToPath(new URL(`../../inventory/${name}`, import.meta.url)), 'utf8');
const REAL = {
  ini: example('ansible-hosts.ini'),
  yaml: example('ansible-hosts.yml'),
  sockaudit: example('fleet.yml'),
  list: example('hosts.txt'),
  json: JSON.stringify({ web: { hosts: ['w1', 'w2'], vars: { ansible_user: 'a' } }, db: { children: ['web'] }, _meta: { hostvars: { w1: { ansible_port: 2222 } } } }, null, 2),
};

const LOADERS: Array<[string, (text: string, file: string) => Result<InventorySource>, string]> = [
  ['INI', parseAnsibleIni, REAL.ini],
  ['Ansible YAML', parseAnsibleYaml, REAL.yaml],
  ['JSON', parseAnsibleJson, REAL.json],
  ['sockaudit YAML', parseSockauditYaml, REAL.sockaudit],
  ['host list', parseHostList, REAL.list],
  ['any format', parseInventory, REAL.yaml],
];

/** Characters that matter to these formats, so random text reaches past the first check. */
const SYNTAX = fc.constantFrom(...'[]{}:,=#;"\'\n \t-*&!|>@~.0123456789abcxyz_'.split(''), '{{', '}}', '!vault', '<<', '*a', '&a', ':vars', ':children', 'hosts', 'children', 'vars', 'ansible_port=', 'all:');
const syntaxText = fc.array(SYNTAX, { maxLength: 200 }).map((parts) => parts.join(''));

/** A real inventory with a few of its characters replaced, removed or doubled. */
const mutated = (text: string) =>
  fc.array(fc.tuple(fc.nat({ max: Math.max(0, text.length - 1) }), fc.constantFrom('delete', 'double', 'replace'), SYNTAX), { minLength: 1, maxLength: 8 }).map((edits) => {
    let out = text;
    for (const [at, kind, piece] of edits) {
      const i = Math.min(at, Math.max(0, out.length - 1));
      out = kind === 'delete' ? out.slice(0, i) + out.slice(i + 1) : kind === 'double' ? out.slice(0, i + 1) + out.slice(i) : out.slice(0, i) + piece + out.slice(i + 1);
    }
    return out;
  });

function checkResult(result: Result<InventorySource>, text: string): void {
  const lines = text.split('\n').length;
  for (const error of result.errors) {
    expect(error).toBeInstanceOf(InputError);
    expect(error.file).toBe('inv');
    if (error.line !== undefined) {
      expect(Number.isInteger(error.line)).toBe(true);
      expect(error.line).toBeGreaterThanOrEqual(1);
      expect(error.line).toBeLessThanOrEqual(lines + 1);
    }
  }
}

describe.each(LOADERS)('%s loader', (_, load, real) => {
  it('never throws on random text, and names the file and a line within it', () => {
    fc.assert(
      fc.property(fc.oneof(syntaxText, fc.string({ maxLength: 200 })), (text) => checkResult(load(text, 'inv'), text)),
      { numRuns: 200 },
    );
  });

  it('never throws on a mutated real inventory', () => {
    fc.assert(
      fc.property(mutated(real), (text) => checkResult(load(text, 'inv'), text)),
      { numRuns: 200 },
    );
  });
});

describe('host ranges', () => {
  const rangeText = fc
    .array(fc.oneof(fc.constantFrom('[', ']', ':', '-', 'a', 'z', 'Z', '0', '01', '9', '99999', 'web'), fc.nat({ max: 300 }).map(String)), { maxLength: 12 })
    .map((parts) => parts.join(''));

  it('expand or give a problem, never throw, and never past the bound', () => {
    fc.assert(
      fc.property(rangeText, (pattern) => {
        const result = expandHostPattern(pattern);
        if ('hosts' in result) {
          expect(result.hosts.length).toBeGreaterThanOrEqual(1);
          expect(result.hosts.length).toBeLessThanOrEqual(MAX_HOSTS_PER_RANGE);
          if (!pattern.includes('[')) expect(result.hosts).toEqual([pattern]);
        } else {
          expect(result.problem).toContain(pattern);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('expand [a:b] to b - a + 1 names in order', () => {
    fc.assert(
      fc.property(fc.nat({ max: 500 }), fc.nat({ max: 500 }), (a, length) => {
        const result = expandHostPattern(`h[${a}:${a + length}].x`);
        expect(result).toEqual({ hosts: Array.from({ length: length + 1 }, (_, i) => `h${a + i}.x`) });
      }),
      { numRuns: 200 },
    );
  });
});
