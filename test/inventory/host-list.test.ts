import { describe, expect, it } from 'vitest';
import { parseHostArgument, parseHostList } from '../../src/inventory/host-list.js';

describe('parseHostList', () => {
  it('reads [user@]host[:port], IPv6 in brackets or bare, comments and blank lines', () => {
    const { value, errors, warnings } = parseHostList(
      ['# the fleet', 'web1.example.com', '', 'alice@web2.example.com:2222   # via port 2222', '[2001:db8::7]:2200', 'root@[::1]', 'fe80::1', '127.0.0.2'].join('\n'),
      'hosts.txt',
    );
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(value.hosts.map((h) => [h.name, h.settings, h.origin])).toEqual([
      ['web1.example.com', { address: 'web1.example.com', identityFiles: [] }, 'hosts.txt:2'],
      ['web2.example.com:2222', { address: 'web2.example.com', port: 2222, user: 'alice', identityFiles: [] }, 'hosts.txt:4'],
      ['[2001:db8::7]:2200', { address: '2001:db8::7', port: 2200, identityFiles: [] }, 'hosts.txt:5'],
      ['::1', { address: '::1', user: 'root', identityFiles: [] }, 'hosts.txt:6'],
      ['fe80::1', { address: 'fe80::1', identityFiles: [] }, 'hosts.txt:7'],
      ['127.0.0.2', { address: '127.0.0.2', identityFiles: [] }, 'hosts.txt:8'],
    ]);
  });

  it('names file and line for a bad port or two hosts on a line, and warns on a repeated host', () => {
    const { errors, warnings } = parseHostList('a:99999\nb c\nd\nd\n', 'hosts.txt');
    expect(errors.map((e) => [e.file, e.line])).toEqual([
      ['hosts.txt', 1],
      ['hosts.txt', 2],
    ]);
    expect(errors[0]?.problem).toMatch(/port "99999"/);
    expect(warnings).toEqual(['hosts.txt:4: host d is listed twice; the later entry is used']);
  });
});

describe('parseHostArgument', () => {
  it('reads -H values separated by commas', () => {
    const { value, errors } = parseHostArgument('web1, bob@[::1]:2201,127.0.0.3:22');
    expect(errors).toEqual([]);
    expect(value.hosts.map((h) => h.name)).toEqual(['web1', '[::1]:2201', '127.0.0.3:22']);
    expect(value.hosts[1]?.settings).toEqual({ address: '::1', port: 2201, user: 'bob', identityFiles: [] });
    expect(value.hosts[0]?.origin).toBe('-H');
  });

  it('refuses an empty value', () => {
    expect(parseHostArgument(' , ').errors[0]?.message).toBe('-H: no host given');
  });
});
