// The boundaries DESIGN.md and ARCHITECTURE.md draw, checked on the import graph of src/. Each check is a function of
// a graph, so the same functions run on the real tree and on small planted graphs that must fail.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  /** The process-wide state it touches: `process.exit`, `process.stdout`, `process.env`, ... (the name after `process.`). */
  processUses: string[];
  /** The names it takes from ssh2 (`import type { X } from 'ssh2'`, `const { X } = ssh2`, `ssh2.X`). */
  ssh2Names: string[];
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
  const processUses = [...new Set([...text.matchAll(PROCESS_STATE)].map((m) => m[1]!))];
  const ssh2Names = new Set<string>();
  for (const m of text.matchAll(/^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'ssh2'/gm)) for (const n of names(m[1]!)) ssh2Names.add(n);
  for (const m of text.matchAll(/\bconst\s+\{([^}]*)\}\s*=\s*ssh2\b/g)) for (const n of names(m[1]!)) ssh2Names.add(n);
  for (const m of text.matchAll(/\bssh2\.([A-Za-z]\w*)/g)) ssh2Names.add(m[1]!);
  return { local, packages, typeOnly, exitsProcess: /\bprocess\.exit\s*\(/.test(text), processUses, ssh2Names: [...ssh2Names] };
}

/** The process's own state: ending it, its streams, its signal and event handlers, its environment, argv and cwd. */
const PROCESS_STATE = /\bprocess\.(exit|exitCode|stdout|stderr|stdin|on|once|off|addListener|removeListener|prependListener|env|argv|cwd|chdir)\b/g;

/** `A, type B, C as D` -> the imported names A, B, C. */
function names(list: string): string[] {
  return list.split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!).filter((n) => n !== '');
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

/**
 * The floors of src/, top first: a module imports only from its own room or a lower floor. Rooms
 * on one floor do not import each other; the floor list is the rule DESIGN.md draws
 * (cli -> commands -> report -> run -> collect, demo -> inventory, evaluate -> procfs) as the real
 * graph has it: demo/ sits above collect/ because its recorded servers reuse collect/'s frame
 * boundary (the same bytes the probe writes), and collect/ above inventory/ because it takes
 * targets in inventory/'s types. The single files at the top of src/ are the entry points (above
 * everything) and the floor (errors, paths, text, yaml: importable by all, importing no room).
 */
const FLOORS: readonly (readonly string[])[] = [
  ['bin.ts', 'index.ts'],
  ['cli'],
  ['commands'],
  ['report'],
  ['run'],
  ['demo'],
  ['collect'],
  ['inventory', 'evaluate'],
  ['procfs'],
  ['arrays.ts', 'errors.ts', 'paths.ts', 'text.ts', 'yaml.ts'],
];

const floorOf = (module: string): number => FLOORS.findIndex((rooms) => rooms.includes(area(module)));

/** Imports that do not go down a floor (or stay in the room), and modules in no floor, as "a.ts -> b.ts". */
function upwardImports(graph: Graph, floors: readonly (readonly string[])[] = FLOORS): string[] {
  const floor = (m: string) => floors.findIndex((rooms) => rooms.includes(area(m)));
  const out: string[] = [];
  for (const [m, node] of graph) {
    if (floor(m) < 0) out.push(`${m}: in no floor`);
    for (const t of node.local) if (area(t) !== area(m) && !(floor(t) > floor(m))) out.push(`${m} -> ${t}`);
  }
  return out;
}

/**
 * Where the process's own state may be touched: cli/ and bin.ts. Elsewhere it arrives as a
 * parameter (the Io, an env, a cwd). The exceptions are defaults of library entry points, for
 * programs that call them without the CLI; cli/ always passes its own value.
 */
const PROCESS_EXCEPTIONS: Record<string, readonly string[]> = {
  // agentSocket(env = process.env): SSH_AUTH_SOCK for a library caller that passes no env.
  'collect/auth.ts': ['env'],
  // readProbeOutputs(paths, { cwd = process.cwd() }): relative paths for a library caller.
  'collect/saved-output.ts': ['cwd'],
};

function processStateOutside(graph: Graph, allowed: readonly string[], exceptions: Record<string, readonly string[]> = {}): string[] {
  const out: string[] = [];
  for (const [m, node] of graph) {
    if (allowed.includes(area(m))) continue;
    for (const use of node.processUses) if (!(exceptions[m] ?? []).includes(use)) out.push(`${m}: process.${use}`);
  }
  return out;
}

/** The server half of ssh2's API, and the client half. */
const SSH2_SERVER = new Set(['Server', 'ServerConfig', 'ServerChannel', 'Connection', 'AuthContext', 'Session', 'AcceptConnection', 'RejectConnection']);
const SSH2_CLIENT = new Set(['Client', 'ClientChannel', 'ConnectConfig', 'BaseAgent', 'OpenSSHAgent', 'AgentProtocol', 'PageantAgent', 'CygwinAgent', 'createAgent']);

/** ssh2 used outside collect/ and demo/, its server side in collect/, its client side in demo/. */
function ssh2Misuse(graph: Graph): string[] {
  const out: string[] = [];
  for (const [m, node] of graph) {
    if (!node.packages.includes('ssh2') && node.ssh2Names.length === 0) continue;
    const room = area(m);
    if (room !== 'collect' && room !== 'demo') out.push(`${m}: ssh2 outside collect/ and demo/`);
    if (room === 'collect') for (const n of node.ssh2Names) if (SSH2_SERVER.has(n)) out.push(`${m}: ssh2 server ${n}`);
    if (room === 'demo') for (const n of node.ssh2Names) if (SSH2_CLIENT.has(n)) out.push(`${m}: ssh2 client ${n}`);
  }
  return out;
}

const users = (graph: Graph, pkg: string) => [...graph].filter(([, n]) => n.packages.includes(pkg)).map(([m]) => m);

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
    // The client side in collect/, the server side only in the demo's recorded servers.
    expect(users(graph, 'ssh2').filter((m) => area(m) !== 'collect')).toEqual(['demo/recorded-server.ts']);
    expect(users(graph, 'handlebars')).toEqual(['report/handlebars.ts']);
    expect(users(graph, 'p-limit')).toEqual(['collect/fanout.ts']);
  });

  it("keeps ssh2's client in collect/ and its server side in demo/", () => {
    expect(ssh2Misuse(graph)).toEqual([]);
    // The check sees the names in use: a rename in ssh2's import style would otherwise pass unseen.
    expect(graph.get('collect/ssh.ts')?.ssh2Names).toContain('Client');
    expect(graph.get('demo/recorded-server.ts')?.ssh2Names).toContain('Connection');
  });

  it('reads YAML only through src/yaml.ts', () => {
    expect(users(graph, 'yaml')).toEqual(['yaml.ts']);
  });

  it('imports only downward: each room from its own room or a lower floor', () => {
    expect(upwardImports(graph)).toEqual([]);
    // Every folder of src/ is on a floor (a new room must be placed).
    const rooms = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(rooms.filter((r) => floorOf(r) < 0)).toEqual([]);
  });

  it('ARCHITECTURE.md names every folder of src/ and the files of its seams', () => {
    const map = readFileSync(join(SRC, '..', 'ARCHITECTURE.md'), 'utf8');
    const rooms = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(rooms.filter((r) => !map.includes(`src/${r}/`))).toEqual([]);
    // Every src/ path it names exists: a map that points at moved files misleads.
    const named = [...new Set([...map.matchAll(/`(src\/[\w./-]+)`/g)].map((m) => m[1]!))];
    expect(named.filter((p) => !existsSync(join(SRC, '..', p)))).toEqual([]);
  });

  it("touches the process's own state (exit, streams, handlers, env, argv, cwd) only in cli/ and bin.ts", () => {
    expect(processStateOutside(graph, ['cli', 'bin.ts'], PROCESS_EXCEPTIONS)).toEqual([]);
    // Each exception is still needed: a stale one would let its module slide back unseen.
    for (const [m, uses] of Object.entries(PROCESS_EXCEPTIONS)) expect({ m, uses: graph.get(m)?.processUses }).toEqual({ m, uses });
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

  it('an import that goes up a floor, or sideways between rooms of one floor', () => {
    const planted = graphOf({
      'collect/collect.ts': "import type { ReportView } from '../report/view-model.js';\nimport { x } from './probe.js';\n",
      'evaluate/rule.ts': "import type { Target } from '../inventory/types.js';\n",
      'run/rank.ts': "import { evaluateHost } from '../evaluate/evaluate.js';\nimport { InputError } from '../errors.js';\n",
      'text.ts': "import { levelOf } from './report/levels.js';\n",
      'plugins/x.ts': '',
    });
    expect(upwardImports(planted)).toEqual([
      'collect/collect.ts -> report/view-model.ts',
      'evaluate/rule.ts -> inventory/types.ts',
      'text.ts -> report/levels.ts',
      'plugins/x.ts: in no floor',
    ]);
  });

  it("the process's state outside cli/", () => {
    const planted = graphOf({
      'cli/main.ts': 'process.stdout.write(x);\nprocess.on("SIGINT", stop);\n',
      'commands/audit.ts': 'const home = process.env.HOME;\nio.stdout.write(x);\n',
      'collect/progress.ts': 'process.stderr.write(line);\n',
      'collect/auth.ts': 'function agentSocket(env = process.env) {}\n',
      'report/html.ts': "const processed = 1;\nprocess.once('exit', flush);\n",
    });
    expect(processStateOutside(planted, ['cli', 'bin.ts'], PROCESS_EXCEPTIONS)).toEqual([
      'commands/audit.ts: process.env',
      'collect/progress.ts: process.stderr',
      'report/html.ts: process.once',
    ]);
  });

  it('yaml imported outside src/yaml.ts', () => {
    const planted = graphOf({ 'yaml.ts': "import { parseDocument } from 'yaml';\n", 'inventory/ansible-yaml.ts': "import { parse } from 'yaml';\n" });
    expect(users(planted, 'yaml')).toEqual(['yaml.ts', 'inventory/ansible-yaml.ts']);
  });

  it("ssh2's server side in collect/, its client side in demo/, ssh2 anywhere else", () => {
    const planted = graphOf({
      'collect/ssh.ts': "import ssh2 from 'ssh2';\nconst { Client } = ssh2;\n",
      'collect/test-server.ts': "import ssh2 from 'ssh2';\nconst server = new ssh2.Server({}, onClient);\n",
      'demo/recorded-server.ts': "import type { Connection, ClientChannel as Ch } from 'ssh2';\n",
      'report/keys.ts': "import { utils } from 'ssh2';\n",
    });
    expect(ssh2Misuse(planted)).toEqual([
      'collect/test-server.ts: ssh2 server Server',
      'demo/recorded-server.ts: ssh2 client ClientChannel',
      'report/keys.ts: ssh2 outside collect/ and demo/',
    ]);
  });
});
