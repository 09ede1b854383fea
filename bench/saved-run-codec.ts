// The report.json codec alone, on N real hosts (the recordings replicated under distinct names,
// one in 20 needing attention, as bench/report-from.ts makes them): encoding, the split of the
// file into hosts with and without parsing them, and the whole read (split, parse, assemble the
// snapshot again, evaluate). Each step is timed in this process as CPU time (user and system, all
// threads: the machine is shared, and wall time says more about the neighbours), best of --repeats.
//
//   npx tsc -p tsconfig.json && node [--expose-gc] dist/bench/saved-run-codec.js [--hosts N] [--repeats R] [--file FILE]
//
// With --expose-gc it also prints the heap a host holds once read and evaluated, its raw record
// let go as report --from and merge let it go: what each host costs until the reports are written.
//
// --file FILE also reads that report.json (e.g. one written by an earlier version, in its layout).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from '../src/commands/outputs.js';
import { packageRoot } from '../src/paths.js';
import { parseTopLevelArray, splitTopLevelArray } from '../src/run/json-split.js';
import { rankRun } from '../src/run/rank.js';
import { encodeSavedRun, readSavedRun, RECORD_WRITTEN_AWAY } from '../src/run/saved-run.js';
import type { HostResult } from '../src/run/types.js';
import { recordedHost, recording, runOf } from '../test/support/runs.js';

let hosts = 5000;
let repeats = 3;
const files: string[] = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--hosts') hosts = Number(argv[++i]);
  else if (argv[i] === '--repeats') repeats = Number(argv[++i]);
  else if (argv[i] === '--file') files.push(argv[++i]!);
  else throw new Error(`unknown option ${argv[i]} (--hosts N --repeats R --file FILE)`);
}

const names = readdirSync(join(packageRoot(), 'inventory', 'recorded')).filter((f) => f.endsWith('.probe')).sort().map((f) => f.slice(0, -'.probe'.length));
const kinds = names.map((name) => recordedHost(name, recording(name)));
const healthy = kinds.filter((h) => h.verdict?.verdict === 'ok');
const attention = kinds.filter((h) => h.verdict?.verdict !== 'ok');
const results: HostResult[] = Array.from({ length: hosts }, (_, i) => {
  const kind = i % 20 === 19 ? attention[(i / 20) % attention.length | 0]! : healthy[i % healthy.length]!;
  return { ...kind, outcome: { ...kind.outcome, target: { ...kind.outcome.target, name: `host-${String(i).padStart(6, '0')}` } } };
});
const ranked = rankRun(runOf(results));

/** Least CPU time of `repeats` runs, in ms. */
async function best(step: () => unknown): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t = process.cpuUsage();
    await step();
    const used = process.cpuUsage(t);
    min = Math.min(min, (used.user + used.system) / 1000);
  }
  return min;
}

const line = (what: string, ms: number, bytes: number, count = hosts): void => {
  console.log(`  ${what}: ${(ms / 1000).toFixed(2)} s = ${((ms * 1000) / count).toFixed(0)} µs/host, ${(bytes / 2 ** 20 / (ms / 1000)).toFixed(0)} MiB/s`);
};

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap used after a full collection, with the file's hosts held, less before, per host, in KiB. */
async function heapPerHost(file: string, collect: () => void): Promise<number> {
  const settledHeap = (): number => {
    collect();
    collect();
    return process.memoryUsage().heapUsed;
  };
  const before = settledHeap();
  const { run } = await readSavedRun(file);
  for (const h of run.hosts) if (h.outcome.status !== 'failed') h.outcome.record = RECORD_WRITTEN_AWAY;
  const after = settledHeap();
  return (after - before) / run.hosts.length / 1024;
}

const dir = mkdtempSync(join(tmpdir(), 'sockaudit-codec-'));
try {
  const saved = join(dir, 'report.json');
  let bytes = 0;
  const encode = await best(() => {
    bytes = 0;
    for (const chunk of encodeSavedRun(ranked)) bytes += chunk.length;
  });
  await writeAtomic(saved, encodeSavedRun(ranked));
  console.log(`${hosts} hosts (node ${process.version}, CPU time, best of ${repeats})`);
  line(`encode (${(statSync(saved).size / 2 ** 20).toFixed(1)} MiB, ${(statSync(saved).size / hosts / 1024).toFixed(1)} KiB/host)`, encode, bytes);
  for (const file of [saved, ...files]) {
    const size = statSync(file).size;
    const { elements } = await splitTopLevelArray(file, 'hosts', () => undefined);
    console.log(`${file === saved ? 'the file just written' : file}, ${(size / 2 ** 20).toFixed(1)} MiB, ${elements} hosts`);
    line('split into host texts', await best(() => splitTopLevelArray(file, 'hosts', () => undefined)), size, elements);
    line('split and JSON.parse each host', await best(() => splitTopLevelArray(file, 'hosts', (t) => JSON.parse(t))), size, elements);
    line('parsed hosts (line by line where it can)', await best(() => parseTopLevelArray(file, 'hosts', () => undefined)), size, elements);
    line('readSavedRun (also assemble and evaluate)', await best(() => readSavedRun(file)), size, elements);
    if (gc !== undefined) console.log(`  heap a host holds once read, its raw record let go: ${(await heapPerHost(file, gc)).toFixed(1)} KiB`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
