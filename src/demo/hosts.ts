// Recorded hosts served on loopback by the in-process SSH servers, as audit targets: a throwaway
// client key and a known_hosts file of their own, so the real SSH path (strict host-key checking
// included) runs without touching the user's keys or known_hosts. The demo's fleet, and the tests'.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { generateEd25519KeyPair, startRecordedServers, type RecordedHostSpec, type RecordedServers, type ServerBehaviour } from './recorded-server.js';
import type { Target } from '../inventory/types.js';
import { packageRoot } from '../paths.js';

export interface ServedFleet<S extends RecordedHostSpec = RecordedHostSpec> {
  fleet: RecordedServers<S>;
  targets: Target[];
  knownHostsFile: string;
  stop(): Promise<void>;
}

/** Serves the hosts and returns them as targets that log in as `user` and belong to `group`. */
export async function serveRecordedTargets<S extends RecordedHostSpec>(
  hosts: S[],
  opts: { user: string; group: string; behaviour?: ServerBehaviour<S> },
): Promise<ServedFleet<S>> {
  const tmp = await mkdtemp(join(tmpdir(), 'sockaudit-fleet-'));
  try {
    const pair = generateEd25519KeyPair();
    const keyFile = join(tmp, 'id_ed25519');
    await writeFile(keyFile, pair.private, { mode: 0o600 });
    const fleet = await startRecordedServers({ hosts, authorizedKeys: `${pair.public}\n`, ...(opts.behaviour ? { behaviour: opts.behaviour } : {}) });
    const knownHostsFile = join(tmp, 'known_hosts');
    await writeFile(knownHostsFile, fleet.knownHosts, { mode: 0o600 });
    const targets: Target[] = fleet.hosts.map((h) => ({
      name: h.name,
      address: h.address,
      port: h.port,
      user: opts.user,
      groups: [opts.group],
      identityFiles: [keyFile],
      identitiesOnly: true,
      proxyJump: [],
      knownHostsFiles: [knownHostsFile],
      hostKeyPolicy: 'strict',
      origin: `recorded:${h.name}`,
      vars: {},
    }));
    return {
      fleet,
      targets,
      knownHostsFile,
      async stop() {
        await fleet.stop();
        await rm(tmp, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** The recordings shipped in inventory/recorded/, by host name. */
export async function readRecordings(): Promise<Map<string, string>> {
  const dir = join(packageRoot(), 'inventory', 'recorded');
  const names = (await readdir(dir)).filter((f) => f.endsWith('.probe')).sort();
  const recordings = new Map<string, string>();
  for (const f of names) recordings.set(basename(f, '.probe'), await readFile(join(dir, f), 'utf8'));
  return recordings;
}

/** Two hosts misbehave on purpose, to show how a host that cannot be audited is reported. */
const UNAUDITABLE: { name: string; recording: string; how: Pick<RecordedHostSpec, 'presentsOtherKey' | 'notListening'> }[] = [
  // Reinstalled, or an impostor: its key is not the one known_hosts lists.
  { name: 'db-replaced-515', recording: 'db-restricted-515', how: { presentsOtherKey: true } },
  // Retired: nothing listens any more.
  { name: 'retired-edge-310', recording: 'edge-tw-310', how: { notListening: true } },
];

export async function startDemoFleet(): Promise<ServedFleet> {
  const recordings = await readRecordings();
  const specs: RecordedHostSpec[] = [...recordings].map(([name, recording]) => ({ name, recording }));
  for (const u of UNAUDITABLE) {
    const recording = recordings.get(u.recording);
    if (recording !== undefined) specs.push({ name: u.name, recording, ...u.how });
  }
  return serveRecordedTargets(specs, { user: 'demo', group: 'recorded' });
}
