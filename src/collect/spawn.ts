// Transports that spawn a local process and hand it the probe on stdin: this machine
// (`/bin/sh -s`), or any command that reaches a host (`ssh -S ctl host sh -s`, `kubectl exec -i
// POD -- sh -s`, see exec.ts). The same bounds as over SSH: a deadline, a cap on output, abort.
import { spawn } from 'node:child_process';
import type { Target } from '../inventory/types.js';
import type { HostKeyUsed } from './types.js';
import { cancellation, TransportFailure, type ExecResult, type Transport, type TransportBounds } from './transport.js';

export interface SpawnTransportOptions {
  kind: string;
  /** The program and its arguments for one target; argv[0] is looked up on PATH. */
  argvFor: (target: Target) => string[];
  hostKey: (target: Target) => HostKeyUsed;
}

export function spawnTransport(opts: SpawnTransportOptions): Transport {
  return {
    kind: opts.kind,
    run: (target, script, bounds) => runSpawned(opts.argvFor(target), script, bounds),
    hostKey: opts.hostKey,
  };
}

/** This machine: the probe run by `/bin/sh -s`, as sshd would run it on a host. */
export function localTransport(): Transport {
  return spawnTransport({
    kind: 'local',
    argvFor: () => ['/bin/sh', '-s'],
    hostKey: () => ({ policy: 'none', reason: 'this machine: no connection, no host key' }),
  });
}

/**
 * Runs `argv` in its own process group with `stdin` written to it, so that the deadline, an
 * abort or an output overflow kills the process and everything it started (an `ssh` and its
 * remote session, a `kubectl` and its port-forward). Rejects with TransportFailure: `connect`
 * when the program cannot start, `timeout`, `cancelled`.
 */
export function runSpawned(argv: readonly string[], stdin: string, bounds: TransportBounds): Promise<ExecResult> {
  const { signal } = bounds;
  const [program, ...args] = argv;
  if (program === undefined) return Promise.reject(new TransportFailure('connect', 'no command to run'));
  if (signal?.aborted) return Promise.reject(cancellation(signal, program));

  return new Promise((resolve, reject) => {
    // detached: the process leads a new process group, which is what gets killed.
    const child = spawn(program, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = collector(bounds.maxOutputBytes);
    const err = collector(bounds.maxOutputBytes);
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
    const timer = setTimeout(() => killGroup('timeout'), bounds.deadlineMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      if (!out.add(chunk)) killGroup('overflow');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (!err.add(chunk)) killGroup('overflow');
    });
    // The process may exit before reading all of stdin; that is its answer, not ours to report.
    child.stdin.on('error', () => {});
    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (spawnError) return reject(new TransportFailure('connect', `cannot run ${program}: ${spawnError.message}`));
      if (ended === 'timeout') return reject(new TransportFailure('timeout', `no result within the host deadline of ${seconds(bounds.deadlineMs)}`));
      if (ended === 'cancelled') return reject(cancellation(signal, program));
      resolve({ stdout: out.text(), stderr: err.text(), code, truncated: ended === 'overflow' });
    });

    child.stdin.end(stdin);
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

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}
