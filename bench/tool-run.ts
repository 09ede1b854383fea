// One timed run of one tool over a fleet: a fresh probe and work folder, the tool under
// measureRun, and the hosts it really collected from. Shared by the benches that compare tools.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProbeScript, newBoundary } from '../src/collect/probe.js';
import type { BenchFleet } from './fleet-setup.js';
import { gnuTimeMissing, measureRun, type Measurement } from './measure.js';
import type { ToolCase } from './table.js';
import type { BenchTool, RunContext } from './tools.js';

const RUN_TIMEOUT_MS = 300_000;

/** Control characters out: tool output can carry anything a host printed. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
}

export const errorText = (err: unknown): string => printable(err instanceof Error ? err.message : String(err));

function tail(path: string, lines = 5): string {
  try {
    return printable(readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join('\n'));
  } catch {
    return '';
  }
}

export interface RunResult {
  /** Absent when the run could not be measured (killed on its timeout). */
  measurement?: Measurement;
  collected: number;
  /** The end of the tool's stderr, when it did not collect from every host. */
  problem?: string;
}

export async function runTool(tool: BenchTool, fleet: BenchFleet, n: number, concurrency: number, signal: AbortSignal): Promise<RunResult> {
  const workDir = mkdtempSync(join(tmpdir(), `sockaudit-bench-${tool.id}-`));
  try {
    const boundary = newBoundary();
    const ctx: RunContext = { fleet, n, concurrency, workDir, boundary, script: buildProbeScript({ boundary }) };
    const stdoutPath = join(workDir, 'stdout');
    const stderrPath = join(workDir, 'stderr');
    let measurement: Measurement;
    try {
      measurement = await measureRun({
        invocation: tool.invocation(ctx),
        cwd: workDir,
        stdoutPath,
        stderrPath,
        timePath: join(workDir, 'time'),
        sshdPids: fleet.sshdPids,
        serverCpuSeconds: () => fleet.serverCpuSeconds(),
        timeoutMs: RUN_TIMEOUT_MS,
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw err;
      return { collected: 0, problem: errorText(err) };
    }
    let collected = 0;
    let problem: string | undefined;
    try {
      collected = tool.collectedHosts(ctx, readFileSync(stdoutPath, 'utf8')).size;
    } catch (err) {
      problem = `its output could not be read: ${errorText(err)}`;
    }
    if (collected !== n) problem ??= `exit ${measurement.exitCode}: ${tail(stderrPath) || 'no message'}`;
    return { measurement, collected, ...(problem === undefined ? {} : { problem }) };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** A program's version as its first line of output says it, or that it is not installed. */
export function versionLine(program: string, args: string[]): string {
  const r = spawnSync(program, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
  if (r.error) return `${program}: not installed`;
  return printable(`${r.stdout}\n${r.stderr}`.trim().split('\n')[0] ?? '');
}

/** What the check before the timed runs found of a tool: its key exchange, or why it is skipped. */
export type Check = { kex: string } | { skipped: string };

/** A tool's row before its runs: the key exchange it was seen to use, or why it is left out. */
export function emptyRow(tool: BenchTool, check: Check | undefined): ToolCase {
  const row = { toolId: tool.id, name: tool.name, runs: [] };
  if (check === undefined) return { ...row, kex: '-', skipped: 'not checked' };
  return 'kex' in check ? { ...row, kex: check.kex } : { ...row, kex: '-', skipped: check.skipped };
}

/**
 * Runs each tool once on one host of a server logging at DEBUG1 (`serverLog`), in order: the key
 * exchange the server saw it negotiate, or why it is skipped (not installed, or it failed there).
 */
export async function checkEachTool(tools: readonly BenchTool[], serverLog: () => string, runOnOne: (tool: BenchTool) => Promise<RunResult>): Promise<Map<string, Check>> {
  const found = new Map<string, Check>();
  for (const tool of tools) {
    const missing = tool.missing();
    if (missing !== undefined) {
      found.set(tool.id, { skipped: missing });
      console.log(`skip ${tool.id}: ${missing}`);
      continue;
    }
    const before = serverLog().length;
    const r = await runOnOne(tool);
    if (r.collected !== 1) {
      found.set(tool.id, { skipped: `failed on one host (${r.problem ?? 'no output'})` });
      console.log(`skip ${tool.id}: it failed on one host: ${r.problem ?? 'no output'}`);
      continue;
    }
    found.set(tool.id, { kex: /kex: algorithm: (\S+)/.exec(serverLog().slice(before))?.[1] ?? 'not logged' });
  }
  return found;
}

/**
 * What a bench over the tools does before it starts any server: GNU time must be there (it
 * measures every run), and Ctrl-C or SIGTERM aborts the runs, so that the bench goes on to stop
 * its servers. `release` takes the handlers off again.
 */
export function startToolBench(): { signal: AbortSignal; release: () => void } {
  const noTime = gnuTimeMissing();
  if (noTime !== undefined) throw new Error(noTime);
  const controller = new AbortController();
  const interrupt = (): void => controller.abort();
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    },
  };
}
