// The whatif and compare commands end to end: a report.json written by the audit's writer, loaded
// back by the saved-run loader, and the pages written beside it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReports } from '../../src/commands/outputs.js';
import { rankRun } from '../../src/run/rank.js';
import { whatif } from '../../src/commands/whatif.js';
import { parseWhatIfArgs } from '../../src/cli/args/whatif.js';
import { parseCompareArgs } from '../../src/cli/args/compare.js';
import { compare } from '../../src/commands/compare.js';
import { InputError, UsageError } from '../../src/errors.js';
import { captureIo } from '../support/io.js';
import { HOSTILE_NAME, savedRun } from '../support/saved-fleet.js';

let dir: string;
let from: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sockaudit-whatif-'));
  const run = savedRun([
    { name: 'web-1', groups: ['web'], orphans: Math.round(0.3 * 65536) },
    { name: 'web-2', groups: ['web'], ramGiB: 8 },
    { name: HOSTILE_NAME, groups: ['web'], ramGiB: 64, sysctl: { 'net.ipv4.tcp_max_orphans': '16384' } },
    { name: 'gw', groups: ['edge'], failed: 'connect ECONNREFUSED 127.0.0.9:22' },
  ]);
  await writeReports(rankRun(run), dir, ['html', 'json']);
  from = join(dir, 'report.json');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseWhatIfArgs', () => {
  test('takes --set-for GROUP KEY=VALUE in order, and defaults --out to the folder of --from', () => {
    const opts = parseWhatIfArgs(['--from', 'runs/w1/report.json', '--set', 'net.core.somaxconn=1024', '--set-for', 'web', 'a=1', '--set-for', 'db', 'b=2', '--format', 'html']);
    expect(opts).toEqual({
      from: 'runs/w1/report.json',
      set: ['net.core.somaxconn=1024'],
      setFor: [
        { group: 'web', item: 'a=1' },
        { group: 'db', item: 'b=2' },
      ],
      outDir: 'runs/w1',
      formats: ['html'],
      quiet: false,
    });
  });

  test('refuses --sysctl-file with --set, no proposal, a short --set-for and junit', () => {
    expect(() => parseWhatIfArgs(['--from', 'r.json', '--sysctl-file', 'p.conf', '--set', 'a=1'])).toThrow(UsageError);
    expect(() => parseWhatIfArgs(['--from', 'r.json'])).toThrow(/--sysctl-file FILE, --set/);
    expect(() => parseWhatIfArgs(['--from', 'r.json', '--set-for', 'web'])).toThrow(/--set-for GROUP KEY=VALUE/);
    expect(() => parseWhatIfArgs(['--from', 'r.json', '--set', 'a=1', '--format', 'junit'])).toThrow(/junit is not written here/);
  });
});

describe('whatif command', () => {
  test('writes whatif.html/md/json beside the saved run and exits 1 when a value does harm', async () => {
    const conf = join(dir, 'rollout.conf');
    writeFileSync(conf, '# raise the orphan limit, pin tcp_mem for 64 GiB hosts\nnet.ipv4.tcp_max_orphans = 262144\nnet.ipv4.tcp_mem = 3145728 4194304 6291456\n');
    const io = captureIo();
    const opts = parseWhatIfArgs(['--from', from, '--sysctl-file', conf]);
    if (opts === 'help') throw new Error('unexpected help');
    const result = await whatif(opts, io);
    expect(result.files.map((f) => f.slice(dir.length + 1))).toEqual(['whatif.html', 'whatif.md', 'whatif.json']);
    expect(result.exitCode).toBe(1);
    const doc = JSON.parse(readFileSync(join(dir, 'whatif.json'), 'utf8'));
    expect(doc.schemaVersion).toBe(1);
    const web1 = doc.hosts.find((h: { name: string }) => h.name === 'web-1');
    expect([web1.before.verdict, web1.after.verdict]).toEqual(['critical', 'warning']);
    const web2 = doc.hosts.find((h: { name: string }) => h.name === 'web-2');
    expect(web2.flags.map((f: { id: string }) => f.id)).toEqual(['tcp-mem-above-ram']);
    expect(doc.notAudited).toEqual([{ name: 'gw', reason: 'connect: connect ECONNREFUSED 127.0.0.9:22' }]);
    expect(io.out()).toContain('sockaudit what-if:');
    expect(readFileSync(join(dir, 'whatif.html'), 'utf8')).toContain('href="report.html"');
  });

  test('only raising tcp_max_orphans: the critical host becomes ok and the command exits 0', async () => {
    const out = join(dir, 'orphans-only');
    const opts = parseWhatIfArgs(['--from', from, '--set', 'net.ipv4.tcp_max_orphans=262144', '-o', out, '--format', 'json']);
    if (opts === 'help') throw new Error('unexpected help');
    const result = await whatif(opts, captureIo());
    expect(result.exitCode).toBe(0);
    const web1 = result.outcome.hosts.find((h) => h.name === 'web-1');
    expect([web1?.before.verdict, web1?.after.verdict]).toEqual(['critical', 'ok']);
    // 262144 x 64 KiB is above the 8 GiB host's RAM: a new notice, worth reading, not harm.
    const web2 = result.outcome.hosts.find((h) => h.name === 'web-2');
    expect([web2?.before.verdict, web2?.after.verdict]).toEqual(['ok', 'notice']);
    expect(result.view.reportHref).toBe('../report.html');
  });

  test('a misspelt key in the file is an InputError naming the file, the line and the nearest key', async () => {
    const conf = join(dir, 'typo.conf');
    writeFileSync(conf, 'net.core.somaxconn = 4096\n\nnet.ipv4.tcp_max_orhpans = 262144\n');
    const opts = parseWhatIfArgs(['--from', from, '--sysctl-file', conf, '-o', join(dir, 'typo')]);
    if (opts === 'help') throw new Error('unexpected help');
    const error = await whatif(opts, captureIo()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(`${conf}:3: unknown sysctl "net.ipv4.tcp_max_orhpans"; did you mean "net.ipv4.tcp_max_orphans"?`);
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  test('several errors come together, each with its own line', async () => {
    const opts = parseWhatIfArgs(['--from', from, '--set', 'net.ipv4.tcp_mem=1 2', '--set', 'net.core.somaxconn=many']);
    if (opts === 'help') throw new Error('unexpected help');
    const error = await whatif(opts, captureIo()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual([
      '--set:1: net.ipv4.tcp_mem takes 3 values, found 2: "1 2"',
      '--set:2: net.core.somaxconn: "many" is not a whole number >= 0',
    ]);
  });
});

describe('compare command', () => {
  test('audit writes compare.html beside report.html, and report.html links it', () => {
    expect(existsSync(join(dir, 'compare.html'))).toBe(true);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('href="compare.html"');
  });

  test('report.html links whatif.html once one sits in its folder', async () => {
    const run = savedRun([{ name: 'solo' }]);
    const fresh = mkdtempSync(join(tmpdir(), 'sockaudit-nav-'));
    try {
      await writeReports(rankRun(run), fresh, ['html']);
      expect(readFileSync(join(fresh, 'report.html'), 'utf8')).not.toContain('href="whatif.html"');
      writeFileSync(join(fresh, 'whatif.html'), '');
      await writeReports(rankRun(run), fresh, ['html']);
      expect(readFileSync(join(fresh, 'report.html'), 'utf8')).toContain('href="whatif.html"');
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test('--by group names the drifting host; JSON leaves out hostname, boot id and gauges', async () => {
    const out = join(dir, 'by-group');
    const opts = parseCompareArgs(['--from', from, '--by', 'group', '-o', out]);
    if (opts === 'help') throw new Error('unexpected help');
    const io = captureIo();
    const result = await compare(opts, io);
    expect(result.files.map((f) => f.slice(out.length + 1))).toEqual(['compare.html', 'compare.md', 'compare.json']);
    const doc = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(doc.schemaVersion).toBe(1);
    expect(doc.leftOut).toEqual(['hostname', 'bootId', 'fs.file-nr', 'net.netfilter.nf_conntrack_count']);
    const web = doc.groups.find((g: { name: string }) => g.name === 'web');
    const drift = web.keys.filter((k: { drift: unknown[] }) => k.drift.length > 0).map((k: { key: string; drift: { host: string }[] }) => [k.key, k.drift.map((d) => d.host)]);
    expect(drift).toEqual([['net.ipv4.tcp_max_orphans', [HOSTILE_NAME]]]);
    expect(io.out()).toContain('net.ipv4.tcp_max_orphans');
    expect(() => parseCompareArgs(['--from', from, '--by', 'rack'])).toThrow(/--by must be one of fleet, group, kernel/);
  });
});
