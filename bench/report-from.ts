// `sockaudit report --from` on a large saved run: N hosts (default 100,000) made by replicating
// the recorded hosts under distinct names, PCT % of them (default 5: one in 20) from a recording
// that needs attention,
// written as report.json by the encoder (streamed, host by host), then read, parsed and
// evaluated again, ranked and rendered in every format by the built CLI under GNU time.
//
// --floor: then bench/json-floor.ts on the same file (each host line parsed and written again,
// nothing else), and the CLI's wall and CPU as multiples of it.
//
//   npx tsc -p tsconfig.json && node dist/bench/report-from.js [--hosts N] [--attention PCT] [--keep DIR] [--floor]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAtomic } from '../src/commands/outputs.js';
import { packageRoot } from '../src/paths.js';
import { rankRun } from '../src/run/rank.js';
import { encodeSavedRun } from '../src/run/saved-run.js';
import type { HostResult } from '../src/run/types.js';
import { recordedHost, recording, runOf } from '../test/support/runs.js';

const TARGET_SECONDS = 30;

let hosts = 100_000;
let keep: string | undefined;
let attentionPct = 5;
let floor = false;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--hosts') hosts = Number(argv[++i]);
  else if (argv[i] === '--keep') keep = argv[++i];
  else if (argv[i] === '--attention') attentionPct = Number(argv[++i]);
  else if (argv[i] === '--floor') floor = true;
  else throw new Error(`unknown option ${argv[i]} (--hosts N --attention PCT --keep DIR --floor)`);
}
if (!(attentionPct >= 0 && attentionPct <= 100)) throw new Error(`--attention takes a percentage from 0 to 100, not ${attentionPct}`);

const names = readdirSync(join(packageRoot(), 'inventory', 'recorded')).filter((f) => f.endsWith('.probe')).sort().map((f) => f.slice(0, -'.probe'.length));
const kinds = names.map((name) => recordedHost(name, recording(name)));
const healthy = kinds.filter((h) => h.verdict?.verdict === 'ok');
const attention = kinds.filter((h) => h.verdict?.verdict !== 'ok');
// Hosts share their recording's parsed objects: only the names differ, so the generator stays small.
// Host i needs attention when the running count of PCT % of the hosts steps up at i (at 5 %: hosts
// 19, 39, 59, ...), taking the attention recordings in turn.
let attentionHosts = 0;
const results: HostResult[] = Array.from({ length: hosts }, (_, i) => {
  const needs = Math.floor(((i + 1) * attentionPct) / 100) > Math.floor((i * attentionPct) / 100);
  const kind = needs ? attention[attentionHosts++ % attention.length]! : healthy[i % healthy.length]!;
  return { ...kind, outcome: { ...kind.outcome, target: { ...kind.outcome.target, name: `host-${String(i).padStart(6, '0')}` } } };
});

const dir = keep ?? mkdtempSync(join(tmpdir(), 'sockaudit-report-from-'));
mkdirSync(dir, { recursive: true });
const saved = join(dir, 'saved.json');
const t = performance.now();
await writeAtomic(saved, encodeSavedRun(rankRun(runOf(results))));
console.log(`${hosts} hosts (${attentionHosts} from recordings that need attention): saved.json ${(statSync(saved).size / 2 ** 20).toFixed(0)} MiB written in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const out = join(dir, 'out');
const report = await timed([join(packageRoot(), 'dist', 'src', 'bin.js'), 'report', '--from', saved, '-o', out, '--format', 'html,md,json,junit,prom', '--fail-on', 'never']);
console.log(`  report --from: exit ${report.code}, wall ${report.wall} s (x${(report.wall / TARGET_SECONDS).toFixed(2)} of ${TARGET_SECONDS} s), CPU ${report.cpu.toFixed(1)} s, peak RSS ${report.rssMiB.toFixed(0)} MiB`);
for (const f of readdirSync(out).sort()) console.log(`  ${f} ${(statSync(join(out, f)).size / 2 ** 20).toFixed(1)} MiB`);
if (floor) {
  const f = await timed([join(packageRoot(), 'dist', 'bench', 'json-floor.js'), saved, join(dir, 'floor.json')]);
  console.log(`  floor, bench/json-floor.ts on the same file: exit ${f.code}, wall ${f.wall} s, CPU ${f.cpu.toFixed(1)} s, peak RSS ${f.rssMiB.toFixed(0)} MiB`);
  console.log(`  report --from / floor: wall ${(report.wall / f.wall).toFixed(2)}x, CPU ${(report.cpu / f.cpu).toFixed(2)}x`);
  rmSync(join(dir, 'floor.json'), { force: true });
}
if (keep === undefined) rmSync(dir, { recursive: true, force: true });

/** Runs node with `args` under GNU time: its exit code, wall and CPU seconds and peak RSS. */
async function timed(args: string[]): Promise<{ code: number; wall: number; cpu: number; rssMiB: number }> {
  const timeFile = join(dir, 'time.txt');
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, '--', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? -1));
  });
  const [wall, user, sys, rss] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  return { code, wall: wall!, cpu: user! + sys!, rssMiB: rss! / 1024 };
}
