import { describe, expect, it } from 'vitest';
import { parseSshArgs } from '../../src/inventory/ssh-args.js';
import { proxyCommandAsJump } from '../../src/inventory/ssh-options.js';

describe('parseSshArgs', () => {
  it('reads attached and separate arguments, and -o in its three spellings', () => {
    const { options, warnings } = parseSshArgs(`-oProxyJump=a -p2222 -l bob -i '/keys/my key' -o 'User carol' -o 'Port = 2200' -q -C`);
    expect(warnings).toEqual([]);
    expect(options).toEqual([
      { keyword: 'proxyjump', args: ['a'] },
      { keyword: 'port', args: ['2222'] },
      { keyword: 'user', args: ['bob'] },
      { keyword: 'identityfile', args: ['/keys/my key'] },
      { keyword: 'user', args: ['carol'] },
      { keyword: 'port', args: ['2200'] },
    ]);
  });

  it('skips ssh options that do not change how a host is reached, and warns on strays', () => {
    const { options, warnings } = parseSshArgs('-o ControlMaster=auto -o ControlPersist=60s -c aes128-ctr -F ~/.ssh/other stray -o');
    expect(options.map((o) => o.keyword)).toEqual(['controlmaster', 'controlpersist']);
    expect(warnings).toEqual([
      'ssh args: "-F ~/.ssh/other" is ignored; give sockaudit the config file with -F instead',
      'ssh args: "stray" is not an option sockaudit understands; ignored',
      'ssh args: "-o" lacks its argument; ignored',
    ]);
  });

  it('ignores templated args as a whole', () => {
    const { options, warnings } = parseSshArgs('-o ProxyJump={{ bastion }}');
    expect(options).toEqual([]);
    expect(warnings[0]).toMatch(/Jinja/);
  });
});

describe('proxyCommandAsJump', () => {
  it('reads the Ansible FAQ form and refuses other commands', () => {
    expect(proxyCommandAsJump('ssh -W %h:%p -q user@gateway.example.com')).toEqual({ host: 'gateway.example.com', user: 'user' });
    expect(proxyCommandAsJump('/usr/bin/ssh -l ops -p 2022 gw -W [%h]:%p')).toEqual({ host: 'gw', port: 2022, user: 'ops' });
    expect(proxyCommandAsJump('nc -x proxy:1080 %h %p')).toBeUndefined();
    expect(proxyCommandAsJump('ssh gw nc %h %p')).toBeUndefined();
  });
});
