// The boundaries DESIGN.md draws, checked on the import graph of src/. Each check is a function of
// a graph, so the same functions run on the real tree and on small planted graphs that must fail.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

interface ModuleNode {
  /** Imports of modules in src/, resolved to paths relative to src/ ending in .ts. */
  local: string[];
  /** Imports of packages, by name (node: built-ins left out). */
  packages: string[];
  /** The local imports that are type-only (`import type`, `export type`). */
  typeOnly: Set<string>;
  /** Calls process.exit(). */
  exitsProcess: boolean;
}
type Graph = Map<string, ModuleNode>;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** One module's node from its text; `module` is its path relative to src/. */
function parseModule(module: string, text: string): ModuleNode {
  const local: string[] = [];
  const packages: string[] = [];
  const typeOnly = new Set<string>();
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
    const spec = m[2]!;
    if (spec.startsWith('.')) {
      const target = relative(SRC, resolve(SRC, dirname(module), spec)).replace(/\.js$/, '.ts');
      local.push(target);
      if (m[1]) typeOnly.add(target);
    } else if (!spec.startsWith('node:')) packages.push(spec);
  }
  return { local, packages, typeOnly, exitsProcess: /\bprocess\.exit\s*\(/.test(text) };
}

function graphOf(modules: Record<string, string>): Graph {
  return new Map(Object.entries(modules).map(([m, text]) => [m, parseModule(m, text)]));
}

const area = (module: string) => (module.includes('/') ? module.split('/')[0]! : module);

/** Import cycles, type-only imports counted: a type-only cycle still ties two modules' designs together. */
function findCycles(graph: Graph): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (m: string, path: string[]) => {
    if (state.get(m) === 'done') return;
    if (state.get(m) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(m)), m].join(' -> '));
      return;
    }
    state.set(m, 'visiting');
    for (const next of graph.get(m)?.local ?? []) visit(next, [...path, m]);
    state.set(m, 'done');
  };
  for (const m of graph.keys()) visit(m, []);
  return cycles;
}

/** Imports from rooms in `from` into rooms in `forbidden`, as "a.ts -> b.ts". */
function forbiddenImports(graph: Graph, from: readonly string[], forbidden: readonly string[]): string[] {
  const out: string[] = [];
  for (const [m, node] of graph) {
    if (!from.includes(area(m))) continue;
    for (const t of node.local) if (forbidden.includes(area(t))) out.push(`${m} -> ${t}`);
  }
  return out;
}

/** Modules outside `allowed` rooms that call process.exit. */
function processExitsOutside(graph: Graph, allowed: readonly string[]): string[] {
  return [...graph].filter(([m, n]) => n.exitsProcess && !allowed.includes(area(m))).map(([m]) => m);
}

const graph = graphOf(Object.fromEntries(files(SRC).map((f) => [relative(SRC, f), readFileSync(f, 'utf8')])));

describe('architecture', () => {
  it('has no circular imports, type-only imports included', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  // Shared modules with no I/O and no imports of their own, which the pure rooms may use.
  const PURE_SHARED = ['errors.ts', 'arrays.ts'];

  it('keeps procfs and evaluate pure: no collectors, reports, commands or I/O', () => {
    for (const [m, { local, packages }] of graph) {
      if (!['procfs', 'evaluate'].includes(area(m))) continue;
      expect({ m, offending: local.filter((t) => !['procfs', 'evaluate'].includes(area(t)) && !PURE_SHARED.includes(t)) }).toEqual({ m, offending: [] });
      expect({ m, packages }).toEqual({ m, packages: [] });
      expect({ m, io: /from 'node:(fs|child_process|net|os)/.test(readFileSync(join(SRC, m), 'utf8')) }).toEqual({ m, io: false });
    }
  });

  it('keeps run/ below the presentation: no imports from report/, commands/ or cli/', () => {
    expect(forbiddenImports(graph, ['run'], ['report', 'commands', 'cli', 'cli.ts'])).toEqual([]);
  });

  it('keeps report/ presentation only: no imports from commands/ or cli/', () => {
    expect(forbiddenImports(graph, ['report'], ['commands', 'cli', 'cli.ts'])).toEqual([]);
  });

  // Fails until collect/ takes an environment instead of commands/io.ts's Io and its progress line
  // moves to cli/; flip it to `it` then.
  it('keeps collect/ below the run: no imports from commands/, report/, run/ or cli/', () => {
    expect(forbiddenImports(graph, ['collect'], ['commands', 'report', 'run', 'cli', 'cli.ts'])).toEqual([]);
  });

  // Fails until the process handling in commands/io.ts moves to cli/; flip it to `it` then.
  it('lets only cli/ end the process', () => {
    expect(processExitsOutside(graph, ['cli'])).toEqual([]);
  });

  it('lets only collect/ speak SSH, only report/handlebars.ts Handlebars, only collect/fanout.ts p-limit', () => {
    const users = (pkg: string) => [...graph].filter(([, n]) => n.packages.includes(pkg)).map(([m]) => m);
    // The client side in collect/, the server side only in the demo's recorded servers.
    expect(users('ssh2').filter((m) => area(m) !== 'collect')).toEqual(['demo/recorded-server.ts']);
    expect(users('handlebars')).toEqual(['report/handlebars.ts']);
    expect(users('p-limit')).toEqual(['collect/fanout.ts']);
  });
});

describe('the architecture checks catch what they are for', () => {
  it('a cycle made only of type imports', () => {
    const planted = graphOf({
      'run/types.ts': "import type { TrendView } from '../report/trend-view.js';\n",
      'report/trend-view.ts': "import type { Trend } from '../run/types.js';\n",
      'run/rank.ts': "import { x } from './types.js';\n",
    });
    expect(findCycles(planted)).toEqual(['run/types.ts -> report/trend-view.ts -> run/types.ts']);
    expect(findCycles(graphOf({ 'run/rank.ts': "import type { A } from './types.js';\n", 'run/types.ts': '' }))).toEqual([]);
  });

  it('an import that runs back up', () => {
    const planted = graphOf({
      'run/judge.ts': "import { EXIT } from '../errors.js';\nimport type { ReportView } from '../report/view-model.js';\n",
      'report/view-model.ts': "export { gateOnTrend } from '../commands/report.js';\n",
      'collect/collect.ts': "import type { Io } from '../commands/io.js';\n",
      'commands/report.ts': "import { rankRun } from '../run/rank.js';\n",
    });
    expect(forbiddenImports(planted, ['run'], ['report', 'commands', 'cli'])).toEqual(['run/judge.ts -> report/view-model.ts']);
    expect(forbiddenImports(planted, ['report'], ['commands', 'cli'])).toEqual(['report/view-model.ts -> commands/report.ts']);
    expect(forbiddenImports(planted, ['collect'], ['commands', 'report', 'run', 'cli'])).toEqual(['collect/collect.ts -> commands/io.ts']);
    expect(forbiddenImports(planted, ['commands'], ['cli'])).toEqual([]);
  });

  it('process.exit outside cli/', () => {
    const planted = graphOf({
      'cli/main.ts': 'process.exit(2);\n',
      'commands/io.ts': "if (interrupted) process.exit(130);\n",
      'commands/audit.ts': 'process.exitCode = 1;\n',
    });
    expect(processExitsOutside(planted, ['cli'])).toEqual(['commands/io.ts']);
  });
});
