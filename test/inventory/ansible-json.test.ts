import { describe, expect, it } from 'vitest';
import { parseAnsibleJson } from '../../src/inventory/ansible-json.js';

const parse = (text: string) => parseAnsibleJson(text, 'inv.json');

describe('parseAnsibleJson', () => {
  it('reads ansible-inventory --list output: groups, children, vars, _meta.hostvars', () => {
    const { value, errors } = parse(
      JSON.stringify(
        {
          _meta: {
            hostvars: {
              web1: { ansible_host: '10.0.1.1', ansible_user: 'deploy', ansible_port: 2222 },
              db1: { ansible_ssh_common_args: '-o ProxyJump=ops@bastion:2022', role: 'primary' },
              stray: { ansible_host: '10.9.9.9' },
            },
          },
          all: { children: ['ungrouped', 'prod'] },
          prod: { children: ['web', 'db'], vars: { env: 'prod' } },
          web: { hosts: ['web1'] },
          db: { hosts: ['db1'] },
          ungrouped: {},
        },
        null,
        4,
      ),
    );
    expect(errors).toEqual([]);
    expect(value.format).toBe('ansible-json');
    expect(value.hosts.map((h) => h.name)).toEqual(['web1', 'db1']);
    expect(value.hosts[0]).toMatchObject({ groups: ['prod', 'web'], settings: { address: '10.0.1.1', user: 'deploy', port: 2222 }, vars: { env: 'prod' } });
    expect(value.hosts[1]).toMatchObject({ groups: ['db', 'prod'], settings: { proxyJump: [{ host: 'bastion', port: 2022, user: 'ops' }] }, vars: { role: 'primary' } });
    expect(value.hosts[0]?.origin).toMatch(/^inv\.json:\d+$/);
  });

  it('reads the inventory-script form where a group is a list of hosts', () => {
    const { value, errors } = parse('{"web": ["w1", "w2"], "_meta": {"hostvars": {"w2": {"ansible_port": 2200}}}}');
    expect(errors).toEqual([]);
    expect(value.hosts.map((h) => [h.name, h.groups, h.settings.port])).toEqual([
      ['w1', ['web'], undefined],
      ['w2', ['web'], 2200],
    ]);
  });

  it('names file and line for malformed JSON and a bad port', () => {
    const broken = parse('{\n  "web": {\n    "hosts": ["w1",]\n  \n');
    expect(broken.errors.length).toBeGreaterThan(0);
    expect(broken.errors[0]?.file).toBe('inv.json');
    expect(broken.errors[0]?.line).toBeGreaterThanOrEqual(3);

    const port = parse('{\n  "web": {"hosts": ["w1"]},\n  "_meta": {"hostvars": {"w1": {\n    "ansible_port": "abc"\n  }}}\n}\n');
    expect(port.errors).toHaveLength(1);
    expect(port.errors[0]).toMatchObject({ file: 'inv.json', line: 4 });
  });
});
