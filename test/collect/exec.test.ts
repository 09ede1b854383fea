// The exec transport against real parts: OpenSSH's own ssh client (with a config file, and
// through a ControlMaster socket) talking to the tests' own sshd, and plain local commands.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFleet, type CollectEnvironment, type FleetOptions } from '../../src/collect/collect.js';
import { checkExecTemplate, createExecTransport, expandExecTemplate, shellQuote } from '../../src/collect/exec.js';
import type { FleetEvent } from '../../src/collect/fanout.js';
import type { HostOutcome } from '../../src/collect/types.js';
import type { Target } from '../../src/inventory/types.js';
import { makeClientKey, sshConfigBlock, startSshd, SSH, type ClientKey, type Sshd } from '../support/sshd.js';

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'sockaudit-exec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function target(name: string, extra: Partial<Target> = {}): Target {
  return { name, address: name, port: 22, groups: [], identityFiles: [], proxyJump: [], vars: {}, ...extra };
}

function environment(events: FleetEvent[] = []): CollectEnvironment {
  return { env: {}, warn: (m) => expect.fail(`unexpected warning: ${m}`), onEvent: (e) => events.push(e) };
}

function fleetOptions(template: string, extra: Partial<FleetOptions> = {}): FleetOptions {
  return {
    concurrency: 4,
    connectTimeoutMs: 10_000,
    hostTimeoutMs: 20_000,
    samples: 1,
    intervalSeconds: 0,
    knownHostsFiles: [],
    signal: new AbortController().signal,
    transport: createExecTransport(template),
    ...extra,
  };
}

function failed(o: HostOutcome | undefined): Extract<HostOutcome, { status: 'failed' }> {
  if (o?.status !== 'failed') throw new Error(`expected a failure, got ${JSON.stringify(o?.status)}`);
  return o;
}

/** Gone, or a zombie waiting to be reaped. */
function stopped(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    return readFileSync(stat, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return true;
  }
}

describe('exec templates', () => {
  it('replaces each escape with the shell-quoted value and %% with a percent sign', () => {
    const t = target('web-1', { address: '127.0.0.1', port: 2222, user: 'ops' });
    expect(expandExecTemplate('ssh -p %p %u@%H -o X=%%C %h sh -s', t)).toBe("ssh -p '2222' 'ops'@'127.0.0.1' -o X=%C 'web-1' sh -s");
  });

  it('refuses unknown escapes and a lone percent sign, saying why', () => {
    expect(checkExecTemplate('ssh %x')).toMatch(/unknown escape %x/);
    expect(checkExecTemplate('ssh %h %')).toMatch(/lone %/);
    expect(checkExecTemplate('  ')).toMatch(/empty/);
    expect(checkExecTemplate('ssh %h sh -s')).toBeUndefined();
    expect(() => createExecTransport('ssh %C')).toThrow(/unknown escape %C/);
  });

  it('never lets a host name run as shell code', async () => {
    const marker = join(tmp, 'injected');
    const name = `x'; touch ${marker}; echo '$(touch ${marker})\`touch ${marker}\``;
    const out = join(tmp, 'name.out');
    const outcomes = await collectFleet([target(name)], fleetOptions(`cat >/dev/null; printf '%%s' %h > ${shellQuote(out)}`), environment());
    expect(failed(outcomes[0]).stage).toBe('parse');
    expect(readFileSync(out, 'utf8')).toBe(name);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('exec transport, local commands', () => {
  it('runs the probe through sh -c and reads a full snapshot, recording that the command checked host keys', async () => {
    const outcomes = await collectFleet([target('here')], fleetOptions('exec /bin/sh -s'), environment());
    const o = outcomes[0];
    expect(o?.status).not.toBe('failed');
    if (o?.status === 'failed' || !o) return;
    expect(o.snapshot.hostname).toBe(hostname());
    expect(o.target.hostKey).toEqual({ policy: 'by-command', reason: 'sockaudit did not check keys: the command did' });
  });

  it('fails at connect, with the shell\'s words, when the command cannot start', async () => {
    const o = failed((await collectFleet([target('h')], fleetOptions('/nonexistent/sockaudit-no-such-ssh %h sh -s'), environment()))[0]);
    expect(o.stage).toBe('connect');
    expect(o.message).toMatch(/cannot run the exec command \(status 127\): .*\/nonexistent\/sockaudit-no-such-ssh.*not found/);
  });

  it('fails at command with the first stderr lines and the last, control characters neutralised, when it exits non-zero without a frame', async () => {
    const o = failed((await collectFleet([target('h')], fleetOptions(`cat >/dev/null; printf 'first\\n\\033[2Jsecond\\nthird\\nfourth\\n' >&2; exit 3`), environment()))[0]);
    expect(o.stage).toBe('command');
    expect(o.message).toBe('probe exited with status 3: first | \uFFFD[2Jsecond | third | … | fourth');
  });

  it('kills the whole process group of a hung command at the host deadline', async () => {
    const pidFile = join(tmp, 'hung.pids');
    const started = Date.now();
    const outcomes = await collectFleet(
      [target('hung')],
      fleetOptions(`sleep 1000 & echo $$ $! > ${shellQuote(pidFile)}; sleep 1000; wait`, { hostTimeoutMs: 500 }),
      environment(),
    );
    const o = failed(outcomes[0]);
    expect(o.stage).toBe('timeout');
    expect(o.message).toMatch(/host deadline of 0\.5 s/);
    expect(Date.now() - started).toBeLessThan(5_000);
    const pids = readFileSync(pidFile, 'utf8').trim().split(/\s+/).map(Number);
    expect(pids).toHaveLength(2);
    const until = Date.now() + 2_000;
    while (!pids.every(stopped) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(pids.every(stopped)).toBe(true);
  });

  it('cuts endless output at the cap and fails the host at command', async () => {
    const o = failed((await collectFleet([target('loud')], fleetOptions('cat >/dev/null; yes sockaudit'), environment()))[0]);
    expect(o.stage).toBe('command');
    expect(o.message).toBe('probe output exceeded the size cap');
  });

  it('runs hosts concurrently, bounded by the concurrency', async () => {
    const log = join(tmp, 'concurrency.log');
    writeFileSync(log, '');
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const events: FleetEvent[] = [];
    // Each command notes its start, waits, notes its end: at most 2 may be inside at once.
    const template = `cat >/dev/null; echo "+ %h" >> ${shellQuote(log)}; sleep 0.3; echo "- %h" >> ${shellQuote(log)}; exit 1`;
    await collectFleet(names.map((n) => target(n)), fleetOptions(template, { concurrency: 2 }), environment(events));
    let inside = 0;
    let most = 0;
    for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
      inside += line.startsWith('+') ? 1 : -1;
      most = Math.max(most, inside);
    }
    expect(most).toBe(2);
    expect(events.filter((e) => e.kind === 'finished')).toHaveLength(names.length);
  });
});

describe('exec transport through OpenSSH', () => {
  let key: ClientKey;
  let sshd: Sshd;
  let config: string;
  const controlPath = join(tmp, 'cm');

  beforeAll(async () => {
    key = await makeClientKey('ed25519');
    sshd = await startSshd({ authorizedKeys: key.publicKey });
    const knownHosts = join(tmp, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHosts);
    config = join(tmp, 'ssh_config');
    writeFileSync(
      config,
      sshConfigBlock(sshd, key.privateKeyPath, 'web-1 web-2', [`UserKnownHostsFile ${knownHosts}`, 'StrictHostKeyChecking yes', 'BatchMode yes', 'LogLevel ERROR']),
    );
  });

  afterAll(async () => {
    // The master outlives the commands (ControlPersist): stop it, or it would outlive the test.
    if (existsSync(controlPath)) await run(SSH, ['-F', config, '-o', `ControlPath=${controlPath}`, '-O', 'exit', 'web-1']).catch(() => undefined);
    await sshd?.stop();
    key?.cleanup();
  });

  it('audits hosts named in the user\'s ssh config, strict host keys checked by ssh itself', async () => {
    const outcomes = await collectFleet([target('web-1'), target('web-2')], fleetOptions(`${SSH} -F ${shellQuote(config)} %h sh -s`), environment());
    for (const o of outcomes) {
      expect(o.status === 'ok' || o.status === 'partial').toBe(true);
      if (o.status === 'failed') continue;
      // sshd runs on this machine: the probe read this machine's name.
      expect(o.snapshot.hostname).toBe(hostname());
      expect(o.target.hostKey?.policy).toBe('by-command');
    }
    expect(outcomes.map((o) => o.target.name)).toEqual(['web-1', 'web-2']);
  });

  it('reports ssh\'s own refusal (a host key that does not match) at command, with ssh\'s words', async () => {
    const forged = join(tmp, 'forged_known_hosts');
    const other = await makeClientKey('ed25519');
    try {
      writeFileSync(forged, `[127.0.0.1]:${sshd.port} ${other.publicKey.split(' ').slice(0, 2).join(' ')}\n`);
      const template = `${SSH} -F ${shellQuote(config)} -o UserKnownHostsFile=${shellQuote(forged)} %h sh -s`;
      const o = failed((await collectFleet([target('web-1')], fleetOptions(template), environment()))[0]);
      expect(o.stage).toBe('command');
      expect(o.message).toMatch(/^probe exited with status 255: .*host key verification failed/i);
    } finally {
      other.cleanup();
    }
  });

  it('goes through a ControlMaster socket: the first host opens it, the next ones reuse it', async () => {
    const template = `${SSH} -F ${shellQuote(config)} -o ControlMaster=auto -o ControlPath=${shellQuote(controlPath)} -o ControlPersist=60 %h sh -s`;
    const first = await collectFleet([target('web-1')], fleetOptions(template), environment());
    expect(first[0]?.status).not.toBe('failed');
    // The master is up and answers on its socket.
    const check = await run(SSH, ['-F', config, '-o', `ControlPath=${controlPath}`, '-O', 'check', 'web-1']);
    const masterPid = Number(/pid=(\d+)/.exec(check.stderr)?.[1]);
    expect(masterPid).toBeGreaterThan(0);
    // Later hosts go through the same master: it is still the same process afterwards.
    const again = await collectFleet([target('web-1'), target('web-1-again', { address: 'web-1' })], fleetOptions(template.replace('%h', '%H')), environment());
    expect(again.map((o) => o.status === 'failed')).toEqual([false, false]);
    const after = await run(SSH, ['-F', config, '-o', `ControlPath=${controlPath}`, '-O', 'check', 'web-1']);
    expect(Number(/pid=(\d+)/.exec(after.stderr)?.[1])).toBe(masterPid);
  });

  it('ends a command hung on the host at the host deadline', async () => {
    // Written by the remote user, so that the test can end the remote sleep: without a terminal,
    // sshd does not signal a session's command when its client goes away (ssh2's transport does).
    const shared = mkdtempSync(join(tmpdir(), 'sockaudit-exec-remote-'));
    chmodSync(shared, 0o777);
    const pidFile = join(shared, 'remote.pid');
    try {
      const started = Date.now();
      const template = `${SSH} -F ${shellQuote(config)} %h ${shellQuote(`echo $$ > ${pidFile}; exec sleep 1000`)}`;
      const o = failed((await collectFleet([target('web-1')], fleetOptions(template, { hostTimeoutMs: 1_500 }), environment()))[0]);
      expect(o.stage).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(6_000);
      expect(existsSync(pidFile)).toBe(true);
    } finally {
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      rmSync(shared, { recursive: true, force: true });
    }
  });
});
