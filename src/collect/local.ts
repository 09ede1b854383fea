// The local transport: runs the probe script on this machine, as the SSH transport runs it on a
// host (`/bin/sh -s`, script on stdin), with the same bounds on time and output.
import { spawn } from 'node:child_process';
import type { FailureStage } from './types.js';

export interface LocalRunOptions {
  /** Hard limit on the whole run; the process group is killed when it passes. */
  timeoutMs: number;
  /** Cap on stdout and on stderr, each; past it the process group is killed and `truncated` set. */
  maxOutputBytes: number;
  signal?: AbortSignal;
}

export interface LocalRunResult {
  /** UTF-8; bytes that are not valid UTF-8 (and a character cut by the cap) become U+FFFD. */
  stdout: string;
  stderr: string;
  /** Exit code of the shell; null when it was ended by a signal (including the cap's kill). */
  code: number | null;
  /** Output went past maxOutputBytes and was cut there. */
  truncated: boolean;
}

/** Why a local run produced no result: the same stages the SSH transport reports. */
export class LocalProbeFailure extends Error {
  readonly stage: FailureStage;
  constructor(stage: FailureStage, message: string) {
    super(message);
    this.name = 'LocalProbeFailure';
    this.stage = stage;
  }
}

/**
 * Runs `script` with `/bin/sh -s` in its own process group, so that a timeout, an abort or an
 * output overflow kills the shell and everything it started. Rejects with LocalProbeFailure
 * (`timeout`, `cancelled`, or `command` when the shell cannot start).
 */
export function runLocalProbe(script: string, opts: LocalRunOptions): Promise<LocalRunResult> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(new LocalProbeFailure('cancelled', 'local probe cancelled before it started'));

  return new Promise((resolve, reject) => {
    // detached: the shell leads a new process group, which is what gets killed.
    const child = spawn('/bin/sh', ['-s'], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = collector(opts.maxOutputBytes);
    const err = collector(opts.maxOutputBytes);
    let ended: 'timeout' | 'cancelled' | 'overflow' | undefined;
    let spawnError: Error | undefined;

    const killGroup = (why: NonNullable<typeof ended>) => {
      ended ??= why;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      // A descendant outside the group may still hold the pipes; stop waiting for them.
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const onAbort = () => killGroup('cancelled');
    const timer = setTimeout(() => killGroup('timeout'), opts.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      if (!out.add(chunk)) killGroup('overflow');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (!err.add(chunk)) killGroup('overflow');
    });
    // The shell may exit before reading the whole script; that is its answer, not ours to report.
    child.stdin.on('error', () => {});
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (spawnError) return reject(new LocalProbeFailure('command', `cannot run /bin/sh: ${spawnError.message}`));
      if (ended === 'timeout') return reject(new LocalProbeFailure('timeout', `local probe did not finish within ${opts.timeoutMs} ms`));
      if (ended === 'cancelled') return reject(new LocalProbeFailure('cancelled', 'local probe cancelled'));
      resolve({ stdout: out.text(), stderr: err.text(), code, truncated: ended === 'overflow' });
    });

    child.stdin.end(script);
  });
}

/** Keeps at most `max` bytes; add() says false once more than that arrived. */
function collector(max: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add(chunk: Buffer): boolean {
      const room = max - size;
      if (room > 0) chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, room));
      size += chunk.length;
      return size <= max;
    },
    text(): string {
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
