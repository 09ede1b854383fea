import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat, mergeInventories, parseInventory, readInventory } from '../../src/inventory/load.js';
import { InventoryErrors, loadTargets, type LoadTargetsOptions } from '../../src/inventory/index.js';

const examples = fileURLToPath(new URL('../../inventory/', import.meta.url));

describe('detectFormat', () => {
  it('goes by extension first, then by content', () => {
    expect(detectFormat('{"_meta": {}}', 'x')).toBe('ansible-json');
    expect(detectFormat('web1\n', 'inv.json')).toBe('ansible-json');
    expect(detectFormat('web1\n', 'hosts.ini')).toBe('ansible-ini');
    expect(detectFormat('all:\n  hosts:\n    a:\n', 'hosts.txt')).toBe('host-list');
    expect(detectFormat('all:\n  hosts:\n    a:\n', 'hosts')).toBe('ansible-yaml');
    expect(detectFormat('web:\n  children:\n    x:\n', 'inv')).toBe('ansible-yaml');
    expect(detectFormat('defaults:\n  user: a\n', 'inv')).toBe('sockaudit-yaml');
    expect(detectFormat('hosts:\n  - a\n', 'inv.yml')).toBe('sockaudit-yaml');
    expect(detectFormat('plugin: aws_ec2\n', 'inv.yml')).toBe('ansible-yaml');
    expect(detectFormat('[web]\nweb1\n', 'hosts')).toBe('ansible-ini');
    expect(detectFormat('web1 ansible_port=2222\n', 'hosts')).toBe('ansible-ini');
    expect(detectFormat('web1\nalice@web2:2222\n[::1]:22\n', 'hosts')).toBe('host-list');
  });

  it('routes the text to the parser of that format', () => {
    expect(parseInventory('[web]\nw1\n', 'hosts').value).toMatchObject({ format: 'ansible-ini', hosts: [{ name: 'w1', groups: ['web'] }] });
  });
});

describe('the example inventories', () => {
  it.each([
    ['fleet.yml', 'sockaudit-yaml', 6],
    ['ansible-hosts.yml', 'ansible-yaml', 8],
    ['ansible-hosts.ini', 'ansible-ini', 7],
    ['hosts.txt', 'host-list', 5],
  ])('%s loads without errors or warnings', async (file, format, count) => {
    const result = await readInventory(join(examples, file));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.value.format).toBe(format);
    expect(result.value.hosts).toHaveLength(count);
  });
});

describe('mergeInventories', () => {
  it('merges a host found in two sources, the later winning, and warns', () => {
    const first = parseInventory('[web]\nw1 ansible_user=a ansible_port=2200 ansible_private_key_file=/k1\n', 'one.ini').value;
    const second = parseInventory('hosts:\n  - name: w1\n    user: b\n    groups: [blue]\n', 'two.yml').value;
    const merged = mergeInventories([first, second]);
    expect(merged.value).toHaveLength(1);
    expect(merged.value[0]).toMatchObject({ groups: ['blue', 'web'], settings: { user: 'b', port: 2200, identityFiles: ['/k1'] }, origin: 'two.yml:2' });
    expect(merged.warnings).toEqual(['two.yml:2: host w1 is also in one.ini:2; merged, with this one winning']);
  });
});

describe('loadTargets', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sockaudit-load-'));
    await writeFile(join(dir, 'hosts.ini'), '[web]\nweb1\nweb2 ansible_port=2222\n[db]\ndb1\n');
    await writeFile(join(dir, 'ssh_config'), 'Host web*\n  User webcfg\n  Port 2200\nHost *\n  IdentityFile /keys/id\n');
    await writeFile(join(dir, 'bad.yml'), 'all:\n  hosts:\n    h1: { ansible_port: abc }\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads, merges -H hosts, limits and resolves against -F', async () => {
    const { targets, warnings } = await loadTargets({
      inventories: [join(dir, 'hosts.ini')],
      hosts: ['127.0.0.9:2201'],
      limit: 'web:127.0.0.*:&~(web1|127)',
      sshConfigFile: join(dir, 'ssh_config'),
      defaultUser: 'fallback',
    });
    expect(warnings).toEqual([]);
    expect(targets.map((t) => [t.name, t.address, t.port, t.user, t.identityFiles])).toEqual([
      ['web1', 'web1', 2200, 'webcfg', ['/keys/id']],
      ['127.0.0.9:2201', '127.0.0.9', 2201, 'fallback', ['/keys/id']],
    ]);
  });

  it('ignores the ssh config with --no-ssh-config', async () => {
    const { targets } = await loadTargets({ inventories: [join(dir, 'hosts.ini')], limit: 'web1', sshConfigFile: null, defaultUser: 'fallback' });
    expect(targets.map((t) => [t.name, t.port, t.user, t.identityFiles])).toEqual([['web1', 22, 'fallback', []]]);
  });

  it('throws every input error at once, each naming file and line', async () => {
    const error = await loadTargets({ inventories: [join(dir, 'bad.yml'), join(dir, 'missing.txt')], sshConfigFile: join(dir, 'no_config') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InventoryErrors);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as InventoryErrors).errors.map((e) => e.message)).toEqual([
      `${join(dir, 'bad.yml')}:3: ansible_port of host h1 is "abc": it must be a number from 1 to 65535`,
      `${join(dir, 'missing.txt')}: cannot read the inventory: ENOENT`,
      `${join(dir, 'no_config')}: cannot read the ssh config: ENOENT`,
    ]);
  });
});

describe('loadTargets with the system ssh config', () => {
  let dir: string;
  let savedHome: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sockaudit-sysload-'));
    await mkdir(join(dir, 'home', '.ssh'), { recursive: true });
    await writeFile(join(dir, 'hosts.ini'), '[web]\nweb1\n');
    await writeFile(join(dir, 'home', '.ssh', 'config'), 'Host web1\n  User from-user\n');
    await writeFile(join(dir, 'ssh_config'), 'Host *\n  User from-system\n  Port 2300\n');
    await writeFile(join(dir, 'dash_f'), 'Host *\n  IdentityFile /keys/f\n');
    savedHome = process.env.HOME;
    // os.homedir() reads HOME: the user file comes from the temp home, never the real one.
    process.env.HOME = join(dir, 'home');
  });
  afterAll(async () => {
    if (savedHome === undefined) delete process.env.HOME;
    else process.env.HOME = savedHome;
    await rm(dir, { recursive: true, force: true });
  });

  const load = (extra: Partial<LoadTargetsOptions>) =>
    loadTargets({ inventories: [join(dir, 'hosts.ini')], defaultUser: 'fallback', ...extra }).then(({ targets }) => targets.map((t) => [t.user, t.port, t.identityFiles]));

  it('reads ~/.ssh/config, then the system file', async () => {
    expect(await load({ systemSshConfigFile: join(dir, 'ssh_config') })).toEqual([['from-user', 2300, []]]);
  });

  it('reads neither the user nor the system file besides -F, and no system file when it is null', async () => {
    expect(await load({ sshConfigFile: join(dir, 'dash_f'), systemSshConfigFile: join(dir, 'ssh_config') })).toEqual([['fallback', 22, ['/keys/f']]]);
    expect(await load({ systemSshConfigFile: null })).toEqual([['from-user', 22, []]]);
    expect(await load({ sshConfigFile: null, systemSshConfigFile: join(dir, 'ssh_config') })).toEqual([['fallback', 22, []]]);
  });
});
