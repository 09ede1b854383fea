// ansible_connection, Jinja-templated values and vaulted values, in the three Ansible formats.
import { describe, expect, it } from 'vitest';
import { parseAnsibleIni } from '../../src/inventory/ansible-ini.js';
import { parseAnsibleJson } from '../../src/inventory/ansible-json.js';
import { parseAnsibleYaml } from '../../src/inventory/ansible-yaml.js';
import { resolveTargets } from '../../src/inventory/resolve.js';

const resolve = (hosts: Parameters<typeof resolveTargets>[0]) => resolveTargets(hosts, { home: '/home/a', localUser: 'a' });

describe('ansible_connection', () => {
  it('marks local hosts, keeps ssh ones, and leaves out other connection types with a warning naming the host', () => {
    const text = [
      'localhost ansible_connection=local',
      'web1 ansible_connection=ssh',
      'web2',
      'box1 ansible_connection=docker',
      'pod1 ansible_connection=kubectl',
    ].join('\n');
    const result = parseAnsibleIni(text, 'hosts');
    expect(result.errors).toEqual([]);
    expect(result.value.hosts.map((h) => [h.name, h.settings.connection])).toEqual([
      ['localhost', 'local'],
      ['web1', 'ssh'],
      ['web2', undefined],
    ]);
    expect(result.warnings).toEqual([
      'hosts:4: host box1 has ansible_connection=docker, which sockaudit cannot use (it audits over ssh or locally); the host is left out',
      'hosts:5: host pod1 has ansible_connection=kubectl, which sockaudit cannot use (it audits over ssh or locally); the host is left out',
    ]);
    const targets = resolve(result.value.hosts).value;
    expect(targets.map((t) => [t.name, t.connection])).toEqual([
      ['localhost', 'local'],
      ['web1', 'ssh'],
      ['web2', undefined],
    ]);
  });
});

describe('Jinja-templated values', () => {
  it('are ignored with one warning for the whole inventory naming the variables', () => {
    const hosts = Array.from({ length: 5 }, (_, i) => `    h${i}:\n      ansible_host: "{{ inventory_hostname }}.lan"\n`).join('');
    const text = `all:\n  vars:\n    ansible_user: "{{ lookup('env', 'USER') }}"\n  hosts:\n${hosts}`;
    const result = parseAnsibleYaml(text, 'inv.yml');
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      'inv.yml: 5 hosts use Jinja templating in ansible_host (first at line 6), ansible_user (first at line 3), which sockaudit does not evaluate; those values are ignored (pass `ansible-inventory --list` JSON to have them resolved)',
    ]);
    expect(result.value.hosts[0]?.settings.address).toBeUndefined();
  });
});

describe('vaulted values', () => {
  const advice = 'decrypt it with `ansible-inventory -i INVENTORY --list --vault-password-file FILE > hosts.json` and pass hosts.json';

  it('a !vault tag on a connection variable is an error naming the variable, the host and how to decrypt', () => {
    const result = parseAnsibleYaml('all:\n  hosts:\n    web1:\n      ansible_user: !vault |\n        $ANSIBLE_VAULT;1.1;AES256\n        3131\n', 'inv.yml');
    expect(result.errors.map((e) => e.message)).toEqual([`inv.yml:4: ansible_user of host web1 is vault-encrypted; ${advice}`]);
  });

  it('an {"__ansible_vault": ...} value in ansible-inventory output is the same error, not "must be a string"', () => {
    const json = JSON.stringify({ all: { hosts: ['web1'] }, _meta: { hostvars: { web1: { ansible_host: { __ansible_vault: '$ANSIBLE_VAULT;1.1;AES256\n3131' } } } } }, null, 2);
    const result = parseAnsibleJson(json, 'inv.json');
    expect(result.errors.map((e) => e.message)).toEqual([`inv.json:10: ansible_host of host web1 is vault-encrypted; ${advice}`]);
  });
});
