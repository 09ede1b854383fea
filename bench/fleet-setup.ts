// The benchmark's hosts: one OpenSSH sshd per 16 loopback addresses (test/support/sshd.ts), a
// client key, a strict known_hosts file, and the same host list written in each tool's format.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accountCpu } from './cpu-account.js';
import { makeClientKey, startSshd, type ClientKey, type Sshd } from '../test/support/sshd.js';

export interface BenchFleet {
  addresses: string[];
  port: number;
  user: string;
  keyPath: string;
  knownHostsPath: string;
  /** The PIDs of the sshd listeners, whose children are the sessions. */
  sshdPids: number[];
  /** CPU seconds the sshd listeners and all their sessions used so far; undefined without a cpuacct cgroup. */
  serverCpuSeconds(): number | undefined;
  /** Why serverCpuSeconds is unavailable. */
  serverCpuUnavailable?: string;
  /** What the sshd processes logged so far. */
  log(): string;
  /** `user@address:port` lines for the first n hosts (sockaudit and parallel-ssh read this). */
  hostListFile(n: number): string;
  /** An Ansible INI inventory of the first n hosts. */
  ansibleInventoryFile(n: number): string;
  stop(): Promise<void>;
}

/** 127.66.0.1, 127.66.0.2, ...: clear of 127.0.0.1, where other tests start their servers. */
export function benchAddresses(count: number, thirdOctetBase = 0): string[] {
  return Array.from({ length: count }, (_, i) => `127.66.${thirdOctetBase + Math.floor(i / 250)}.${(i % 250) + 1}`);
}

export interface FleetOptions {
  addresses: string[];
  /** More sshd_config lines (sshd takes the first value, so these win over the harness's). */
  extraConfig?: string[];
}

export async function startBenchFleet(opts: FleetOptions): Promise<BenchFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'sockaudit-bench-'));
  let key: ClientKey | undefined;
  let sshd: Sshd | undefined;
  try {
    key = await makeClientKey('ed25519');
    sshd = await startSshd({ addresses: opts.addresses, authorizedKeys: key.publicKey, extraConfig: opts.extraConfig ?? [] });
  } catch (err) {
    key?.cleanup();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const started = sshd;
  const clientKey = key;
  const account = accountCpu('sockaudit-bench-sshd', started.pids);
  const knownHostsPath = join(dir, 'known_hosts');
  writeFileSync(knownHostsPath, started.knownHosts);

  const written = new Map<string, string>();
  const once = (name: string, text: () => string): string => {
    const existing = written.get(name);
    if (existing) return existing;
    const path = join(dir, name);
    writeFileSync(path, text());
    written.set(name, path);
    return path;
  };
  const first = (n: number): string[] => {
    if (n > started.addresses.length) throw new RangeError(`the fleet has ${started.addresses.length} hosts, not ${n}`);
    return started.addresses.slice(0, n);
  };

  return {
    addresses: started.addresses,
    port: started.port,
    user: started.user,
    keyPath: clientKey.privateKeyPath,
    knownHostsPath,
    sshdPids: started.pids,
    serverCpuSeconds: () => ('seconds' in account ? account.seconds() : undefined),
    ...('unavailable' in account ? { serverCpuUnavailable: account.unavailable } : {}),
    log: () => started.log(),
    hostListFile: (n) => once(`hosts-${n}.txt`, () => first(n).map((a) => `${started.user}@${a}:${started.port}\n`).join('')),
    ansibleInventoryFile: (n) =>
      once(`ansible-${n}.ini`, () => ['[bench]', ...first(n).map((a) => `${a} ansible_port=${started.port} ansible_user=${started.user}`), ''].join('\n')),
    stop: async () => {
      await started.stop();
      if ('close' in account) await account.close();
      clientKey.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
