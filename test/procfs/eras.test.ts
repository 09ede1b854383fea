// Every file of every era tree parses with its parser, and shows the figures a reader sees in it.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCounterTable } from '../../src/procfs/net-netstat.js';
import { parseSockstat, parseSockstat6 } from '../../src/procfs/net-sockstat.js';
import type { ParseResult } from '../../src/procfs/parse-result.js';
import { parseLoadavg } from '../../src/procfs/loadavg.js';
import { parseMeminfo } from '../../src/procfs/meminfo.js';
import { parseSysctl } from '../../src/procfs/sysctl.js';
import { parseUptime } from '../../src/procfs/uptime.js';
import { eraDir, ok, readEra, repoRoot } from '../support/procfs.js';

const eras = readdirSync(path.join(repoRoot, 'test', 'fixtures', 'proc')).filter((e) => statSync(eraDir(e)).isDirectory());

function files(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix)).flatMap((f) => {
    const rel = path.posix.join(prefix, f);
    return statSync(path.join(dir, rel)).isDirectory() ? files(dir, rel) : [rel];
  });
}

function parserFor(file: string): ((text: string) => ParseResult<unknown>) | undefined {
  if (file === 'proc/net/sockstat') return (t) => parseSockstat(t);
  if (file === 'proc/net/sockstat6') return (t) => parseSockstat6(t);
  if (file === 'proc/net/netstat' || file === 'proc/net/snmp') return (t) => parseCounterTable(t, `/${file}`);
  if (file === 'proc/meminfo') return (t) => parseMeminfo(t);
  if (file === 'proc/uptime') return (t) => parseUptime(t);
  if (file === 'proc/loadavg') return (t) => parseLoadavg(t);
  if (file.startsWith('proc/sys/')) return (t) => parseSysctl(t, `/${file}`);
  return undefined;
}

describe('era trees', () => {
  it('cover the eras of the style guide', () => {
    expect(eras).toEqual(['2.6-d2000', '2.6.38-tsuna', '3.10-el7', '4.19-synthetic', '5.15-arm64-64k-synthetic', '6.18-x86_64']);
  });

  it.each(eras)('%s: every /proc file parses', (era) => {
    const procFiles = files(eraDir(era)).filter((f) => f.startsWith('proc/'));
    expect(procFiles.length).toBeGreaterThan(0);
    for (const file of procFiles) ok(parserFor(file)!(readEra(era, file)));
  });

  it('the synthetic 4.19 and 5.15 trees carry the figures their cases need', () => {
    expect(ok(parseSockstat(readEra('4.19-synthetic', 'proc/net/sockstat'))).tcp?.mem).toBe(262144);
    expect(ok(parseCounterTable(readEra('4.19-synthetic', 'proc/net/netstat'))).groups).not.toHaveProperty('MPTcpExt');
    expect(ok(parseSockstat(readEra('5.15-arm64-64k-synthetic', 'proc/net/sockstat'))).tcp?.mem).toBe(42000);
    expect(ok(parseSysctl(readEra('5.15-arm64-64k-synthetic', 'proc/sys/net/ipv4/tcp_mem'), 'tcp_mem'))).toEqual([23233, 30977, 46467]);
    expect(Object.keys(ok(parseCounterTable(readEra('5.15-arm64-64k-synthetic', 'proc/net/netstat'))).groups.MPTcpExt ?? {})).toHaveLength(47);
  });

  it("this machine's capture reads as its files say", () => {
    const [low, pressure, high] = readEra('6.18-x86_64', 'proc/sys/net/ipv4/tcp_mem').trim().split('\t').map(Number);
    expect(ok(parseSysctl(readEra('6.18-x86_64', 'proc/sys/net/ipv4/tcp_mem'), 'tcp_mem'))).toEqual([low, pressure, high]);
    const mem = Number(/TCP: .* mem (\d+)/.exec(readEra('6.18-x86_64', 'proc/net/sockstat'))?.[1]);
    expect(ok(parseSockstat(readEra('6.18-x86_64', 'proc/net/sockstat'))).tcp?.mem).toBe(mem);
  });
});
