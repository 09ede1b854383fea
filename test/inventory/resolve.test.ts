import { describe, expect, it } from 'vitest';
import { parseSshConfig } from '../../src/inventory/ssh-config.js';
import { resolveTargets } from '../../src/inventory/resolve.js';
import type { HostSettings, InventoryHost } from '../../src/inventory/types.js';

const sshConfig = (text: string) => {
  const parsed = parseSshConfig(text, 'ssh_config');
  expect(parsed.errors).toEqual([]);
  return parsed.value;
};
const inventoryHost = (name: string, settings: Partial<HostSettings> = {}): InventoryHost => ({
  name,
  groups: ['g'],
  settings: { identityFiles: [], ...settings },
  vars: { k: 'v' },
  origin: 'inv.yml:3',
});
const base = { home: '/home/me', localUser: 'me' };

describe('resolveTargets', () => {
  const cfg = sshConfig(`
Host web1
  HostName web1.internal
  User cfg-user
  Port 2200
  IdentityFile ~/.ssh/web1_%r_%h
  ProxyJump bastion
  UserKnownHostsFile ~/.ssh/known_web %d/.ssh/known_all
  StrictHostKeyChecking no
  IdentitiesOnly yes
Host bastion
  HostName bastion.example.com
  User jumper
  Port 2022
  IdentityFile ~/.ssh/bastion
  ProxyJump outer
Host outer
  HostName outer.example.com
Host *
  ConnectTimeout 5
`);

  it('fills an inventory host from the ssh config, expanding ~ and tokens', () => {
    const { value, errors, warnings } = resolveTargets([inventoryHost('web1')], { ...base, sshConfig: cfg, defaultUser: 'default' });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(value).toEqual([
      {
        name: 'web1',
        address: 'web1.internal',
        port: 2200,
        user: 'cfg-user',
        groups: ['g'],
        identityFiles: ['/home/me/.ssh/web1_cfg-user_web1.internal'],
        identitiesOnly: true,
        proxyJump: [
          { host: 'outer.example.com', port: 22, user: 'me' },
          { host: 'bastion.example.com', port: 2022, user: 'jumper', identityFiles: ['/home/me/.ssh/bastion'] },
        ],
        knownHostsFiles: ['/home/me/.ssh/known_web', '/home/me/.ssh/known_all'],
        hostKeyPolicy: 'accept-new',
        hostKeyPolicyFrom: 'StrictHostKeyChecking no (ssh config ssh_config line 9)',
        connectTimeoutMs: 5000,
        vars: { k: 'v' },
        origin: 'inv.yml:3',
        sources: {
          address: 'ssh config ssh_config line 3',
          port: 'ssh config ssh_config line 5',
          user: 'ssh config ssh_config line 4',
          proxyJump: 'ssh config ssh_config line 7',
          connection: 'default',
        },
      },
    ]);
  });

  it('lets inventory values beat the ssh config; identity files come first and add up', () => {
    const { value } = resolveTargets(
      [inventoryHost('web1', { port: 2222, user: 'inv-user', identityFiles: ['~/.ssh/inv'], proxyJump: 'none', hostKeyPolicy: 'strict' })],
      { ...base, sshConfig: cfg },
    );
    expect(value[0]).toMatchObject({
      address: 'web1.internal',
      port: 2222,
      user: 'inv-user',
      identityFiles: ['/home/me/.ssh/inv', '/home/me/.ssh/web1_inv-user_web1.internal'],
      proxyJump: [],
      hostKeyPolicy: 'strict',
    });
  });

  it('matches the ssh config against ansible_host, as ssh is given that name', () => {
    const { value } = resolveTargets([inventoryHost('alias', { address: 'web1' })], { ...base, sshConfig: cfg });
    expect(value[0]).toMatchObject({ name: 'alias', address: 'web1.internal', port: 2200 });
  });

  it('does not apply the destination settings to jump hosts, and uses the defaults without a config', () => {
    const { value } = resolveTargets([inventoryHost('db1', { proxyJump: [{ host: 'plainjump' }] })], { ...base, defaultUser: 'audit' });
    expect(value[0]).toMatchObject({ address: 'db1', port: 22, user: 'audit', identityFiles: [], proxyJump: [{ host: 'plainjump', port: 22, user: 'me' }] });
    const jumped = resolveTargets([inventoryHost('db1', { user: 'dbuser', port: 2201, proxyJump: [{ host: 'bastion' }] })], { ...base, sshConfig: cfg });
    expect(jumped.value[0]?.proxyJump.at(-1)).toEqual({ host: 'bastion.example.com', port: 2022, user: 'jumper', identityFiles: ['/home/me/.ssh/bastion'] });
  });

  it('reports a ProxyJump loop with the host origin', () => {
    const loop = sshConfig('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
    const { errors } = resolveTargets([inventoryHost('a')], { ...base, sshConfig: loop });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe('inv.yml:3: ProxyJump loops or nests too deep: a -> b -> a');
  });

  it('warns on a ProxyCommand it cannot follow, and turns ssh -W into a jump', () => {
    const proxy = sshConfig('Host a\n  ProxyCommand nc -X connect -x proxy:8080 %h %p\nHost b\n  ProxyCommand ssh -W %h:%p -p 2022 gw\n');
    const { value, warnings } = resolveTargets([inventoryHost('a'), inventoryHost('b')], { ...base, sshConfig: proxy });
    expect(warnings).toEqual(['inv.yml:3: host a: the ssh config\'s ProxyCommand "nc -X connect -x proxy:8080 %h %p" is not supported (only "ssh -W %h:%p gateway" is); connecting directly']);
    expect(value[0]?.proxyJump).toEqual([]);
    expect(value[1]?.proxyJump).toEqual([{ host: 'gw', port: 2022, user: 'me' }]);
  });
});
