// The compare model: drift within a group, volatile keys left out, limits relative to each host.
import { describe, expect, test } from 'vitest';
import { assembleCompare } from '../../src/run/compare.js';
import { savedRun } from '../support/saved-fleet.js';

const fleet = () =>
  savedRun([
    { name: 'web-1', groups: ['web'] },
    { name: 'web-2', groups: ['web'] },
    { name: 'web-3', groups: ['web'], sysctl: { 'net.ipv4.tcp_max_orphans': '16384' } },
    { name: 'web-4', groups: ['web'] },
    { name: 'db-1', groups: ['db'], ramGiB: 64, sysctl: { 'net.ipv4.tcp_max_orphans': '262144' } },
    { name: 'db-2', groups: ['db'], ramGiB: 64, sysctl: { 'net.ipv4.tcp_max_orphans': '262144' } },
    { name: 'db-3', groups: ['db'], failed: 'connect ECONNREFUSED' },
  ]);

describe('assembleCompare', () => {
  test('--by group finds the one host whose tcp_max_orphans differs within its group', () => {
    const model = assembleCompare(fleet(), 'group');
    expect(model.groups.map((g) => g.name)).toEqual(['db', 'web']);
    const web = model.groups.find((g) => g.name === 'web');
    const row = web?.keys.find((k) => k.key === 'net.ipv4.tcp_max_orphans');
    expect(row).toEqual({ key: 'net.ipv4.tcp_max_orphans', common: '65536', commonCount: 3, drift: [{ host: 'web-3', value: '16384' }], absent: [], distinct: 2 });
    // db's hosts agree with each other, though not with web.
    expect(model.groups.find((g) => g.name === 'db')?.keys.every((k) => k.drift.length === 0)).toBe(true);
    expect(model.driftingHosts).toBe(1);
    expect(model.notAudited).toBe(1);
  });

  test('hostname, boot id and gauges are left out; every other key is compared', () => {
    const model = assembleCompare(fleet(), 'fleet');
    expect(model.keys).not.toContain('fs.file-nr');
    expect(model.keys.some((k) => /hostname|boot/i.test(k))).toBe(false);
    expect(model.keys).toContain('net.ipv4.tcp_mem');
    expect(model.keys).toContain('fs.file-max');
  });

  test('the whole fleet as one group: the 64 GiB hosts differ from the majority', () => {
    const model = assembleCompare(fleet(), 'fleet');
    const row = model.groups[0]?.keys.find((k) => k.key === 'net.ipv4.tcp_max_orphans');
    expect(row?.common).toBe('65536');
    expect(row?.drift.map((d) => d.host)).toEqual(['db-1', 'db-2', 'web-3']);
  });

  test('an even split has no majority: no host is singled out', () => {
    const run = savedRun([{ name: 'a', sysctl: { 'net.core.somaxconn': '128' } }, { name: 'b' }]);
    const row = assembleCompare(run, 'fleet').groups[0]?.keys.find((k) => k.key === 'net.core.somaxconn');
    expect(row).toMatchObject({ common: null, drift: [], distinct: 2 });
    expect(assembleCompare(run, 'fleet').groups[0]?.differing).toBe(1);
  });

  test('limits relative to the host: tcp_mem high as a share of RAM, tcp_max_orphans against peak orphans', () => {
    const run = savedRun([
      { name: 'small', ramGiB: 8, orphans: 2000, sysctl: { 'net.ipv4.tcp_mem': '100 200 1048576' } },
      { name: 'big', ramGiB: 64, orphans: 1000, sysctl: { 'net.ipv4.tcp_mem': '100 200 1048576' } },
    ]);
    const [big, small] = assembleCompare(run, 'fleet').groups[0]?.hosts ?? [];
    // 1048576 pages x 4096 = 4 GiB: half of 8 GiB, 6.25 % of 64 GiB.
    expect(big?.name).toBe('big');
    expect(small?.limits.tcpMemHighOfRam.value).toBe(50);
    expect(big?.limits.tcpMemHighOfRam.value).toBe(6.25);
    expect(small?.limits.orphansOfLimit.value).toBe(Math.round((100 * 2000 * 100) / 65536) / 100);
    expect(small?.limits.maxOrphansOfPeak.value).toBe(32.77);
    expect(big?.limits.maxOrphansOfPeak.value).toBe(65.54);
  });

  test('--by kernel groups by major.minor; a container shows its global keys as missing', () => {
    const run = savedRun([
      { name: 'old', kernel: '5.15.0-91-generic' },
      { name: 'new-1', kernel: '6.1.0-18-amd64' },
      { name: 'new-2', kernel: '6.1.0-20-amd64' },
      { name: 'pod', kernel: '6.1.0-18-amd64', container: true },
    ]);
    const model = assembleCompare(run, 'kernel');
    expect(model.groups.map((g) => [g.name, g.hosts.map((h) => h.name)])).toEqual([
      ['5.15', ['old']],
      ['6.1', ['new-1', 'new-2', 'pod']],
    ]);
    const tcpMem = model.groups[1]?.keys.find((k) => k.key === 'net.ipv4.tcp_mem');
    // Missing is not a value: listed apart, not drift.
    expect(tcpMem?.drift).toEqual([]);
    expect(tcpMem?.absent).toEqual([{ host: 'pod', value: 'missing' }]);
  });
});
