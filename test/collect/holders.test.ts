// The holders aggregator run for real, under every awk this machine has, over generated
// /proc/net/tcp and tcp6 tables with known answers.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHoldersScript, byteOrderOfMachine, HOLDERS_AWK, HOLDERS_MAX_OUTPUT_BYTES, resolveHoldersOptions } from '../../src/collect/holders.js';
import { parseHolders, type Holders } from '../../src/procfs/net-tcp-holders.js';
import { bigTable, procNetTcp, writeProcNetTcp, type SocketSpec } from '../support/proc-net-tcp.js';
import { awksUnderTest, runHolders, writeTree } from '../support/run-holders.js';

const tmp = mkdtempSync(join(tmpdir(), 'sockaudit-holders-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const newRoot = (files: Record<string, string>) => writeTree(mkdtempSync(join(tmp, `root${n++}-`)), files);

function holdersOf(out: { stdout: string; stderr: string; status: number | null }): Holders {
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  const r = parseHolders(out.stdout);
  if (!r.ok) throw new Error(`${r.error}\n${out.stdout}`);
  if (r.value.state !== 'read') throw new Error(`skipped: ${r.value.reason}`);
  return r.value.holders;
}

// A storm on one port: 21,600 FIN_WAIT1 orphans with data on 10.20.0.5:443 (9,000 from one
// peer), 2,400 LAST_ACK orphans on :80, owned FIN_WAIT1 sockets (not orphans), TIME_WAIT on :8080.
const storm: SocketSpec[] = [
  { state: 'LISTEN', local: '0.0.0.0', localPort: 443, remote: '0.0.0.0', remotePort: 0, rxQueue: 128 },
  { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '198.51.100.7', remotePort: 40000, txQueue: 16000, rxQueue: 359, count: 9000 },
  { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '198.51.100.8', remotePort: 40001, txQueue: 16000, rxQueue: 359, count: 7000 },
  { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '203.0.113.9', remotePort: 40002, txQueue: 16000, rxQueue: 359, count: 5600 },
  { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '203.0.113.10', remotePort: 40003, txQueue: 5000, inode: 4242, count: 300 },
  { state: 'LAST_ACK', local: '10.20.0.5', localPort: 80, remote: '192.0.2.1', remotePort: 50000, count: 2400 },
  { state: 'TIME_WAIT', local: '10.20.0.5', localPort: 8080, remote: '192.0.2.2', remotePort: 50001, count: 700 },
  { state: 'ESTABLISHED', local: '10.20.0.5', localPort: 22, remote: '192.0.2.3', remotePort: 50002, txQueue: 100, count: 5 },
];

const awks = awksUnderTest();
for (const awk of awks) if (awk.skip) process.stderr.write(`holders tests: ${awk.command} skipped: ${awk.skip}\n`);

describe.each(awks)('holders aggregator under $command', (awk) => {
  const skip = awk.skip !== undefined;

  it.skipIf(skip)('names the holder of a storm on one port (IPv4)', () => {
    const root = newRoot({ 'proc/net/tcp': procNetTcp(storm, 4) });
    const h = holdersOf(runHolders(root, { awk: awk.command }));
    expect(h.files.tcp).toEqual({ status: 'ok', lines: 25006 });
    expect(h.files.tcp6.status).toBe('missing');
    expect(h.linesRead).toBe(25006);
    expect(h.malformedLines).toBe(0);
    expect(h.socketsByState).toEqual({ ESTABLISHED: 5, FIN_WAIT1: 21900, LAST_ACK: 2400, TIME_WAIT: 700, LISTEN: 1 });
    expect(h.orphans).toEqual({ count: 24000, queuedBytes: 21600 * 16359, groups: 2, untrackedGroups: 0, untrackedPeers: 0 });
    expect(h.groups).toEqual([
      {
        state: 'FIN_WAIT1',
        local: { address: '10.20.0.5', family: 4, port: 443 },
        count: 21600,
        queuedBytes: 21600 * 16359,
        peers: [
          { address: '198.51.100.7', count: 9000 },
          { address: '198.51.100.8', count: 7000 },
          { address: '203.0.113.9', count: 5600 },
        ],
      },
      { state: 'LAST_ACK', local: { address: '10.20.0.5', family: 4, port: 80 }, count: 2400, queuedBytes: 0, peers: [{ address: '192.0.2.1', count: 2400 }] },
    ]);
    // Owned sockets count for the memory by port; the listening socket's backlog is not bytes.
    expect(h.queuedByPort).toEqual([
      { port: 443, bytes: 21600 * 16359 + 300 * 5000 },
      { port: 22, bytes: 500 },
    ]);
    expect(h.queuedBytes).toBe(21600 * 16359 + 300 * 5000 + 500);
    expect(h.timeWaitByPort).toEqual([{ port: 8080, count: 700 }]);
    expect(h.cgroups.status).toBe('absent');
    expect(h.partial).toBeUndefined();
  });

  it.skipIf(skip)('ranks a storm spread over many ports, ties in a stable order', () => {
    const specs: SocketSpec[] = [];
    for (let p = 0; p < 200; p++) specs.push({ state: 'LAST_ACK', local: '10.0.0.9', localPort: 20000 + p, remote: `192.0.2.${p % 7}`, remotePort: 1000 + p, count: p === 150 ? 80 : 50 });
    const root = newRoot({ 'proc/net/tcp': procNetTcp(specs, 4) });
    const h = holdersOf(runHolders(root, { awk: awk.command, topGroups: 4, topPeers: 1 }));
    expect(h.orphans.count).toBe(199 * 50 + 80);
    expect(h.orphans.groups).toBe(200);
    expect(h.groups.map((g) => [g.local.port, g.count])).toEqual([
      [20150, 80],
      [20000, 50],
      [20001, 50],
      [20002, 50],
    ]);
    expect(h.groups[0]!.peers).toEqual([{ address: `192.0.2.${150 % 7}`, count: 80 }]);
  });

  it.skipIf(skip)('decodes IPv6 and IPv4-mapped peers, and keeps only prefixes in prefix mode', () => {
    const v6: SocketSpec[] = [
      { state: 'FIN_WAIT1', local: '2001:db8::5', localPort: 443, remote: '2001:db8:aa:1::10', remotePort: 1, txQueue: 1000, count: 30 },
      { state: 'FIN_WAIT1', local: '2001:db8::5', localPort: 443, remote: '2001:db8:aa:1:ffff::11', remotePort: 2, txQueue: 1000, count: 20 },
      { state: 'FIN_WAIT1', local: '2001:db8::5', localPort: 443, remote: '::ffff:192.0.2.200', remotePort: 3, txQueue: 1000, count: 25 },
      { state: 'FIN_WAIT1', local: '2001:db8::5', localPort: 443, remote: '::ffff:192.0.2.201', remotePort: 4, txQueue: 1000, count: 24 },
      { state: 'CLOSING', local: '::ffff:10.1.1.1', localPort: 8443, remote: '::ffff:10.9.9.9', remotePort: 5, count: 3 },
      { state: 'TIME_WAIT', local: '2001:db8::5', localPort: 80, remote: '2001:db8::99', remotePort: 6, count: 4 },
    ];
    const root = newRoot({ 'proc/net/tcp': procNetTcp([], 4), 'proc/net/tcp6': procNetTcp(v6, 6) });

    const full = holdersOf(runHolders(root, { awk: awk.command }));
    expect(full.files).toEqual({ tcp: { status: 'ok', lines: 0 }, tcp6: { status: 'ok', lines: 106 } });
    expect(full.groups).toEqual([
      {
        state: 'FIN_WAIT1',
        local: { address: '2001:db8::5', family: 6, port: 443 },
        count: 99,
        queuedBytes: 99_000,
        peers: [
          { address: '2001:db8:aa:1::10', count: 30 },
          { address: '192.0.2.200', count: 25 },
          { address: '192.0.2.201', count: 24 },
          { address: '2001:db8:aa:1:ffff::11', count: 20 },
        ],
      },
      { state: 'CLOSING', local: { address: '10.1.1.1', family: 6, port: 8443 }, count: 3, queuedBytes: 0, peers: [{ address: '10.9.9.9', count: 3 }] },
    ]);
    expect(full.timeWaitByPort).toEqual([{ port: 80, count: 4 }]);

    const prefix = runHolders(root, { awk: awk.command, peers: 'prefix' });
    // Full addresses never leave the host: no peer's own last bytes in the output.
    for (const word of ['C80200C0', 'C90200C0', '10000000', '11000000']) expect(prefix.stdout).not.toContain(word);
    expect(holdersOf(prefix).groups[0]!.peers).toEqual([
      { address: '2001:db8:aa:1::/64', count: 50 },
      { address: '192.0.2.0/24', count: 49 },
    ]);

    const none = holdersOf(runHolders(root, { awk: awk.command, peers: 'none' }));
    expect(none.peersMode).toBe('none');
    expect(none.groups.map((g) => g.peers)).toEqual([[], []]);
  });

  it.skipIf(skip)('masks prefixes in the host byte order: a big-endian table', () => {
    const specs: SocketSpec[] = [
      { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '198.51.100.7', remotePort: 1, txQueue: 10, count: 3 },
      { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '198.51.100.9', remotePort: 1, txQueue: 10, count: 2 },
    ];
    const root = newRoot({ 'proc/net/tcp': procNetTcp(specs, 4, 'big') });
    const h = holdersOf(runHolders(root, { awk: awk.command, peers: 'prefix', byteOrder: 'big' }));
    expect(h.groups[0]!.local.address).toBe('10.20.0.5');
    expect(h.groups[0]!.peers).toEqual([{ address: '198.51.100.0/24', count: 5 }]);
  });

  it.skipIf(skip)('skips a truncated last line and a wide uid does not hide the inode', () => {
    const specs: SocketSpec[] = [
      { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '198.51.100.7', remotePort: 1, txQueue: 10, count: 10 },
      { state: 'LAST_ACK', local: '10.20.0.5', localPort: 443, remote: '198.51.100.7', remotePort: 1, uid: 1_000_000, count: 4 },
      { state: 'LAST_ACK', local: '10.20.0.5', localPort: 443, remote: '198.51.100.7', remotePort: 1, uid: 1_000_000, inode: 77, count: 6 },
      { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote: '198.51.100.7', remotePort: 1, txQueue: 10 },
    ];
    const text = procNetTcp(specs, 4);
    const cut = text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1 + 25);
    const root = newRoot({ 'proc/net/tcp': cut });
    const h = holdersOf(runHolders(root, { awk: awk.command }));
    expect(h.linesRead).toBe(21);
    expect(h.malformedLines).toBe(1);
    expect(h.orphans.count).toBe(14);
    expect(h.groups.map((g) => [g.state, g.count])).toEqual([
      ['FIN_WAIT1', 10],
      ['LAST_ACK', 4],
    ]);
  });

  it.skipIf(skip)('stops at the line bound with a partial mark', () => {
    const root = newRoot({ 'proc/net/tcp': procNetTcp(bigTable(5000, 7), 4), 'proc/net/tcp6': procNetTcp([], 6) });
    const h = holdersOf(runHolders(root, { awk: awk.command, maxLines: 1000 }));
    expect(h.partial).toEqual({ reason: 'lines', read: 1000 });
    expect(h.linesRead).toBe(1000);
    expect(Object.values(h.socketsByState).reduce((a, b) => a + b, 0)).toBe(1000);
    expect(h.cgroups).toMatchObject({ status: 'absent' });
  });

  it.skipIf(skip)('keeps its output under the byte bound, with a cut mark', () => {
    const specs: SocketSpec[] = [];
    for (let p = 0; p < 60; p++) for (let r = 0; r < 60; r++) specs.push({ state: 'FIN_WAIT1', local: '10.0.0.1', localPort: 1000 + p, remote: `10.1.${p}.${r}`, remotePort: 9, txQueue: 1 });
    const root = newRoot({ 'proc/net/tcp': procNetTcp(specs, 4) });
    const out = runHolders(root, { awk: awk.command, topGroups: 50, topPeers: 50, maxBytes: 4096 });
    expect(Buffer.byteLength(out.stdout)).toBeLessThanOrEqual(4096);
    const h = holdersOf(out);
    expect(h.outputCutAt).toBeGreaterThan(3000);
    expect(h.orphans.count).toBe(3600);
    const big = runHolders(root, { awk: awk.command, topGroups: 50, topPeers: 50 });
    expect(Buffer.byteLength(big.stdout)).toBeLessThanOrEqual(HOLDERS_MAX_OUTPUT_BYTES);
    expect(holdersOf(big).groups).toHaveLength(50);
  });

  it.skipIf(skip)('bounds the distinct keys it tracks, and says how many it left out', () => {
    const specs: SocketSpec[] = [];
    for (let p = 0; p < 40; p++) specs.push({ state: 'FIN_WAIT1', local: '10.0.0.1', localPort: 1000 + p, remote: `10.1.0.${p}`, remotePort: 9, count: 2 });
    const root = newRoot({ 'proc/net/tcp': procNetTcp(specs, 4) });
    const h = holdersOf(runHolders(root, { awk: awk.command, maxKeys: 16 }));
    expect(h.orphans).toMatchObject({ count: 80, groups: 16, untrackedGroups: 48, untrackedPeers: 0 });
  });

  it.skipIf(skip)('reads sock from leaf cgroups and maps them to units and pods', () => {
    const stat = (sock: number) => `anon 1000\nfile 2000\nkernel 300\nsock ${sock}\nshmem 0\n`;
    const pod = 'kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_0000_4000_8000_123456789abc.slice';
    const root = newRoot({
      'proc/net/tcp': procNetTcp(storm.slice(0, 2), 4),
      'sys/fs/cgroup/cgroup.controllers': 'cpu memory io\n',
      'sys/fs/cgroup/system.slice/memory.stat': stat(9_000_000),
      'sys/fs/cgroup/system.slice/nginx.service/memory.stat': stat(7_000_000),
      'sys/fs/cgroup/system.slice/sshd.service/memory.stat': stat(4096),
      'sys/fs/cgroup/kubepods.slice/memory.stat': stat(50_000_000),
      [`sys/fs/cgroup/${pod}/memory.stat`]: stat(40_000_000),
      [`sys/fs/cgroup/${pod}/cri-containerd-0123456789abcdef0123456789abcdef.scope/memory.stat`]: stat(39_000_000),
      'sys/fs/cgroup/kubepods/burstable/pod9f8e7d6c-1111-2222-3333-444455556666/fedcba9876543210/memory.stat': stat(2_000_000),
      'sys/fs/cgroup/odd group/memory.stat': stat(1_000_000),
      'sys/fs/cgroup/no-sock/memory.stat': 'anon 5\n',
    });
    const h = holdersOf(runHolders(root, { awk: awk.command }));
    expect(h.cgroups.status).toBe('ok');
    expect(h.cgroups.files).toBe(9);
    expect(h.cgroups.top).toEqual([
      {
        path: `/${pod}/cri-containerd-0123456789abcdef0123456789abcdef.scope`,
        sockBytes: 39_000_000,
        owner: { kind: 'pod', uid: '1b2c3d4e-0000-4000-8000-123456789abc', container: '0123456789abcdef0123456789abcdef' },
      },
      { path: '/system.slice/nginx.service', sockBytes: 7_000_000, owner: { kind: 'systemd', unit: 'nginx.service' } },
      {
        path: '/kubepods/burstable/pod9f8e7d6c-1111-2222-3333-444455556666/fedcba9876543210',
        sockBytes: 2_000_000,
        owner: { kind: 'pod', uid: '9f8e7d6c-1111-2222-3333-444455556666', container: 'fedcba9876543210' },
      },
      { path: '/odd group', sockBytes: 1_000_000, owner: { kind: 'cgroup', path: '/odd group' } },
      { path: '/system.slice/sshd.service', sockBytes: 4096, owner: { kind: 'systemd', unit: 'sshd.service' } },
    ]);
    const bounded = holdersOf(runHolders(root, { awk: awk.command, maxCgroupFiles: 3 }));
    expect(bounded.cgroups).toMatchObject({ status: 'partial', reason: 'files', files: 3 });
    expect(bounded.cgroups.top.length).toBeLessThanOrEqual(3);
    const shallow = holdersOf(runHolders(root, { awk: awk.command, cgroupDepth: 2 }));
    // A shallow walk sees no children below depth 2, so the slices themselves are the leaves.
    expect(shallow.cgroups.top.map((c) => [c.path, c.sockBytes])).toEqual([
      ['/kubepods.slice', 50_000_000],
      ['/system.slice', 9_000_000],
      ['/odd group', 1_000_000],
    ]);
  });

  it.skipIf(skip)('in auto mode reads only sockstat and the limits on a healthy host', () => {
    const sockstat = (orphan: number, tw: number, mem: number) => `sockets: used 300\nTCP: inuse 20 orphan ${orphan} tw ${tw} alloc 30 mem ${mem}\nUDP: inuse 2 mem 1\n`;
    const limits = { 'proc/sys/net/ipv4/tcp_max_orphans': '65536\n', 'proc/sys/net/ipv4/tcp_max_tw_buckets': '262144\n', 'proc/sys/net/ipv4/tcp_mem': '88053\t117407\t176106\n' };
    const healthy = newRoot({ ...limits, 'proc/net/sockstat': sockstat(8192, 1000, 88000), 'proc/net/tcp': procNetTcp(storm, 4) });
    const out = runHolders(healthy, { awk: awk.command, mode: 'auto' });
    expect(parseHolders(out.stdout)).toEqual({ ok: true, value: { state: 'skipped', reason: 'healthy' } });

    const flagged = newRoot({ ...limits, 'proc/net/sockstat': sockstat(8193, 131073, 88056), 'proc/net/tcp': procNetTcp(storm, 4) });
    const h = holdersOf(runHolders(flagged, { awk: awk.command, mode: 'auto' }));
    expect(h.gateReasons).toEqual(['orphans', 'tcp-memory', 'time-wait']);
    expect(h.orphans.count).toBe(24000);
  });

  it.skipIf(skip)('says which table files are missing or not in the kernel layout', () => {
    const none = holdersOf(runHolders(newRoot({ 'etc/hostname': 'x\n' }), { awk: awk.command }));
    expect(none.files).toEqual({ tcp: { status: 'missing', lines: 0 }, tcp6: { status: 'missing', lines: 0 } });
    const bad = holdersOf(runHolders(newRoot({ 'proc/net/tcp': 'not a table\n   0: 0100007F:0050\n', 'proc/net/tcp6': procNetTcp([], 6) }), { awk: awk.command }));
    expect(bad.files).toEqual({ tcp: { status: 'bad-header', lines: 0 }, tcp6: { status: 'ok', lines: 0 } });
    expect(bad.linesRead).toBe(0);
  });
});

describe('holders aggregator, whatever the awk', () => {
  it.skipIf(process.getuid?.() === 0)('reports an unreadable table as unreadable (not as empty)', () => {
    const root = newRoot({ 'proc/net/tcp': procNetTcp(storm, 4) });
    chmodSync(join(root, 'proc/net/tcp'), 0o000);
    const h = holdersOf(runHolders(root));
    expect(h.files.tcp.status).toBe('unreadable');
  });

  it('prints the same bytes under every awk, ties included (keys compared as strings, never as numbers)', () => {
    // Random peers give many ties at count 1, and hex keys such as 0001E500 that look like numbers.
    const root = newRoot({ 'proc/net/tcp': procNetTcp(bigTable(20_000, 3), 4), 'proc/net/tcp6': procNetTcp([], 6) });
    const ready = awks.filter((a) => a.skip === undefined);
    expect(ready.length).toBeGreaterThanOrEqual(2);
    for (const peers of ['full', 'prefix'] as const) {
      const outputs = ready.map((a) => runHolders(root, { awk: a.command, peers, topPeers: 20, maxSeconds: 0 }).stdout);
      expect(holdersOf({ stdout: outputs[0]!, stderr: '', status: 0 }).linesRead).toBe(20_000);
      for (const out of outputs.slice(1)) expect(out).toBe(outputs[0]);
    }
  });

  it('says when awk is not there', () => {
    const out = runHolders(newRoot({}), { awk: 'no-such-awk-here' });
    expect(out.status).toBe(127);
    expect(out.stdout).toBe('no-such-awk-here: command not found\n');
  });

  it('keeps the program free of single quotes and gawk-only functions', () => {
    expect(HOLDERS_AWK).not.toContain("'");
    for (const gawkOnly of ['strtonum', 'asort', 'gensub', 'systime', 'nextfile', 'length(arr', 'PROCINFO', 'BEGINFILE', '**']) expect(HOLDERS_AWK).not.toContain(gawkOnly);
  });

  it('validates every option placed in the script', () => {
    expect(() => resolveHoldersOptions({ maxBytes: 65_537 })).toThrow(RangeError);
    expect(() => resolveHoldersOptions({ topGroups: 0 })).toThrow(RangeError);
    expect(() => resolveHoldersOptions({ peers: 'all' as 'full' })).toThrow(RangeError);
    expect(() => resolveHoldersOptions({ awk: 'awk; touch pwned' })).toThrow(RangeError);
    expect(() => resolveHoldersOptions({ root: 'relative' })).toThrow(RangeError);
    expect(() => resolveHoldersOptions({ gate: { orphans: Number.NaN, tcpMemOfPressure: 0.75, timeWait: 0.5 } })).toThrow(RangeError);
    expect(buildHoldersScript({ root: "/tmp/it's" })).toContain(`R='/tmp/it'\\''s'`);
    expect(resolveHoldersOptions({ peers: 'none', topPeers: 9 }).topPeers).toBe(0);
  });

  it('knows which machines print their words big-endian', () => {
    expect(byteOrderOfMachine('s390x')).toBe('big');
    expect(byteOrderOfMachine('ppc64')).toBe('big');
    expect(byteOrderOfMachine('ppc64le')).toBe('little');
    expect(byteOrderOfMachine('x86_64')).toBe('little');
    expect(byteOrderOfMachine('aarch64')).toBe('little');
    expect(byteOrderOfMachine(undefined)).toBe('little');
  });

  it('stays within 64 KiB and its time bound on a 1,000,000-line table', { timeout: 180_000 }, async () => {
    const root = newRoot({});
    writeTree(root, { 'proc/net/tcp6': procNetTcp([], 6) });
    await writeProcNetTcp(join(root, 'proc/net/tcp'), bigTable(1_000_000, 1), 4);
    const started = process.hrtime.bigint();
    const out = runHolders(root, { maxSeconds: 2 });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    const h = holdersOf(out);
    expect(Buffer.byteLength(out.stdout)).toBeLessThanOrEqual(HOLDERS_MAX_OUTPUT_BYTES);
    // Either the whole table was read, or the clock stopped it and it says so.
    if (h.partial) expect(h.partial).toMatchObject({ reason: 'time', read: h.linesRead });
    else expect(h.linesRead).toBe(1_000_000);
    // A one-second clock, checked every 4096 lines, plus the shell and the report phase.
    expect(wall).toBeLessThan(4.5);
    expect(h.groups[0]).toMatchObject({ state: 'FIN_WAIT1', local: { address: '10.20.0.5', port: 443 } });
  });
});
