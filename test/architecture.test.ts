// The boundaries DESIGN.md draws, checked on the import graph of src/.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** module (relative to src, .ts) -> its imports: relative ones resolved the same way, packages by name. */
const graph = new Map<string, { local: string[]; packages: string[]; typeOnly: Set<string> }>();
for (const file of files(SRC)) {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const packages: string[] = [];
  const typeOnly = new Set<string>();
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
    const spec = m[2]!;
    if (spec.startsWith('.')) {
      const target = relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
      local.push(target);
      if (m[1]) typeOnly.add(target);
    } else if (!spec.startsWith('node:')) packages.push(spec);
  }
  graph.set(relative(SRC, file), { local, packages, typeOnly });
}

const area = (module: string) => module.split('/')[0]!;

describe('architecture', () => {
  it('has no circular imports (type-only imports aside)', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (m: string, path: string[]) => {
      if (state.get(m) === 'done') return;
      if (state.get(m) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(m)), m].join(' -> '));
        return;
      }
      state.set(m, 'visiting');
      const node = graph.get(m);
      for (const next of node?.local ?? []) if (!node?.typeOnly.has(next)) visit(next, [...path, m]);
      state.set(m, 'done');
    };
    for (const m of graph.keys()) visit(m, []);
    expect(cycles).toEqual([]);
  });

  it('keeps procfs and evaluate pure: no collectors, reports, commands or I/O', () => {
    for (const [m, { local, packages }] of graph) {
      if (!['procfs', 'evaluate'].includes(area(m))) continue;
      expect({ m, offending: local.filter((t) => !['procfs', 'evaluate'].includes(area(t)) && t !== 'errors.ts') }).toEqual({ m, offending: [] });
      expect({ m, packages }).toEqual({ m, packages: [] });
      expect({ m, io: /from 'node:(fs|child_process|net|os)/.test(readFileSync(join(SRC, m), 'utf8')) }).toEqual({ m, io: false });
    }
  });

  it('lets only collect/ speak SSH, only report/handlebars.ts Handlebars, only collect/fanout.ts p-limit', () => {
    const users = (pkg: string) => [...graph].filter(([, n]) => n.packages.includes(pkg)).map(([m]) => m);
    // The client side in collect/, the server side only in the demo's recorded servers.
    expect(users('ssh2').filter((m) => area(m) !== 'collect')).toEqual(['demo/recorded-server.ts']);
    expect(users('handlebars')).toEqual(['report/handlebars.ts']);
    expect(users('p-limit')).toEqual(['collect/fanout.ts']);
  });
});
