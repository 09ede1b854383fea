import { describe, expect, it } from 'vitest';
import { parseSockauditYaml } from '../../src/inventory/sockaudit-yaml.js';

const parse = (text: string) => parseSockauditYaml(text, 'fleet.yml');

describe('parseSockauditYaml', () => {
  it('merges defaults < groups < host entry, and reads both host forms', () => {
    const { value, errors, warnings } = parse(`
defaults:
  user: audit
  port: 22
  identityFile: ~/.ssh/audit
  proxyJump: ops@bastion:2022
groups:
  web:
    hosts: [web1, "alice@web2:2222"]
    user: www
    vars: { tier: front }
  db:
    proxyJump: none
hosts:
  - name: db1
    address: 10.0.3.12
    port: 2200
    groups: [db]
    identityFile: [~/.ssh/db1, ~/.ssh/db1-old]
    vars: { rack: r12 }
  - bob@cache1:2201
  - name: web1
    vars: { canary: true }
`);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    const byName = Object.fromEntries(value.hosts.map((h) => [h.name, h]));
    expect(Object.keys(byName)).toEqual(['web1', 'web2:2222', 'db1', 'cache1:2201']);
    expect(byName.web1).toMatchObject({
      groups: ['web'],
      settings: { address: 'web1', user: 'www', port: 22, identityFiles: ['~/.ssh/audit'], proxyJump: [{ host: 'bastion', port: 2022, user: 'ops' }] },
      vars: { tier: 'front', canary: 'true' },
      origin: 'fleet.yml:9',
    });
    expect(byName['web2:2222']?.settings).toMatchObject({ address: 'web2', user: 'alice', port: 2222 });
    expect(byName.db1?.settings).toEqual({ address: '10.0.3.12', user: 'audit', port: 2200, identityFiles: ['~/.ssh/db1', '~/.ssh/db1-old'], proxyJump: 'none' });
    expect(byName.db1?.vars).toEqual({ rack: 'r12' });
    expect(byName['cache1:2201']?.settings).toMatchObject({ address: 'cache1', user: 'bob', port: 2201 });
  });

  it('refuses unknown keys and bad values, naming file and line', () => {
    const { errors } = parse('defaults:\n  usr: audit\ngroups:\n  web:\n    hosts: web1\nhosts:\n  - name: a\n    port: abc\n  - {address: x}\nextra: 1\n');
    expect(errors.map((e) => [e.line, e.problem])).toEqual([
      [2, 'defaults: unknown key "usr" (allowed: user, port, identityFile, proxyJump)'],
      [5, 'hosts of group web must be a list'],
      [8, 'host: port must be a number from 1 to 65535'],
      [9, 'a host entry needs a name'],
      [10, 'unknown key "extra": the top level has defaults, groups and hosts'],
    ]);
    expect(errors.every((e) => e.file === 'fleet.yml')).toBe(true);
  });
});

describe('a host named twice', () => {
  it('in the hosts list is an error naming both lines', () => {
    const { errors } = parse('hosts:\n  - web1\n  - name: db1\n  - name: web1\n    port: 2200\n');
    expect(errors.map((e) => e.message)).toEqual(['fleet.yml:4: host web1 is also at line 2; give each host once in hosts']);
  });

  it('twice in one group, or with different settings in two places, is an error naming both lines', () => {
    const { errors } = parse('groups:\n  web:\n    hosts: [web1, web1]\n  db:\n    hosts: ["alice@db1"]\n  backup:\n    hosts: ["bob@db1"]\n');
    expect(errors.map((e) => e.message)).toEqual([
      'fleet.yml:3: host web1 is listed twice in group web',
      'fleet.yml:7: host db1 has user bob here and alice at line 5; give it one user',
    ]);
  });

  it('in a group and in the hosts list, with settings in one place, is one host', () => {
    const { value, errors } = parse('groups:\n  web:\n    hosts: [web1]\nhosts:\n  - name: web1\n    user: deploy\n');
    expect(errors).toEqual([]);
    expect(value.hosts).toMatchObject([{ name: 'web1', groups: ['web'], settings: { user: 'deploy' } }]);
  });
});
