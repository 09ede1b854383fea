import { describe, expect, it } from 'vitest';
import { parseAnsibleYaml } from '../../src/inventory/ansible-yaml.js';
import type { InventoryHost } from '../../src/inventory/types.js';

const parse = (text: string) => parseAnsibleYaml(text, 'inv.yml');
const host = (hosts: InventoryHost[], name: string): InventoryHost => {
  const found = hosts.find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name} in ${hosts.map((h) => h.name).join(',')}`);
  return found;
};

describe('parseAnsibleYaml', () => {
  it('reads the documented shape: all, children, hosts, vars, ranges, host:port', () => {
    const result = parse(`
all:
  vars:
    ansible_user: audit
  children:
    web:
      hosts:
        web[01:03].example.com:
      vars:
        tier: front
    db:
      hosts:
        db1:
          ansible_host: 10.0.3.11
          ansible_port: 2222
          ansible_ssh_private_key_file: ~/.ssh/db_ed25519
        badwolf.example.com:5309:
`);
    expect(result.errors).toEqual([]);
    const hosts = result.value.hosts;
    expect(hosts.map((h) => h.name)).toEqual(['web01.example.com', 'web02.example.com', 'web03.example.com', 'db1', 'badwolf.example.com']);
    expect(host(hosts, 'web02.example.com')).toMatchObject({ groups: ['web'], settings: { user: 'audit' }, vars: { tier: 'front', ansible_user: 'audit' } });
    expect(host(hosts, 'db1').settings).toEqual({ address: '10.0.3.11', port: 2222, user: 'audit', identityFiles: ['~/.ssh/db_ed25519'] });
    expect(host(hosts, 'badwolf.example.com').settings.port).toBe(5309);
    expect(host(hosts, 'db1').origin).toBe('inv.yml:13');
  });

  it('merges variables all < parent < child < host', () => {
    const { value, errors } = parse(`
all:
  vars: { level: all, a: all, b: all, c: all }
  children:
    parent:
      vars: { level: parent, b: parent, c: parent }
      children:
        child:
          vars: { level: child, c: child }
          hosts:
            h1: { level: host }
`);
    expect(errors).toEqual([]);
    const h1 = host(value.hosts, 'h1');
    expect(h1.vars).toMatchObject({ level: 'host', a: 'all', b: 'parent', c: 'child' });
    expect(h1.groups).toEqual(['child', 'parent']);
  });

  it('merges sibling groups in name order, unless ansible_group_priority says otherwise', () => {
    const siblings = parse(`
zeta:
  hosts: { h1: }
  vars: { who: zeta }
alpha:
  hosts: { h1: }
  vars: { who: alpha }
`);
    expect(host(siblings.value.hosts, 'h1').vars.who).toBe('zeta');
    const prioritised = parse(`
zeta:
  hosts: { h1: }
  vars: { who: zeta }
alpha:
  hosts: { h1: }
  vars: { who: alpha, ansible_group_priority: 10 }
`);
    expect(prioritised.errors).toEqual([]);
    expect(host(prioritised.value.hosts, 'h1').vars.who).toBe('alpha');
    expect(host(prioritised.value.hosts, 'h1').vars).not.toHaveProperty('ansible_group_priority');
  });

  it('lets the deeper group win over a shallower one whatever the names', () => {
    const { value } = parse(`
all:
  children:
    aaa:
      vars: { who: aaa }
      children:
        zzz:
          vars: { who: zzz }
          hosts: { h1: }
    bbb:
      vars: { who: bbb }
      hosts: { h1: }
`);
    expect(host(value.hosts, 'h1').vars.who).toBe('zzz');
  });

  it('prefers the ansible_ssh_* spelling when both are given, as the ssh plugin does', () => {
    const { value } = parse(`
all:
  hosts:
    h1:
      ansible_host: a.example
      ansible_ssh_host: b.example
      ansible_user: u1
      ansible_ssh_user: u2
      ansible_port: 22
      ansible_ssh_port: 2200
      ansible_private_key_file: ~/.ssh/one
`);
    expect(host(value.hosts, 'h1').settings).toEqual({ address: 'b.example', user: 'u2', port: 2200, identityFiles: ['~/.ssh/one'] });
  });

  it('reads ansible_ssh_common_args forms: -o ProxyJump=, -J, -o "K V", -o K=V, -i -p -l', () => {
    const { value, warnings, errors } = parse(`
all:
  hosts:
    a: { ansible_ssh_common_args: '-o ProxyJump=ops@bastion.example.com:2022 -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/etc/fleet/known_hosts' }
    b: { ansible_ssh_common_args: '-J jump1,jump2:2200 -o "ConnectTimeout 7" -o IdentitiesOnly=yes' }
    c: { ansible_ssh_extra_args: '-i ~/.ssh/c_key -p 2201 -l carol -o StrictHostKeyChecking=no' }
    d: { ansible_ssh_common_args: '-o ProxyCommand="ssh -W %h:%p -q gate@gateway.example.com"' }
`);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(host(value.hosts, 'a').settings).toEqual({
      identityFiles: [],
      proxyJump: [{ host: 'bastion.example.com', port: 2022, user: 'ops' }],
      hostKeyPolicy: 'accept-new',
      hostKeyPolicyFrom: 'StrictHostKeyChecking accept-new (ansible_ssh_common_args of host a)',
      knownHostsFiles: ['/etc/fleet/known_hosts'],
    });
    expect(host(value.hosts, 'b').settings).toEqual({
      identityFiles: [],
      proxyJump: [{ host: 'jump1' }, { host: 'jump2', port: 2200 }],
      connectTimeoutMs: 7000,
      identitiesOnly: true,
    });
    expect(host(value.hosts, 'c').settings).toEqual({ identityFiles: ['~/.ssh/c_key'], port: 2201, user: 'carol', hostKeyPolicy: 'accept-new', hostKeyPolicyFrom: 'StrictHostKeyChecking no (ansible_ssh_extra_args of host c)' });
    expect(host(value.hosts, 'd').settings.proxyJump).toEqual([{ host: 'gateway.example.com', user: 'gate' }]);
  });

  it('lets ansible_port beat -p in ssh args, as ssh sees -o Port first', () => {
    const { value } = parse(`all: { hosts: { h: { ansible_port: 2222, ansible_ssh_common_args: '-p 2200' } } }`);
    expect(host(value.hosts, 'h').settings.port).toBe(2222);
  });

  it('warns on Jinja and unknown tokens in ssh args, without failing', () => {
    const { value, warnings, errors } = parse(`
all:
  hosts:
    a: { ansible_ssh_common_args: '-o ProxyJump={{ user }}@{{ bastion_ip }}' }
    b: { ansible_ssh_common_args: '-o ControlMaster=auto StrictHostKeyChecking=no -Z' }
`);
    expect(errors).toEqual([]);
    expect(host(value.hosts, 'a').settings.proxyJump).toBeUndefined();
    expect(warnings).toContain(
      'inv.yml: 1 host uses Jinja templating in ansible_ssh_common_args (first at line 4), which sockaudit does not evaluate; those values are ignored (pass `ansible-inventory --list` JSON to have them resolved)',
    );
    expect(warnings.some((w) => w.startsWith('inv.yml:5:') && w.includes('"StrictHostKeyChecking=no"'))).toBe(true);
    expect(warnings.some((w) => w.includes('"-Z"'))).toBe(true);
  });

  it('reads !vault values as encrypted: fine where unused, an error where needed', () => {
    const unused = parse(`
all:
  hosts:
    h1:
      ansible_become_password: !vault |
        $ANSIBLE_VAULT;1.1;AES256
        3036
`);
    expect(unused.errors).toEqual([]);
    expect(host(unused.value.hosts, 'h1').vars).not.toHaveProperty('ansible_become_password');
    const needed = parse(`
all:
  hosts:
    h1:
      ansible_user: !vault |
        $ANSIBLE_VAULT;1.1;AES256
        3036
`);
    expect(needed.errors).toHaveLength(1);
    expect(needed.errors[0]).toMatchObject({ file: 'inv.yml', line: 5 });
    expect(needed.errors[0]?.problem).toMatch(/vault-encrypted/);
  });

  it('refuses a plugin configuration and says to use ansible-inventory --list', () => {
    const { errors } = parse('plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'inv.yml', line: 1 });
    expect(errors[0]?.problem).toMatch(/ansible-inventory -i FILE --list/);
  });

  it('names file and line for a YAML indentation error, a bad port and a bad range', () => {
    const indentation = parse('all:\n  hosts:\n    a:\n   b:\n');
    expect(indentation.errors.length).toBeGreaterThan(0);
    expect(indentation.errors[0]).toMatchObject({ file: 'inv.yml', line: 3 });
    expect(indentation.errors[0]?.message).toMatch(/^inv\.yml:3: YAML: /);

    const port = parse('all:\n  hosts:\n    h1:\n      ansible_user: x\n      ansible_port: abc\n');
    expect(port.errors).toHaveLength(1);
    expect(port.errors[0]).toMatchObject({ file: 'inv.yml', line: 5 });
    expect(port.errors[0]?.problem).toMatch(/ansible_port of host h1 is "abc"/);

    const range = parse('web:\n  hosts:\n    web[01:100].example.com:\n');
    expect(range.errors).toHaveLength(1);
    expect(range.errors[0]).toMatchObject({ file: 'inv.yml', line: 3 });
    expect(range.errors[0]?.problem).toMatch(/equal width/);
  });

  it('refuses hosts written as a list, and warns on unknown group keys', () => {
    const { errors, warnings } = parse('web:\n  hosts:\n    - web1\n  host_vars: {}\n');
    expect(errors[0]).toMatchObject({ line: 3 });
    expect(errors[0]?.problem).toMatch(/must be a mapping/);
    expect(warnings.some((w) => w.startsWith('inv.yml:4:') && w.includes('host_vars'))).toBe(true);
  });

  it('keeps secrets out of the variables reports show', () => {
    const { value } = parse('all:\n  hosts:\n    h1: { ansible_password: hunter2, ansible_become_pass: x, api_token: t, compass: north }\n');
    expect(host(value.hosts, 'h1').vars).toEqual({ compass: 'north' });
  });

  it('reads YAML 1.1 scalars as Ansible does', () => {
    const { value } = parse('all:\n  hosts:\n    h1: { flag: yes, ansible_port: "2222" }\n');
    expect(host(value.hosts, 'h1').vars.flag).toBe('true');
    expect(host(value.hosts, 'h1').settings.port).toBe(2222);
  });
});
