import { describe, expect, it } from 'vitest';
import { cgroupOwner, decodeAddress, decodeEndpoint, parseHolders, type Holders } from '../../src/procfs/net-tcp-holders.js';
import { encodeAddress } from '../support/proc-net-tcp.js';

const OUTPUT = `holders 1 order=little peers=full
gate run=1 reason=orphans,tcp-memory
file tcp status=ok lines=25006
file tcp6 status=missing lines=0
read lines=25006 malformed=1 queued=354854900
partial reason=time read=25006 of=unknown
state 01 5
state 04 21900
state 0D 2
orphans count=24000 queued=353354400 groups=2 untracked-groups=0 untracked-peers=3
group 04 0500140A:01BB count=21600 queued=353354400
peer 076433C6 9000
peer 086433C6 7000
group 09 00000000000000000000000001000000:0050 count=2400 queued=0
peer 000000000000000000000000010000B0 2400
port-queued 01BB 354854400
port-queued 0016 500
time-wait 1F90 700
cgroups status=ok files=9
cgroup 7000000 /system.slice/nginx.service
cgroup 5 /odd \u001b[31mname
some-later-record x=1
end
`;

function read(text: string): Holders {
  const r = parseHolders(text);
  if (!r.ok) throw new Error(r.error);
  if (r.value.state !== 'read') throw new Error('skipped');
  return r.value.holders;
}

describe('parseHolders', () => {
  it('reads every record, decoding addresses and ports', () => {
    const h = read(OUTPUT);
    expect(h).toMatchObject({
      formatVersion: 1,
      byteOrder: 'little',
      peersMode: 'full',
      gateReasons: ['orphans', 'tcp-memory'],
      files: { tcp: { status: 'ok', lines: 25006 }, tcp6: { status: 'missing', lines: 0 } },
      linesRead: 25006,
      malformedLines: 1,
      queuedBytes: 354854900,
      partial: { reason: 'time', read: 25006 },
      socketsByState: { ESTABLISHED: 5, FIN_WAIT1: 21900, '0x0D': 2 },
      orphans: { count: 24000, queuedBytes: 353354400, groups: 2, untrackedGroups: 0, untrackedPeers: 3 },
    });
    expect(h.partial).not.toHaveProperty('of');
    expect(h.groups).toEqual([
      {
        state: 'FIN_WAIT1',
        local: { address: '10.20.0.5', family: 4, port: 443 },
        count: 21600,
        queuedBytes: 353354400,
        peers: [
          { address: '198.51.100.7', count: 9000 },
          { address: '198.51.100.8', count: 7000 },
        ],
      },
      { state: 'LAST_ACK', local: { address: '::1', family: 6, port: 80 }, count: 2400, queuedBytes: 0, peers: [{ address: '::b000:1', count: 2400 }] },
    ]);
    expect(h.queuedByPort).toEqual([
      { port: 443, bytes: 354854400 },
      { port: 22, bytes: 500 },
    ]);
    expect(h.timeWaitByPort).toEqual([{ port: 8080, count: 700 }]);
    expect(h.cgroups.status).toBe('ok');
    expect(h.cgroups.files).toBe(9);
    expect(h.cgroups.top[0]).toEqual({ path: '/system.slice/nginx.service', sockBytes: 7000000, owner: { kind: 'systemd', unit: 'nginx.service' } });
    // Host text: no escape sequence survives into a report.
    expect(h.cgroups.top[1]!.path).toBe('/odd \uFFFD[31mname');
  });

  it('reads a skipped run as skipped, with the gate reason', () => {
    expect(parseHolders('holders 1 order=little peers=prefix\ngate run=0 reason=healthy\nend\n')).toEqual({ ok: true, value: { state: 'skipped', reason: 'healthy' } });
  });

  it('shows prefixes as networks', () => {
    const h = read(`holders 1 order=little peers=prefix
orphans count=5 queued=0 groups=1 untracked-groups=0 untracked-peers=0
group 09 0500140A:01BB count=5 queued=0
peer 006433C6 3
peer 0000000000000000FFFF0000000200C0 1
peer B80D0120AA000000 1
end
`.replace('B80D0120AA000000', 'B80D0120AA0000000000000000000000'));
    expect(h.groups[0]!.peers.map((p) => p.address)).toEqual(['198.51.100.0/24', '192.0.2.0/24', '2001:db8:0:aa::/64']);
  });

  it('names the line that breaks, and refuses output cut short', () => {
    expect(parseHolders('')).toEqual({ ok: false, error: 'holders line 1: expected "holders <version> ..."' });
    expect(parseHolders('holders 1 order=middle peers=full\nend\n')).toEqual({ ok: false, error: 'holders line 1: unknown byte order "middle"' });
    expect(parseHolders('holders 1 order=little peers=full\norphans count=1 queued=0 groups=1 untracked-groups=0 untracked-peers=0\ngroup 04 0500140A')).toEqual({
      ok: false,
      error: 'holders line 3: output ends without its "end" line (cut short)',
    });
    expect(parseHolders('holders 1 order=little peers=full\norphans count=1 queued=0 groups=1 untracked-groups=0 untracked-peers=0\ngroup 04 0500140A:XYZ0 count=1 queued=0\nend\n')).toEqual({
      ok: false,
      error: 'holders line 3: malformed group line "group 04 0500140A:XYZ0 count=1 queued=0"',
    });
    expect(parseHolders('holders 1 order=little peers=full\npeer 0500140A 3\nend\n')).toEqual({ ok: false, error: 'holders line 2: peer line before any group' });
    expect(parseHolders('holders 1 order=little peers=full\ngroup 01 0500140A:01BB count=1 queued=0\nend\n')).toMatchObject({ ok: false, error: expect.stringContaining('line 2') });
    expect(parseHolders('holders 1 order=little peers=full\nfile tcp lines=1\nend\n')).toMatchObject({ ok: false, error: expect.stringContaining('line 2') });
    expect(parseHolders('holders 1 order=little peers=full\nend\n')).toEqual({ ok: false, error: 'holders: no "orphans" line' });
  });

  it('keeps a cut output that still has its end line, and says where it was cut', () => {
    const h = read('holders 1 order=little peers=full\norphans count=9 queued=0 groups=9 untracked-groups=0 untracked-peers=0\ngroup 04 0500140A:01BB count=9 queued=0\ncut bytes=3900\nend\n');
    expect(h.outputCutAt).toBe(3900);
  });
});

describe('decodeAddress', () => {
  it('reads 32-bit words in the host byte order', () => {
    expect(decodeAddress('0100007F', 'little')).toBe('127.0.0.1');
    expect(decodeAddress('7F000001', 'big')).toBe('127.0.0.1');
    expect(decodeEndpoint('0100007F:0050', 'little')).toEqual({ address: '127.0.0.1', family: 4, port: 80 });
    expect(decodeAddress('00000000000000000000000001000000', 'little')).toBe('::1');
    expect(decodeAddress('00000000000000000000000000000001', 'big')).toBe('::1');
    expect(decodeAddress('0000000000000000FFFF00000100007F', 'little')).toBe('127.0.0.1');
    expect(decodeAddress('00000000000000000000000000000000', 'little')).toBe('::');
    expect(decodeAddress('0100007', 'little')).toBeUndefined();
    expect(decodeAddress('0100007G', 'little')).toBeUndefined();
  });

  it('agrees with the generator on every kind of address, in both byte orders', () => {
    for (const order of ['little', 'big'] as const) {
      for (const a of ['10.20.0.5', '198.51.100.7', '0.0.0.0', '255.255.255.255']) expect(decodeAddress(encodeAddress(a, order), order)).toBe(a);
      for (const [a, text] of [
        ['2001:db8::5', '2001:db8::5'],
        ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
        ['fe80::1:2:3:4', 'fe80::1:2:3:4'],
        ['2001:db8:aa:1:ffff:0:0:11', '2001:db8:aa:1:ffff::11'],
        ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
        ['::ffff:192.0.2.1', '192.0.2.1'],
      ]) expect(decodeAddress(encodeAddress(a!, order), order)).toBe(text);
    }
  });
});

describe('cgroupOwner', () => {
  it('maps systemd units, Kubernetes pods under either driver, and anything else to its path', () => {
    expect(cgroupOwner('/system.slice/nginx.service')).toEqual({ kind: 'systemd', unit: 'nginx.service' });
    expect(cgroupOwner('/user.slice/user-1000.slice/session-3.scope')).toEqual({ kind: 'systemd', unit: 'session-3.scope' });
    expect(cgroupOwner('/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b2c3d_4e5f_6789_abcd_ef0123456789.slice/crio-89abcdef0123456789abcdef.scope')).toEqual({
      kind: 'pod',
      uid: '0a1b2c3d-4e5f-6789-abcd-ef0123456789',
      container: '89abcdef0123456789abcdef',
    });
    expect(cgroupOwner('/kubepods.slice/kubepods-pod0a1b2c3d_4e5f_6789_abcd_ef0123456789.slice')).toEqual({ kind: 'pod', uid: '0a1b2c3d-4e5f-6789-abcd-ef0123456789' });
    expect(cgroupOwner('/kubepods/pod0a1b2c3d-4e5f-6789-abcd-ef0123456789/0123456789abcdef')).toEqual({
      kind: 'pod',
      uid: '0a1b2c3d-4e5f-6789-abcd-ef0123456789',
      container: '0123456789abcdef',
    });
    expect(cgroupOwner('/machine/qemu-1')).toEqual({ kind: 'cgroup', path: '/machine/qemu-1' });
    expect(cgroupOwner('/system.slice/podman.service/podcast')).toEqual({ kind: 'cgroup', path: '/system.slice/podman.service/podcast' });
  });
});
