// The ssh2 transport spread over worker threads (ssh-worker.ts). A large fleet keeps the client
// CPU-bound on key exchange, encryption and signing; the workers take that, and this thread keeps
// the fan-out, progress, cancellation and the pure core (parsing, evaluating, reporting).
//
// Hosts are routed by what they share, spread over the workers as hosts are over shards
// (shardOf): every host behind the same first jump host goes to the same worker (its bastion
// connection is pooled there, and a bastion key accepted under accept-new is recorded once), and
// a host otherwise goes by its known_hosts name, so two inventory entries for one server never
// race to record its key.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { shardOf } from '../inventory/shard.js';
import type { Target } from '../inventory/types.js';
import type { PortableIdentity } from './auth.js';
import { hostKeyLookup } from './known-hosts.js';
import { sshTransport, type SshSetup } from './ssh-transport.js';
import { TransportFailure, type ExecResult, type Transport } from './transport.js';
import type { FromWorker, ToWorker, WorkerSetup } from './ssh-worker-protocol.js';

const WORKER_FILE = fileURLToPath(new URL('./ssh-worker.js', import.meta.url));

/** Below this many SSH hosts a worker's start-up (about 0.1 s) costs more than it saves. */
export const MIN_HOSTS_FOR_WORKERS = 64;

/** Why the run cannot use ssh workers here; undefined when it can. */
export function sshWorkersUnavailable(setup: SshSetup): string | undefined {
  // Run from TypeScript sources (the test runner) there is no compiled worker file to start.
  if (!existsSync(WORKER_FILE)) return `no compiled ${WORKER_FILE}`;
  if (setup.identities.keys.some((k) => k.portable() === undefined)) return 'a key cannot be handed to a worker';
  return undefined;
}

interface Pending {
  resolve(r: ExecResult): void;
  reject(f: TransportFailure): void;
}

interface Lane {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Why the worker stopped, once it has; later hosts routed here fail with it. */
  dead?: string;
}

/** Runs the targets' sessions in `count` worker threads; `setup` is what prepareSsh read. */
export function workerSshTransport(targets: readonly Target[], setup: SshSetup, count: number): Transport {
  // The host-key policy each host gets is decided here, as the in-thread transport decides it.
  const local = sshTransport(targets, setup);
  const index = new Map<Target, number>(targets.map((t, i) => [t, i]));
  const data: WorkerSetup = {
    targets: [...targets],
    runTrust: setup.runTrust,
    identities: setup.identities.keys.map((k) => k.portable()).filter((p): p is PortableIdentity => p !== undefined),
    agentKeys: setup.identities.agentKeys,
    ...(setup.agent === undefined ? {} : { agent: setup.agent }),
    ...(setup.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: setup.connectTimeoutMs }),
  };
  const lanes: Lane[] = Array.from({ length: Math.max(1, count) }, () => startLane(data));
  let nextId = 0;

  const laneFor = (t: Target): Lane => {
    const first = t.proxyJump[0];
    const key = first ? `jump ${first.host}:${first.port}` : hostKeyLookup(t.address, t.port, t.hostKeyAlias);
    return lanes[shardOf(key, lanes.length) - 1]!;
  };

  return {
    kind: 'ssh',
    hostKey: (t) => local.hostKey(t),
    run(target, script, bounds) {
      const at = index.get(target);
      if (at === undefined) return local.run(target, script, bounds);
      const lane = laneFor(target);
      if (lane.dead !== undefined) return Promise.reject(new TransportFailure('connect', lane.dead));
      const id = nextId++;
      return new Promise<ExecResult>((resolve, reject) => {
        const onAbort = () => {
          const reason: unknown = bounds.signal?.reason;
          const timeout = reason instanceof Error && reason.name === 'TimeoutError';
          const message = reason instanceof Error ? reason.message : 'cancelled';
          send(lane, { type: 'cancel', id, timeout, message });
        };
        const done = () => bounds.signal?.removeEventListener('abort', onAbort);
        lane.pending.set(id, {
          resolve: (r) => (done(), resolve(r)),
          reject: (f) => (done(), reject(f)),
        });
        send(lane, { type: 'run', id, target: at, script, deadlineMs: bounds.deadlineMs, maxOutputBytes: bounds.maxOutputBytes });
        if (bounds.signal?.aborted) onAbort();
        else bounds.signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    close() {
      local.close?.();
      for (const lane of lanes) {
        if (lane.dead === undefined) send(lane, { type: 'close' });
        lane.dead ??= 'the ssh workers were closed';
        // A worker that does not end within a second of being asked is stopped.
        setTimeout(() => void lane.worker.terminate(), 1000).unref();
      }
    },
  };
}

function startLane(data: WorkerSetup): Lane {
  const lane: Lane = { worker: new Worker(WORKER_FILE, { workerData: data }), pending: new Map() };
  lane.worker.on('message', (m: FromWorker) => {
    const p = lane.pending.get(m.id);
    if (p === undefined) return;
    lane.pending.delete(m.id);
    if (m.type === 'done') p.resolve(m.result);
    else {
      const failure = new TransportFailure(m.stage, m.message, m.transient, m.detail);
      if (m.hostKeyVerified !== undefined) failure.hostKeyVerified = m.hostKeyVerified;
      p.reject(failure);
    }
  });
  // A worker that dies takes no host with it silently: each host it held fails, saying why.
  const stop = (why: string) => {
    lane.dead ??= why;
    for (const p of lane.pending.values()) p.reject(new TransportFailure('connect', lane.dead));
    lane.pending.clear();
  };
  lane.worker.on('error', (e) => stop(`ssh worker failed: ${e.message}`));
  lane.worker.on('exit', (code) => stop(`ssh worker exited (code ${code})`));
  return lane;
}

function send(lane: Lane, m: ToWorker): void {
  lane.worker.postMessage(m);
}
