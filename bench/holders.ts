// The holders aggregator's cost, under each awk this machine has:
// - a healthy host: the `auto` gate alone (sockstat and three sysctls, then nothing), on this
//   machine's own /proc, against a bare `awk 'BEGIN {}'` and a bare `sh -c :`;
// - this machine's own table read in full (`always`);
// - a flagged host: a generated 1,000,000-line /proc/net/tcp, with no clock bound (the whole cost)
//   and with the default 2 s bound.
// Usage: npx tsc -p tsconfig.json && node dist/bench/holders.js [--lines N] [--repeats R]
// gawk is included when on PATH or at $SOCKAUDIT_TEST_GAWK.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHoldersScript, type HoldersOptions } from '../src/collect/holders.js';
import { parseHolders } from '../src/procfs/net-tcp-holders.js';
import { bigTable, procNetTcp, writeProcNetTcp } from '../test/support/proc-net-tcp.js';
import { awksUnderTest, writeTree } from '../test/support/run-holders.js';
import { GNU_TIME } from './measure.js';
import { median } from './table.js';

interface Run {
  wall: number;
  cpu: number;
  rssKiB: number;
  bytes: number;
  note: string;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  return v;
}

/**
 * `loops` runs of a shell script under one GNU time (its clock has 10 ms resolution, so the
 * cheap cases run 200 times in a row): wall and user + system CPU per run, max RSS, the last
 * run's output size and what it said.
 */
function timed(script: string, loops = 1): Run {
  const dir = mkdtempSync(join(tmpdir(), 'sockaudit-bench-holders-'));
  try {
    const timeFile = join(dir, 'time');
    const scriptFile = join(dir, 'script.sh');
    const outFile = join(dir, 'out');
    writeFileSync(scriptFile, script);
    const loop = `i=0; while [ $i -lt ${loops} ]; do sh ${scriptFile} >${outFile}; i=$((i + 1)); done`;
    const r = spawnSync(GNU_TIME, ['-f', '%e %U %S %M', '-o', timeFile, 'sh', '-c', loop], { encoding: 'utf8' });
    if (r.error) throw r.error;
    const [wall, user, sys, rss] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    const stdout = readFileSync(outFile, 'utf8');
    const parsed = parseHolders(stdout);
    let note = '';
    if (parsed.ok && parsed.value.state === 'skipped') note = `skipped: ${parsed.value.reason}`;
    else if (parsed.ok && parsed.value.state === 'read') {
      const h = parsed.value.holders;
      note = h.partial ? `partial: ${h.partial.read} lines (${h.partial.reason})` : `${h.linesRead} lines`;
    } else if (stdout.includes('holders')) note = parsed.ok ? '' : parsed.error;
    return { wall: wall! / loops, cpu: (user! + sys!) / loops, rssKiB: rss!, bytes: Buffer.byteLength(stdout), note };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function medianRun(runs: Run[]): Run {
  return {
    wall: median(runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
    rssKiB: median(runs.map((r) => r.rssKiB)),
    bytes: median(runs.map((r) => r.bytes)),
    note: runs.at(-1)!.note,
  };
}

function row(cells: string[]): string {
  const widths = [26, 34, 9, 9, 10, 9];
  return cells.map((c, i) => c.padEnd(widths[i] ?? 10)).join(' ');
}

async function main(): Promise<void> {
  const lines = arg('--lines', 1_000_000);
  const repeats = arg('--repeats', 3);
  const awks = awksUnderTest();
  const root = mkdtempSync(join(tmpdir(), 'sockaudit-bench-holders-root-'));
  try {
    process.stderr.write(`generating a ${lines}-line /proc/net/tcp in ${root} ...\n`);
    writeTree(root, { 'proc/net/tcp6': procNetTcp([], 6) });
    await writeProcNetTcp(join(root, 'proc/net/tcp'), bigTable(lines, 1), 4);

    console.log(`holders aggregator, median of ${repeats} runs (machine: ${process.arch}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
    console.log(row(['awk', 'case', 'wall s', 'CPU s', 'max RSS', 'output', 'result'].slice(0, 6)) + ' result');
    for (const awk of awks) {
      if (awk.skip) {
        console.log(row([awk.command, `skipped: ${awk.skip}`]));
        continue;
      }
      const word = awk.command;
      const cases: Array<[string, string, number, number]> = [
        ['sh -c : (baseline)', ':\n', repeats, 200],
        [`${word} 'BEGIN {}'`, `${word} 'BEGIN {}' </dev/null\n`, repeats, 200],
        ['healthy host: auto gate', buildHoldersScript({ awk: word, mode: 'auto' }), repeats, 200],
        ['this host, table in full', buildHoldersScript({ awk: word }), repeats, 50],
        [`flagged: ${lines} lines, no clock`, buildHoldersScript({ awk: word, root, maxSeconds: 0 } satisfies HoldersOptions), repeats, 1],
        [`flagged: ${lines} lines, 2 s bound`, buildHoldersScript({ awk: word, root }), repeats, 1],
        [`flagged: ${lines} lines, peers prefix`, buildHoldersScript({ awk: word, root, peers: 'prefix', maxSeconds: 0 }), repeats, 1],
      ];
      for (const [name, script, n, loops] of cases) {
        const runs: Run[] = [];
        for (let i = 0; i < n; i++) runs.push(timed(script, loops));
        const m = medianRun(runs);
        console.log(row([word, name, m.wall.toFixed(4), m.cpu.toFixed(4), `${Math.round(m.rssKiB / 1024)} MiB`, `${m.bytes} B`]) + ` ${m.note}`);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
