import { describe, expect, it } from 'vitest';
import { parseAnsibleIni } from '../../src/inventory/ansible-ini.js';
import { parseHostArgument } from '../../src/inventory/host-list.js';
import { mergeInventories } from '../../src/inventory/load.js';
import { parseSshConfig } from '../../src/inventory/ssh-config.js';
import { resolveTargets } from '../../src/inventory/resolve.js';
import { describeTargets, describeTargetsTable } from '../../src/inventory/describe.js';

describe('describeTargets', () => {
  const ini = parseAnsibleIni('[web]\nweb1 ansible_port=2201\nweb2\n\n[web:vars]\nansible_user=deploy\n\n[local]\nhere ansible_connection=local\n', 'hosts.ini');
  const cli = parseHostArgument('ops@db1:2022');
  const ssh = parseSshConfig('Host web2\n  HostName 10.0.0.2\n  Port 2222\n\nHost web*\n  ProxyJump jump@bastion:22\n', '/home/a/.ssh/config');
  const hosts = mergeInventories([ini.value, cli.value]).value;
  const targets = resolveTargets(hosts, { sshConfig: ssh.value, home: '/home/a', localUser: 'a', defaultUser: 'me' }).value;

  it('gives each value with where it came from: the inventory line and variable, the ssh config line, the command line, a default', () => {
    const byName = Object.fromEntries(describeTargets(targets).map((d) => [d.name, d]));
    expect(byName.web1).toMatchObject({
      address: { value: 'web1', source: 'inventory name' },
      port: { value: '2201', source: 'hosts.ini:2 (ansible_port)' },
      user: { value: 'deploy', source: 'hosts.ini:6 (ansible_user)' },
      jumpHosts: { value: 'jump@bastion:22', source: 'ssh config /home/a/.ssh/config line 6' },
      connection: { value: 'ssh', source: 'default' },
      origin: 'hosts.ini:2',
    });
    expect(byName.web2).toMatchObject({
      address: { value: '10.0.0.2', source: 'ssh config /home/a/.ssh/config line 2' },
      port: { value: '2222', source: 'ssh config /home/a/.ssh/config line 3' },
    });
    expect(byName.here).toMatchObject({ connection: { value: 'local', source: 'hosts.ini:9 (ansible_connection)' }, port: { value: '22', source: 'default' } });
    expect(byName['db1:2022']).toMatchObject({
      address: { value: 'db1', source: 'command line (-H)' },
      port: { value: '2022', source: 'command line (-H)' },
      user: { value: 'ops', source: 'command line (-H)' },
    });
  });

  it('renders plain text rows, one a host', () => {
    const table = describeTargetsTable(targets);
    expect(table.header).toEqual(['host', 'address', 'port', 'user', 'jump hosts', 'connection']);
    expect(table.rows.find((r) => r[0] === 'here')).toEqual(['here', 'here (inventory name)', '22 (default)', 'me (default (--user, else the local account))', '-', 'local (hosts.ini:9 (ansible_connection))']);
  });
});
