import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClientKey, startSshAgent, startSshd, testUser, MAX_ADDRESSES_PER_SSHD } from '../support/sshd.js';
import type { ClientKey, Sshd } from '../support/sshd.js';
import { runSsh } from '../support/ssh-client.js';
import { probeLikeScript } from '../support/recording.js';

const run = promisify(execFile);

function refused(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const expectedFrame = (boundary: string, user: string): string =>
  `${boundary} sockaudit-probe 1\n${boundary} begin whoami\n${user}\n${boundary} end whoami status=0\n${boundary} done\n`;

describe('startSshd on one address', () => {
  let key: ClientKey;
  let other: ClientKey;
  let sshd: Sshd;

  beforeAll(async () => {
    [key, other] = await Promise.all([makeClientKey('ed25519'), makeClientKey('ecdsa')]);
    sshd = await startSshd({ authorizedKeys: key.publicKey });
  });
  afterAll(async () => {
    await sshd?.stop();
    key?.cleanup();
    other?.cleanup();
  });

  it('runs a script given on stdin to /bin/sh -s, as the test user', async () => {
    const user = await testUser();
    expect(sshd.user).toBe(user.name);
    const result = await runSsh({ address: '127.0.0.1', port: sshd.port, user: sshd.user, identity: key.privateKeyPath, knownHosts: sshd.knownHosts, script: probeLikeScript('BND-1a2b') });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.toString()).toBe(expectedFrame('BND-1a2b', sshd.user));
  });

  it('reports its host key and fingerprint as OpenSSH sees them', async () => {
    const keyText = sshd.hostPublicKey.split(' ').slice(0, 2).join(' ');
    expect(sshd.hostKeyLines).toEqual([`[127.0.0.1]:${sshd.port} ${keyText}`]);
    const scanned = await run('ssh-keyscan', ['-t', 'ed25519', '-p', String(sshd.port), '127.0.0.1']);
    const line = scanned.stdout.split('\n').find((l) => l.startsWith('[127.0.0.1]')) ?? '';
    expect(line.split(' ').slice(1).join(' ')).toBe(keyText);
    const listed = spawnSync('ssh-keygen', ['-l', '-f', '-'], { input: `${keyText}\n`, encoding: 'utf8' });
    expect(listed.stdout.split(' ')[1]).toBe(sshd.hostKeyFingerprint);
  });

  it('fails strict host-key checking against a known_hosts that lists another key', async () => {
    const forged = `[127.0.0.1]:${sshd.port} ${other.publicKey.split(' ').slice(0, 2).join(' ')}\n`;
    const result = await runSsh({ address: '127.0.0.1', port: sshd.port, user: sshd.user, identity: key.privateKeyPath, knownHosts: forged, script: probeLikeScript('X') });
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/host key verification failed/i);
    expect(result.stdout.length).toBe(0);
  });

  it('refuses a key that is not in its authorized_keys', async () => {
    const result = await runSsh({ address: '127.0.0.1', port: sshd.port, user: sshd.user, identity: other.privateKeyPath, knownHosts: sshd.knownHosts, script: probeLikeScript('X') });
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/permission denied \(publickey\)/i);
  });
});

describe('startSshd on more addresses than one sshd takes', () => {
  it('starts one sshd per 16 addresses, serves each address, and stop() ends them all', async () => {
    const key = await makeClientKey('ed25519');
    const addresses = Array.from({ length: MAX_ADDRESSES_PER_SSHD + 2 }, (_, i) => `127.0.0.${i + 2}`);
    const sshd = await startSshd({ addresses, authorizedKeys: key.publicKey });
    try {
      expect(sshd.pids).toHaveLength(2);
      expect(sshd.hostKeyLines).toHaveLength(addresses.length);
      for (const address of [addresses[0]!, addresses.at(-1)!]) {
        const result = await runSsh({ address, port: sshd.port, user: sshd.user, identity: key.privateKeyPath, knownHosts: sshd.knownHosts, script: probeLikeScript('MANY') });
        expect(result.code).toBe(0);
        expect(result.stdout.toString()).toBe(expectedFrame('MANY', sshd.user));
      }
    } finally {
      await sshd.stop();
      key.cleanup();
    }
    for (const pid of sshd.pids) expect(alive(pid)).toBe(false);
    expect(await refused(addresses[0]!, sshd.port)).toBe(true);
    expect(await refused(addresses.at(-1)!, sshd.port)).toBe(true);
  });
});

describe('startSshAgent', () => {
  it('holds a key that ssh uses through the agent alone', async () => {
    const plain = await makeClientKey('rsa');
    const agent = await startSshAgent([plain.privateKeyPath]);
    const sshd = await startSshd({ authorizedKeys: plain.publicKey });
    try {
      const listed = await agent.list();
      const { stdout: fp } = await run('ssh-keygen', ['-l', '-f', `${plain.privateKeyPath}.pub`]);
      expect(listed.join('\n')).toContain(fp.split(' ')[1]);
      const result = await runSsh({
        address: '127.0.0.1',
        port: sshd.port,
        user: sshd.user,
        knownHosts: sshd.knownHosts,
        script: probeLikeScript('AGENT'),
        extraArgs: ['-o', `IdentityAgent=${agent.socket}`, '-o', 'IdentityFile=none'],
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout.toString()).toBe(expectedFrame('AGENT', sshd.user));
    } finally {
      await sshd.stop();
      await agent.stop();
      plain.cleanup();
    }
    expect(alive(agent.pid)).toBe(false);
    expect(existsSync(agent.socket)).toBe(false);
  });
});
