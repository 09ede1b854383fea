// The real client path end to end against OpenSSH's sshd on loopback, through the CLI.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFleet, type CollectEnvironment, type FleetOptions } from '../../src/collect/collect.js';
import { loadTargets } from '../../src/inventory/index.js';
import { SSH, makeClientKey, sshConfigBlock, startSshAgent, startSshd, type ClientKey, type Sshd } from '../support/sshd.js';
import { runBinary, runCli, tempDir } from './helpers.js';

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
      const otherFingerprint = (await import('../support/sshd.js')).fingerprintOf(other.publicKey);
      expect(r.host.message).toContain(otherFingerprint);
      expect(r.html).toContain(target.hostKeyFingerprint);
    } finally {
      other.cleanup();
    }
  });

  it('ProxyJump from an ssh config reaches the target through a second sshd, both verified', async () => {
    const config = join(dir.path, 'ssh_config');
    writeFileSync(config, sshConfigBlock(target, key.privateKeyPath, 'inner', [`ProxyJump ${bastion.user}@127.0.0.1:${bastion.port}`]));
    const out = join(dir.path, 'jump');
    const r = await runCli(['audit', '-F', config, '-H', 'inner', '--known-hosts', knownHosts, '-q', '-o', out, '--format', 'json', '--fail-on', 'never']);
    const host = (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { hosts: JsonHost[] }).hosts[0]!;
    expect(r.code).toBe(0);
    expect(host.status).not.toBe('failed');
    expect(host.via).toEqual([`${bastion.user}@127.0.0.1:${bastion.port}`]);
    expect(host.snapshot?.hostname).toBe(hostname());
  });

  it('ProxyJump for 70 hosts through ssh worker threads: every host reached through the one bastion, both keys verified', async () => {
    const config = join(dir.path, 'ssh_config_many');
    writeFileSync(config, sshConfigBlock(target, key.privateKeyPath, 'inner-*', [`ProxyJump ${bastion.user}@127.0.0.1:${bastion.port}`]));
    const names = Array.from({ length: 70 }, (_, i) => `inner-${i}`);
    const out = join(dir.path, 'jump-workers');
    // The built binary: the worker threads run its compiled ssh-worker.js.
    const r = await runBinary(['audit', '-F', config, '-H', names.join(','), '--known-hosts', knownHosts, '--workers', '2', '-c', '8', '-o', out, '--format', 'json', '--fail-on', 'never'], { env: { SSH_AUTH_SOCK: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('SSH sessions in 2 worker threads');
    const hosts = (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { hosts: (JsonHost & { hostKeyVerified: string | null })[] }).hosts;
    expect(hosts.map((h) => h.name).sort()).toEqual([...names].sort());
    for (const h of hosts) {
      expect(h.status, h.name).not.toBe('failed');
      expect(h.via).toEqual([`${bastion.user}@127.0.0.1:${bastion.port}`]);
      expect(h.hostKeyVerified).toBe('known');
      expect(h.snapshot?.hostname).toBe(hostname());
    }
  }, 60_000);

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

/** OpenSSH's own verdict on the same files: exit 0 or the reason it refused. */
async function opensshVerdict(config: string, host: string, extra: string[] = []): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      SSH,
      ['-F', config, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', ...extra, host, 'true'],
      { timeout: 20_000 },
      (error, _stdout, stderr) => resolve({ ok: error === null, stderr }),
    );
  });
}

/** Reached and probed: `partial` when a /proc file is unreadable here, which is no concern of these tests. */
const audited = expect.stringMatching(/^(ok|partial)$/);

describe('host keys checked as OpenSSH checks them, on the same files', () => {
  const dir = tempDir('trust');
  let key: ClientKey;
  let other: ClientKey;
  let sshd: Sshd;
  const env: CollectEnvironment = { env: {}, warn: (m) => warnings.push(m), onEvent: () => {} };
  let warnings: string[] = [];

  const collect = async (files: { inventories?: string[]; hosts?: string[]; sshConfigFile?: string | null }, opts: Partial<FleetOptions> = {}) => {
    warnings = [];
    const loaded = await loadTargets({ inventories: files.inventories ?? [], hosts: files.hosts ?? [], sshConfigFile: files.sshConfigFile ?? null, systemSshConfigFile: null });
    expect(loaded.warnings).toEqual([]);
    const outcomes = await collectFleet(loaded.targets, {
      concurrency: 4,
      hostTimeoutMs: 20_000,
      samples: 1,
      intervalSeconds: 0,
      knownHostsFiles: [],
      signal: new AbortController().signal,
      ...opts,
    }, env);
    return new Map(outcomes.map((o) => [o.target.name, o]));
  };

  /** An ssh config every host of these tests shares: this sshd, the test key, no global files. */
  const hostBlock = (names: string, lines: string[]) => sshConfigBlock(sshd, key.privateKeyPath, names, lines);

  beforeAll(async () => {
    [key, other] = await Promise.all([makeClientKey('ed25519'), makeClientKey('ed25519')]);
    sshd = await startSshd({ authorizedKeys: key.publicKey });
    mkdirSync(join(dir.path, 'kh'));
  });

  afterAll(async () => {
    await sshd?.stop();
    key?.cleanup();
    other?.cleanup();
    dir.cleanup();
  });

  it("a group's wildcard line does not vouch for another host whose own file records a different key", async () => {
    const lab = join(dir.path, 'kh', 'lab');
    const prod = join(dir.path, 'kh', 'prod');
    writeFileSync(lab, `* ${sshd.hostPublicKey}\n`);
    writeFileSync(prod, `[127.0.0.1]:${sshd.port} ${other.publicKey}\n`);
    const config = join(dir.path, 'per-host.config');
    writeFileSync(config, hostBlock('lab-1', [`UserKnownHostsFile ${lab}`]) + hostBlock('prod-db', [`UserKnownHostsFile ${prod}`]));

    const [labSsh, prodSsh] = await Promise.all([opensshVerdict(config, 'lab-1'), opensshVerdict(config, 'prod-db')]);
    expect(labSsh.ok).toBe(true);
    expect(prodSsh.ok).toBe(false);
    expect(prodSsh.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');

    const out = await collect({ hosts: ['lab-1,prod-db'], sshConfigFile: config });
    expect(out.get('lab-1')).toMatchObject({ status: audited, target: { hostKeyVerified: 'known', hostKey: { policy: 'strict', reason: 'strict (default)' } } });
    expect(out.get('prod-db')).toMatchObject({ status: 'failed', stage: 'host-key', message: expect.stringContaining('does not match known_hosts') });
    expect(out.get('prod-db')?.target.hostKeyVerified).toBeUndefined();
  });

  it('a negated pattern holds whatever the inventory calls the host; HostKeyAlias replaces name and port', async () => {
    const negated = join(dir.path, 'kh', 'negated');
    writeFileSync(negated, `*,![127.0.0.1]:${sshd.port},!127.0.0.1 ${sshd.hostPublicKey}\n`);
    const aliased = join(dir.path, 'kh', 'aliased');
    writeFileSync(aliased, `lab-alias ${sshd.hostPublicKey}\n`);
    const config = join(dir.path, 'negated.config');
    writeFileSync(config, hostBlock('excluded-host', [`UserKnownHostsFile ${negated}`]) + hostBlock('aliased-host', [`UserKnownHostsFile ${aliased}`, 'HostKeyAlias lab-alias']));

    const [excludedSsh, aliasedSsh] = await Promise.all([opensshVerdict(config, 'excluded-host'), opensshVerdict(config, 'aliased-host')]);
    expect(excludedSsh.ok).toBe(false);
    expect(excludedSsh.stderr).toMatch(/Host key verification failed|No .* host key is known/);
    expect(aliasedSsh.ok).toBe(true);

    const out = await collect({ hosts: ['excluded-host,aliased-host'], sshConfigFile: config });
    expect(out.get('excluded-host')).toMatchObject({ status: 'failed', stage: 'host-key', message: expect.stringContaining('not in known_hosts') });
    expect(out.get('aliased-host')).toMatchObject({ status: audited, target: { hostKeyVerified: 'known' } });
  });

  it('StrictHostKeyChecking=no with UserKnownHostsFile=/dev/null from Ansible args: accepted, said so, and written nowhere', async () => {
    const home = join(dir.path, 'home');
    mkdirSync(home);
    const inventory = join(dir.path, 'hosts.ini');
    writeFileSync(
      inventory,
      `throwaway ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=${sshd.user} ansible_ssh_private_key_file=${key.privateKeyPath} ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null'\n`,
    );
    const savedHome = process.env.HOME;
    process.env.HOME = home;
    try {
      const out = await collect({ inventories: [inventory] });
      const host = out.get('throwaway');
      expect(host).toMatchObject({ status: audited, target: { hostKeyVerified: 'accepted-new', hostKey: { policy: 'accept-new' } } });
      const reason = host?.target.hostKey?.reason ?? '';
      expect(reason).toContain('StrictHostKeyChecking no (ansible_ssh_common_args of host throwaway)');
      expect(reason).toContain('recorded nowhere');
    } finally {
      process.env.HOME = savedHome;
    }
    expect(existsSync(join(home, '.ssh'))).toBe(false);
  });

  it('accept-new from an ssh config writes the key to the host’s own first UserKnownHostsFile, and names the line', async () => {
    const own = join(dir.path, 'kh', 'own-first');
    const second = join(dir.path, 'kh', 'own-second');
    writeFileSync(second, '');
    const config = join(dir.path, 'accept.config');
    writeFileSync(config, hostBlock('fresh', [`UserKnownHostsFile ${own} ${second}`, 'StrictHostKeyChecking accept-new']));
    const out = await collect({ hosts: ['fresh'], sshConfigFile: config });
    expect(out.get('fresh')).toMatchObject({ status: audited, target: { hostKeyVerified: 'accepted-new', hostKey: { policy: 'accept-new' } } });
    expect(out.get('fresh')?.target.hostKey?.reason).toBe(`accept-new from StrictHostKeyChecking accept-new (ssh config ${config} line 9); new keys are recorded in ${own}`);
    expect(readFileSync(own, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey.split(' ').slice(0, 2).join(' ')}\n`);
    expect(readFileSync(second, 'utf8')).toBe('');
    // OpenSSH now knows the host from the file sockaudit wrote.
    expect((await opensshVerdict(config, 'fresh')).ok).toBe(true);

    const off = await collect({ hosts: ['fresh'], sshConfigFile: config }, { hostKeyPolicy: 'off' });
    expect(off.get('fresh')).toMatchObject({ status: audited, target: { hostKeyVerified: 'unverified', hostKey: { policy: 'off', reason: 'off from --host-key-policy' } } });
  });

  it('IdentitiesOnly with an IdentityFile that has only its .pub here: the agent signs with that key, as with OpenSSH', async () => {
    const pubOnly = join(dir.path, 'only-pub', 'id_ed25519');
    mkdirSync(join(dir.path, 'only-pub'));
    writeFileSync(`${pubOnly}.pub`, `${key.publicKey}\n`);
    const known = join(dir.path, 'kh', 'agent');
    writeFileSync(known, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
    const config = join(dir.path, 'agent.config');
    writeFileSync(
      config,
      sshConfigBlock(sshd, pubOnly, 'via-agent', [`UserKnownHostsFile ${known}`]),
    );
    // The agent holds an unauthorized key first: only the one the .pub names may be offered.
    const agent = await startSshAgent([other.privateKeyPath, key.privateKeyPath]);
    try {
      env.env = { SSH_AUTH_SOCK: agent.socket };
      const out = await collect({ hosts: ['via-agent'], sshConfigFile: config });
      expect(out.get('via-agent')).toMatchObject({ status: audited });
      expect(warnings).toEqual([]);
      const opensshOk = await new Promise<boolean>((resolve) =>
        execFile(SSH, ['-F', config, '-o', 'BatchMode=yes', 'via-agent', 'true'], { env: { ...process.env, SSH_AUTH_SOCK: agent.socket }, timeout: 20_000 }, (e) => resolve(e === null)),
      );
      expect(opensshOk).toBe(true);
    } finally {
      env.env = {};
      await agent.stop();
    }
    // With the agent holding only the other key, nothing matching is offered: an auth failure naming the .pub.
    const wrong = await startSshAgent([other.privateKeyPath]);
    try {
      env.env = { SSH_AUTH_SOCK: wrong.socket };
      const out = await collect({ hosts: ['via-agent'], sshConfigFile: config });
      expect(out.get('via-agent')).toMatchObject({ status: 'failed', stage: 'auth', message: expect.stringContaining(`${pubOnly}.pub`) });
    } finally {
      env.env = {};
      await wrong.stop();
    }
  });

  it('a --known-hosts file that does not exist and a malformed line are warnings for the run', async () => {
    const broken = join(dir.path, 'kh', 'broken');
    writeFileSync(broken, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\nthis is not a key line\n`);
    const missing = join(dir.path, 'kh', 'missing');
    const config = join(dir.path, 'warn.config');
    writeFileSync(config, hostBlock('warned', ['UserKnownHostsFile /dev/null']));
    const out = await collect({ hosts: ['warned'], sshConfigFile: config }, { knownHostsFiles: [broken, missing] });
    expect(out.get('warned')).toMatchObject({ status: audited });
    expect(warnings).toContain(`${missing}: known_hosts file not found`);
    expect(warnings.some((w) => w.startsWith(`${broken}:2: `))).toBe(true);
  });
});
