// Recorded hosts served on loopback by the in-process SSH server, as audit targets: a throwaway
// client key and a known_hosts file of their own, so the real SSH path (strict host-key checking
// included) runs without touching the user's keys or known_hosts. The demo's fleet, and the tests'.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { generateEd25519KeyPair, startRecordedFleet, type FleetFault, type FleetHostSpec, type RecordedFleet } from './recorded-fleet.js';
import type { Target } from '../inventory/types.js';
import { packageRoot } from '../paths.js';

export interface ServedFleet {
  fleet: RecordedFleet;
  targets: Target[];
  knownHostsFile: string;
  stop(): Promise<void>;
}

/** Serves the hosts and returns them as targets that log in as `user` and belong to `group`. */
export async function serveRecordedTargets(hosts: FleetHostSpec[], opts: { user: string; group: string }): Promise<ServedFleet> {
  const tmp = await mkdtemp(join(tmpdir(), 'sockaudit-fleet-'));
  try {
    const pair = generateEd25519KeyPair();
    const keyFile = join(tmp, 'id_ed25519');
    await writeFile(keyFile, pair.private, { mode: 0o600 });
    const fleet = await startRecordedFleet({ hosts, authorizedKeys: `${pair.public}\n` });
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
const FAULTY: { name: string; recording: string; fault: FleetFault }[] = [
  { name: 'db-replaced-515', recording: 'db-restricted-515', fault: 'wrong-host-key' },
  { name: 'retired-edge-310', recording: 'edge-tw-310', fault: 'refuse' },
];

export async function startDemoFleet(): Promise<ServedFleet> {
  const recordings = await readRecordings();
  const specs: FleetHostSpec[] = [...recordings].map(([name, recording]) => ({ name, recording }));
  for (const f of FAULTY) {
    const recording = recordings.get(f.recording);
    if (recording !== undefined) specs.push({ name: f.name, recording, fault: f.fault });
  }
  return serveRecordedTargets(specs, { user: 'demo', group: 'recorded' });
}
