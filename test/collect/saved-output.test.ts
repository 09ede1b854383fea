// Saved probe outputs: the probe run by sh into a file on this machine, read back, must give the
// same snapshot as the local transport; a broken file fails at parse with its line, never silently.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { collectFleet, localTarget, type FleetOptions } from '../../src/collect/collect.js';
import { buildProbeScript } from '../../src/collect/probe.js';
import { readProbeOutputs } from '../../src/collect/saved-output.js';
import type { HostOutcome } from '../../src/collect/types.js';
import type { Snapshot } from '../../src/procfs/types.js';
import { InputError } from '../../src/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'sockaudit-saved-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const environment = { env: {}, warn: (m: string) => expect.fail(`unexpected warning: ${m}`), onEvent: () => {} };

function options(extra: Partial<FleetOptions> = {}): FleetOptions {
  return { concurrency: 4, connectTimeoutMs: 10_000, hostTimeoutMs: 20_000, samples: 1, intervalSeconds: 0, knownHostsFiles: [], signal: new AbortController().signal, ...extra };
}

/** What `sh probe.sh > file` leaves on a host, with the boundary an operator would pick. */
function saveProbeOutput(file: string, boundary = 'saved-on-host-0001'): string {
  const script = join(tmp, `${boundary}.sh`);
  writeFileSync(script, buildProbeScript({ boundary }));
  const r = spawnSync('/bin/sh', [script], { maxBuffer: 64 << 20 });
  expect(r.status).toBe(0);
  writeFileSync(file, r.stdout);
  return r.stdout.toString('utf8');
}

function ok(o: HostOutcome | undefined): Extract<HostOutcome, { status: 'ok' | 'partial' }> {
  if (!o || o.status === 'failed') throw new Error(`expected a snapshot, got ${JSON.stringify(o)}`);
  return o;
}

/** The figures that do not move between two reads a second apart. */
function steady(s: Snapshot) {
  const sysctl = Object.fromEntries(
    Object.entries(s.sysctl)
      .filter(([k]) => !['fs.file-nr', 'net.netfilter.nf_conntrack_count'].includes(k))
      .map(([k, r]) => [k, r.state === 'ok' ? r.value : r.state]),
  );
  return {
    kernelRelease: s.kernelRelease,
    machine: s.machine,
    pageSize: s.pageSize,
    cpus: s.cpus,
    hostname: s.hostname,
    bootId: s.bootId,
    initNetns: s.initNetns,
    memTotal: s.meminfo.state === 'ok' ? s.meminfo.value.memTotalBytes : s.meminfo.state,
    states: [s.uptime, s.loadavg, s.sockstat, s.sockstat6, s.netstat, s.snmp, s.meminfo, s.kernelLog].map((r) => r.state),
    sysctl,
  };
}

describe('saved probe outputs', () => {
  it('read back, give the same snapshot as the local transport on this machine', async () => {
    const file = join(tmp, 'this-machine.out');
    saveProbeOutput(file);
    const saved = await readProbeOutputs([file]);
    const [fromFile] = await collectFleet(saved.targets, options({ transport: saved.transport }), environment);
    const [live] = await collectFleet([localTarget('live')], options(), environment);
    const a = ok(fromFile);
    const b = ok(live);
    expect(a.target.name).toBe('this-machine');
    expect(a.target.address).toBe(hostname());
    expect(a.target.hostKey).toEqual({ policy: 'none', reason: 'a saved probe output: no connection, no host key' });
    expect(b.target.hostKey?.policy).toBe('none');
    expect(a.status).toBe(b.status);
    expect(a.problems).toEqual(b.problems);
    expect(steady(a.snapshot)).toEqual(steady(b.snapshot));
    expect(Object.keys(a.snapshot.sysctl).length).toBeGreaterThan(5);
  });

  it('expands globs (sorted), names hosts after their files, and reads - from the given stdin as host stdin', async () => {
    const dir = join(tmp, 'glob');
    mkdirSync(dir);
    const text = saveProbeOutput(join(dir, 'db-2.probe'));
    writeFileSync(join(dir, 'db-1.probe'), text);
    writeFileSync(join(dir, 'notes.txt'), 'not matched');
    const saved = await readProbeOutputs([join(dir, 'db-*.probe'), '-'], { stdin: Readable.from([Buffer.from(text)]) });
    expect(saved.targets.map((t) => t.name)).toEqual(['db-1', 'db-2', 'stdin']);
    expect(saved.outputs.map((o) => o.source)).toEqual([join(dir, 'db-1.probe'), join(dir, 'db-2.probe'), '-']);
    const outcomes = await collectFleet(saved.targets, options({ transport: saved.transport }), environment);
    expect(outcomes.map((o) => o.status === 'failed')).toEqual([false, false, false]);
  });

  it('relative globs are read from cwd and shown as given', async () => {
    const dir = join(tmp, 'rel');
    mkdirSync(join(dir, 'out'), { recursive: true });
    writeFileSync(join(dir, 'out', 'a.out'), 'x');
    const saved = await readProbeOutputs(['out/*.out'], { cwd: dir });
    expect(saved.outputs.map((o) => o.source)).toEqual(['out/a.out']);
  });

  it('fails a cut file at parse, naming the line where it breaks', async () => {
    const full = saveProbeOutput(join(tmp, 'whole.out'));
    const lines = full.split('\n');
    const cut = lines.slice(0, 20).join('\n') + '\n';
    writeFileSync(join(tmp, 'cut.out'), cut);
    const saved = await readProbeOutputs([join(tmp, 'cut.out')]);
    const [o] = await collectFleet(saved.targets, options({ transport: saved.transport }), environment);
    expect(o?.status).toBe('failed');
    if (o?.status !== 'failed') return;
    expect(o.stage).toBe('parse');
    expect(o.message).toMatch(/^probe output line 2[01]: /);
  });

  it('fails a file that is no probe output at all at parse, line 1', async () => {
    writeFileSync(join(tmp, 'notes.out'), 'Linux box 6.1.0\nsome notes\n');
    const saved = await readProbeOutputs([join(tmp, 'notes.out')]);
    const [o] = await collectFleet(saved.targets, options({ transport: saved.transport }), environment);
    expect(o?.status === 'failed' && o.stage).toBe('parse');
    expect(o?.status === 'failed' && o.message).toMatch(/notes\.out: probe output line 1: not a sockaudit probe output/);
  });

  it('refuses a missing file, a glob matching nothing, two files with one name, and - without stdin', async () => {
    const dup = join(tmp, 'dup');
    mkdirSync(join(dup, 'a'), { recursive: true });
    mkdirSync(join(dup, 'b'));
    writeFileSync(join(dup, 'a', 'web.out'), 'x');
    writeFileSync(join(dup, 'b', 'web.out'), 'x');
    await expect(readProbeOutputs([join(tmp, 'absent.out')])).rejects.toThrow(InputError);
    await expect(readProbeOutputs([join(tmp, 'none-*.out')])).rejects.toThrow(/no file matches/);
    await expect(readProbeOutputs([join(dup, '*', 'web.out')])).rejects.toThrow(/gives the host name "web"/);
    await expect(readProbeOutputs(['-'])).rejects.toThrow(/no standard input/);
  });

  it('keeps the live cap: an output larger than the probe can print fails at command', async () => {
    const file = join(tmp, 'huge.out');
    const b = 'saved-huge-0001';
    const huge = 'x'.repeat(1 << 20) + '\n';
    writeFileSync(file, `${b} sockaudit-probe 1\n${b} begin proc/meminfo\n${huge.repeat(40)}${b} end proc/meminfo status=0\n${b} done\n`);
    const saved = await readProbeOutputs([file]);
    const [o] = await collectFleet(saved.targets, options({ transport: saved.transport }), environment);
    expect(o?.status === 'failed' && `${o.stage}: ${o.message}`).toBe('command: probe output exceeded the size cap');
  });
});
