// The real client path end to end against OpenSSH's sshd on loopback, through the CLI.
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClientKey, startSshAgent, startSshd, type ClientKey, type Sshd } from '../fleet/sshd.js';
import { runCli, tempDir } from './helpers.js';

interface JsonHost {
  name: string;
  status: string;
  stage?: string;
  message?: string;
  detail?: Record<string, string>;
  via: string[];
  snapshot: { hostname?: string } | null;
}

describe('audit against real OpenSSH sshd', () => {
  const dir = tempDir('openssh');
  let key: ClientKey;
  let target: Sshd;
  let bastion: Sshd;
  let knownHosts: string;

  const audit = async (name: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const out = join(dir.path, name);
    const r = await runCli(['audit', '--no-ssh-config', '-q', '-o', out, '--format', 'json,html', '--fail-on', 'never', ...args], env);
    const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { run: { warnings: string[] }; hosts: JsonHost[] };
    return { ...r, json, host: json.hosts[0]!, html: readFileSync(join(out, 'report.html'), 'utf8') };
  };

  beforeAll(async () => {
    key = await makeClientKey('ed25519');
    [target, bastion] = await Promise.all([startSshd({ authorizedKeys: key.publicKey }), startSshd({ authorizedKeys: key.publicKey })]);
    knownHosts = join(dir.path, 'known_hosts');
    writeFileSync(knownHosts, `${target.knownHosts}\n${bastion.knownHosts}\n`);
  });

  afterAll(async () => {
    await Promise.all([target?.stop(), bastion?.stop()]);
    key?.cleanup();
    dir.cleanup();
  });

  const hostArg = () => `${target.user}@127.0.0.1:${target.port}`;

  it('key auth and a strict known_hosts: the real /proc of this machine, read through sshd', async () => {
    const r = await audit('key', ['-H', hostArg(), '--identity', key.privateKeyPath, '--known-hosts', knownHosts]);
    expect(r.code).toBe(0);
    expect(r.host.status).not.toBe('failed');
    expect(r.host.snapshot?.hostname).toBe(hostname());
  });

  it('agent auth: no key file, the key held by a running ssh-agent', async () => {
    const agent = await startSshAgent([key.privateKeyPath]);
    try {
      const r = await audit('agent', ['-H', hostArg(), '--known-hosts', knownHosts], { SSH_AUTH_SOCK: agent.socket });
      expect(r.host.status).not.toBe('failed');
    } finally {
      await agent.stop();
    }
  });

  it('strict refuses a host that is not in known_hosts, at stage host-key', async () => {
    const empty = join(dir.path, 'empty_known_hosts');
    writeFileSync(empty, '');
    const r = await audit('unknown', ['-H', hostArg(), '--identity', key.privateKeyPath, '--known-hosts', empty]);
    expect(r.code).toBe(3);
    expect(r.host).toMatchObject({ status: 'failed', stage: 'host-key' });
    expect(r.host.message).toContain('not in known_hosts');
    expect(r.host.snapshot).toBeNull();
  });

  it('accept-new trusts a first-seen host, records its key, and a strict run then accepts it', async () => {
    const recorded = join(dir.path, 'accepted_known_hosts');
    const first = await audit('accept-new', ['-H', hostArg(), '--identity', key.privateKeyPath, '--host-key-policy', 'accept-new', '--accept-new-file', recorded]);
    expect(first.host.status).not.toBe('failed');
    const line = readFileSync(recorded, 'utf8');
    expect(line).toContain(`[127.0.0.1]:${target.port} ${target.hostPublicKey.split(' ').slice(0, 2).join(' ')}`);
    const second = await audit('after-accept', ['-H', hostArg(), '--identity', key.privateKeyPath, '--known-hosts', recorded]);
    expect(second.host.status).not.toBe('failed');
  });

  it('a changed key fails at host-key, naming the fingerprint seen and the one expected', async () => {
    const other = await makeClientKey('ed25519');
    try {
      const lying = join(dir.path, 'lying_known_hosts');
      writeFileSync(lying, `[127.0.0.1]:${target.port} ${other.publicKey}\n`);
      const r = await audit('mismatch', ['-H', hostArg(), '--identity', key.privateKeyPath, '--known-hosts', lying, '--host-key-policy', 'accept-new']);
      expect(r.host).toMatchObject({ status: 'failed', stage: 'host-key' });
      expect(r.host.message).toContain(target.hostKeyFingerprint);
      const otherFingerprint = (await import('../fleet/sshd.js')).fingerprintOf(other.publicKey);
      expect(r.host.message).toContain(otherFingerprint);
      expect(r.html).toContain(target.hostKeyFingerprint);
    } finally {
      other.cleanup();
    }
  });

  it('ProxyJump from an ssh config reaches the target through a second sshd, both verified', async () => {
    const config = join(dir.path, 'ssh_config');
    writeFileSync(
      config,
      [
        'Host inner',
        '  HostName 127.0.0.1',
        `  Port ${target.port}`,
        `  User ${target.user}`,
        `  ProxyJump ${bastion.user}@127.0.0.1:${bastion.port}`,
        `  IdentityFile ${key.privateKeyPath}`,
        '',
      ].join('\n'),
    );
    const out = join(dir.path, 'jump');
    const r = await runCli(['audit', '-F', config, '-H', 'inner', '--known-hosts', knownHosts, '-q', '-o', out, '--format', 'json', '--fail-on', 'never']);
    const host = (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { hosts: JsonHost[] }).hosts[0]!;
    expect(r.code).toBe(0);
    expect(host.status).not.toBe('failed');
    expect(host.via).toEqual([`${bastion.user}@127.0.0.1:${bastion.port}`]);
    expect(host.snapshot?.hostname).toBe(hostname());
  });

  it('a closed port fails at stage connect', async () => {
    const r = await audit('closed', ['-H', `${target.user}@127.0.0.1:1`, '--identity', key.privateKeyPath, '--known-hosts', knownHosts, '--connect-timeout', '2']);
    expect(r.host).toMatchObject({ status: 'failed', stage: 'connect' });
  });

  it('host-key checking off is said in every report', async () => {
    const r = await audit('off', ['-H', hostArg(), '--identity', key.privateKeyPath, '--host-key-policy', 'off']);
    expect(r.host.status).not.toBe('failed');
    expect(r.json.run.warnings.join(' ')).toMatch(/host key/i);
    expect(r.html).toMatch(/host key checking was off/i);
  });
});
