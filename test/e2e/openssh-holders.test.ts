// The probe with its holders section over the real client path (ssh2) against OpenSSH's sshd on
// loopback: the probe's root points at a generated /proc tree (readable by sshd's login user),
// so the gate, the aggregator and the peers' prefixes run in the login shell sshd starts.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProbeScript, newBoundary, probeOutputLimit } from '../../src/collect/probe.js';
import { createSshTransport } from '../../src/collect/ssh-transport.js';
import { assessHostHolders } from '../../src/evaluate/holders.js';
import { loadTargets } from '../../src/inventory/index.js';
import { parseProbeFrame } from '../../src/procfs/frame.js';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';
import { makeClientKey, startSshd, type ClientKey, type Sshd } from '../support/sshd.js';
import { SYNTHETIC_STORM } from '../support/holders-recording.js';
import { procNetTcp } from '../support/proc-net-tcp.js';
import { writeTree } from '../support/run-holders.js';
import { tempDir } from './helpers.js';

describe('holders through real OpenSSH sshd', () => {
  const dir = tempDir('openssh-holders');
  let key: ClientKey;
  let sshd: Sshd;
  let root: string;

  beforeAll(async () => {
    key = await makeClientKey('ed25519');
    sshd = await startSshd({ authorizedKeys: key.publicKey });
    root = mkdtempSync(join(tmpdir(), 'sockaudit-holders-root-'));
    // sshd's login user is not this one: the tree must be readable by others.
    chmodSync(root, 0o755);
    writeTree(root, {
      'proc/net/sockstat': 'sockets: used 24100\nTCP: inuse 30 orphan 24000 tw 700 alloc 24030 mem 90000\n',
      'proc/sys/net/ipv4/tcp_max_orphans': '65536\n',
      'proc/sys/net/ipv4/tcp_mem': '1000000\t2000000\t3000000\n',
      'proc/sys/net/ipv4/tcp_max_tw_buckets': '262144\n',
      'proc/net/tcp': procNetTcp(SYNTHETIC_STORM, 4),
    });
  });

  afterAll(async () => {
    await sshd?.stop();
    key?.cleanup();
    if (root) rmSync(root, { recursive: true, force: true });
    dir.cleanup();
  });

  it('reads the generated table on the far side and masks the peers there', async () => {
    const loaded = await loadTargets({ inventories: [], hosts: [`${sshd.user}@127.0.0.1:${sshd.port}`], sshConfigFile: null, systemSshConfigFile: null });
    const target = { ...loaded.targets[0]!, identityFiles: [key.privateKeyPath] };
    const knownHosts = join(dir.path, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.knownHosts}\n`);
    const transport = await createSshTransport([target], { knownHostsFiles: [knownHosts], env: {}, warn: (m) => expect.fail(m) });
    const boundary = newBoundary();
    const script = buildProbeScript({ boundary, root, intervalSeconds: 0, holders: { mode: 'auto', peers: 'prefix', maxSeconds: 0 } });
    const r = await transport.run(target, script, { deadlineMs: 30_000, maxOutputBytes: probeOutputLimit({ samples: 1 }) });
    transport.close?.();
    expect(r.code, r.stderr).toBe(0);
    const framed = parseProbeFrame(r.stdout, boundary);
    if (!framed.ok) throw new Error(framed.error);
    const { snapshot } = assembleSnapshot(framed.record);
    const h = snapshot.holders;
    if (h?.state !== 'ok') throw new Error(JSON.stringify(h));
    expect(h.value.gateReasons).toEqual(['orphans']);
    expect(h.value.peersMode).toBe('prefix');
    expect(h.value.groups[0]?.peers).toEqual([
      { address: '198.51.100.0/24', count: 16000 },
      { address: '203.0.113.0/24', count: 5600 },
    ]);
    expect(assessHostHolders(snapshot, [])?.sentence).toBe('21,600 of 24,000 orphans (90 %) are FIN_WAIT1 on 10.20.0.5:443, 337 MiB queued; top network 198.51.100.0/24 with 16,000');
  });
});
