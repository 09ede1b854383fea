// Real OpenSSH servers and agents for tests: sshd on loopback with its own keys and config,
// ssh-agent on its own socket, and client keys made by ssh-keygen.
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SSHD = '/usr/sbin/sshd';
export const SSH = '/usr/bin/ssh';
/** The login user test/support/setup.sh creates. */
export const TEST_USER = 'sockaudit-test';
/** OpenSSH accepts at most this many ListenAddress lines per sshd. */
export const MAX_ADDRESSES_PER_SSHD = 16;

export interface TestUser {
  name: string;
  /** Set when setup.sh has not run and the current user stands in (slower sessions). */
  fallbackReason?: string;
}

let warned = false;

/** The dedicated test user when it exists; otherwise the current user, with a warning once. */
export async function testUser(): Promise<TestUser> {
  try {
    await run('getent', ['passwd', TEST_USER]);
    return { name: TEST_USER };
  } catch {
    const name = userInfo().username;
    const fallbackReason = `user ${TEST_USER} is missing (run test/support/setup.sh as root): sessions run as ${name}, whose shell start-up files may slow them`;
    if (!warned) {
      warned = true;
      console.warn(`sshd harness: ${fallbackReason}`);
    }
    return { name, fallbackReason };
  }
}

export interface ClientKey {
  type: string;
  privateKeyPath: string;
  /** The private key file's text (OpenSSH format). */
  privateKey: string;
  /** `type base64 comment`, one line, as authorized_keys wants it. */
  publicKey: string;
  cleanup(): void;
}

/** A fresh key pair made by ssh-keygen in its own temporary folder. */
export async function makeClientKey(
  type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519',
  opts: { passphrase?: string } = {},
): Promise<ClientKey> {
  const dir = mkdtempSync(join(tmpdir(), 'sockaudit-key-'));
  const privateKeyPath = join(dir, `id_${type}`);
  const size = type === 'rsa' ? ['-b', '2048'] : [];
  await run('ssh-keygen', ['-q', '-t', type, ...size, '-N', opts.passphrase ?? '', '-C', `sockaudit-test-${type}`, '-f', privateKeyPath]);
  return {
    type,
    privateKeyPath,
    privateKey: readFileSync(privateKeyPath, 'utf8'),
    publicKey: readFileSync(`${privateKeyPath}.pub`, 'utf8').trim(),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `SHA256:...` of an OpenSSH public key line, as ssh-keygen -l prints it. */
export function fingerprintOf(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * An ssh config block for hosts served by a test sshd: its address, port and user, one key only,
 * no global known_hosts; `lines` (keywords with their values) follow, indented.
 */
export function sshConfigBlock(sshd: Pick<Sshd, 'port' | 'user'>, identityFile: string, names: string, lines: readonly string[] = []): string {
  const head = [`Host ${names}`, '  HostName 127.0.0.1', `  Port ${sshd.port}`, `  User ${sshd.user}`, `  IdentityFile ${identityFile}`, '  IdentitiesOnly yes', '  GlobalKnownHostsFile /dev/null'];
  return [...head, ...lines.map((l) => `  ${l}`), ''].join('\n');
}

export interface SshdOptions {
  /** Loopback addresses to listen on (default 127.0.0.1); more than 16 start several sshd. */
  addresses?: string[];
  /** Port on every address; a free one is found when absent. */
  port?: number;
  /** authorized_keys text for the login user. */
  authorizedKeys: string;
  /** Login user (default: the test user, see testUser()). */
  user?: string;
  /** More sshd_config lines, appended (sshd takes the first value of a keyword). */
  extraConfig?: string[];
}

export interface Sshd {
  port: number;
  addresses: string[];
  user: string;
  /** One known_hosts line per address. */
  hostKeyLines: string[];
  /** known_hosts text: hostKeyLines joined. */
  knownHosts: string;
  /** The host public key line (`ssh-ed25519 AAAA...`). */
  hostPublicKey: string;
  hostKeyFingerprint: string;
  /** The PIDs of the sshd listeners. */
  pids: number[];
  /** Whatever the sshd processes logged on stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const bound = probe.address();
      const port = typeof bound === 'object' && bound ? bound.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function canConnect(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops a child: SIGTERM, then SIGKILL if it is still there after a while. */
async function terminate(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

function sshdConfig(dir: string, group: string[], port: number, user: string, extra: string[]): string {
  return [
    ...extra,
    ...group.map((address) => `ListenAddress ${address}:${port}`),
    `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
    `PidFile ${join(dir, `sshd-${group[0]}.pid`)}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    `AllowUsers ${user}`,
    user === 'root' ? 'PermitRootLogin prohibit-password' : 'PermitRootLogin no',
    'MaxStartups 100:30:200',
    'LogLevel ERROR',
    '',
  ].join('\n');
}

/**
 * Starts OpenSSH's sshd on loopback in the foreground (`-D -e`) with its own host key, config,
 * PID file and authorized_keys; resolves once every address accepts TCP connections.
 */
export async function startSshd(opts: SshdOptions): Promise<Sshd> {
  const addresses = opts.addresses ?? ['127.0.0.1'];
  if (addresses.length === 0) throw new Error('startSshd: no addresses');
  const user = opts.user ?? (await testUser()).name;
  // sshd refuses to start without its privilege separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const dir = mkdtempSync(join(tmpdir(), 'sockaudit-sshd-'));
  // The login user reads authorized_keys itself: the folder and file must be readable by it.
  chmodSync(dir, 0o755);
  const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sockaudit-test-host', '-f', hostKeyPath]);
  writeFileSync(join(dir, 'authorized_keys'), opts.authorizedKeys.endsWith('\n') ? opts.authorizedKeys : `${opts.authorizedKeys}\n`, { mode: 0o644 });
  const hostPublicKey = readFileSync(`${hostKeyPath}.pub`, 'utf8').trim();
  const [keyType, keyBase64] = hostPublicKey.split(/\s+/);

  const groups: string[][] = [];
  for (let i = 0; i < addresses.length; i += MAX_ADDRESSES_PER_SSHD) groups.push(addresses.slice(i, i + MAX_ADDRESSES_PER_SSHD));

  const children: ChildProcess[] = [];
  let stderr = '';
  const stopAll = async (): Promise<void> => {
    await Promise.all(children.map((child) => terminate(child)));
    children.length = 0;
  };

  let port = opts.port ?? 0;
  // A free port can be taken between the probe and sshd's bind: try a few.
  for (let attempt = 0; ; attempt++) {
    if (opts.port === undefined) port = await freePort();
    stderr = '';
    for (const [i, group] of groups.entries()) {
      const configPath = join(dir, `sshd_config-${i}`);
      writeFileSync(configPath, sshdConfig(dir, group, port, user, opts.extraConfig ?? []));
      const child = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.setEncoding('utf8').on('data', (text: string) => {
        stderr += text;
      });
      children.push(child);
    }
    const ready = await waitAccepting(children, addresses, port);
    if (ready) break;
    await stopAll();
    const bindFailure = /Bind to port|Address already in use|Cannot bind/i.test(stderr);
    if (opts.port !== undefined || !bindFailure || attempt >= 4) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start on ${addresses.join(', ')} port ${port}: ${stderr.trim() || 'no output'}`);
    }
  }

  const hostKeyLines = addresses.map((address) => `[${address}]:${port} ${keyType} ${keyBase64}`);
  return {
    port,
    addresses,
    user,
    hostKeyLines,
    knownHosts: hostKeyLines.map((line) => `${line}\n`).join(''),
    hostPublicKey,
    hostKeyFingerprint: fingerprintOf(hostPublicKey),
    pids: children.map((child) => child.pid ?? -1),
    log: () => stderr,
    stop: async () => {
      await stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True once every address accepts; false as soon as a listener exits or 10 s pass. */
async function waitAccepting(children: ChildProcess[], addresses: string[], port: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  const pending = new Set(addresses);
  while (Date.now() < deadline) {
    if (children.some((child) => child.exitCode !== null || child.signalCode !== null)) return false;
    for (const address of [...pending]) if (await canConnect(address, port)) pending.delete(address);
    if (pending.size === 0) return true;
    await sleep(25);
  }
  return false;
}

export interface SshAgent {
  /** The agent's socket, for SSH_AUTH_SOCK. */
  socket: string;
  pid: number;
  /** ssh-add a private key file. */
  add(privateKeyPath: string): Promise<void>;
  /** `ssh-add -l` lines. */
  list(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts `ssh-agent -D -a <socket>` in its own temporary folder, and adds the given keys. */
export async function startSshAgent(keys: string[] = []): Promise<SshAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'sockaudit-agent-'));
  const socket = join(dir, 'agent.sock');
  const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const stop = async (): Promise<void> => {
    await terminate(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 5000;
  while (!existsSync(socket)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`ssh-agent did not start: ${stderr.trim() || 'no socket'}`);
    }
    await sleep(10);
  }
  const env = { ...process.env, SSH_AUTH_SOCK: socket };
  const agent: SshAgent = {
    socket,
    pid: child.pid ?? -1,
    add: async (privateKeyPath) => {
      await run('ssh-add', ['-q', privateKeyPath], { env });
    },
    list: async () => {
      const { stdout } = await run('ssh-add', ['-l'], { env });
      return stdout.trim().split('\n');
    },
    stop,
  };
  try {
    for (const key of keys) await agent.add(key);
  } catch (err) {
    await stop();
    throw err;
  }
  return agent;
}
