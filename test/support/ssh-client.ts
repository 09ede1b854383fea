// Drive servers the way users do: OpenSSH's own ssh client, with no config but what we pass.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { Client, ConnectConfig } from 'ssh2';
import { SSH } from './sshd.js';

export interface SshRun {
  /** Exit code (255: ssh's own failure), or null when killed. */
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface SshRunOptions {
  address: string;
  port: number;
  user: string;
  /** Private key file; no other identity is tried. */
  identity?: string;
  /** known_hosts text; checked strictly. */
  knownHosts: string;
  /** Sent on stdin; the remote command is `/bin/sh -s`. */
  script: string;
  /** More `-o` options and flags, before the destination. */
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Kill ssh after this long (default 20 s). */
  timeoutMs?: number;
  /** Kill ssh once stdout holds this many bytes. */
  maxStdoutBytes?: number;
}

/** A temporary known_hosts file for the duration of `fn`. */
export async function withKnownHosts<T>(text: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'sockaudit-kh-'));
  const path = join(dir, 'known_hosts');
  writeFileSync(path, text);
  try {
    return await fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `ssh -F /dev/null ... user@address /bin/sh -s < script`, with strict host-key checking. */
export function sshArgs(opts: Omit<SshRunOptions, 'knownHosts' | 'script'>, knownHostsPath: string): string[] {
  return [
    '-F', '/dev/null',
    '-o', `UserKnownHostsFile=${knownHostsPath}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'LogLevel=ERROR',
    '-o', 'ConnectTimeout=10',
    ...(opts.identity ? ['-o', 'IdentitiesOnly=yes', '-i', opts.identity] : []),
    ...(opts.extraArgs ?? []),
    '-p', String(opts.port),
    `${opts.user}@${opts.address}`,
    '/bin/sh -s',
  ];
}

export function runSsh(opts: SshRunOptions): Promise<SshRun> {
  return withKnownHosts(opts.knownHosts, (knownHostsPath) => {
    return new Promise<SshRun>((resolve, reject) => {
      const child = spawn(SSH, sshArgs(opts, knownHostsPath), {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: opts.env ?? { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
      const out: Buffer[] = [];
      let outBytes = 0;
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
      child.stdout.on('data', (data: Buffer) => {
        out.push(data);
        outBytes += data.length;
        if (opts.maxStdoutBytes !== undefined && outBytes >= opts.maxStdoutBytes) child.kill('SIGKILL');
      });
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        stderr += text;
      });
      child.stdin.on('error', () => {});
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(out), stderr });
      });
      child.stdin.end(opts.script);
    });
  });
}

export interface Ssh2Exec {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Connects with ssh2 as a client, checking the host key blob when one is given. */
export function ssh2Connect(opts: {
  host?: string;
  port?: number;
  sock?: NodeJS.ReadableStream;
  privateKey?: string;
  password?: string;
  hostKey?: Buffer;
  readyTimeout?: number;
}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    const config: ConnectConfig = {
      username: 'fleet',
      readyTimeout: opts.readyTimeout ?? 10_000,
      ...(opts.host !== undefined ? { host: opts.host } : {}),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.sock ? { sock: opts.sock as ConnectConfig['sock'] } : {}),
      ...(opts.privateKey ? { privateKey: opts.privateKey } : {}),
      ...(opts.password ? { password: opts.password } : {}),
    };
    const expected = opts.hostKey;
    if (expected) config.hostVerifier = (key: Buffer) => key.equals(expected);
    client.connect(config);
  });
}

/** Runs one command with `input` on stdin and collects everything until the channel closes. */
export function ssh2Exec(client: Client, command: string, input: string): Promise<Ssh2Exec> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) return reject(err);
      const out: Buffer[] = [];
      let stderr = '';
      channel.on('data', (data: Buffer) => out.push(data));
      channel.stderr.setEncoding('utf8').on('data', (text: string) => {
        stderr += text;
      });
      channel.once('close', (code: number | null) => resolve({ code: code ?? null, stdout: Buffer.concat(out), stderr }));
      channel.end(input);
    });
  });
}
