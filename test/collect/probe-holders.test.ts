// The holders section inside the probe: the gate decided from the sockstat and limits the probe
// has just read, the aggregator run only when it passes, and the section assembled into the
// snapshot. Run for real by sh and the system awk over generated /proc trees.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProbeScript, newBoundary, type ProbeOptions } from '../../src/collect/probe.js';
import { parseProbeFrame } from '../../src/procfs/frame.js';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';
import type { Snapshot } from '../../src/procfs/types.js';
import { procNetTcp, type SocketSpec } from '../support/proc-net-tcp.js';
import { writeTree } from '../support/run-holders.js';

const tmp = mkdtempSync(join(tmpdir(), 'sockaudit-probe-holders-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

const orphansOn443: SocketSpec[] = [
  { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '198.51.100.7', remotePort: 40000, txQueue: 1000, count: 30 },
  { state: 'LAST_ACK', local: '10.20.0.5', localPort: 80, remote: '192.0.2.1', remotePort: 50000, count: 10 },
  { state: 'TIME_WAIT', local: '10.20.0.5', localPort: 8080, remote: '192.0.2.2', remotePort: 50001, count: 5 },
];

/** A /proc tree whose sockstat says `orphan` orphans against a limit of 256. */
function host(orphan: number, extra: Record<string, string> = {}): string {
  return writeTree(mkdtempSync(join(tmp, `root${n++}-`)), {
    'proc/net/sockstat': `sockets: used 100\nTCP: inuse 50 orphan ${orphan} tw 5 alloc 60 mem 10\nUDP: inuse 1 mem 1\n`,
    'proc/sys/net/ipv4/tcp_max_orphans': '256\n',
    'proc/sys/net/ipv4/tcp_mem': '1000\t2000\t3000\n',
    'proc/sys/net/ipv4/tcp_max_tw_buckets': '1000\n',
    'proc/net/tcp': procNetTcp(orphansOn443, 4),
    ...extra,
  });
}

function probe(root: string, opts: Partial<ProbeOptions> = {}): { snapshot: Snapshot; problems: string[]; stdout: string } {
  const boundary = newBoundary();
  const r = spawnSync('sh', ['-s'], { input: buildProbeScript({ boundary, root, intervalSeconds: 0, ...opts }), encoding: 'utf8', timeout: 60_000 });
  expect(r.status).toBe(0);
  const framed = parseProbeFrame(r.stdout, boundary);
  if (!framed.ok) throw new Error(framed.error);
  return { ...assembleSnapshot(framed.record), stdout: r.stdout };
}

describe('the holders section of the probe', () => {
  it('reads the table when the orphans are at notice (30 of 256 > 1/8), and names the holder', () => {
    const { snapshot, problems } = probe(host(40), { holders: { mode: 'auto', maxSeconds: 0 } });
    expect(snapshot.holdersSkipped).toBeUndefined();
    const h = snapshot.holders;
    if (h?.state !== 'ok') throw new Error(JSON.stringify(h));
    expect(h.value.gateReasons).toEqual(['orphans']);
    expect(h.value.orphans.count).toBe(40);
    expect(h.value.groups[0]).toMatchObject({ state: 'FIN_WAIT1', local: { address: '10.20.0.5', port: 443 }, count: 30, queuedBytes: 30_000 });
    expect(h.value.groups[0]?.peers).toEqual([{ address: '198.51.100.7', count: 30 }]);
    expect(problems.filter((p) => p.startsWith('holders'))).toEqual([]);
  });

  it('does not read the table of a healthy host, and says why', () => {
    const { snapshot, stdout } = probe(host(3), { holders: { mode: 'auto' } });
    expect(snapshot.holders).toBeUndefined();
    expect(snapshot.holdersSkipped).toBe('healthy');
    // The aggregator never ran: its file lines are not in the output.
    expect(stdout).not.toContain('file tcp status=');
  });

  it('reads the table of a healthy host with always, with peers as prefixes', () => {
    const { snapshot } = probe(host(3), { holders: { mode: 'always', peers: 'prefix', maxSeconds: 0 } });
    const h = snapshot.holders;
    if (h?.state !== 'ok') throw new Error(JSON.stringify(h));
    expect(h.value.gateReasons).toBeUndefined();
    expect(h.value.peersMode).toBe('prefix');
    expect(h.value.groups[0]?.peers).toEqual([{ address: '198.51.100.0/24', count: 30 }]);
  });

  it('prints no holders section without holders options', () => {
    const { snapshot, stdout } = probe(host(40));
    expect(snapshot.holders).toBeUndefined();
    expect(snapshot.holdersSkipped).toBeUndefined();
    expect(stdout).not.toContain(' begin holders');
  });

  it('gates on TIME_WAIT and TCP memory too', () => {
    const tw = probe(host(0, { 'proc/net/sockstat': 'TCP: inuse 1 orphan 0 tw 600 alloc 1 mem 1\n' }), { holders: { mode: 'auto', maxSeconds: 0 } });
    expect(tw.snapshot.holders?.state === 'ok' && tw.snapshot.holders.value.gateReasons).toEqual(['time-wait']);
    const mem = probe(host(0, { 'proc/net/sockstat': 'TCP: inuse 1 orphan 0 tw 0 alloc 1 mem 1600\n' }), { holders: { mode: 'auto', maxSeconds: 0 } });
    expect(mem.snapshot.holders?.state === 'ok' && mem.snapshot.holders.value.gateReasons).toEqual(['tcp-memory']);
  });

  it('says why when the socket table is missing, and the audit goes on', () => {
    const root = host(40);
    rmSync(join(root, 'proc/net/tcp'));
    const { snapshot } = probe(root, { holders: { mode: 'auto', maxSeconds: 0 } });
    expect(snapshot.sockstat.state).toBe('ok');
    const h = snapshot.holders;
    if (h?.state !== 'ok') throw new Error(JSON.stringify(h));
    expect(h.value.files.tcp.status).toBe('missing');
  });
});
