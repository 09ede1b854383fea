import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localTransport, runSpawned } from '../../src/collect/spawn.js';
import { TransportFailure, type TransportBounds } from '../../src/collect/transport.js';
import { localTarget } from '../../src/collect/collect.js';
import { buildProbeScript, newBoundary, probeOutputLimit } from '../../src/collect/probe.js';
import { parseProbeFrame } from '../../src/procfs/frame.js';

const tmp = mkdtempSync(join(tmpdir(), 'sockaudit-local-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const opts = { deadlineMs: 10_000, maxOutputBytes: 1_000_000 };

/** The local transport: the script on /bin/sh's stdin. */
const runLocalProbe = (script: string, bounds: TransportBounds) => localTransport().run(localTarget('here'), script, bounds);

/** Gone, or a zombie waiting to be reaped: either way it runs no more. */
function stopped(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    return readFileSync(stat, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return true;
  }
}

async function waitStopped(pids: number[], ms = 2_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (pids.every(stopped)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return pids.every(stopped);
}

function pidsIn(file: string): number[] {
  return readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
}

describe('the local transport', () => {
  it('runs the script on /bin/sh from stdin and returns its output and exit code', async () => {
    const r = await runLocalProbe('echo out\necho err >&2\nexit 3\n', opts);
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 3, truncated: false });
  });

  it('decodes stdout as UTF-8, invalid bytes as U+FFFD', async () => {
    const r = await runLocalProbe("printf 'caf\\303\\251 \\377ok'", opts);
    expect(r.stdout).toBe('café \uFFFDok');
  });

  it('runs the real probe to a frame the parser reads', async () => {
    const boundary = newBoundary();
    const r = await runLocalProbe(buildProbeScript({ boundary }), { deadlineMs: 20_000, maxOutputBytes: probeOutputLimit({}) });
    expect(r.code).toBe(0);
    expect(r.truncated).toBe(false);
    const framed = parseProbeFrame(r.stdout, boundary);
    expect(framed.ok).toBe(true);
  });

  it('kills the whole process group when the timeout passes', async () => {
    const pidFile = join(tmp, 'timeout.pids');
    const started = Date.now();
    const run = runLocalProbe(`sleep 1000 & echo $$ $! > '${pidFile}'; sleep 1000; wait`, { ...opts, deadlineMs: 300 });
    await expect(run).rejects.toSatisfy((e) => e instanceof TransportFailure && e.stage === 'timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await waitStopped(pidsIn(pidFile))).toBe(true);
  });

  it('stops endless output at the cap', async () => {
    const pidFile = join(tmp, 'endless.pids');
    const started = Date.now();
    const r = await runLocalProbe(`echo $$ > '${pidFile}'; yes sockaudit`, { ...opts, maxOutputBytes: 100_000 });
    expect(r.truncated).toBe(true);
    expect(r.code).toBeNull();
    expect(r.stdout).toBe('sockaudit\n'.repeat(10_000));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await waitStopped(pidsIn(pidFile))).toBe(true);
  });

  it('stops endless error output at the cap too', async () => {
    const r = await runLocalProbe('yes err >&2', { ...opts, maxOutputBytes: 4_000 });
    expect(r.truncated).toBe(true);
    expect(r.stderr).toBe('err\n'.repeat(1_000));
  });

  it('is cancelled by its signal, running or before it starts', async () => {
    const pidFile = join(tmp, 'abort.pids');
    const controller = new AbortController();
    const run = runLocalProbe(`echo $$ > '${pidFile}'; sleep 1000`, { ...opts, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(run).rejects.toSatisfy((e) => e instanceof TransportFailure && e.stage === 'cancelled');
    expect(await waitStopped(pidsIn(pidFile))).toBe(true);

    const marker = join(tmp, 'never-ran');
    await expect(runLocalProbe(`touch '${marker}'`, { ...opts, signal: AbortSignal.abort() })).rejects.toSatisfy(
      (e) => e instanceof TransportFailure && e.stage === 'cancelled',
    );
    expect(existsSync(marker)).toBe(false);
  });
});

describe('runSpawned', () => {
  it('fails at connect, with the error, when the program cannot start', async () => {
    await expect(runSpawned(['/nonexistent/sockaudit-no-such-program'], '', opts)).rejects.toSatisfy(
      (e) => e instanceof TransportFailure && e.stage === 'connect' && /cannot run \/nonexistent\/sockaudit-no-such-program: .*ENOENT/.test(e.message),
    );
  });

  it('reports a run deadline (a TimeoutError) as a timeout, not a cancellation', async () => {
    await expect(runSpawned(['/bin/sh', '-c', 'sleep 1000'], '', { ...opts, signal: AbortSignal.timeout(100) })).rejects.toSatisfy(
      (e) => e instanceof TransportFailure && e.stage === 'timeout',
    );
  });
});
