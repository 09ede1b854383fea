import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSshConfig, parseSshConfig, type SshConfig } from '../../src/inventory/ssh-config.js';
import { readSshConfig, readSystemSshConfig } from '../../src/inventory/ssh-config-read.js';

const env = { localUser: 'me', home: '/home/me' };
const config = (text: string): SshConfig => {
  const parsed = parseSshConfig(text, 'config');
  expect(parsed.errors).toEqual([]);
  return parsed.value;
};
const compute = (cfg: SshConfig, host: string, user?: string) => {
  const warnings = new Set<string>();
  const settings = computeSshConfig(cfg, { host, ...env, ...(user === undefined ? {} : { user }) }, warnings);
  return { settings, warnings: [...warnings] };
};

describe('parseSshConfig and computeSshConfig', () => {
  it('keeps the first value, accumulates IdentityFile, reads Key=Value, any case, quotes', () => {
    const cfg = config(`
# comment
Host web1
  HostName=10.0.0.5
  port 2222
  IdentityFile "~/.ssh/web key"   # trailing comment
  USER deploy
Host web*
  Port 22
  User nobody
  IdentityFile ~/.ssh/web_common
Host *
  User fallback
  IdentityFile ~/.ssh/id_ed25519
  StrictHostKeyChecking accept-new
  ConnectTimeout 9
`);
    expect(compute(cfg, 'web1').settings).toEqual({
      hostName: '10.0.0.5',
      port: 2222,
      user: 'deploy',
      identityFiles: ['~/.ssh/web key', '~/.ssh/web_common', '~/.ssh/id_ed25519'],
      hostKeyPolicy: 'accept-new',
      // Where the policy was written, for the report's "why".
      hostKeyPolicyFrom: 'StrictHostKeyChecking accept-new (ssh config config line 15)',
      connectTimeoutMs: 9000,
    });
    expect(compute(cfg, 'db1').settings).toEqual({
      user: 'fallback',
      identityFiles: ['~/.ssh/id_ed25519'],
      hostKeyPolicy: 'accept-new',
      hostKeyPolicyFrom: 'StrictHostKeyChecking accept-new (ssh config config line 15)',
      connectTimeoutMs: 9000,
    });
  });

  it('matches ? as exactly one character and lets a negated pattern cancel the line', () => {
    const cfg = config('Host db? !db9\n  User dba\nHost *\n  User other\n');
    expect(compute(cfg, 'db1').settings.user).toBe('dba');
    expect(compute(cfg, 'db').settings.user).toBe('other');
    expect(compute(cfg, 'db10').settings.user).toBe('other');
    expect(compute(cfg, 'db9').settings.user).toBe('other');
  });

  it('maps StrictHostKeyChecking values', () => {
    const policy = (value: string) => compute(config(`StrictHostKeyChecking ${value}\n`), 'h').settings.hostKeyPolicy;
    expect([policy('yes'), policy('ask'), policy('accept-new'), policy('no'), policy('off')]).toEqual(['strict', 'strict', 'accept-new', 'accept-new', 'accept-new']);
  });

  it('evaluates Match host after HostName, originalhost, user, all and negation', () => {
    const cfg = config(`
Host short
  HostName short.internal.example
Match host *.internal.example
  Port 2022
Match originalhost short user alice
  IdentityFile ~/.ssh/alice_short
Match !user alice
  ConnectTimeout 3
Match all
  User alice
`);
    expect(compute(cfg, 'short', 'alice').settings).toEqual({
      hostName: 'short.internal.example',
      port: 2022,
      user: 'alice',
      identityFiles: ['~/.ssh/alice_short'],
    });
    expect(compute(cfg, 'short', 'bob').settings).toEqual({ hostName: 'short.internal.example', port: 2022, user: 'bob', identityFiles: [], connectTimeoutMs: 3000 });
    // No user given: Match user sees the local user until the config names one.
    expect(compute(cfg, 'other').settings).toEqual({ user: 'alice', identityFiles: [], connectTimeoutMs: 3000 });
  });

  it('never runs Match exec: it warns and treats the block as not matching', async () => {
    const marker = join(tmpdir(), `sockaudit-match-exec-${process.pid}`);
    const cfg = config(`Match exec "touch ${marker}"\n  User ran\nMatch canonical host x\n  User canon\n`);
    const { settings, warnings } = compute(cfg, 'x');
    expect(settings.user).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
    expect(warnings).toEqual([
      'config:1: Match exec is not evaluated by sockaudit; the block is treated as not matching',
      'config:3: Match canonical is not evaluated by sockaudit; the block is treated as not matching',
    ]);
  });

  it('reads ProxyJump chains, ssh:// hops and none', () => {
    const cfg = config('Host a\n  ProxyJump ssh://ops@b1:2022,b2\nHost c\n  ProxyJump none\nHost *\n  ProxyJump never\n');
    expect(compute(cfg, 'a').settings.proxyJump).toEqual([{ host: 'b1', port: 2022, user: 'ops' }, { host: 'b2' }]);
    expect(compute(cfg, 'c').settings.proxyJump).toBe('none');
  });

  it('names file and line for malformed lines', () => {
    const { errors } = parseSshConfig('Host a\n  Port abc\n  User "bob\n  IdentityFile\n  StrictHostKeyChecking maybe\nMatch all host x\n', 'cfg');
    expect(errors.map((e) => [e.file, e.line])).toEqual([
      ['cfg', 2],
      ['cfg', 3],
      ['cfg', 4],
      ['cfg', 5],
      ['cfg', 6],
    ]);
    expect(errors[0]?.problem).toMatch(/Port "abc"/);
    expect(errors[1]?.problem).toMatch(/unterminated " quote/);
  });
});

describe('readSshConfig with Include', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'sockaudit-sshcfg-'));
    await mkdir(join(home, '.ssh', 'conf.d'), { recursive: true });
    await writeFile(join(home, '.ssh', 'conf.d', '20-b.conf'), 'Host *\n  User from-b\n  IdentityFile ~/.ssh/b\n');
    await writeFile(join(home, '.ssh', 'conf.d', '10-a.conf'), 'Host *\n  User from-a\n  IdentityFile ~/.ssh/a\n');
    await writeFile(join(home, '.ssh', 'conf.d', '.hidden.conf'), 'Host *\n  User hidden\n');
    await writeFile(join(home, '.ssh', 'only-web'), 'Port 2201\nHost other\n  Port 2999\n');
    await writeFile(join(home, '.ssh', 'loop'), 'Include loop\n');
    await writeFile(
      join(home, '.ssh', 'config'),
      'Host web\n  Include only-web\nHost *\n  Include conf.d/*.conf ~/.ssh/absent\n',
    );
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('splices globbed files in lexical order, relative to ~/.ssh, skipping missing ones', async () => {
    const read = await readSshConfig(join(home, '.ssh', 'config'), { home, localUser: 'me' });
    expect(read.errors).toEqual([]);
    const { settings } = compute(read.value, 'db');
    expect(settings.user).toBe('from-a');
    expect(settings.identityFiles).toEqual(['~/.ssh/a', '~/.ssh/b']);
  });

  it('makes an Include inside a Host block conditional, its own Host lines included', async () => {
    const read = await readSshConfig(join(home, '.ssh', 'config'), { home, localUser: 'me' });
    expect(compute(read.value, 'web').settings.port).toBe(2201);
    expect(compute(read.value, 'db').settings.port).toBeUndefined();
    // `Host other` inside a file included from an inactive block never matches.
    expect(compute(read.value, 'other').settings.port).toBeUndefined();
  });

  it('stops an Include that recurses, naming the file and line', async () => {
    const read = await readSshConfig(join(home, '.ssh', 'loop'), { home, localUser: 'me' });
    expect(read.errors).toHaveLength(1);
    expect(read.errors[0]).toMatchObject({ file: join(home, '.ssh', 'loop'), line: 1 });
    expect(read.errors[0]?.problem).toMatch(/nested more than 16/);
  });

  it('reports a config file that cannot be read', async () => {
    const read = await readSshConfig(join(home, 'nope'), { home, localUser: 'me' });
    expect(read.errors[0]?.message).toBe(`${join(home, 'nope')}: cannot read the ssh config: ENOENT`);
  });
});

describe('readSystemSshConfig, read after the user file', () => {
  let root: string;
  const env = (): { home: string; localUser: string } => ({ home: join(root, 'home'), localUser: 'me' });
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sockaudit-syscfg-'));
    await mkdir(join(root, 'etc', 'conf.d'), { recursive: true });
    await mkdir(join(root, 'home', '.ssh', 'conf.d'), { recursive: true });
    await writeFile(join(root, 'etc', 'ssh_config'), 'ConnectTimeout 7\nInclude conf.d/*.conf\nHost *\n  User from-system\n  Port 2300\n');
    await writeFile(join(root, 'etc', 'conf.d', '50-db.conf'), 'Host db\n  Port 2400\n');
    // The same relative name under ~/.ssh must not be the one read.
    await writeFile(join(root, 'home', '.ssh', 'conf.d', '50-db.conf'), 'Host db\n  Port 2999\n');
    await writeFile(join(root, 'home', '.ssh', 'config'), 'Host web\n  User from-user\nHost nomatch\n');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('resolves relative Include paths against its own directory', async () => {
    const read = await readSystemSshConfig(join(root, 'etc', 'ssh_config'), env());
    expect(read.errors).toEqual([]);
    expect(read.warnings).toEqual([]);
    if (!read.value) throw new Error('no config');
    expect(compute(read.value, 'db').settings).toMatchObject({ port: 2400, user: 'from-system' });
  });

  it('lets the user file win, each file starting outside any Host block', async () => {
    const user = await readSshConfig(join(root, 'home', '.ssh', 'config'), env());
    const system = await readSystemSshConfig(join(root, 'etc', 'ssh_config'), env());
    if (!system.value) throw new Error('no config');
    const warnings = new Set<string>();
    const both = [user.value, system.value];
    expect(computeSshConfig(both, { host: 'web', ...env() }, warnings)).toEqual({ user: 'from-user', port: 2300, connectTimeoutMs: 7000, identityFiles: [] });
    expect(computeSshConfig(both, { host: 'db', ...env() }, warnings)).toEqual({ user: 'from-system', port: 2400, connectTimeoutMs: 7000, identityFiles: [] });
  });

  it('skips a missing file silently and an unreadable one with a warning', async () => {
    const missing = await readSystemSshConfig(join(root, 'etc', 'absent'), env());
    expect(missing).toEqual({ value: undefined, warnings: [], errors: [] });
    const unreadable = await readSystemSshConfig(join(root, 'etc', 'conf.d'), env());
    expect(unreadable.value).toBeUndefined();
    expect(unreadable.errors).toEqual([]);
    expect(unreadable.warnings).toEqual([`${join(root, 'etc', 'conf.d')}: cannot read the system ssh config (EISDIR); read without it`]);
  });
});
