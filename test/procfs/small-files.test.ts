import { describe, expect, it } from 'vitest';
import { parseInteger } from '../../src/procfs/int.js';
import { parseLoadavg } from '../../src/procfs/loadavg.js';
import { parseMeminfo } from '../../src/procfs/meminfo.js';
import { parseSysctl } from '../../src/procfs/sysctl.js';
import { parseUptime } from '../../src/procfs/uptime.js';
import { error, ok, captured, readCaptured, readEra } from '../support/procfs.js';

describe('parseInteger', () => {
  it('gives numbers up to 2^53 - 1 and bigints beyond, exactly', () => {
    expect(parseInteger('9007199254740991')).toBe(9007199254740991);
    expect(parseInteger('9007199254740992')).toBe(9007199254740992n);
    expect(parseInteger('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseInteger('-1')).toBe(-1);
    expect(Object.is(parseInteger('-0'), 0)).toBe(true);
    expect(parseInteger('12a')).toBeUndefined();
    expect(parseInteger('')).toBeUndefined();
  });
});

describe('parseSysctl', () => {
  it('reads tab-separated triples', () => {
    expect(ok(parseSysctl('3093984 4125312 6187968\n', 'tcp_mem'))).toEqual([3093984, 4125312, 6187968]);
    expect(ok(parseSysctl(readEra('2.6-d2000', 'proc/sys/net/ipv4/tcp_mem'), 'tcp_mem'))).toEqual([1536, 2048, 3072]);
    expect(ok(parseSysctl(readEra('2.6-d2000', 'proc/sys/fs/file-nr'), 'file-nr'))).toEqual([10, 0, 8192]);
  });

  it('round-trips fs.file-max of a 64-bit kernel exactly', () => {
    const [max] = ok(parseSysctl('9223372036854775807\n', '/proc/sys/fs/file-max'));
    expect(max).toBe(9223372036854775807n);
    expect(String(max)).toBe('9223372036854775807');
  });

  it('accepts negative values (tcp_ehash_entries of a shared table), CRLF and no final newline', () => {
    expect(ok(parseSysctl('-262144\r\n', 'tcp_ehash_entries'))).toEqual([-262144]);
    expect(ok(parseSysctl('65536', 'tcp_max_orphans'))).toEqual([65536]);
  });

  it('names the file and line of a non-integer, and says when empty', () => {
    expect(error(parseSysctl('1 two 3\n', '/proc/sys/net/ipv4/tcp_mem'))).toBe('/proc/sys/net/ipv4/tcp_mem line 1: "two" is not an integer');
    expect(error(parseSysctl('', '/proc/sys/net/ipv4/tcp_mem'))).toBe('/proc/sys/net/ipv4/tcp_mem: file is empty');
  });
});

describe('parseMeminfo', () => {
  it.skipIf(captured.skipReason !== undefined)(captured.title('reads kB values into bytes and keeps every key in its printed unit'), () => {
    const m = ok(parseMeminfo(readCaptured('node_exporter', 'meminfo')));
    expect(m.memTotalBytes).toBe(3742148 * 1024);
    expect(m.memFreeBytes).toBe(225472 * 1024);
    expect(m.raw['Active(anon)']).toBe(2020004);
    expect(m.raw.HugePages_Total).toBe(0);
    expect(m.raw.VmallocTotal).toBe(34359738367);
  });

  it.skipIf(captured.skipReason !== undefined)(captured.title('leaves MemAvailable absent when the kernel does not print it'), () => {
    const m = ok(parseMeminfo(readCaptured('procfs', 'meminfo')));
    expect(m).not.toHaveProperty('memAvailableBytes');
    expect(m.memTotalBytes).toBe(15666184 * 1024);
    expect(m.raw.Zswapped).toBe(10502);
  });

  it('reads MemAvailable from this machine', () => {
    const text = readEra('6.18-x86_64', 'proc/meminfo');
    const kb = Number(/^MemAvailable:\s+(\d+) kB$/m.exec(text)?.[1]);
    expect(ok(parseMeminfo(text)).memAvailableBytes).toBe(kb * 1024);
  });

  it('names a malformed line and says when empty', () => {
    expect(error(parseMeminfo('MemTotal: 1 kB\nMemFree 2 kB\n'))).toBe('/proc/meminfo line 2: expected "Key: value [kB]", found "MemFree 2 kB"');
    expect(error(parseMeminfo('MemTotal: lots kB\n'))).toBe('/proc/meminfo line 1: MemTotal: "lots" is not an integer');
    expect(error(parseMeminfo(''))).toBe('/proc/meminfo: file is empty');
  });
});

describe('parseUptime and parseLoadavg', () => {
  it('reads uptime and idle seconds', () => {
    expect(ok(parseUptime('3077614.20 47923110.55\n'))).toEqual({ uptimeSeconds: 3077614.2, idleSeconds: 47923110.55 });
    expect(ok(parseUptime('388.28'))).toEqual({ uptimeSeconds: 388.28 });
  });

  it('refuses an empty or non-numeric uptime', () => {
    expect(error(parseUptime(''))).toBe('/proc/uptime: file is empty');
    expect(error(parseUptime('up 5\n'))).toBe('/proc/uptime line 1: uptime "up" is not a number of seconds');
  });

  it('reads the three load averages and skips the rest', () => {
    expect(ok(parseLoadavg('0.16 0.16 0.09 1/104 9251\n'))).toEqual({ one: 0.16, five: 0.16, fifteen: 0.09 });
    expect(error(parseLoadavg('0.16 0.16\n'))).toBe('/proc/loadavg line 1: expected three load averages, found 2');
    expect(error(parseLoadavg(''))).toBe('/proc/loadavg: file is empty');
  });
});
