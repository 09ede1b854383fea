import { rankRun } from '../../src/run/rank.js';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { mergeRuns, type MergeInput } from '../../src/run/merge.js';
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
    expect(warnings).toEqual([]);
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
    expect(warnings).toEqual(['shard 2/3 not merged: their hosts are missing from this report']);
    expect(run.warnings).toContain(warnings[0]);
  });

  test('runs gated differently need --fail-on', () => {
    const strict = { ...c(), failOn: 'warning' as const };
    expect(() => mergeRuns([input('a.json', a()), input('c.json', strict)], { toolVersion: '1.0.0' })).toThrow(/give --fail-on/);
    expect(mergeRuns([input('a.json', a()), input('c.json', strict)], { toolVersion: '1.0.0', failOn: 'notice' }).run.failOn).toBe('notice');
  });
});
