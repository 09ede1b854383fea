// One measured run: the tool under GNU time (wall, user and system CPU of the whole process
// tree, largest single RSS), its process tree's total memory sampled while it runs, the CPU
// the sshd servers spent meanwhile, and how busy the rest of the machine was.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import type { Invocation } from './tools.js';

export const GNU_TIME = '/usr/bin/time';
const CLOCK_TICKS_PER_SECOND = 100;
const SAMPLE_INTERVAL_MS = 100;

export interface Measurement {
  wallSeconds: number;
  /** User + system CPU of the tool and every child it waited for. */
  cpuSeconds: number;
  /** Largest resident set of any one process in the tree (GNU time %M). */
  maxRssKiB: number;
  /** Largest sum of proportional set sizes over the tool's process tree, sampled every 100 ms. */
  peakTreePssKiB: number;
  /** CPU of the sshd servers and their sessions during the run; undefined when it cannot be measured. */
  serverCpuSeconds?: number;
  /**
   * CPU used by anything else on the machine meanwhile (machine-wide busy time minus the tool's
   * and the servers'): other work sharing the cores, which makes the wall time less trustworthy.
   */
  otherCpuSeconds: number;
  exitCode: number;
}

export interface MeasureOptions {
  invocation: Invocation;
  cwd: string;
  stdoutPath: string;
  stderrPath: string;
  timePath: string;
  sshdPids: number[];
  serverCpuSeconds(): number | undefined;
  /** Killed (whole process group) after this long, and the run rejected. */
  timeoutMs: number;
  signal: AbortSignal;
}

export async function measureRun(opts: MeasureOptions): Promise<Measurement> {
  await waitSessionsGone(opts.sshdPids);
  if (opts.signal.aborted) throw new Error('interrupted');
  const busyBefore = machineBusyTicks();
  const serverBefore = opts.serverCpuSeconds();
  const stdout = openSync(opts.stdoutPath, 'w');
  const stderr = openSync(opts.stderrPath, 'w');
  const [program, ...args] = opts.invocation.argv;
  if (program === undefined) throw new Error('measureRun: empty argv');
  // Its own process group, so a timeout or Ctrl-C stops the tool and every ssh it started.
  const child = spawn(GNU_TIME, ['-f', '%e %U %S %M', '-o', opts.timePath, '--', program, ...args], {
    cwd: opts.cwd,
    env: opts.invocation.env,
    stdio: ['ignore', stdout, stderr],
    detached: true,
  });
  closeSync(stdout);
  closeSync(stderr);

  let peakTreePssKiB = 0;
  const sampler = setInterval(() => {
    if (child.pid !== undefined) peakTreePssKiB = Math.max(peakTreePssKiB, treePssKiB(child.pid));
  }, SAMPLE_INTERVAL_MS);
  const killGroup = (): void => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, opts.timeoutMs);
  opts.signal.addEventListener('abort', killGroup, { once: true });
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  }).finally(() => {
    clearInterval(sampler);
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', killGroup);
  });
  if (opts.signal.aborted) throw new Error('interrupted');
  if (timedOut) throw new Error(`timed out after ${opts.timeoutMs / 1000} s and was killed`);

  // Sessions still closing belong to this run's server CPU.
  await waitSessionsGone(opts.sshdPids);
  const busySeconds = (machineBusyTicks() - busyBefore) / CLOCK_TICKS_PER_SECOND;
  const serverAfter = opts.serverCpuSeconds();
  const serverCpuSeconds = serverBefore === undefined || serverAfter === undefined ? undefined : serverAfter - serverBefore;
  const time = parseGnuTime(existsSync(opts.timePath) ? readFileSync(opts.timePath, 'utf8') : '');
  const otherCpuSeconds = Math.max(0, busySeconds - time.cpuSeconds - (serverCpuSeconds ?? 0));
  return { ...time, peakTreePssKiB, ...(serverCpuSeconds === undefined ? {} : { serverCpuSeconds }), otherCpuSeconds, exitCode };
}

/** GNU time's `-f '%e %U %S %M'` line; it is the last line (a killed command adds one before it). */
export function parseGnuTime(text: string): Pick<Measurement, 'wallSeconds' | 'cpuSeconds' | 'maxRssKiB'> {
  const last = text.trim().split('\n').at(-1) ?? '';
  const fields = last.trim().split(/\s+/).map(Number);
  if (fields.length !== 4 || fields.some((f) => !Number.isFinite(f))) throw new Error(`unexpected GNU time output: ${JSON.stringify(last)}`);
  const [wall, user, sys, rss] = fields as [number, number, number, number];
  return { wallSeconds: wall, cpuSeconds: user + sys, maxRssKiB: rss };
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Direct children of a process, over all its threads. */
function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((tid) =>
    readOrEmpty(`/proc/${pid}/task/${tid}/children`)
      .split(' ')
      .filter((word) => word !== '')
      .map(Number),
  );
}

/** Sum of Pss over a process tree: RSS would count pages shared by forked workers many times. */
function treePssKiB(root: number): number {
  let total = 0;
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    const pss = /^Pss:\s+(\d+) kB$/m.exec(readOrEmpty(`/proc/${pid}/smaps_rollup`));
    total += pss ? Number(pss[1]) : 0;
    pending.push(...childrenOf(pid));
  }
  return total;
}

/** Busy CPU of the whole machine (user, nice, system, irq, softirq, steal) from /proc/stat. */
function machineBusyTicks(): number {
  const cpu = readOrEmpty('/proc/stat').split('\n')[0] ?? '';
  const f = cpu.trim().split(/\s+/).slice(1).map(Number);
  return [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + (f[i] ?? 0), 0);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (up to 10 s) until no listener has a session child left. */
async function waitSessionsGone(pids: number[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (pids.some((pid) => childrenOf(pid).length > 0) && Date.now() < deadline) await sleep(50);
}

export function gnuTimeMissing(): string | undefined {
  return existsSync(GNU_TIME) ? undefined : `${GNU_TIME} is missing (apt-get install -y time)`;
}
