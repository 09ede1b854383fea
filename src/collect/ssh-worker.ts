// A worker thread that runs hosts over ssh2 for the main thread (ssh-workers.ts): the key
// exchange, encryption and signing of every session cost the client a few ms of CPU per host,
// so a large fleet spreads them over the cores while the main thread parses and evaluates.
// It is handed the run's setup once (targets, trust, keys as read by the main thread) and then
// runs one host per `run` message, answering with what the host printed or how it failed.
import { parentPort, workerData } from 'node:worker_threads';
import { Identity } from './auth.js';
import { readKnownHostsSets } from './known-hosts.js';
import { knownHostsLists, sshTransport } from './ssh-transport.js';
import { TransportFailure, type Transport } from './transport.js';
import type { FromWorker, ToWorker, WorkerSetup } from './ssh-worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('ssh-worker.js runs only as a worker thread');
const setup = workerData as WorkerSetup;
const post = (m: FromWorker): void => port.postMessage(m);

async function start(): Promise<Transport> {
  const keys = setup.identities.flatMap((p) => {
    const id = Identity.fromPortable(p);
    return id === undefined ? [] : [id];
  });
  // The same files the main thread read (and warned about) a moment ago; warnings are its to give.
  const knownHosts = await readKnownHostsSets(knownHostsLists(setup.targets, setup.runTrust), { named: setup.runTrust.knownHostsFiles });
  return sshTransport(setup.targets, {
    runTrust: setup.runTrust,
    knownHosts,
    identities: { keys, agentKeys: setup.agentKeys },
    ...(setup.agent === undefined ? {} : { agent: setup.agent }),
    ...(setup.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: setup.connectTimeoutMs }),
  });
}

const transport = start();
// A setup that fails (a named known_hosts file gone since the main thread read it) fails each host.
transport.catch(() => {});
const running = new Map<number, AbortController>();

port.on('message', (m: ToWorker) => {
  if (m.type === 'run') {
    const control = new AbortController();
    running.set(m.id, control);
    const target = setup.targets[m.target];
    transport
      .then((t) => {
        if (target === undefined) throw new TransportFailure('connect', `no target ${m.target} in this worker`);
        return t.run(target, m.script, { deadlineMs: m.deadlineMs, maxOutputBytes: m.maxOutputBytes, signal: control.signal });
      })
      .then(
        (result) => post({ type: 'done', id: m.id, result }),
        (e: unknown) => {
          const f = e instanceof TransportFailure ? e : new TransportFailure('connect', (e as Error).message);
          post({
            type: 'failed',
            id: m.id,
            stage: f.stage,
            message: f.message,
            transient: f.transient,
            ...(f.detail ? { detail: f.detail } : {}),
            ...(f.hostKeyVerified ? { hostKeyVerified: f.hostKeyVerified } : {}),
          });
        },
      )
      .finally(() => running.delete(m.id));
  } else if (m.type === 'cancel') {
    // As the main thread's signal said it: a run deadline is a timeout, anything else a cancellation.
    const reason = m.timeout ? Object.assign(new Error(m.message), { name: 'TimeoutError' }) : new Error(m.message);
    running.get(m.id)?.abort(reason);
  } else if (m.type === 'close') {
    for (const c of running.values()) c.abort(new Error('closed'));
    void transport.then((t) => t.close?.()).finally(() => port.close());
  }
});
