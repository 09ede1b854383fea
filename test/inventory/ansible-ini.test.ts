import { describe, expect, it } from 'vitest';
import { parseAnsibleIni, parsePythonLiteral } from '../../src/inventory/ansible-ini.js';
import type { InventoryHost } from '../../src/inventory/types.js';

const parse = (text: string) => parseAnsibleIni(text, 'hosts.ini');
const host = (hosts: InventoryHost[], name: string): InventoryHost => {
  const found = hosts.find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name} in ${hosts.map((h) => h.name).join(',')}`);
  return found;
};

describe('parseAnsibleIni', () => {
  it('reads ungrouped hosts, groups, inline vars, [group:vars] and [group:children]', () => {
    const { value, errors, warnings } = parse(`
mail.example.com   # ungrouped, before any header

[web]
web[01:02].example.com
web3.example.com:2201 ansible_user=deploy tier='front end'  # a comment

[db]
db1 ansible_host=10.0.3.11 ansible_port=2222 ansible_ssh_common_args='-o ProxyJump=ops@bastion'

[web:vars]
ansible_user=www
http_port=8080

[prod:children]
web
db

[prod:vars]
ansible_ssh_common_args='-o StrictHostKeyChecking=accept-new'
env = prod # trailing comment stays text, as in Ansible
`);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(value.hosts.map((h) => h.name)).toEqual(['mail.example.com', 'web01.example.com', 'web02.example.com', 'web3.example.com', 'db1']);
    expect(host(value.hosts, 'mail.example.com').groups).toEqual([]);
    expect(host(value.hosts, 'web01.example.com')).toMatchObject({ groups: ['prod', 'web'], settings: { user: 'www', hostKeyPolicy: 'accept-new' } });
    expect(host(value.hosts, 'web01.example.com').vars).toMatchObject({ http_port: '8080', env: 'prod # trailing comment stays text, as in Ansible' });
    expect(host(value.hosts, 'web3.example.com')).toMatchObject({ settings: { user: 'deploy', port: 2201 }, vars: { tier: 'front end' }, origin: 'hosts.ini:6' });
    // The host's own ssh args come before the group's, so its ProxyJump and the group's checking policy both apply.
    expect(host(value.hosts, 'db1').settings).toEqual({
      address: '10.0.3.11',
      port: 2222,
      identityFiles: [],
      proxyJump: [{ host: 'bastion', user: 'ops' }],
    });
  });

  it('reads values as Python literals where they are one', () => {
    expect(parsePythonLiteral('2222')).toBe(2222);
    expect(parsePythonLiteral("'a b'")).toBe('a b');
    expect(parsePythonLiteral('"x\\"y"')).toBe('x"y');
    expect(parsePythonLiteral('True')).toBe(true);
    expect(parsePythonLiteral('FALSE')).toBe('FALSE');
    expect(parsePythonLiteral('0022')).toBe('0022');
    expect(parsePythonLiteral('True # comment')).toBe(true);
  });

  it('names file and line for an unterminated quote', () => {
    const { errors } = parse('[web]\nweb1 ansible_ssh_common_args=\'-o ProxyJump=x\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'hosts.ini', line: 2 });
    expect(errors[0]?.problem).toMatch(/unterminated ' quote/);
  });

  it('names file and line for a bad port, a bad range, a bad section and a missing =', () => {
    const { errors } = parse('[web]\nweb1 ansible_port=abc\nweb[01:100]\n[bad section]\n[db]\ndb1 ansible_user\n[x:hosts2]\n');
    expect(errors.map((e) => e.line).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([2, 3, 4, 6, 7]);
    expect(errors.find((e) => e.line === 2)?.problem).toMatch(/ansible_port of host web1 is "abc"/);
    expect(errors.find((e) => e.line === 3)?.problem).toMatch(/equal width/);
    expect(errors.find((e) => e.line === 4)?.problem).toMatch(/invalid section "\[bad section\]"/);
    expect(errors.find((e) => e.line === 6)?.problem).toMatch(/expected key=value host variable, got: ansible_user/);
    expect(errors.find((e) => e.line === 7)?.problem).toMatch(/unknown type "hosts2"/);
    expect(errors.every((e) => e.file === 'hosts.ini')).toBe(true);
  });

  it('refuses [x:vars] and [p:children] naming groups never declared', () => {
    const { errors } = parse('[ghost:vars]\na=1\n[parent:children]\nmissing\n[parent:vars]\nb=2\n');
    expect(errors.map((e) => e.line)).toEqual([1, 4]);
    expect(errors[1]?.problem).toMatch(/names group missing/);
  });

  it('accepts children declared after their parent', () => {
    const { value, errors } = parse('[prod:children]\nweb\n[web]\nw1\n[prod:vars]\nenv=prod\n');
    expect(errors).toEqual([]);
    expect(host(value.hosts, 'w1')).toMatchObject({ groups: ['prod', 'web'], vars: { env: 'prod' } });
  });
});
