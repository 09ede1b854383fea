import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInventories } from '../../src/inventory/load.js';
import { loadTargets } from '../../src/inventory/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sockaudit-folders-'));
  const prod = join(dir, 'prod');
  await mkdir(join(prod, 'group_vars'), { recursive: true });
  await mkdir(join(prod, 'more'));
  const files: Record<string, string> = {
    'hosts.yml': 'all:\n  children:\n    web:\n      hosts:\n        web1:\n',
    'db.ini': '[db]\ndb1 ansible_port=2202\n',
    'more/cache': '[cache]\ncache1\n',
    'group_vars/all.yml': 'ansible_user: deploy\n',
    'hosts.yml.retry': 'web1\n',
    'old.orig': 'stale1\n',
    'db.ini~': '[db]\nstale2\n',
    '#db.ini#~': 'stale3\n',
    '.hidden': 'stale4\n',
    'notes.md': '# notes\n',
    'ansible.cfg': '[defaults]\n',
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(prod, name), text);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('an inventory folder', () => {
  it('reads every inventory file in it, subfolders too, skipping what Ansible skips, with its group_vars', async () => {
    const result = await readInventories(join(dir, 'prod'));
    expect(result.errors).toEqual([]);
    const hosts = result.value.flatMap((s) => s.hosts.map((h) => [h.name, h.settings.user, h.settings.port]));
    expect(hosts).toEqual([
      ['db1', 'deploy', 2202],
      ['web1', 'deploy', undefined],
      ['cache1', 'deploy', undefined],
    ]);
    expect(result.value.map((s) => s.file)).toEqual([join(dir, 'prod', 'db.ini'), join(dir, 'prod', 'hosts.yml'), join(dir, 'prod', 'more', 'cache')]);
  });
});

describe('-i -', () => {
  it('reads the standard input text the caller passes', async () => {
    const { targets } = await loadTargets({ inventories: ['-'], stdin: '[web]\nweb9 ansible_port=2209\n', sshConfigFile: null });
    expect(targets.map((t) => [t.name, t.port, t.origin])).toEqual([['web9', 2209, '<stdin>:2']]);
  });

  it('is an error naming "-" without that text', async () => {
    await expect(loadTargets({ inventories: ['-'], sshConfigFile: null })).rejects.toThrow('-: no standard input to read the inventory from');
  });
});
