import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInventory } from '../../src/inventory/load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sockaudit-script-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string, mode = 0o755): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, mode);
  return path;
}

describe('an executable inventory', () => {
  it('is run with --list and its _meta.hostvars read', async () => {
    const path = await script('with-meta', `[ "$1" = --list ] && echo '{"web": {"hosts": ["w1"]}, "_meta": {"hostvars": {"w1": {"ansible_port": 2201}}}}'`);
    const result = await readInventory(path);
    expect(result.errors).toEqual([]);
    expect(result.value.hosts.map((h) => [h.name, h.groups, h.settings.port])).toEqual([['w1', ['web'], 2201]]);
  });

  it('is asked --host for each host when it prints no _meta', async () => {
    const path = await script(
      'no-meta',
      `case "$1" in --list) echo '{"web": ["w1", "w2"]}';; --host) echo "{\\"ansible_host\\": \\"10.0.0.$( [ "$2" = w1 ] && echo 1 || echo 2)\\"}";; esac`,
    );
    const result = await readInventory(path);
    expect(result.errors).toEqual([]);
    expect(result.value.hosts.map((h) => [h.name, h.settings.address])).toEqual([
      ['w1', '10.0.0.1'],
      ['w2', '10.0.0.2'],
    ]);
  });

  it('that fails is an error naming the file, with its stderr', async () => {
    const path = await script('failing', 'echo "cannot reach the cloud API" >&2; exit 3');
    const result = await readInventory(path);
    expect(result.errors.map((e) => e.message)).toEqual([expect.stringMatching(new RegExp(`^${path}: the inventory script failed with --list: .*stderr: cannot reach the cloud API$`))]);
  });

  it('is not run when it is not executable', async () => {
    const path = await script('plain', 'touch ran', 0o644);
    const result = await readInventory(path);
    expect(result.value.format).not.toBe('ansible-json');
  });
});
