// What one probe run costs the host it runs on: processes started (counted under strace -f) and
// CPU (user + system of the shell and everything it started), per sample, under each shell the
// probe must work with, and once with a userland of busybox applets alone first on PATH.
//
//   npx tsc -p tsconfig.json && node dist/bench/probe-cost.js [--repeats 20] [--interval 1]
//
// Needs strace. CPU is read from this process's cutime/cstime (/proc/self/stat) around R runs of
// the probe, so clock-tick resolution (10 ms) divided by R is the precision of the figure.
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

interface Cost {
  shell: string;
  samples: number;
  processes: number;
  cpuMs: number;
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

function measure(shell: Shell, samples: number, interval: number, repeats: number, dir: string, holders?: 'auto' | 'always'): Cost {
  const boundary = newBoundary();
  const script = buildProbeScript({ boundary, samples, intervalSeconds: interval, ...(holders ? { holders: { mode: holders } } : {}) });
  const framed = parseProbeFrame(run(shell, script), boundary);
  if (!framed.ok) throw new Error(`${shell.label}: ${framed.error}`);
  const processes = countProcesses(shell, script, dir);
  const before = childCpuTicks();
  for (let i = 0; i < repeats; i++) run(shell, script);
  const ticks = childCpuTicks() - before;
  return { shell: holders ? `${shell.label}, holders ${holders}` : shell.label, samples, processes, cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND / repeats };
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
  const { values } = parseArgs({ options: { repeats: { type: 'string', default: '20' }, interval: { type: 'string', default: '1' } } });
  const repeats = Number(values.repeats);
  const interval = Number(values.interval);
  const dir = mkdtempSync(join(tmpdir(), 'probe-cost-'));
  try {
    const bin = busyboxBin(dir);
    const shells: Shell[] = [
      { label: 'dash', argv: ['dash', '-s'] },
      { label: 'bash --posix', argv: ['bash', '--posix', '-s'] },
      { label: 'busybox sh', argv: ['busybox', 'sh', '-s'] },
      { label: 'busybox sh, busybox applets first on PATH', argv: [join(bin, 'sh'), '-s'], env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } },
    ];
    const rows: Cost[] = [];
    for (const shell of shells) {
      for (const samples of [1, 3]) {
        // Sampled runs sleep between samples; fewer repeats keep the whole bench under a few minutes.
        rows.push(measure(shell, samples, interval, samples === 1 ? repeats : Math.max(3, Math.ceil(repeats / 4)), dir));
      }
      // The holders gate on this (healthy) machine: decided inside the probe's awk, so it should
      // add no process; `always` shows what reading the table adds.
      rows.push(measure(shell, 1, interval, repeats, dir, 'auto'));
      rows.push(measure(shell, 1, interval, repeats, dir, 'always'));
    }
    console.log(`processes and CPU of one probe run (interval ${interval} s; CPU averaged over repeated runs)`);
    console.log(['shell'.padEnd(58), 'samples', 'processes', 'per sample', 'CPU ms', 'CPU ms per sample'].join('  '));
    for (const r of rows) {
      console.log(
        [r.shell.padEnd(58), String(r.samples).padStart(7), String(r.processes).padStart(9), (r.processes / r.samples).toFixed(1).padStart(10), r.cpuMs.toFixed(1).padStart(6), (r.cpuMs / r.samples).toFixed(1).padStart(17)].join('  '),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
