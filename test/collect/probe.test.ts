import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, hostname, machine, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProbeScript, newBoundary, printableProbeScript, probeOutputLimit, probeScriptBoundary, type ProbeOptions } from '../../src/collect/probe.js';
import { parseProbeFrame, probeOutputBoundary } from '../../src/procfs/frame.js';
import {
  COMMAND_SECTIONS,
  JOURNAL_MAX_ENTRIES,
  ONCE_FILES,
  OPTIONAL_SECTIONS,
  PROBE_SECTION_MAX_BYTES,
  PROBE_VERSION,
  SAMPLED_FILES,
  SYSCTLS,
  sysctlPath,
  type ProbeRecord,
  type RawSection,
} from '../../src/procfs/sections.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/probe');
const isRoot = process.getuid?.() === 0;
const tmp = mkdtempSync(join(tmpdir(), 'sockaudit-probe-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the probe as the transports do: the script on the shell's stdin. */
function runProbe(shell: string[], opts: ProbeOptions, cwd = tmp, env?: NodeJS.ProcessEnv, after = ''): { stdout: string; stderr: string; status: number | null } {
  const [cmd, ...args] = shell;
  const r = spawnSync(cmd!, args, { input: buildProbeScript(opts) + after, cwd, env: env ?? process.env, encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function parse(stdout: string, boundary: string): ProbeRecord {
  const framed = parseProbeFrame(stdout, boundary);
  if (!framed.ok) throw new Error(`${framed.error}\n${stdout.slice(0, 2000)}`);
  return framed.record;
}

function section(record: ProbeRecord, name: string, sample?: number): RawSection {
  const found = record.sections.filter((s) => s.name === name && s.sample === sample);
  expect(found, `${name} sample=${sample}`).toHaveLength(1);
  return found[0]!;
}

function readLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmp, 'root-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('newBoundary', () => {
  it('is sockaudit- and 24 hex characters, new each time', () => {
    const a = newBoundary();
    expect(a).toMatch(/^sockaudit-[0-9a-f]{24}$/);
    expect(newBoundary()).not.toBe(a);
  });
});

describe('buildProbeScript', () => {
  it('has the B= line the test fleet looks for, and stays a few KB', () => {
    const boundary = newBoundary();
    const script = buildProbeScript({ boundary });
    expect(/^B='([^'\n]+)'$/m.exec(script)?.[1]).toBe(boundary);
    // Sent on every connection: it is a few KB, not a payload.
    expect(Buffer.byteLength(script)).toBeLessThan(12 * 1024);
  });

  it('reads nothing from its stdin: what follows the script on stdin runs after it, untouched', () => {
    const boundary = newBoundary();
    const out = runProbe(['sh', '-s'], { boundary, intervalSeconds: 0 }, tmp, undefined, 'echo after-the-probe\n');
    expect(out.stdout.endsWith(`${boundary} done\nafter-the-probe\n`)).toBe(true);
  });

  it('rejects boundaries that are not plain words', () => {
    for (const boundary of ["x'; touch pwned; '", 'sockaudit-$(touch pwned)', 'sockaudit-`id`', 'has space here', 'line\nbreak00', 'short']) {
      expect(() => buildProbeScript({ boundary }), boundary).toThrow(RangeError);
    }
  });

  it('rejects numbers that are not whole and in range', () => {
    const boundary = newBoundary();
    for (const bad of [{ samples: 0 }, { samples: 1.5 }, { samples: Number.NaN }, { samples: 101 }, { intervalSeconds: -1 }, { intervalSeconds: 0.5 }, { maxSectionBytes: 0 }, { maxSectionBytes: 2 ** 40 }]) {
      expect(() => buildProbeScript({ boundary, ...bad }), JSON.stringify(bad)).toThrow(RangeError);
    }
  });

  it('rejects a relative root and one with a line break', () => {
    const boundary = newBoundary();
    expect(() => buildProbeScript({ boundary, root: 'proc-capture' })).toThrow(RangeError);
    expect(() => buildProbeScript({ boundary, root: '/tmp/a\nb' })).toThrow(RangeError);
  });

  it('quotes a root full of shell syntax: the probe reads under it and runs none of it', () => {
    const evil = `we'ird $(touch pwned1) \`touch pwned2\` ; touch pwned3 "$(touch pwned4)" \\'`;
    const root = join(tmp, 'inject', evil);
    mkdirSync(join(root, 'proc'), { recursive: true });
    writeFileSync(join(root, 'proc/uptime'), '4242.42 1.00\n');
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    const boundary = newBoundary();
    const out = runProbe(['sh', '-s'], { boundary, root, intervalSeconds: 0 }, cwd);
    const record = parse(out.stdout, boundary);
    expect(section(record, 'proc/uptime', 0)).toMatchObject({ status: 0, content: '4242.42 1.00\n' });
    for (const marker of ['pwned1', 'pwned2', 'pwned3', 'pwned4']) expect(existsSync(join(cwd, marker)), marker).toBe(false);
  });
});

describe('printableProbeScript', () => {
  it('gives a script with a fresh boundary that runs from a file or on stdin, its output naming that boundary', () => {
    const a = printableProbeScript({ samples: 2, intervalSeconds: 0 });
    expect(a.boundary).not.toBe(printableProbeScript().boundary);
    expect(probeScriptBoundary(a.script)).toBe(a.boundary);
    const file = join(mkdtempSync(join(tmp, 'printed-')), 'probe.sh');
    writeFileSync(file, a.script);
    const fromFile = spawnSync('sh', [file], { encoding: 'utf8', timeout: 20_000 });
    const fromStdin = runProbe(['sh', '-s'], { boundary: a.boundary, samples: 2, intervalSeconds: 0 });
    for (const out of [fromFile.stdout, fromStdin.stdout]) {
      expect(probeOutputBoundary(out)).toBe(a.boundary);
      const record = parse(out, a.boundary);
      expect(record.sections.filter((x) => x.name === 'proc/uptime').map((x) => x.sample)).toEqual([0, 1]);
    }
  });

  it('probeScriptBoundary and probeOutputBoundary find nothing in text that is not a probe', () => {
    expect(probeScriptBoundary("echo hi\nB='not a boundary; rm -rf /'\n")).toBeUndefined();
    expect(probeScriptBoundary('echo hi\n')).toBeUndefined();
    expect(probeOutputBoundary('Permission denied\n')).toBeUndefined();
    expect(probeOutputBoundary('\u001b[2J sockaudit-probe 1\n')).toBeUndefined();
  });
});

const SHELLS: Array<[string, string[]]> = [
  ['dash', ['dash', '-s']],
  ['bash --posix', ['bash', '--posix', '-s']],
  ['busybox sh', ['busybox', 'sh', '-s']],
];

describe.each(SHELLS)('the probe on this machine under %s', (_label, shell) => {
  const boundary = newBoundary();
  let out: ReturnType<typeof runProbe>;
  let record: ProbeRecord;
  beforeAll(() => {
    // busybox is a test dependency (Debian package busybox); fail loudly when it is absent.
    // Holders `always`, so the optional holders section is printed too (it reads this machine's table).
    out = runProbe(shell, { boundary, samples: 2, intervalSeconds: 1, holders: { mode: 'always' } });
    record = parse(out.stdout, boundary);
  });

  it('prints every section of sections.ts exactly once, header first and done last', () => {
    expect(out.status).toBe(0);
    expect(out.stdout.startsWith(`${boundary} sockaudit-probe ${PROBE_VERSION}\n`)).toBe(true);
    expect(out.stdout.endsWith(`${boundary} done\n`)).toBe(true);
    const expected = [
      ...COMMAND_SECTIONS.map((n) => `${n}`),
      ...OPTIONAL_SECTIONS.map((n) => `${n}`),
      ...ONCE_FILES.map((n) => `${n}`),
      ...SYSCTLS.map((n) => `sysctl/${n}`),
      ...SAMPLED_FILES.flatMap((n) => [`${n}#0`, `${n}#1`]),
    ];
    const seen = record.sections.map((s) => (s.sample === undefined ? s.name : `${s.name}#${s.sample}`));
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(Buffer.byteLength(out.stdout)).toBeLessThanOrEqual(probeOutputLimit({ samples: 2 }));
  });

  it('reads files with status 0 when they exist and 2 when they do not', () => {
    const files: Array<[string, string]> = [
      ...ONCE_FILES.map((f): [string, string] => [f, `/${f}`]),
      ...SYSCTLS.map((s): [string, string] => [`sysctl/${s}`, sysctlPath(s)]),
    ];
    for (const [name, path] of files) {
      const s = section(record, name);
      if (existsSync(path)) expect(s.status, name).toBe(0);
      else expect(s, name).toMatchObject({ status: 2, content: '' });
    }
    expect(section(record, 'proc/meminfo').content).toMatch(/^MemTotal:\s+\d+ kB\n/);
    expect(section(record, 'proc/net/sockstat', 0).content).toMatch(/^TCP: inuse \d+ orphan \d+ tw \d+ alloc \d+ mem \d+$/m);
    expect(section(record, 'sysctl/net.ipv4.tcp_mem').content).toMatch(/^\d+\s+\d+\s+\d+\n$/);
  });

  it('reports the facts the commands give', () => {
    expect(section(record, 'uname-r')).toMatchObject({ status: 0, content: `${release()}\n` });
    expect(section(record, 'uname-m')).toMatchObject({ status: 0, content: `${machine()}\n` });
    expect(section(record, 'hostname')).toMatchObject({ status: 0, content: `${hostname()}\n` });
    expect(section(record, 'ncpu')).toMatchObject({ status: 0, content: `${cpus().length}\n` });
    const page = section(record, 'pagesize');
    expect(page.status).toBe(0);
    expect(Math.log2(Number(page.content.trim())) % 1).toBe(0);
    expect(section(record, 'boot-id')).toMatchObject({ status: 0, content: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8') });
    const netns = section(record, 'netns');
    expect(netns.status).toBe(0);
    // Reading pid 1's link needs privilege over it, which even root may lack in a container.
    const init = readLink('/proc/1/ns/net');
    expect(netns.content).toBe(`self ${readLink('/proc/self/ns/net')}\n${init === undefined ? '' : `init ${init}\n`}`);
  });

  it('counts the network namespaces it can see', () => {
    expect(section(record, 'netns-count')).toMatchObject({ status: 0, content: `${visibleNetns().size}\n` });
  });

  it('reads the kernel log, or says why it cannot', () => {
    const log = section(record, 'kernel-log');
    if (isRoot) expect(log.content).toMatch(/^source dmesg\n/);
    if (log.status === 0) expect(log.content).toMatch(/^source (dmesg|journalctl)\n/);
    else expect(log.content.trim()).not.toBe('');
  });

  it('takes the samples in order, the interval apart', () => {
    const up = [0, 1].map((k) => Number(section(record, 'proc/uptime', k).content.split(' ')[0]));
    expect(up[1]! - up[0]!).toBeGreaterThanOrEqual(0.9);
  });
});

/** What the probe should count: the distinct targets of the ns/net links this process may read, and /run/netns. */
function visibleNetns(): Set<string> {
  const seen = new Set<string>();
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const link = readLink(`/proc/${pid}/ns/net`);
    if (link !== undefined) seen.add(link);
  }
  const run = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  for (const name of run) seen.add(`net:[${statSync(join('/run/netns', name)).ino}]`);
  return seen;
}

const STRACE = spawnSync('sh', ['-c', 'command -v strace'], { encoding: 'utf8' }).stdout.trim();

describe('what the probe costs the host', () => {
  /** Processes one run starts, the shell included: the distinct pids strace -f reports. */
  const processes = (opts: Partial<ProbeOptions>, shell = ['sh', '-s']): number => {
    const trace = join(mkdtempSync(join(tmp, 'strace-')), 'out');
    const boundary = newBoundary();
    const out = runProbe(['strace', '-f', '-qq', '-e', 'trace=process', '-o', trace, ...shell], { boundary, intervalSeconds: 0, ...opts });
    expect(parseProbeFrame(out.stdout, boundary).ok).toBe(true);
    return new Set(readFileSync(trace, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split(' ', 1)[0])).size;
  };

  it.skipIf(STRACE === '' && process.env.CI !== 'true')('starts at most 8 processes for one sample, and 2 (a sleep and an awk) for each further one', () => {
    if (STRACE === '') throw new Error('strace is needed to count the processes (Debian package strace)');
    for (const shell of [['dash', '-s'], ['bash', '--posix', '-s'], ['busybox', 'sh', '-s']]) {
      const one = processes({}, shell);
      expect(one, shell[0]).toBeLessThanOrEqual(8);
      expect(processes({ samples: 2, intervalSeconds: 1 }, shell) - one, shell[0]).toBeLessThanOrEqual(2);
    }
  });
  it.skipIf(STRACE === '' && process.env.CI !== 'true')('is read in blocks under bash -s, not a byte at a time, and by no other shell through cat', () => {
    if (STRACE === '') throw new Error('strace is needed to count the reads (Debian package strace)');
    /** The shell's own read calls (not its children's) and whether it started a cat. */
    const reads = (shell: string[]): { reads: number; cat: boolean } => {
      const dir = mkdtempSync(join(tmp, 'strace-'));
      const boundary = newBoundary();
      const out = runProbe(['strace', '-qq', '-e', 'trace=read', '-o', join(dir, 'reads'), ...shell], { boundary, intervalSeconds: 0 }, tmp, undefined, 'echo after-the-probe\n');
      // What follows the script on stdin still runs after it, whoever read it.
      expect(out.stdout.endsWith(`${boundary} done\nafter-the-probe\n`), shell[0]).toBe(true);
      runProbe(['strace', '-f', '-qq', '-e', 'trace=execve', '-o', join(dir, 'execs'), ...shell], { boundary, intervalSeconds: 0 });
      return {
        reads: readFileSync(join(dir, 'reads'), 'utf8').split('\n').filter((l) => l.startsWith('read(0,')).length,
        cat: /execve\("[^"]*\/cat"/.test(readFileSync(join(dir, 'execs'), 'utf8')),
      };
    };
    const script = Buffer.byteLength(buildProbeScript({ boundary: newBoundary() }));
    const bash = reads(['bash', '--posix', '-s']);
    // Byte by byte, bash would make a read call for each of the script's bytes.
    expect(bash.reads).toBeLessThan(script / 20);
    expect(bash.cat).toBe(true);
    for (const shell of [['dash', '-s'], ['busybox', 'sh', '-s']]) {
      const other = reads(shell);
      expect(other.reads, shell[0]).toBeLessThan(script / 20);
      expect(other.cat, shell[0]).toBe(false);
    }
  });
  if (STRACE === '') it.skip('strace is not installed: the process count is not checked', () => {});
});

describe('the probe with busybox applets first on PATH', () => {
  it('reads the same facts and files with busybox awk, stat and dmesg', () => {
    const bin = mkdtempSync(join(tmp, 'bin-'));
    const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
    expect(busybox, 'busybox must be installed (Debian package busybox)').not.toBe('');
    for (const applet of spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => /^[a-z0-9_.-]+$/.test(a))) {
      symlinkSync(busybox, join(bin, applet));
    }
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    // The probe puts the system folders after the caller's PATH, so these applets are what it runs.
    for (const tool of ['awk', 'stat', 'dmesg']) expect(spawnSync('sh', ['-c', `command -v ${tool}`], { env, encoding: 'utf8' }).stdout.trim()).toBe(join(bin, tool));
    const boundary = newBoundary();
    const out = runProbe([join(bin, 'sh'), '-s'], { boundary, samples: 2, intervalSeconds: 0, holders: { mode: 'always' } }, tmp, env);
    expect(out.status).toBe(0);
    const record = parse(out.stdout, boundary);
    expect(record.sections).toHaveLength(COMMAND_SECTIONS.length + OPTIONAL_SECTIONS.length + ONCE_FILES.length + SYSCTLS.length + 2 * SAMPLED_FILES.length);
    expect(section(record, 'uname-r')).toMatchObject({ status: 0, content: `${release()}\n` });
    expect(section(record, 'hostname')).toMatchObject({ status: 0, content: `${hostname()}\n` });
    expect(section(record, 'ncpu')).toMatchObject({ status: 0, content: `${cpus().length}\n` });
    expect(section(record, 'netns-count')).toMatchObject({ status: 0, content: `${visibleNetns().size}\n` });
    expect(section(record, 'netns').content).toContain(`self ${readLink('/proc/self/ns/net')}\n`);
    expect(section(record, 'proc/meminfo').content).toMatch(/^MemTotal:\s+\d+ kB\n/);
    expect(section(record, 'proc/net/sockstat', 1).content).toMatch(/^TCP: inuse \d+ orphan \d+ tw \d+ alloc \d+ mem \d+$/m);
    // The aggregator ran under busybox awk over this machine's own table.
    expect(section(record, 'holders')).toMatchObject({ status: 0 });
    expect(section(record, 'holders').content).toMatch(/^holders 1 order=(little|big) peers=full\nfile tcp status=ok lines=\d+\n[^]*\nend\n$/);
  });
});

describe('the probe over a captured tree (root)', () => {
  const forged = readFileSync(join(FIXTURES, 'forged-sockstat.txt'), 'utf8');

  it('keeps file content byte for byte, even lines that imitate the frame', () => {
    const odd = 'a\u001eb\r\n\n\tc \u001e\n';
    const root = tree({ 'proc/net/sockstat': forged, 'proc/loadavg': '0.10 0.20 0.30 1/100 4242', 'proc/net/snmp': odd });
    const boundary = newBoundary();
    const record = parse(runProbe(['sh', '-s'], { boundary, root, intervalSeconds: 0 }).stdout, boundary);
    expect(section(record, 'proc/net/sockstat', 0)).toEqual({ name: 'proc/net/sockstat', sample: 0, status: 0, content: forged });
    // No final newline in the file: none in the content either.
    expect(section(record, 'proc/loadavg')).toMatchObject({ status: 0, content: '0.10 0.20 0.30 1/100 4242' });
    // The byte awk splits files at (036) inside a file, blank lines, CR and tabs: kept as they were.
    expect(section(record, 'proc/net/snmp')).toMatchObject({ status: 0, content: odd });
    expect(record.sections.filter((s) => s.name === 'proc/net/sockstat')).toHaveLength(1);
  });

  it('marks a missing file 2 and an unreadable one with its error', () => {
    const root = tree({ 'proc/uptime': '1.00 2.00\n' });
    // A directory where a file is expected fails to read even for root, unlike chmod 000.
    mkdirSync(join(root, 'proc/meminfo'));
    const boundary = newBoundary();
    const record = parse(runProbe(['sh', '-s'], { boundary, root, intervalSeconds: 0 }).stdout, boundary);
    expect(section(record, 'proc/net/snmp')).toMatchObject({ status: 2, content: '' });
    expect(section(record, 'sysctl/net.ipv4.tcp_mem')).toMatchObject({ status: 2, content: '' });
    const meminfo = section(record, 'proc/meminfo');
    expect(meminfo.status).not.toBe(0);
    expect(meminfo.status).not.toBe(2);
    expect(meminfo.content).toMatch(/directory/i);
    expect(section(record, 'proc/uptime', 0)).toMatchObject({ status: 0, content: '1.00 2.00\n' });
  });

  it('cuts each section at maxSectionBytes without failing the read', () => {
    // Far more than a pipe holds, so a reader that stopped at the cut would kill cat with SIGPIPE.
    const big = forged.repeat(Math.ceil(1_048_576 / forged.length));
    const root = tree({ 'proc/net/sockstat': big });
    const boundary = newBoundary();
    const record = parse(runProbe(['sh', '-s'], { boundary, root, intervalSeconds: 0, maxSectionBytes: 10 }).stdout, boundary);
    expect(section(record, 'proc/net/sockstat', 0)).toMatchObject({ status: 0, content: forged.slice(0, 10) });
  });

  it('cuts at PROBE_SECTION_MAX_BYTES by default, and the frame parser marks it truncated', () => {
    const line = 'TcpExt: ' + 'x'.repeat(91) + '\n';
    const big = line.repeat(Math.ceil((PROBE_SECTION_MAX_BYTES + 50_000) / line.length));
    const root = tree({ 'proc/net/netstat': big, 'proc/meminfo': 'MemTotal: 1 kB\n' });
    const boundary = newBoundary();
    const record = parse(runProbe(['sh', '-s'], { boundary, root, intervalSeconds: 0 }).stdout, boundary);
    const netstat = section(record, 'proc/net/netstat', 0);
    expect(netstat).toMatchObject({ status: 0, truncated: true });
    expect(netstat.content).toBe(big.slice(0, PROBE_SECTION_MAX_BYTES));
    expect(section(record, 'proc/meminfo').truncated).toBeUndefined();
  });
});

// A userland of busybox alone (no dash, no coreutils), with stand-ins for dmesg and journalctl,
// so the kernel-log fallbacks can be driven. chroot needs root.
describe.skipIf(!isRoot)('the probe in a busybox-only chroot', () => {
  const jail = join(tmp, 'jail');
  const logFixture = readFileSync(join(FIXTURES, 'kernel-log.txt'), 'utf8');
  const fake = (name: string, body: string) => {
    rmSync(join(jail, 'bin', name), { force: true });
    writeFileSync(join(jail, 'bin', name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(jail, 'bin', name), 0o755);
  };
  const run = (opts: Partial<ProbeOptions> = {}) => {
    const boundary = newBoundary();
    const out = runProbe(['chroot', jail, '/bin/sh', '-s'], { boundary, intervalSeconds: 0, ...opts });
    expect(out.status).toBe(0);
    return parse(out.stdout, boundary);
  };

  beforeAll(() => {
    const busybox = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).stdout.trim();
    expect(busybox, 'busybox must be installed (Debian package busybox)').not.toBe('');
    mkdirSync(join(jail, 'bin'), { recursive: true });
    mkdirSync(join(jail, 'dev'));
    mkdirSync(join(jail, 'fixtures'));
    const libs = spawnSync('ldd', [busybox], { encoding: 'utf8' }).stdout.match(/\/\S+/g) ?? [];
    for (const lib of libs) {
      mkdirSync(dirname(join(jail, lib)), { recursive: true });
      copyFileSync(lib, join(jail, lib));
    }
    copyFileSync(busybox, join(jail, 'bin/busybox'));
    chmodSync(join(jail, 'bin/busybox'), 0o755);
    const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter((a) => /^[a-z0-9_.-]+$/.test(a));
    for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', join(jail, 'bin', applet));
    expect(spawnSync('mknod', ['-m', '666', join(jail, 'dev/null'), 'c', '1', '3']).status).toBe(0);
    writeFileSync(join(jail, 'fixtures/kernel-log.txt'), logFixture);
    mkdirSync(join(jail, 'cap/proc/net'), { recursive: true });
    writeFileSync(join(jail, 'cap/proc/uptime'), '77.70 10.00\n');
  });

  it('runs with busybox alone: every section, a missing command is 127', () => {
    fake('dmesg', 'cat /fixtures/kernel-log.txt');
    const record = run({ root: '/cap', holders: { mode: 'always' } });
    // No socket table under the root: the holders section says so, and everything else is read.
    expect(section(record, 'holders')).toMatchObject({ status: 0 });
    expect(section(record, 'holders').content).toContain('file tcp status=missing lines=0\nfile tcp6 status=missing lines=0\n');
    expect(record.sections).toHaveLength(COMMAND_SECTIONS.length + OPTIONAL_SECTIONS.length + ONCE_FILES.length + SYSCTLS.length + SAMPLED_FILES.length);
    // No /proc in the chroot: no namespace link to see.
    expect(section(record, 'netns-count')).toMatchObject({ status: 2, content: '' });
    expect(existsSync(join(jail, 'bin/getconf'))).toBe(false);
    expect(section(record, 'pagesize')).toMatchObject({ status: 127, content: 'getconf: command not found\n' });
    expect(section(record, 'ncpu')).toMatchObject({ status: 0, content: `${cpus().length}\n` });
    expect(section(record, 'uname-r')).toMatchObject({ status: 0, content: `${release()}\n` });
    expect(section(record, 'proc/uptime', 0)).toMatchObject({ status: 0, content: '77.70 10.00\n' });
    expect(section(record, 'proc/meminfo')).toMatchObject({ status: 2, content: '' });
  });

  it('still cuts sections when head has no -c (dd instead)', () => {
    fake('head', 'echo "head: invalid option -- c" >&2; exit 1');
    try {
      const record = run({ root: '/cap', maxSectionBytes: 5 });
      expect(section(record, 'proc/uptime', 0)).toMatchObject({ status: 0, content: '77.70' });
    } finally {
      rmSync(join(jail, 'bin/head'));
      symlinkSync('busybox', join(jail, 'bin/head'));
    }
  });

  it('keeps only the socket-resource lines of dmesg', () => {
    fake('dmesg', 'cat /fixtures/kernel-log.txt');
    const wanted = logFixture.split('\n').filter((l) => /orphaned|tcp_mem|socket memory|callbacks suppressed|MPTCP|time wait|table full|file-max|SYN flooding/i.test(l));
    expect(wanted).toHaveLength(11);
    expect(section(run(), 'kernel-log')).toMatchObject({ status: 0, content: `source dmesg\n${wanted.join('\n')}\n` });
  });

  it('keeps the last 500 matching lines', () => {
    fake('dmesg', 'i=0; while [ $i -lt 700 ]; do echo "[$i.000000] TCP: too many orphaned sockets"; echo "[$i.5] noise"; i=$((i + 1)); done');
    const lines = section(run(), 'kernel-log').content.split('\n');
    expect(lines[0]).toBe('source dmesg');
    expect(lines[1]).toBe('[200.000000] TCP: too many orphaned sockets');
    expect(lines).toHaveLength(1 + 500 + 1);
  });

  it('falls back to journalctl when dmesg is refused', () => {
    fake('dmesg', 'echo "dmesg: klogctl: Operation not permitted" >&2; exit 1');
    // Asked for the kernel's messages, and only the last JOURNAL_MAX_ENTRIES of them.
    fake('journalctl', `case " $* " in *" -k -n ${JOURNAL_MAX_ENTRIES} "*) cat /fixtures/kernel-log.txt ;; *) exit 2 ;; esac`);
    const log = section(run(), 'kernel-log');
    expect(log.status).toBe(0);
    expect(log.content.split('\n')[0]).toBe('source journalctl');
    expect(log.content).toContain('[ 1234.567890] TCP: too many orphaned sockets\n');
    expect(log.content).not.toContain('USB');
  });

  it('reports both errors when neither log can be read', () => {
    fake('dmesg', 'echo "dmesg: klogctl: Operation not permitted" >&2; exit 1');
    // An unprivileged reader of the journal gets no kernel lines and exit 0.
    fake('journalctl', 'exit 0');
    const log = section(run(), 'kernel-log');
    expect(log.status).not.toBe(0);
    expect(log.content).toBe('dmesg: klogctl: Operation not permitted\njournalctl: no kernel messages readable\n');
  });

  it('reads the namespace links as coreutils (new and old quoting) and busybox stat print them', () => {
    // The probe's own link comes first in stat's arguments; its path names the probe's pid.
    fake(
      'stat',
      [
        `echo "11 '$3' -> 'net:[4026532001]'"`,
        "echo \"12 \\`/proc/1/ns/net' -> \\`net:[4026531840]'\"",
        `echo "13 '/proc/77/ns/net' -> 'net:[4026532001]'"`,
        `echo "14 '/proc/78/ns/net' -> 'net:[4026532002]'"`,
        `echo "15 '/proc/79/ns/net'"`,
        `echo "4026532003 '/run/netns/blue'"`,
        `echo "4026532002 '/run/netns/same-as-78'"`,
      ].join('\n'),
    );
    try {
      const record = run();
      expect(section(record, 'netns')).toMatchObject({ status: 0, content: 'self net:[4026532001]\ninit net:[4026531840]\n' });
      expect(section(record, 'netns-count')).toMatchObject({ status: 0, content: '4\n' });
    } finally {
      rmSync(join(jail, 'bin/stat'));
      symlinkSync('busybox', join(jail, 'bin/stat'));
    }
  });

  it('reports a missing stat in both namespace sections', () => {
    rmSync(join(jail, 'bin/stat'));
    try {
      const record = run();
      expect(section(record, 'netns')).toMatchObject({ status: 127, content: 'stat: command not found\n' });
      expect(section(record, 'netns-count')).toMatchObject({ status: 127, content: 'stat: command not found\n' });
    } finally {
      symlinkSync('busybox', join(jail, 'bin/stat'));
    }
  });

  it('fails with a word on stderr, and prints no frame, when there is no awk', () => {
    rmSync(join(jail, 'bin/awk'));
    try {
      const boundary = newBoundary();
      const out = runProbe(['chroot', jail, '/bin/sh', '-s'], { boundary, intervalSeconds: 0 });
      expect(out).toMatchObject({ status: 127, stdout: '', stderr: 'sockaudit probe: awk: command not found\n' });
    } finally {
      symlinkSync('busybox', join(jail, 'bin/awk'));
    }
  });

  it('reports a missing dmesg and journalctl', () => {
    rmSync(join(jail, 'bin/dmesg'), { force: true });
    rmSync(join(jail, 'bin/journalctl'), { force: true });
    const log = section(run(), 'kernel-log');
    expect(log.status).not.toBe(0);
    expect(log.content).toContain('dmesg: command not found');
    expect(log.content).toContain('journalctl: command not found');
  });
});
