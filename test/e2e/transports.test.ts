// Any transport through the built binary: the probe printed, run by hand and judged from its
// output exactly as the same machine judged over --local; a saved run of such outputs read again
// by report and diff; a broken output failing at parse with its line.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectValidReport } from '../support/schema.js';
import { repoRoot, runBinary, tempDir, type Captured } from './helpers.js';

const BIN = join(repoRoot, 'dist', 'src', 'bin.js');

/** The binary with `input` on its standard input. */
function runWithStdin(argv: string[], input: string, cwd: string): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** A shell pipeline, as a user would type it. */
function sh(command: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', command], { cwd, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

interface JsonHost {
  name: string;
  address: string;
  status: string;
  stage?: string;
  message?: string;
  verdict: string | null;
  hostKey: { policy: string; reason: string } | null;
  hostKeyVerified: string | null;
  findings: { id: string; item: string | null; level: string }[];
  snapshot: { kernelRelease?: string; pageSize?: number; machine?: string; hostname?: string; bootId?: string; sysctl: Record<string, unknown>; meminfo: Record<string, unknown> } | null;
}

const readJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { hosts: JsonHost[]; run: { warnings: string[] } };

/** Findings whose level rests on limits and RAM alone, not on gauges that move between runs. */
const STEADY_CHECKS = ['limits-vs-ram'];
/** Sysctls that are counts, not limits: they move between two runs. */
const GAUGE_SYSCTLS = ['fs.file-nr', 'net.netfilter.nf_conntrack_count'];

describe('probe-script and --probe-output (the built binary)', () => {
  const dir = tempDir('probe-output');
  afterAll(() => dir.cleanup());

  it('probe-script | sh > x.out, then audit --probe-output x.out: the same machine, the same steady figures and verdicts as --local', async () => {
    const made = await sh(`${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} probe-script | sh > x.out`, dir.path);
    expect(made.code).toBe(0);
    const saved = await runBinary(['audit', '--probe-output', 'x.out', '-o', 'saved', '--format', 'json,html,md', '--fail-on', 'never', '-q'], { cwd: dir.path });
    const local = await runBinary(['audit', '--local', '-o', 'local', '--format', 'json', '--fail-on', 'never', '-q'], { cwd: dir.path });
    expect(saved.code).toBe(0);
    expect(local.code).toBe(0);
    const savedText = readFileSync(join(dir.path, 'saved', 'report.json'), 'utf8');
    expectValidReport(savedText);
    const s = readJson(join(dir.path, 'saved')).hosts[0]!;
    const l = readJson(join(dir.path, 'local')).hosts[0]!;
    // Named after the file; the host name the probe read stands beside it.
    expect(s.name).toBe('x');
    expect(s.address).toBe(hostname());
    expect(s.hostKey).toEqual({ policy: 'none', reason: 'a saved probe output: no connection, no host key' });
    expect(s.status).toBe(l.status);
    for (const key of ['kernelRelease', 'pageSize', 'machine', 'hostname', 'bootId'] as const) expect(s.snapshot?.[key], key).toEqual(l.snapshot?.[key]);
    // Every sysctl but the two that count (open files, tracked connections): the limits.
    const limits = (h: JsonHost) => Object.fromEntries(Object.entries(h.snapshot?.sysctl ?? {}).filter(([k]) => !GAUGE_SYSCTLS.includes(k)));
    expect(Object.keys(limits(s))).toContain('net.ipv4.tcp_mem');
    expect(limits(s)).toEqual(limits(l));
    expect(s.snapshot?.meminfo.MemTotal).toEqual(l.snapshot?.meminfo.MemTotal);
    const levels = (h: JsonHost) => Object.fromEntries(h.findings.filter((f) => STEADY_CHECKS.includes(f.id)).map((f) => [`${f.id}.${f.item}`, f.level]));
    expect(Object.keys(levels(s)).length).toBeGreaterThan(0);
    expect(levels(s)).toEqual(levels(l));
    expect(s.findings.map((f) => `${f.id}.${f.item}`).sort()).toEqual(l.findings.map((f) => `${f.id}.${f.item}`).sort());
    // The summary and the reports say the host's name came from the file and its own from the probe.
    expect(saved.stdout).toMatch(/host keys: none for 1 host/);
    expect(readFileSync(join(dir.path, 'saved', 'report.html'), 'utf8')).toContain(`<code>${hostname()}</code>`);
    expect(readFileSync(join(dir.path, 'saved', 'report.md'), 'utf8')).toMatch(/host keys: none for 1 host/);

    // report and diff read such a run like any other.
    const again = await runBinary(['report', '--from', 'saved/report.json', '-o', 'again', '--format', 'json', '--fail-on', 'never'], { cwd: dir.path });
    expect(again.code).toBe(0);
    const reread = readJson(join(dir.path, 'again')).hosts[0]!;
    expect(reread).toMatchObject({ name: 'x', address: hostname(), hostKey: s.hostKey, verdict: s.verdict });
    const diff = await runBinary(['diff', 'local/report.json', 'saved/report.json'], { cwd: dir.path });
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/added/);
  });

  it('reads - from standard input, as the host "stdin", and globs', async () => {
    const out = readFileSync(join(dir.path, 'x.out'), 'utf8');
    writeFileSync(join(dir.path, 'web-1.out'), out);
    writeFileSync(join(dir.path, 'web-2.out'), out);
    const piped = await runWithStdin(['audit', '--probe-output', '-', '-o', 'piped', '--format', 'json', '--fail-on', 'never', '-q'], out, dir.path);
    expect(piped.code).toBe(0);
    expect(readJson(join(dir.path, 'piped')).hosts.map((h) => h.name)).toEqual(['stdin']);
    const globbed = await runBinary(['audit', '--probe-output', 'web-*.out', '-o', 'globbed', '--format', 'json', '--fail-on', 'never', '-q'], { cwd: dir.path });
    expect(globbed.code).toBe(0);
    expect(readJson(join(dir.path, 'globbed')).hosts.map((h) => h.name).sort()).toEqual(['web-1', 'web-2']);
  });

  it('a file that is not a complete probe output fails at parse, naming the line where it breaks', async () => {
    const whole = readFileSync(join(dir.path, 'x.out'), 'utf8').split('\n');
    // Cut in the middle of a section: the frame's end line for it never comes.
    const cutAt = whole.findIndex((l) => / begin proc\/net\/sockstat$/.test(l)) + 2;
    writeFileSync(join(dir.path, 'cut.out'), `${whole.slice(0, cutAt).join('\n')}\n`);
    const r = await runBinary(['audit', '--probe-output', 'cut.out', '-o', 'cut', '--format', 'json', '-q'], { cwd: dir.path });
    expect(r.code).toBe(3);
    const host = readJson(join(dir.path, 'cut')).hosts[0]!;
    expect(host).toMatchObject({ name: 'cut', status: 'failed', stage: 'parse' });
    expect(host.message).toMatch(/line \d+/);
  });

  it('a path that matches nothing is an input error (exit 2) naming it', async () => {
    const r = await runBinary(['audit', '--probe-output', 'nothing-*.out', '-o', 'none', '-q'], { cwd: dir.path });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nothing-*.out');
  });
});
