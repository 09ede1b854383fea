// sysctl.conf syntax: comments, "-" keys, dotted and slash names, malformed lines named by file and line.
import { describe, expect, test } from 'vitest';
import { parseSysctlConf, splitName } from '../../src/evaluate/sysctl-conf.js';

describe('parseSysctlConf', () => {
  test('reads assignments, skipping comments and blank lines, keeping line numbers', () => {
    const text = ['# a comment', '; another', '', '  net.ipv4.tcp_max_orphans = 262144  ', 'net/ipv4/tcp_mem=1 2\t3', '-net.core.somaxconn = 8192'].join('\n');
    const r = parseSysctlConf(text, 'p.conf');
    expect(r.errors).toEqual([]);
    expect(r.value.map((a) => [a.key, a.value, a.line, a.ignoreErrors])).toEqual([
      ['net.ipv4.tcp_max_orphans', '262144', 4, false],
      ['net.ipv4.tcp_mem', '1 2\t3', 5, false],
      ['net.core.somaxconn', '8192', 6, true],
    ]);
    expect(r.value[1]?.written).toBe('net/ipv4/tcp_mem');
  });

  test('a line without "=" is an error naming the file and line; "-key" alone is only a warning', () => {
    const r = parseSysctlConf('net.ipv4.tcp_mem = 1 2 3\nnet.ipv4.tcp_max_orphans 5\n-net.core.somaxconn\n', 'p.conf');
    expect(r.value).toHaveLength(1);
    expect(r.errors.map((e) => e.message)).toEqual(['p.conf:2: expected "key = value", found "net.ipv4.tcp_max_orphans 5"']);
    expect(r.warnings).toEqual(['p.conf:3: "-net.core.somaxconn" has no value; nothing to apply']);
  });

  test('empty key, empty value and spaces inside a key are errors', () => {
    const r = parseSysctlConf('= 5\nnet.core.somaxconn =\nnet.core. somaxconn = 5\n', 'f');
    expect(r.errors.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(r.value).toEqual([]);
  });
});

describe('splitName', () => {
  test('the first separator decides: slash form keeps dots inside components', () => {
    expect(splitName('net/ipv4/conf/eth0.100/rp_filter')).toEqual(['net', 'ipv4', 'conf', 'eth0.100', 'rp_filter']);
  });
  test('dotted form reads a slash as a dot inside a component', () => {
    expect(splitName('net.ipv4.conf.eth0/100.rp_filter')).toEqual(['net', 'ipv4', 'conf', 'eth0.100', 'rp_filter']);
  });
});
