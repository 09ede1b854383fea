// What one probe run costs the host it runs on: processes started (counted under strace -f) and
// CPU (user + system of the shell and everything it started), per sample, under each shell the
// probe must work with, and once with a userland of busybox applets alone first on PATH.
//
//   npx tsc -p tsconfig.json && node dist/bench/probe-cost.js [--repeats 20] [--rounds 5] [--interval 1]
//
// Needs strace. CPU is read from this process's cutime/cstime (/proc/self/stat) around each round
// of runs of the probe, so clock-tick resolution (10 ms) divided by the runs in a round is the
// precision of a round's figure; the rounds go round the cases, and each figure is their median.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildProbeScript, newBoundary } from '../src/collect/probe.js';
import { parseProbeFrame } from '../src/procfs/frame.js';

const CLOCK_TICKS_PER_SECOND = 100;

interface Shell {
  label: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
}

function childCpuTicks(): number {
  // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

function run(shell: Shell, script: string, strace?: string): string {
  const argv = strace === undefined ? shell.argv : ['strace', '-f', '-qq', '-e', 'trace=process', '-o', strace, ...shell.argv];
  const r = spawnSync(argv[0]!, argv.slice(1), { input: script, encoding: 'utf8', env: shell.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${shell.label}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Every process the run started, the shell included: the distinct pids strace -f saw. */
function countProcesses(shell: Shell, script: string, dir: string): number {
  const file = join(dir, 'strace.out');
  run(shell, script, file);
  const pids = new Set(readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split(' ', 1)[0]));
  return pids.size;
}

interface Case {
  label: string;
  shell: Shell;
  samples: number;
  script: string;
  /** Runs in each round: sampled runs sleep between samples, so they get fewer. */
  runs: number;
  /** CPU ms of one run, one figure per round. */
  rounds: number[];
}

function prepare(shell: Shell, samples: number, interval: number, runs: number, holders?: 'auto' | 'always'): Case {
  const boundary = newBoundary();
  const script = buildProbeScript({ boundary, samples, intervalSeconds: interval, ...(holders ? { holders: { mode: holders } } : {}) });
  const framed = parseProbeFrame(run(shell, script), boundary);
  if (!framed.ok) throw new Error(`${shell.label}: ${framed.error}`);
  return { label: holders ? `${shell.label}, holders ${holders}` : shell.label, shell, samples, script, runs, rounds: [] };
}

/** One round of a case: its runs back to back, the CPU of one run. */
function measureRound(c: Case): void {
  const before = childCpuTicks();
  for (let i = 0; i < c.runs; i++) run(c.shell, c.script);
  c.rounds.push(((childCpuTicks() - before) * 1000) / CLOCK_TICKS_PER_SECOND / c.runs);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A folder of symlinks to busybox, one per applet: a host whose only userland is busybox. */
function busyboxBin(dir: string): string {
  const bin = join(dir, 'busybox-bin');
  mkdirSync(bin);
  const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
  if (busybox === '') throw new Error('busybox is not installed');
  const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => /^[a-z0-9_.-]+$/.test(a));
  for (const applet of applets) symlinkSync(busybox, join(bin, applet));
  return bin;
}

function main(): void {
  const { values } = parseArgs({ options: { repeats: { type: 'string', default: '20' }, rounds: { type: 'string', default: '5' }, interval: { type: 'string', default: '1' } } });
  const repeats = Number(values.repeats);
  const rounds = Number(values.rounds);
  const interval = Number(values.interval);
  if (!(Number.isInteger(repeats) && Number.isInteger(rounds) && rounds >= 1 && repeats >= rounds)) throw new Error('--repeats and --rounds take whole numbers, rounds from 1 to repeats');
  const dir = mkdtempSync(join(tmpdir(), 'probe-cost-'));
  try {
    const bin = busyboxBin(dir);
    const shells: Shell[] = [
      { label: 'dash', argv: ['dash', '-s'] },
      { label: 'bash --posix', argv: ['bash', '--posix', '-s'] },
      { label: 'busybox sh', argv: ['busybox', 'sh', '-s'] },
      { label: 'busybox sh, busybox applets first on PATH', argv: [join(bin, 'sh'), '-s'], env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } },
    ];
    const perRound = Math.ceil(repeats / rounds);
    const cases: Case[] = [];
    for (const shell of shells) {
      cases.push(prepare(shell, 1, interval, perRound));
      // Sampled runs sleep between samples; fewer runs keep the whole bench under a few minutes.
      cases.push(prepare(shell, 3, interval, Math.max(1, Math.ceil(perRound / 4))));
      // The holders gate on this (healthy) machine: decided inside the probe's awk, so it should
      // add no process; `always` shows what reading the table adds.
      cases.push(prepare(shell, 1, interval, perRound, 'auto'));
      cases.push(prepare(shell, 1, interval, perRound, 'always'));
    }
    const processes = cases.map((c) => countProcesses(c.shell, c.script, dir));
    // The rounds go round the cases, so that a busy minute on the machine lands on all of them
    // alike rather than on one: each figure is the median of its rounds, with their range.
    for (let r = 0; r < rounds; r++) for (const c of cases) measureRound(c);
    console.log(`processes and CPU of one probe run (interval ${interval} s; CPU: median of ${rounds} rounds of ${perRound} runs, ${Math.max(1, Math.ceil(perRound / 4))} for 3 samples, and the rounds' range)`);
    console.log(['shell'.padEnd(58), 'samples', 'processes', 'per sample', 'CPU ms', 'CPU ms per sample', 'range per sample'].join('  '));
    cases.forEach((c, i) => {
      const cpu = median(c.rounds);
      const range = `${(Math.min(...c.rounds) / c.samples).toFixed(1)}-${(Math.max(...c.rounds) / c.samples).toFixed(1)}`;
      console.log(
        [c.label.padEnd(58), String(c.samples).padStart(7), String(processes[i]).padStart(9), (processes[i]! / c.samples).toFixed(1).padStart(10), cpu.toFixed(1).padStart(6), (cpu / c.samples).toFixed(1).padStart(17), range.padStart(16)].join('  '),
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
