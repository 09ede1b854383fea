import { rankRun } from '../../src/run/rank.js';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { mergeRuns, type MergeInput } from '../../src/run/merge.js';
import { decodeSavedRun, encodeSavedRunText } from '../../src/run/saved-run.js';
import { reportSchemaErrors } from '../support/schema.js';
import { inventoryCoverage, shardOf, type InventoryCoverage } from '../../src/inventory/shard.js';
import { buildView } from '../../src/report/index.js';
import type { AuditRun } from '../../src/run/types.js';
import { failedHost, recordedHost, recording, runOf } from '../support/runs.js';

function input(file: string, run: AuditRun, schemaVersion = 1): MergeInput {
  return { file, saved: { run, schemaVersion, warnings: [] } };
}

const a = () => runOf([recordedHost('web-1', recording('web-healthy-618')), failedHost('gw-1', 'auth', 'denied')], { shard: { index: 1, count: 3 } });
const b = () =>
  runOf([recordedHost('cache-1', recording('cache-hot-61')), recordedHost('api-1', recording('api-pressure-419'))], {
    shard: { index: 2, count: 3 },
    startedAt: '2025-03-03T05:59:00.000Z',
    finishedAt: '2025-03-03T06:01:00.000Z',
    hostKeyPolicy: 'accept-new',
  });
const c = () => runOf([recordedHost('edge-1', recording('edge-tw-310'))], { shard: { index: 3, count: 3 } });

describe('merge', () => {
  test('one run with every host, ranked as one run over all of them', () => {
    const { run, warnings } = mergeRuns([input('a.json', a()), input('b.json', b()), input('c.json', c())], { toolVersion: '1.0.0' });
    // These shards were saved before runs recorded their id and inventory: merged, with a word on it.
    expect(warnings).toEqual([
      'a.json, b.json, c.json: no run id (give audit --run-id), so nothing proves they are of the same run as the others',
      "a.json, b.json, c.json: saved without the inventory's digest, so nothing proves the shards cover one inventory",
    ]);
    const whole = runOf([...a().hosts, ...b().hosts, ...c().hosts]);
    expect(buildView(rankRun(run)).hosts.map((h) => h.name)).toEqual(buildView(rankRun(whole)).hosts.map((h) => h.name));
    expect(run).toMatchObject({ startedAt: '2025-03-03T05:59:00.000Z', finishedAt: '2025-03-03T06:01:00.000Z', hostKeyPolicy: 'accept-new' });
    expect(run.shard).toBeUndefined();
    expect(run.tool.version).toBe('1.0.0');
  });

  test('refuses runs of another schema version, naming the files', () => {
    expect(() => mergeRuns([input('a.json', a()), input('b.json', b(), 2)], { toolVersion: '1.0.0' })).toThrow(
      new InputError('b.json', undefined, 'schema version 2, but a.json has 1: merge runs of one sockaudit version'),
    );
  });

  test('a host in two runs is an error naming both files', () => {
    let error: unknown;
    try {
      mergeRuns([input('shard-1/report.json', a()), input('shard-2/report.json', runOf([...b().hosts, recordedHost('web-1', recording('web-healthy-618'))]))], { toolVersion: '1.0.0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['shard-2/report.json: host "web-1" is also in shard-1/report.json']);
  });

  test('says which shards are missing', () => {
    const { run, warnings } = mergeRuns([input('a.json', a()), input('c.json', c())], { toolVersion: '1.0.0' });
    expect(warnings).toContain('shard 2/3 not merged: their hosts are missing from this report');
    expect(run.warnings).toContain('shard 2/3 not merged: their hosts are missing from this report');
  });

  test('runs gated differently need --fail-on', () => {
    const strict = { ...c(), failOn: 'warning' as const };
    expect(() => mergeRuns([input('a.json', a()), input('c.json', strict)], { toolVersion: '1.0.0' })).toThrow(/give --fail-on/);
    expect(mergeRuns([input('a.json', a()), input('c.json', strict)], { toolVersion: '1.0.0', failOn: 'notice' }).run.failOn).toBe('notice');
  });

  describe('coverage proof', () => {
    // The five hosts of a(), b() and c() plus a spread of names, so that every shard of 3 holds some.
    const names = ['web-1', 'gw-1', 'cache-1', 'api-1', 'edge-1', ...Array.from({ length: 40 }, (_, i) => `node-${i}`)];
    const inventory = (list = names): InventoryCoverage => inventoryCoverage(list.map((name) => ({ name, address: '127.0.0.1', port: 2200, user: 'audit' })));
    const cut = (index: number, extras: { runId?: string | null; inventory?: InventoryCoverage } = {}): AuditRun => {
      const hosts = names.filter((n) => shardOf(n, 3) === index).map((n) => failedHost(n, 'connect', 'refused'));
      return runOf(hosts, { shard: { index, count: 3, from: 'gitlab', runId: extras.runId === undefined ? { value: 'gitlab:77', from: 'CI_PIPELINE_ID' } : extras.runId === null ? null : { value: extras.runId, from: '--run-id' }, inventory: extras.inventory ?? inventory() } });
    };
    const error = (f: () => unknown): string[] => {
      try {
        f();
      } catch (e) {
        return e instanceof AggregateError ? e.errors.map((x: Error) => x.message) : [(e as Error).message];
      }
      return [];
    };

    test('shards of one run and one inventory merge without a word', () => {
      const { run, warnings } = mergeRuns([1, 2, 3].map((k) => input(`s${k}.json`, cut(k))), { toolVersion: '1.0.0' });
      expect(warnings).toEqual([]);
      expect(run.hosts.map((h) => h.outcome.target.name).sort()).toEqual([...names].sort());
    });

    test('refuses shards of different runs, naming the files', () => {
      expect(error(() => mergeRuns([input('s1.json', cut(1)), input('s2.json', cut(2, { runId: 'gitlab:78' })), input('s3.json', cut(3))], { toolVersion: '1.0.0' }))).toEqual([
        's2.json: a shard of run "gitlab:78", but s1.json is of run "gitlab:77": merge the shards of one run',
      ]);
    });

    test('refuses shards of different inventories, naming the files', () => {
      const other = inventory([...names, 'late-added']);
      const messages = error(() => mergeRuns([input('s1.json', cut(1)), input('s2.json', cut(2)), input('s3.json', cut(3, { inventory: other }))], { toolVersion: '1.0.0' }));
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/^s3\.json: cut from another inventory than s1\.json \(sha256:[0-9a-f]{12}… against sha256:[0-9a-f]{12}…\): merge shards of one inventory$/);
    });

    test('names the missing shards and every host they held', () => {
      const { run, warnings } = mergeRuns([input('s1.json', cut(1)), input('s3.json', cut(3))], { toolVersion: '1.0.0' });
      const held = names.filter((n) => shardOf(n, 3) === 2).sort();
      expect(held.length).toBeGreaterThan(3);
      expect(warnings).toEqual([`shard 2/3 not merged: ${held.length} hosts of the inventory missing from this report: ${held.map((n) => JSON.stringify(n)).join(', ')}`]);
      expect(run.warnings).toContain(warnings[0]);
    });

    test('a long list of missing hosts is cut, the rest counted', () => {
      const many = Array.from({ length: 10_000 }, (_, i) => `host-${String(i).padStart(5, '0')}`);
      const shard1 = runOf([], { shard: { index: 1, count: 2, runId: null, inventory: inventory(many) } });
      const { warnings } = mergeRuns([input('s1.json', shard1)], { toolVersion: '1.0.0' });
      const missing = many.filter((n) => shardOf(n, 2) === 2);
      expect(warnings.find((w) => w.startsWith('shard 2/2'))).toBe(`shard 2/2 not merged: ${missing.length} hosts of the inventory missing from this report: ${missing.slice(0, 50).map((n) => JSON.stringify(n)).join(', ')} and ${missing.length - 50} more`);
    });

    test('shards that cannot prove their run or inventory are merged with a warning saying so', () => {
      const old = (k: number) => runOf(cut(k).hosts, { shard: { index: k, count: 3 } });
      const { warnings } = mergeRuns([input('s1.json', cut(1, { runId: null })), input('s2.json', old(2)), input('s3.json', cut(3))], { toolVersion: '1.0.0' });
      expect(warnings).toEqual([
        's1.json, s2.json: no run id (give audit --run-id), so nothing proves they are of the same run as the others',
        's2.json: saved without the inventory\'s digest, so nothing proves the shards cover one inventory',
      ]);
    });

    test("a shard's source, run id and inventory survive report.json, as the schema describes them", () => {
      const shard = cut(2);
      const text = encodeSavedRunText(rankRun(shard));
      expect(reportSchemaErrors(text)).toEqual([]);
      const doc = JSON.parse(text) as { run: { shard: Record<string, unknown> } };
      expect(Object.keys(doc.run.shard)).toEqual(['index', 'count', 'from', 'runId', 'inventory']);
      expect(decodeSavedRun(text, 's2.json').run.shard).toEqual(shard.shard);
      const none = cut(2, { runId: null });
      expect(decodeSavedRun(encodeSavedRunText(rankRun(none)), 's2.json').run.shard?.runId).toBeNull();
      // A digest that is not one, or names that do not add up, are refused with their JSON path.
      const forged = text.replace(/"digest": "sha256:[0-9a-f]+"/, '"digest": "sha256:00"');
      expect(reportSchemaErrors(forged)).not.toEqual([]);
      expect(() => decodeSavedRun(forged, 's2.json')).toThrow(/\$\.run\.shard\.inventory\.digest: expected sha256: and 64 hex digits/);
      const short = text.replace(/"hosts": (\d+),\n(\s+)"names"/, (_m, n: string, sp: string) => `"hosts": ${Number(n) + 1},\n${sp}"names"`);
      expect(() => decodeSavedRun(short, 's2.json')).toThrow(/\$\.run\.shard\.inventory\.hosts: 46, but names lists 45/);
    });
  });
});
