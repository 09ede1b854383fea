import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAnsibleYaml } from '../../src/inventory/ansible-yaml.js';
import { parseAnsibleIni } from '../../src/inventory/ansible-ini.js';
import { parseVarsFile, type VarsDirEntry, type VarsDirs } from '../../src/inventory/ansible-vars-dirs.js';
import { readVarsDirs } from '../../src/inventory/ansible-vars-dirs-read.js';
import { readInventory } from '../../src/inventory/load.js';
import { EncryptedValue } from '../../src/inventory/ansible-vars.js';
import type { InventoryHost } from '../../src/inventory/types.js';

/** An entry of one file, at `dir/name`. */
const file = (dir: string, name: string, text: string): VarsDirEntry => ({ name, path: `${dir}/${name}`, files: [{ path: `${dir}/${name}`, text }] });
const dirs = (groupVars: VarsDirEntry[], hostVars: VarsDirEntry[] = []): VarsDirs => ({ groupVars, hostVars });
const host = (hosts: InventoryHost[], name: string): InventoryHost => {
  const found = hosts.find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name}`);
  return found;
};

const INVENTORY = `
all:
  vars:
    ansible_user: from-inventory-all
    level: inventory-all
  children:
    prod:
      vars:
        level: inventory-prod
      children:
        web:
          vars:
            level: inventory-web
            ansible_port: 2200
          hosts:
            web1:
              level: inventory-host
            web2:
`;

describe('group_vars and host_vars precedence', () => {
  it('puts the files above every inventory group var and below the inventory host vars, host_vars on top', () => {
    const result = parseAnsibleYaml(
      INVENTORY,
      'inv.yml',
      dirs(
        [
          file('group_vars', 'web.yml', 'level: files-web\n'),
          file('group_vars', 'all.yml', 'level: files-all\nansible_user: from-files-all\n'),
          file('group_vars', 'prod.yml', 'level: files-prod\nansible_port: 2300\n'),
        ],
        [file('host_vars', 'web2', 'ansible_port: 2400\n')],
      ),
    );
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    const web1 = host(result.value.hosts, 'web1');
    const web2 = host(result.value.hosts, 'web2');
    // Inventory host var beats group_vars/web; group_vars/all beats the inventory's `all`.
    expect(web1.vars.level).toBe('inventory-host');
    expect(web1.settings).toMatchObject({ user: 'from-files-all', port: 2300 });
    // group_vars/web (child) beats group_vars/prod (parent), both beat the inventory's web vars.
    expect(web2.vars.level).toBe('files-web');
    // host_vars beats everything.
    expect(web2.settings).toMatchObject({ user: 'from-files-all', port: 2400 });
  });

  it('merges sibling groups by name, or by the inventory ansible_group_priority', () => {
    const inventory = 'all:\n  children:\n    a:\n      hosts:\n        h1:\n    b:\n      hosts:\n        h1:\n';
    const files = [file('group_vars', 'b.yml', 'ansible_user: from-b\n'), file('group_vars', 'a.yml', 'ansible_user: from-a\n')];
    expect(host(parseAnsibleYaml(inventory, 'inv.yml', dirs(files)).value.hosts, 'h1').settings.user).toBe('from-b');
    const prioritised = inventory.replace('    a:\n', '    a:\n      vars:\n        ansible_group_priority: 5\n');
    expect(host(parseAnsibleYaml(prioritised, 'inv.yml', dirs(files)).value.hosts, 'h1').settings.user).toBe('from-a');
  });

  it('ignores ansible_group_priority set in group_vars, with a warning naming the file and line', () => {
    const inventory = 'all:\n  children:\n    a:\n      hosts:\n        h1:\n    b:\n      hosts:\n        h1:\n';
    const files = [file('group_vars', 'a.yml', 'ansible_user: from-a\nansible_group_priority: 9\n'), file('group_vars', 'b.yml', 'ansible_user: from-b\n')];
    const result = parseAnsibleYaml(inventory, 'inv.yml', dirs(files));
    expect(host(result.value.hosts, 'h1').settings.user).toBe('from-b');
    expect(host(result.value.hosts, 'h1').vars).not.toHaveProperty('ansible_group_priority');
    expect(result.warnings).toEqual(['group_vars/a.yml:2: ansible_group_priority has effect only in the inventory file, not in group_vars; ignored']);
  });

  it('applies to INI inventories, `ungrouped` included', () => {
    const result = parseAnsibleIni(
      'loner\n[web]\nweb1 ansible_user=inline\n',
      'hosts',
      dirs([file('group_vars', 'ungrouped.yaml', 'ansible_user: lonely\n'), file('group_vars', 'web.json', '{"ansible_user": "json", "ansible_port": 2022}')]),
    );
    expect(result.errors).toEqual([]);
    expect(host(result.value.hosts, 'loner').settings.user).toBe('lonely');
    expect(host(result.value.hosts, 'web1').settings).toMatchObject({ user: 'inline', port: 2022 });
  });

  it('leaves secret-looking and encrypted values out of vars, and errors only when a connection value is encrypted', () => {
    const vault = '!vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231\n';
    const result = parseAnsibleYaml(
      INVENTORY,
      'inv.yml',
      dirs([file('group_vars', 'all.yml', `db_password: secret\nnote: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3131\n`)], [file('host_vars', 'web2.yml', `# comment\nansible_user: ${vault}`)]),
    );
    expect(host(result.value.hosts, 'web1').vars).not.toHaveProperty('db_password');
    expect(host(result.value.hosts, 'web1').vars).not.toHaveProperty('note');
    expect(result.errors.map((e) => [e.file, e.line, e.problem])).toEqual([
      ['host_vars/web2.yml', 2, 'ansible_user of host web2 is vault-encrypted; decrypt it with `ansible-inventory -i INVENTORY --list --vault-password-file FILE > hosts.json` and pass hosts.json'],
    ]);
  });

  it('names the vars file and line in errors', () => {
    const result = parseAnsibleYaml(INVENTORY, 'inv.yml', dirs([file('group_vars', 'web.yml', '# web\n\nansible_port: abc\n'), file('group_vars', 'prod.yml', 'a: [1\n')]));
    expect(result.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^group_vars\/prod\.yml:\d+: YAML: /),
      'group_vars/web.yml:3: ansible_port of host web1 is "abc": it must be a number from 1 to 65535',
      'group_vars/web.yml:3: ansible_port of host web2 is "abc": it must be a number from 1 to 65535',
    ]);
  });

  it('warns about files for groups and hosts the inventory does not have, and files that lose to another', () => {
    const result = parseAnsibleYaml(
      INVENTORY,
      'inv.yml',
      dirs(
        [file('group_vars', 'web', 'ansible_user: bare\n'), file('group_vars', 'web.yml', 'ansible_user: yml\n'), file('group_vars', 'nosuch.yml', 'x: 1\n')],
        [file('host_vars', 'ghost', 'x: 1\n')],
      ),
    );
    expect(host(result.value.hosts, 'web1').settings.user).toBe('bare');
    expect(result.warnings).toEqual([
      'group_vars/web.yml: ignored, as Ansible reads only web for group web',
      'group_vars/nosuch.yml: the inventory has no group named nosuch.yml or nosuch; ignored',
      'host_vars/ghost: the inventory has no host named ghost; ignored',
    ]);
  });
});

describe('parseVarsFile', () => {
  it('reads a mapping with the line of each key and the file; an empty file has no vars', () => {
    const parsed = parseVarsFile('---\n# c\nansible_user: a\nbase: &b { k: 1 }\nport: 22\n', 'f.yml');
    expect(parsed.errors).toEqual([]);
    expect([...parsed.value]).toEqual([
      ['ansible_user', { value: 'a', line: 3, file: 'f.yml' }],
      ['base', { value: { k: 1 }, line: 4, file: 'f.yml' }],
      ['port', { value: 22, line: 5, file: 'f.yml' }],
    ]);
    expect(parseVarsFile('', 'e.yml').value.size).toBe(0);
    expect(parseVarsFile('# nothing\n---\n', 'e.yml').value.size).toBe(0);
  });

  it('marks !vault values as encrypted', () => {
    expect(parseVarsFile('k: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3131\n', 'f.yml').value.get('k')?.value).toBeInstanceOf(EncryptedValue);
  });

  it('refuses a file that is not a mapping, and skips a vault-encrypted file with a warning', () => {
    expect(parseVarsFile('\n- a\n- b\n', 'l.yml').errors.map((e) => e.message)).toEqual(['l.yml:2: a vars file must be a mapping of variable names to values']);
    const vaulted = parseVarsFile('$ANSIBLE_VAULT;1.1;AES256\n6231\n', 'v.yml');
    expect(vaulted.value.size).toBe(0);
    expect(vaulted.errors).toEqual([]);
    expect(vaulted.warnings).toEqual([expect.stringMatching(/^v\.yml: the file is vault-encrypted/)]);
  });
});

describe('readVarsDirs and readInventory', () => {
  let dir: string;
  const put = async (path: string, text: string): Promise<void> => {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sockaudit-vars-'));
    await put('site/hosts.ini', '[web]\nweb1\nweb2\n[db]\ndb1\n');
    await put('site/group_vars/all.yml', 'ansible_user: everyone\n');
    await put('site/group_vars/web/b.yml', 'ansible_port: 2002\nansible_user: from-b\n');
    await put('site/group_vars/web/a.yml', 'ansible_port: 2001\n');
    await put('site/group_vars/web/c/deeper.yaml', 'ansible_user: from-c-deeper\n');
    await put('site/group_vars/web/notes.txt', 'ansible_port: [not read\n');
    await put('site/group_vars/web/.hidden.yml', 'ansible_port: 9\n');
    await put('site/group_vars/web/z.yml~', 'ansible_port: 9\n');
    await put('site/group_vars/web/ext.d/x.yml', 'ansible_port: 9\n');
    await put('site/host_vars/db1', 'ansible_host: 127.0.0.7\n');
    await put('flat/hosts.yml', 'all:\n  hosts:\n    h1:\n');
    await put('flat/group_vars', 'not a directory\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists a directory entry with its files in lexical order, skipping hidden, backup and foreign files', async () => {
    const result = await readVarsDirs(join(dir, 'site'));
    expect(result.errors).toEqual([]);
    const web = result.value.groupVars.find((e) => e.name === 'web');
    expect(web?.files.map((f) => f.path.slice(join(dir, 'site', 'group_vars', 'web').length + 1))).toEqual(['a.yml', 'b.yml', 'c/deeper.yaml']);
    expect(result.value.hostVars.map((e) => e.name)).toEqual(['db1']);
  });

  it('reads them beside an inventory file, later files in a directory winning', async () => {
    const result = await readInventory(join(dir, 'site', 'hosts.ini'));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    const hosts = result.value.hosts;
    expect(host(hosts, 'web1').settings).toMatchObject({ user: 'from-c-deeper', port: 2002 });
    expect(host(hosts, 'db1').settings).toEqual({ address: '127.0.0.7', user: 'everyone', identityFiles: [] });
  });

  it('warns when group_vars is not a directory', async () => {
    const result = await readInventory(join(dir, 'flat', 'hosts.yml'));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([`${join(dir, 'flat', 'group_vars')}: is not a directory; skipped`]);
  });
});

describe('the example inventory/ansible/hosts.yml', () => {
  it('loads cleanly with its group_vars and host_vars', async () => {
    const examples = fileURLToPath(new URL('../../inventory/ansible/', import.meta.url));
    const result = await readInventory(join(examples, 'hosts.yml'));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    const hosts = result.value.hosts;
    expect(hosts.map((h) => h.name)).toEqual(['web01.example.com', 'web02.example.com', 'web03.example.com', 'db1.example.com']);
    expect(host(hosts, 'db1.example.com').settings).toMatchObject({ address: '10.0.3.11', port: 2222, user: 'audit', identityFiles: ['~/.ssh/db_ed25519'] });
    expect(host(hosts, 'db1.example.com').vars).toMatchObject({ tier: 'backend' });
    expect(host(hosts, 'db1.example.com').vars).not.toHaveProperty('db_admin_password');
    expect(host(hosts, 'web02.example.com').settings).toMatchObject({ address: '10.0.1.12', user: 'audit', hostKeyPolicy: 'accept-new', proxyJump: [{ host: 'bastion.example.com', user: 'ops' }] });
    expect(host(hosts, 'web01.example.com').settings.address).toBeUndefined();
  });
});
