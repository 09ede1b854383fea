// The inventory and Prometheus faces of the CLI through the built binary: --list-hosts (and
// -i - from standard input), prometheus-rules checked by promtool, --format prom on stdout, and
// an exec template of the kubectl debug kind run through a stand-in kubectl.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROMTOOL, describeWith, run } from '../support/prom-tools.js';
import { repoRoot, runBinary, tempDir, type Captured } from './helpers.js';

const BIN = join(repoRoot, 'dist', 'src', 'bin.js');

function runWithStdin(argv: string[], input: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

const dir = tempDir('cli-faces');
afterAll(() => dir.cleanup());

describe('audit --list-hosts', () => {
  const inventory = [
    '[web]',
    'web-1 ansible_host=127.0.0.11 ansible_port=2201 ansible_user=deploy',
    'web-2 ansible_host=127.0.0.12',
    '[db]',
    "db-1 ansible_host=127.0.0.21 ansible_ssh_common_args='-o ProxyJump=ops@127.0.0.99:2299'",
    'here ansible_connection=local',
    '',
  ].join('\n');

  it('prints each host with address, port, user, jump hosts, connection and where each came from, and audits nothing', async () => {
    const file = join(dir.path, 'hosts.ini');
    writeFileSync(file, inventory);
    const out = join(dir.path, 'not-written');
    const r = await runBinary(['audit', '-i', file, '--no-ssh-config', '-u', 'me', '--list-hosts', '-o', out], { cwd: dir.path, env: { COLUMNS: '400' } });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^host\s+address\s+port\s+user\s+jump hosts\s+connection$/);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `)) ?? '';
    expect(row('web-1')).toContain(`127.0.0.11 (${file}:2 (ansible_host))`);
    expect(row('web-1')).toContain(`2201 (${file}:2 (ansible_port))`);
    expect(row('web-1')).toContain(`deploy (${file}:2 (ansible_user))`);
    expect(row('web-2')).toMatch(/22 \(default\)/);
    expect(row('db-1')).toContain('ops@127.0.0.99:2299');
    expect(row('here')).toContain(`local (${file}:6 (ansible_connection))`);
    expect(lines.at(-1)).toBe('4 hosts');
    // Nothing audited, nothing written.
    expect(() => readFileSync(join(out, 'report.json'))).toThrow();
  });

  it('fits the table to the width (COLUMNS here), cutting the widest cells first; whole rows when no width is known', async () => {
    const file = join(dir.path, 'hosts.ini');
    writeFileSync(file, inventory);
    const fitted = await runBinary(['audit', '-i', file, '--no-ssh-config', '--list-hosts'], { cwd: dir.path, env: { COLUMNS: '100' } });
    expect(fitted.code).toBe(0);
    for (const line of fitted.stdout.split('\n')) expect([...line].length).toBeLessThan(100);
    expect(fitted.stdout).toContain('…');
    // The narrow columns stay whole.
    expect(fitted.stdout).toMatch(/^web-1 /m);
    const whole = await runBinary(['audit', '-i', file, '--no-ssh-config', '--list-hosts'], { cwd: dir.path, env: { COLUMNS: '' } });
    expect(whole.stdout).not.toContain('…');
    expect(whole.stdout).toContain(`127.0.0.11 (${file}:2 (ansible_host))`);
  });

  it('reads the inventory from standard input with -i -, --limit applied', async () => {
    const r = await runWithStdin(['audit', '-i', '-', '--no-ssh-config', '-l', 'web', '--list-hosts'], inventory, dir.path, { COLUMNS: '400' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^web-1 /m);
    expect(r.stdout).toMatch(/^web-2 /m);
    expect(r.stdout).not.toMatch(/^db-1 /m);
    expect(r.stdout).toContain('<stdin>:2');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('2 hosts');
  });

  it('with --exec, says the command reaches each host but those the inventory keeps on this machine', async () => {
    const file = join(dir.path, 'hosts.ini');
    writeFileSync(file, inventory);
    const r = await runBinary(['audit', '-i', file, '--no-ssh-config', '--exec', 'ssh %h sh -s', '--list-hosts'], { cwd: dir.path, env: { COLUMNS: '400' } });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('web-1 '))).toMatch(/exec \(--exec\)$/);
    expect(lines.find((l) => l.startsWith('here '))).toMatch(/local \(.*ansible_connection\)\)$/);
  });

  it('exits 2 on an inventory error, naming the file and line', async () => {
    const bad = join(dir.path, 'bad.yml');
    writeFileSync(bad, 'all:\n  hosts:\n    web[9:1]:\n');
    const r = await runBinary(['audit', '-i', bad, '--no-ssh-config', '--list-hosts'], { cwd: dir.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(bad);
    expect(r.stdout).toBe('');
  });

  it('says a connection type it cannot use in a warning, in the report as well as on stderr', async () => {
    const file = join(dir.path, 'docker.ini');
    writeFileSync(file, 'box ansible_connection=docker\nhere ansible_connection=local\n');
    const out = join(dir.path, 'docker-out');
    const r = await runBinary(['audit', '-i', file, '--no-ssh-config', '-o', out, '--format', 'json', '--fail-on', 'never', '-q'], { cwd: dir.path });
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { run: { warnings: string[] }; hosts: { name: string }[] };
    expect(doc.hosts.map((h) => h.name)).toEqual(['here']);
    const warning = doc.run.warnings.find((w) => w.includes('box'));
    expect(warning).toMatch(/docker/);
    expect(r.stderr).toContain(warning!);
    expect(r.stdout.replace(/\n {3}/g, ' ')).toContain(`WARNING: ${warning!}`);
  });
});

describe('an exec template of the kubectl debug kind', () => {
  it('expands %h into the command and runs the probe on what it reaches (a stand-in kubectl that runs the part after --)', async () => {
    const bin = join(dir.path, 'bin');
    mkdirSync(bin, { recursive: true });
    const args = join(dir.path, 'kubectl.args');
    // Records its argv, then runs what follows `--` minus `chroot /host`, the probe on its stdin, as kubectl debug would on the node.
    writeFileSync(
      join(bin, 'kubectl'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(args)}\nwhile [ "$1" != "--" ]; do shift; done\nshift 3\nexec "$@"\n`,
    );
    chmodSync(join(bin, 'kubectl'), 0o755);
    const out = join(dir.path, 'kubectl-out');
    const r = await runBinary(
      ['audit', '--exec', 'kubectl debug node/%h -q -i --image=busybox --profile=sysadmin -- chroot /host sh -s', '-H', 'node-a', '--no-ssh-config', '-o', out, '--format', 'json', '--fail-on', 'never', '-q'],
      { cwd: dir.path, env: { PATH: `${bin}:${process.env.PATH ?? ''}` } },
    );
    expect(r.code).toBe(0);
    expect(readFileSync(args, 'utf8').split('\n').slice(0, 2)).toEqual(['debug', 'node/node-a']);
    const host = (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { hosts: { name: string; snapshot: { hostname: string }; hostKey: { policy: string } }[] }).hosts[0]!;
    expect(host).toMatchObject({ name: 'node-a', snapshot: { hostname: hostname() }, hostKey: { policy: 'by-command' } });
  });
});

describe('--format prom', () => {
  it('writes the textfile metrics to stdout with -o -', async () => {
    const r = await runBinary(['audit', '--local', '--format', 'prom', '-o', '-', '--fail-on', 'never', '-q'], { cwd: dir.path });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# HELP sockaudit_/m);
    expect(r.stdout).toMatch(/^sockaudit_host_up\{host="[^"]+"\} 1$/m);
    expect(r.stderr).toContain('report.prom to stdout');
  });

  it('is listed in the audit, report and merge help', async () => {
    for (const command of ['audit', 'report', 'merge']) {
      const r = await runBinary([command, '--help']);
      expect(r.stdout, command).toMatch(/--format LIST\s+[a-z,]*\bprom\b/);
    }
  });
});

describeWith([PROMTOOL], 'prometheus-rules', () => {
  it('prints a rule file that promtool check rules accepts, with --config thresholds in it', async () => {
    const plain = await runBinary(['prometheus-rules']);
    expect(plain.code).toBe(0);
    const file = join(dir.path, 'rules.yml');
    writeFileSync(file, plain.stdout);
    const checked = await run(PROMTOOL.path, ['check', 'rules', file]);
    expect(checked.stderr + checked.stdout).toMatch(/SUCCESS/);
    expect(checked.code).toBe(0);

    const config = join(dir.path, 'config.yml');
    writeFileSync(config, 'thresholds:\n  orphans: { notice: 10, warning: 18, critical: 23 }\n');
    const tuned = await runBinary(['prometheus-rules', '--config', config]);
    expect(tuned.code).toBe(0);
    expect(tuned.stdout).not.toBe(plain.stdout);
    expect(tuned.stdout).toMatch(/0\.23\b/);
    const tunedFile = join(dir.path, 'tuned.yml');
    writeFileSync(tunedFile, tuned.stdout);
    expect((await run(PROMTOOL.path, ['check', 'rules', tunedFile])).code).toBe(0);
  });

  it('exits 2 on a config error, naming the file', async () => {
    const config = join(dir.path, 'bad-config.yml');
    writeFileSync(config, 'thresholds:\n  orphanz: { warning: 1 }\n');
    const r = await runBinary(['prometheus-rules', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(config);
  });
});
