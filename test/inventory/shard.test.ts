import { describe, expect, test } from 'vitest';
import { describeShardLine, inventoryCoverage, parseShard, resolveRunId, resolveShard, selectShard, SHARD_ENGINES, shardOf } from '../../src/inventory/shard.js';

const names = (n: number, prefix = 'web') => Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${String(i).padStart(4, '0')}.example.net` }));

describe('--shard I/N', () => {
  test('parses I/N and names what is wrong', () => {
    expect(parseShard('2/4')).toEqual({ value: { index: 2, count: 4 } });
    expect(parseShard(' 1 / 1 ')).toEqual({ value: { index: 1, count: 1 } });
    expect(parseShard('0/4')).toEqual({ error: '--shard: I must be from 1 to 4 (got 0)' });
    expect(parseShard('5/4')).toEqual({ error: '--shard: I must be from 1 to 4 (got 5)' });
    expect(parseShard('1/0')).toEqual({ error: '--shard: N must be from 1 to 1024 (got 0)' });
    expect(parseShard('2-4')).toMatchObject({ error: expect.stringContaining('must be I/N') });
  });

  test('the shards partition the hosts, each host in exactly one, in their given order', () => {
    const hosts = names(300);
    const parts = [1, 2, 3].map((index) => selectShard(hosts, { index, count: 3 }));
    expect(parts.flat().map((h) => h.name).sort()).toEqual(hosts.map((h) => h.name).sort());
    for (const p of parts) {
      expect(p.map((h) => h.name)).toEqual([...p].sort((a, b) => hosts.indexOf(a) - hosts.indexOf(b)).map((h) => h.name));
      // Hashing spreads 300 names roughly evenly: no shard is empty or holds most of them.
      expect(p.length).toBeGreaterThan(60);
      expect(p.length).toBeLessThan(140);
    }
  });

  test('adding hosts never moves the others between shards', () => {
    const before = names(200);
    const after = [...names(50, 'new'), ...before, ...names(50, 'db')];
    for (const index of [1, 2, 3, 4]) {
      const old = new Set(selectShard(before, { index, count: 4 }).map((h) => h.name));
      const now = selectShard(after, { index, count: 4 }).map((h) => h.name).filter((n) => n.startsWith('web-'));
      expect(new Set(now)).toEqual(old);
    }
  });

  test("a host's shard depends on its name and N only", () => {
    expect(shardOf('web-0001.example.net', 4)).toBe(shardOf('web-0001.example.net', 4));
    expect(shardOf('anything', 1)).toBe(1);
    const seen = new Set(names(100).map((h) => shardOf(h.name, 7)));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('--shard auto', () => {
  const auto = (env: Record<string, string>) => resolveShard('auto', env);

  test.each([
    ['GitLab (1-based)', { CI_NODE_INDEX: '3', CI_NODE_TOTAL: '4' }, { index: 3, count: 4, from: 'gitlab' }],
    ['Kubernetes Indexed Job (0-based)', { JOB_COMPLETION_INDEX: '0', SOCKAUDIT_SHARD_TOTAL: '5' }, { index: 1, count: 5, from: 'kubernetes' }],
    ['CircleCI (0-based)', { CIRCLE_NODE_INDEX: '3', CIRCLE_NODE_TOTAL: '4' }, { index: 4, count: 4, from: 'circleci' }],
    ['Buildkite (0-based)', { BUILDKITE_PARALLEL_JOB: '1', BUILDKITE_PARALLEL_JOB_COUNT: '2' }, { index: 2, count: 2, from: 'buildkite' }],
    ['Nomad (0-based)', { NOMAD_ALLOC_INDEX: '6', SOCKAUDIT_SHARD_TOTAL: '7' }, { index: 7, count: 7, from: 'nomad' }],
    ['AWS Batch array (0-based, its own size)', { AWS_BATCH_JOB_ARRAY_INDEX: '9', AWS_BATCH_JOB_ARRAY_SIZE: '10' }, { index: 10, count: 10, from: 'aws-batch' }],
  ])('%s', (_name, env, want) => {
    expect(auto({ HOME: '/root', PATH: '/usr/bin', ...env })).toEqual({ value: want });
  });

  test('every engine covers all shards exactly once over its range of indexes', () => {
    for (const engine of SHARD_ENGINES) {
      const got = [0, 1, 2].map((k) => auto({ [engine.index]: String(k + engine.base), [engine.total]: '3' }));
      expect(got.map((g) => ('value' in g ? g.value.index : g.error))).toEqual([1, 2, 3]);
    }
  });

  test('I/N typed out is recorded as from the flag; auto is case-blind', () => {
    expect(resolveShard('2/4', { CI_NODE_INDEX: '1', CI_NODE_TOTAL: '4' })).toEqual({ value: { index: 2, count: 4, from: 'flag' } });
    expect(resolveShard(' AUTO ', { CI_NODE_INDEX: '1', CI_NODE_TOTAL: '4' })).toEqual({ value: { index: 1, count: 4, from: 'gitlab' } });
  });

  test('an index without a total names both variables', () => {
    expect(auto({ JOB_COMPLETION_INDEX: '2' })).toEqual({ error: expect.stringMatching(/JOB_COMPLETION_INDEX is set \(Kubernetes Indexed Job\) but SOCKAUDIT_SHARD_TOTAL is not.*completions/) });
    expect(auto({ CI_NODE_INDEX: '2', CI_NODE_TOTAL: ' ' })).toEqual({ error: expect.stringContaining('CI_NODE_INDEX is set (GitLab CI parallel) but CI_NODE_TOTAL is not') });
    expect(auto({ NOMAD_ALLOC_INDEX: '0' })).toEqual({ error: expect.stringContaining("SOCKAUDIT_SHARD_TOTAL to the number of shards (the group's count)") });
    // AWS Batch's own size, not the variable of the engines that have none.
    expect(auto({ AWS_BATCH_JOB_ARRAY_INDEX: '0', SOCKAUDIT_SHARD_TOTAL: '4' })).toEqual({ error: expect.stringContaining('AWS_BATCH_JOB_ARRAY_INDEX is set (AWS Batch array job) but AWS_BATCH_JOB_ARRAY_SIZE is not') });
  });

  test('no engine lists every variable looked for', () => {
    const r = auto({ CI_NODE_TOTAL: '1', SOCKAUDIT_SHARD_TOTAL: '4' });
    expect('error' in r).toBe(true);
    const error = 'error' in r ? r.error : '';
    for (const e of SHARD_ENGINES) expect(error).toContain(e.index);
    expect(error).toContain('give --shard I/N');
  });

  test('values out of range, not numbers, or two engines at once are errors', () => {
    expect(auto({ CI_NODE_INDEX: '0', CI_NODE_TOTAL: '4' })).toEqual({ error: '--shard auto: CI_NODE_INDEX=0 is outside 1..4 for CI_NODE_TOTAL=4' });
    expect(auto({ CIRCLE_NODE_INDEX: '4', CIRCLE_NODE_TOTAL: '4' })).toEqual({ error: '--shard auto: CIRCLE_NODE_INDEX=4 is outside 0..3 for CIRCLE_NODE_TOTAL=4' });
    expect(auto({ BUILDKITE_PARALLEL_JOB: 'one', BUILDKITE_PARALLEL_JOB_COUNT: '2' })).toEqual({ error: '--shard auto: BUILDKITE_PARALLEL_JOB must be a whole number (got "one")' });
    expect(auto({ JOB_COMPLETION_INDEX: '1', SOCKAUDIT_SHARD_TOTAL: '5000' })).toEqual({ error: '--shard auto: SOCKAUDIT_SHARD_TOTAL must be from 1 to 1024 (got 5000)' });
    expect(auto({ CI_NODE_INDEX: '1', CI_NODE_TOTAL: '2', NOMAD_ALLOC_INDEX: '0', SOCKAUDIT_SHARD_TOTAL: '2' })).toEqual({
      error: '--shard auto: more than one engine\'s shard index is set (CI_NODE_INDEX=1, NOMAD_ALLOC_INDEX=0); give --shard I/N',
    });
  });

  test('the summary line names the engine, the run and the inventory', () => {
    const line = describeShardLine({ index: 1, count: 4, from: 'kubernetes', runId: { value: 'kubernetes:audit-x', from: 'JOB_NAME' }, inventory: inventoryCoverage([{ name: 'a', address: 'a', port: 22 }]) });
    expect(line).toMatch(/^shard 1\/4 from Kubernetes Indexed Job \(JOB_COMPLETION_INDEX, 0-based, SOCKAUDIT_SHARD_TOTAL\); run kubernetes:audit-x \(JOB_NAME\); of 1 host, inventory sha256:[0-9a-f]{12}$/);
    expect(describeShardLine({ index: 2, count: 2, from: 'flag', runId: null })).toBe('shard 2/2 from --shard; no run id');
  });
});

describe('run id', () => {
  test('--run-id wins over the engine', () => {
    expect(resolveRunId('weekly-2026-49', { GITHUB_RUN_ID: '1' })).toEqual({ value: { value: 'weekly-2026-49', from: '--run-id' } });
    expect(resolveRunId('', {})).toEqual({ error: expect.stringContaining('--run-id must be') });
    expect(resolveRunId('a\u001b[31m', {})).toEqual({ error: expect.stringContaining('--run-id must be') });
  });

  test.each([
    [{ GITHUB_RUN_ID: '987', GITHUB_RUN_ATTEMPT: '2', CI_PIPELINE_ID: 'x' }, 'github:987.2', 'GITHUB_RUN_ID+GITHUB_RUN_ATTEMPT'],
    [{ CI_PIPELINE_ID: '4455', CI_NODE_INDEX: '1' }, 'gitlab:4455', 'CI_PIPELINE_ID'],
    [{ CIRCLE_WORKFLOW_ID: 'wf-1' }, 'circleci:wf-1', 'CIRCLE_WORKFLOW_ID'],
    [{ BUILDKITE_BUILD_ID: 'bk-1' }, 'buildkite:bk-1', 'BUILDKITE_BUILD_ID'],
    [{ JOB_COMPLETION_INDEX: '3', JOB_NAME: 'sockaudit-2026-49', HOSTNAME: 'other-3' }, 'kubernetes:sockaudit-2026-49', 'JOB_NAME'],
    [{ JOB_COMPLETION_INDEX: '3', HOSTNAME: 'sockaudit-weekly-29120-3' }, 'kubernetes:sockaudit-weekly-29120', 'HOSTNAME (without -JOB_COMPLETION_INDEX)'],
    [{ AWS_BATCH_JOB_ID: 'a1b2-c3:7', AWS_BATCH_JOB_ARRAY_INDEX: '7' }, 'aws-batch:a1b2-c3', 'AWS_BATCH_JOB_ID (without :INDEX)'],
    [{ NOMAD_JOB_ID: 'sockaudit/periodic-1765000000', NOMAD_ALLOC_INDEX: '0' }, 'nomad:sockaudit/periodic-1765000000', 'NOMAD_JOB_ID'],
  ])('from %j', (env, value, from) => {
    expect(resolveRunId(undefined, env)).toEqual({ value: { value, from } });
  });

  test('absent when nothing names the run', () => {
    // A pod name that does not end in the index, a plain Nomad job and no CI: no id to trust.
    expect(resolveRunId(undefined, { JOB_COMPLETION_INDEX: '3', HOSTNAME: 'laptop' })).toEqual({ value: null });
    expect(resolveRunId(undefined, { NOMAD_JOB_ID: 'sockaudit', NOMAD_ALLOC_INDEX: '0' })).toEqual({ value: null });
    expect(resolveRunId(undefined, { HOSTNAME: 'ci-runner-3' })).toEqual({ value: null });
  });
});

describe('inventory coverage', () => {
  const t = (name: string, address = name, port = 22, user?: string) => ({ name, address, port, ...(user === undefined ? {} : { user }) });

  test('the digest depends on names, addresses, ports and users, not on their order', () => {
    const base = inventoryCoverage([t('b'), t('a', '10.0.0.1', 22, 'audit')]);
    expect(base.names).toEqual(['a', 'b']);
    expect(base.hosts).toBe(2);
    expect(base.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(inventoryCoverage([t('a', '10.0.0.1', 22, 'audit'), t('b')]).digest).toBe(base.digest);
    for (const changed of [
      [t('b'), t('a', '10.0.0.2', 22, 'audit')],
      [t('b'), t('a', '10.0.0.1', 2222, 'audit')],
      [t('b'), t('a', '10.0.0.1', 22, 'root')],
      [t('b'), t('a', '10.0.0.1', 22)],
      [t('c'), t('a', '10.0.0.1', 22, 'audit')],
      [t('a', '10.0.0.1', 22, 'audit')],
    ]) {
      expect(inventoryCoverage(changed).digest).not.toBe(base.digest);
    }
  });

  test('no field can pass for another: a tab or newline in a name does not forge a second host', () => {
    expect(inventoryCoverage([t('a\tb')]).digest).not.toBe(inventoryCoverage([t('a', 'b')]).digest);
    expect(inventoryCoverage([t('a\n["b","b",22,null]')]).digest).not.toBe(inventoryCoverage([t('a'), t('b')]).digest);
  });
});

describe('audit flags', () => {
  test('--shard auto reads the environment it is given; --run-id wins over the pipeline id', async () => {
    const { parseAuditArgs } = await import('../../src/cli/args/audit.js');
    const env = { CI_NODE_INDEX: '2', CI_NODE_TOTAL: '3', CI_PIPELINE_ID: '812' };
    expect(parseAuditArgs(['-H', 'a,b', '--shard', 'auto'], env)).toMatchObject({ shard: { index: 2, count: 3, from: 'gitlab' }, runId: { value: 'gitlab:812', from: 'CI_PIPELINE_ID' } });
    expect(parseAuditArgs(['-H', 'a', '--shard', '1/2', '--run-id', 'weekly-49'], env)).toMatchObject({ shard: { index: 1, count: 2, from: 'flag' }, runId: { value: 'weekly-49', from: '--run-id' } });
    expect(parseAuditArgs(['-H', 'a', '--shard', '1/2'], {})).toMatchObject({ runId: null });
    expect(() => parseAuditArgs(['-H', 'a', '--shard', 'auto'], {})).toThrow(/no engine's shard index is set \(looked for CI_NODE_INDEX/);
    expect(() => parseAuditArgs(['-H', 'a', '--shard', 'auto'], { JOB_COMPLETION_INDEX: '1' })).toThrow(/JOB_COMPLETION_INDEX is set .* but SOCKAUDIT_SHARD_TOTAL is not/);
    expect(() => parseAuditArgs(['-H', 'a', '--run-id', 'x'], env)).toThrow(/--run-id names the run a shard belongs to: give --shard too/);
  });
});
