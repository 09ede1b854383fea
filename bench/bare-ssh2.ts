// The floor the fleet benchmarks hold sockaudit against: the least a Node program does to collect
// the probe from every host with ssh2. One connection per host, the same user and key, a strict
// host-key check against the bench's known_hosts, `/bin/sh -s` with the probe on stdin, stdout
// saved to a file per host, p-limit for the concurrency. Nothing sockaudit adds: no ssh config,
// no parsing, evaluation or reports, no per-stage timers, retries, progress or fd-limit care. It
// imports nothing from src/, so what it costs is ssh2's and Node's own.
//
//   node dist/bench/bare-ssh2.js --hosts FILE --key FILE --known-hosts FILE -c C --script FILE --out DIR
//
// FILE for --hosts: `user@address:port` lines. --known-hosts: `[address]:port type base64` lines,
// as the bench writes them. Exit 0 when every host's command ended with status 0; otherwise 1,
// with one stderr line per failed host.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { Client } from 'ssh2';

interface Target {
  user: string;
  address: string;
  port: number;
}

function parseHostList(text: string): Target[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const match = /^([^@\s]+)@([^\s:]+):(\d+)$/.exec(line.trim());
      if (!match) throw new Error(`--hosts: "${line}" is not user@address:port`);
      return { user: match[1]!, address: match[2]!, port: Number(match[3]) };
    });
}

/** The key blobs accepted for each `[address]:port`: the bench's file holds nothing else (no hashes, patterns or markers). */
function parseKnownHosts(text: string): Map<string, Buffer[]> {
  const keys = new Map<string, Buffer[]>();
  for (const line of text.split('\n')) {
    const [host, , base64] = line.trim().split(/\s+/);
    if (host === undefined || host === '' || base64 === undefined) continue;
    keys.set(host, [...(keys.get(host) ?? []), Buffer.from(base64, 'base64')]);
  }
  return keys;
}

/** Runs the script on one host; resolves with its stdout once the command exits with status 0. */
function collect(target: Target, privateKey: Buffer, knownKeys: Buffer[], script: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      client.end();
      reject(err);
    };
    client.on('error', fail);
    client.on('close', () => fail(new Error('connection closed before the command finished')));
    client.on('ready', () => {
      client.exec('/bin/sh -s', (err, stream) => {
        if (err) return fail(err);
        const chunks: Buffer[] = [];
        let status: number | undefined;
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.stderr.resume();
        stream.on('exit', (code: number | null) => {
          status = code ?? undefined;
        });
        stream.on('close', () => {
          if (settled) return;
          settled = true;
          client.end();
          if (status === 0) resolve(Buffer.concat(chunks));
          else reject(new Error(`the command exited with ${status ?? 'no status'}`));
        });
        stream.end(script);
      });
    });
    client.connect({
      host: target.address,
      port: target.port,
      username: target.user,
      privateKey,
      // The key and nothing else: ssh2's default first tries `none`, a round trip for nothing.
      authHandler: ['publickey'],
      // ssh2 hands over the key as sent on the wire: the same bytes as known_hosts' base64 field.
      hostVerifier: (key: Buffer) => knownKeys.some((known) => known.equals(key)),
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string' },
      key: { type: 'string' },
      'known-hosts': { type: 'string' },
      concurrency: { type: 'string', short: 'c', default: '32' },
      script: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const { hosts, key, script, out } = values;
  const knownHostsPath = values['known-hosts'];
  if (hosts === undefined || key === undefined || knownHostsPath === undefined || script === undefined || out === undefined) {
    throw new Error('usage: bare-ssh2 --hosts FILE --key FILE --known-hosts FILE -c C --script FILE --out DIR');
  }
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('-c must be a whole number of at least 1');

  const targets = parseHostList(readFileSync(hosts, 'utf8'));
  const known = parseKnownHosts(readFileSync(knownHostsPath, 'utf8'));
  const privateKey = readFileSync(key);
  const probe = readFileSync(script, 'utf8');
  mkdirSync(out, { recursive: true });

  const limit = pLimit(concurrency);
  const failures = await Promise.all(
    targets.map((target) =>
      limit(async () => {
        try {
          // An unknown host has no accepted key, so the verifier turns every key down.
          const stdout = await collect(target, privateKey, known.get(`[${target.address}]:${target.port}`) ?? [], probe);
          writeFileSync(join(out, target.address), stdout);
          return 0;
        } catch (err) {
          console.error(`${target.address}: ${err instanceof Error ? err.message : String(err)}`);
          return 1;
        }
      }),
    ),
  );
  const failed = failures.reduce((sum: number, f) => sum + f, 0);
  if (failed > 0) {
    console.error(`bare-ssh2: ${failed} of ${targets.length} hosts failed`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`bare-ssh2: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
