// The host spool: report.json's host texts written away as hosts finish and copied back in rank
// order give the very file the encoder writes at the end; the spool leaves no file behind; a
// failing write (a full disk) stops it and the hosts it lacks are encoded at the end instead.
import { afterEach, describe, expect, test } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHostSpool } from '../../src/commands/host-spool.js';
import { writeAtomic } from '../../src/commands/outputs.js';
import { rankRun } from '../../src/run/rank.js';
import { merge, mergeRuns } from '../../src/commands/merge.js';
import { reportFrom } from '../../src/commands/report.js';
import { packageVersion } from '../../src/paths.js';
import { encodeSavedHost, encodeSavedRunText, encodeSavedRunWith, parseSavedRun, RECORD_WRITTEN_AWAY } from '../../src/run/saved-run.js';
import { captureIo } from '../support/io.js';
import type { HostResult } from '../../src/run/types.js';
import { failedHost, recordedHost, recording, runOf, withSection } from '../support/runs.js';

const dirs: string[] = [];
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockaudit-spool-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Healthy and failing hosts, one whose strings hold a bidi override, a C1 control and non-ASCII text. */
function hosts(): HostResult[] {
  const hostile = withSection(recording('web-healthy-618'), 'proc/loadavg', (c) => `${c.trimEnd()} ‮é\u0085日本\n`);
  return [
    recordedHost('web-healthy-618', recording('web-healthy-618')),
    recordedHost('batch-abort-515', recording('batch-abort-515')),
    recordedHost('naïve-\u202ehost', hostile),
    failedHost('gone', 'connect', 'connect ECONNREFUSED 127.0.0.1:2299'),
    failedHost('refused', 'auth', 'authentication failed', { tried: 'publickey' }),
  ];
}

const asText = (chunks: Iterable<string | Uint8Array>): string => [...chunks].map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'))).join('');

describe('host spool', () => {
  test('texts saved as hosts finish give report.json byte for byte, and no file stays in the folder', async () => {
    const dir = folder();
    const run = runOf(hosts());
    const spool = openHostSpool(dir, run.tool.version)!;
    expect(spool).toBeDefined();
    // Finished in another order than they rank.
    for (const h of [...run.hosts].reverse()) spool.add(h);
    expect(readdirSync(dir)).toEqual([]);
    const ranked = rankRun(run);
    for (const host of ranked.hosts) expect(Buffer.from(spool.savedHost(host)!).toString('utf8')).toBe(encodeSavedHost(host.result, run.tool.version));

    const path = join(dir, 'report.json');
    await writeAtomic(path, encodeSavedRunWith(ranked, (h) => spool.savedHost(h)));
    spool.close();
    const expected = encodeSavedRunText(ranked);
    expect(readFileSync(path, 'utf8')).toBe(expected);
    expect(expected).toContain('\\u202e');
    expect(JSON.parse(expected).hosts.map((h: { rank: number }) => h.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  // The third host's write goes wrong either way: it throws (the disk is full), or the kernel takes
  // only what still fits.
  const thirdWrite: Record<string, (fd: number, bytes: Buffer, position: number) => number> = {
    'a write that fails': () => {
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    },
    'a short write': (fd, bytes, position) => writeSync(fd, bytes, 0, 1000, position),
  };
  test.each(Object.keys(thirdWrite))('%s stops the spool; the hosts it lacks are encoded at the end, the file the same', (kind) => {
    const dir = folder();
    const run = runOf(hosts());
    let writes = 0;
    const spool = openHostSpool(dir, run.tool.version, {
      write: (fd, text, position) => {
        const bytes = Buffer.from(text, 'utf8');
        return ++writes === 3 ? thirdWrite[kind]!(fd, bytes, position) : writeSync(fd, bytes, 0, bytes.length, position);
      },
    })!;
    expect(run.hosts.map((h) => spool.add(h))).toEqual([true, true, false, false, false]);
    expect(writes).toBe(3);
    const ranked = rankRun(run);
    const held = ranked.hosts.filter((h) => spool.savedHost(h) !== undefined).map((h) => h.result);
    expect(held.sort((a, b) => run.hosts.indexOf(a) - run.hosts.indexOf(b))).toEqual(run.hosts.slice(0, 2));
    expect(asText(encodeSavedRunWith(ranked, (h) => spool.savedHost(h)))).toBe(encodeSavedRunText(ranked));
    spool.close();
    expect(spool.savedHost(ranked.hosts[0]!)).toBeUndefined();
  });

  test('letRecordGo: only a host the spool wrote away lets its record go, and its text still comes back whole', () => {
    const run = runOf(hosts());
    const texts = run.hosts.map((h) => encodeSavedHost(h, run.tool.version));
    let writes = 0;
    // The fourth write fails: that host and the ones after it keep their records.
    const spool = openHostSpool(folder(), run.tool.version, {
      write: (fd, text, position) => {
        if (++writes === 4) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        return writeSync(fd, text, position, 'utf8');
      },
    })!;
    const records = run.hosts.map((h) => (h.outcome.status === 'failed' ? undefined : h.outcome.record));
    expect(run.hosts.map((h) => spool.add(h, { letRecordGo: true }))).toEqual([true, true, true, false, false]);
    run.hosts.forEach((h, i) => {
      if (h.outcome.status === 'failed') expect('record' in h.outcome, h.outcome.target.name).toBe(false);
      else expect(h.outcome.record, h.outcome.target.name).toBe(i < 3 ? RECORD_WRITTEN_AWAY : records[i]);
    });
    const ranked = rankRun(run);
    for (const host of ranked.hosts.filter((h) => run.hosts.indexOf(h.result) < 3)) {
      expect(Buffer.from(spool.savedHost(host)!).toString('utf8')).toBe(texts[run.hosts.indexOf(host.result)]);
    }
    spool.close();
  });

  test('no spool where no file can be made: the run goes on without one', () => {
    expect(openHostSpool(join(folder(), 'missing', 'deeper'), '1.0.0')).toBeUndefined();
  });
});

describe('report --from with the spool', () => {
  test("each host's text written away as it is read, its record let go; a host only the skeleton attributes is encoded at the end", async () => {
    const dir = folder();
    // Written by an older sockaudit, and two hosts that do not name their collector (as files of
    // schema version 1 did not): those take the file's version once its skeleton is read.
    const written = runOf(hosts(), { tool: { name: 'sockaudit', version: '0.0.1' } });
    const doc = JSON.parse(encodeSavedRunText(rankRun(written))) as { hosts: Record<string, unknown>[] };
    const anonymous = new Set(doc.hosts.filter((h) => h.status !== 'failed').slice(0, 2).map((h) => h.name));
    expect(anonymous.size).toBe(2);
    for (const h of doc.hosts) if (anonymous.has(h.name)) delete h.collectedBy;
    const from = join(dir, 'saved.json');
    writeFileSync(from, JSON.stringify(doc, null, 2));

    const result = await reportFrom({ from, outDir: join(dir, 'out'), formats: ['json', 'md'], failOnWorse: false, allowUnaudited: false, keepRecords: false }, captureIo());
    const audited = result.run.hosts.filter((h) => h.outcome.status !== 'failed');
    expect(audited.length).toBeGreaterThan(1);
    for (const h of audited) {
      if (h.outcome.status === 'failed') continue;
      // Only the hosts the spool took let their record go.
      if (anonymous.has(h.outcome.target.name)) expect(h.outcome.record.sections.length).toBeGreaterThan(0);
      else expect(h.outcome.record).toBe(RECORD_WRITTEN_AWAY);
    }
    // The file the encoder writes for the run read whole, with every record held.
    const whole = parseSavedRun(readFileSync(from, 'utf8'), from, { toolVersion: packageVersion() }).run;
    expect(readFileSync(join(dir, 'out', 'report.json'), 'utf8')).toBe(encodeSavedRunText(rankRun(whole, { allowUnaudited: false, failOnWorse: false })));
    const out = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as { hosts: { collectedBy: string }[] };
    expect(new Set(out.hosts.map((h) => h.collectedBy))).toEqual(new Set(['0.0.1']));
    // Nothing is left behind in the output folder but the reports.
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['report.json', 'report.md']);
  });
});

describe('merge with the spool', () => {
  test("the shards' hosts written away as they are read: the report.json of the shards merged whole, and no record held", async () => {
    const dir = folder();
    const all = hosts();
    const files = [all.slice(0, 2), all.slice(2)].map((part, i) => {
      const file = join(dir, `shard-${i + 1}.json`);
      writeFileSync(file, encodeSavedRunText(rankRun(runOf(part))));
      return file;
    });
    const io = captureIo();
    const result = await merge({ files, outDir: join(dir, 'out'), formats: ['json', 'md'], failOnWorse: false, allowUnaudited: false, keepRecords: false }, io);
    expect(io.warnings).toEqual([]);
    const audited = result.run.hosts.filter((h) => h.outcome.status !== 'failed');
    expect(audited.length).toBeGreaterThan(1);
    for (const h of audited) if (h.outcome.status !== 'failed') expect(h.outcome.record).toBe(RECORD_WRITTEN_AWAY);
    const inputs = files.map((file) => ({ file, saved: parseSavedRun(readFileSync(file, 'utf8'), file, { toolVersion: packageVersion() }) }));
    const whole = mergeRuns(inputs, { toolVersion: packageVersion() }).run;
    expect(readFileSync(join(dir, 'out', 'report.json'), 'utf8')).toBe(encodeSavedRunText(rankRun(whole, { allowUnaudited: false, failOnWorse: false })));
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['report.json', 'report.md']);
  });
});
