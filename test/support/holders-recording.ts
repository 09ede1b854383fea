// A synthetic recording whose probe output carries a holders section: the real probe and the
// real awk aggregator run by sh over the 6.18 fixture tree, with a generated /proc/net/tcp and a
// sockstat set by hand to 24,000 orphans of 65,536 (37 %: at notice or worse), then framed with
// RECORDED_BOUNDARY like the recordings in inventory/recorded/. Facts about the machine (kernel
// release, hostname) are this machine's, as the probe reads them under a root.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { reframe } from '../../src/collect/frame-boundary.js';
import { buildProbeScript, newBoundary } from '../../src/collect/probe.js';
import { RECORDED_BOUNDARY } from '../../src/procfs/sections.js';
import { procNetTcp, type SocketSpec } from './proc-net-tcp.js';
import { writeTree } from './run-holders.js';

/** The storm the recording holds: 21,600 FIN_WAIT1 with data on 10.20.0.5:443, 2,400 LAST_ACK on :80, 700 TIME_WAIT on :8080. */
export const SYNTHETIC_STORM: SocketSpec[] = [
  { state: 'LISTEN', local: '0.0.0.0', localPort: 443, remote: '0.0.0.0', remotePort: 0 },
  { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '198.51.100.7', remotePort: 40000, txQueue: 16000, rxQueue: 359, count: 9000 },
  { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '198.51.100.8', remotePort: 40001, txQueue: 16000, rxQueue: 359, count: 7000 },
  { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '203.0.113.9', remotePort: 40002, txQueue: 16000, rxQueue: 359, count: 5600 },
  { state: 'LAST_ACK', local: '10.20.0.5', localPort: 80, remote: '192.0.2.1', remotePort: 50000, count: 2400 },
  { state: 'TIME_WAIT', local: '10.20.0.5', localPort: 8080, remote: '192.0.2.2', remotePort: 50001, count: 700 },
  { state: 'ESTABLISHED', local: '10.20.0.5', localPort: 22, remote: '192.0.2.3', remotePort: 50002, count: 5 },
];

/** The line every report must show for this recording (summariseHolders' sentence). */
export const SYNTHETIC_SENTENCE = '21,600 of 24,000 orphans (90 %) are FIN_WAIT1 on 10.20.0.5:443, 337 MiB queued; top peer 198.51.100.7 with 9,000';

const FIXTURE = resolve(import.meta.dirname, '..', 'fixtures', 'proc', '6.18-x86_64', 'proc');

export function syntheticHoldersRecording(peers: 'full' | 'prefix' | 'none' = 'full'): string {
  const root = mkdtempSync(join(tmpdir(), 'sockaudit-synthetic-'));
  try {
    cpSync(FIXTURE, join(root, 'proc'), { recursive: true });
    writeTree(root, {
      'proc/net/sockstat': 'sockets: used 24100\nTCP: inuse 30 orphan 24000 tw 700 alloc 24030 mem 90000\nUDP: inuse 0 mem 0\n',
      'proc/sys/net/ipv4/tcp_max_orphans': '65536\n',
      // Invented, as the recordings' boot ids are.
      'proc/sys/kernel/random/boot_id': '5e1f0a11-0000-4000-8000-000000000001\n',
      'proc/net/tcp': procNetTcp(SYNTHETIC_STORM, 4),
    });
    const boundary = newBoundary();
    const script = buildProbeScript({ boundary, root, intervalSeconds: 0, holders: { mode: 'auto', peers, maxSeconds: 0 } });
    const r = spawnSync('sh', ['-s'], { input: script, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`the probe failed (${r.status}): ${r.stderr}`);
    return reframe(r.stdout, boundary, RECORDED_BOUNDARY);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
