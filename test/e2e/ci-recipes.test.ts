// The README's CI recipes work as pasted: every YAML block in its "In CI" section parses; the
// GitHub workflow validates against the workflow schema (@action-validator/core, offline) and
// installs, shards, finds its baseline and gates as the README says; the GitLab job and the
// Kubernetes Indexed Job have the shape their engines accept, with --shard auto reading them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { resolveShard } from '../../src/inventory/shard.js';
import { repoRoot, runBinary, tempDir } from './helpers.js';
import { SHARD_ENGINES } from '../../src/inventory/shard.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const section = /\n## In CI[^\n]*\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';

/** Each fenced YAML block of the section, by the file name its first line gives. */
const blocks = new Map([...section.matchAll(/```ya?ml\n# ([^\n]+)\n([\s\S]*?)```/g)].map((m) => [(m[1] ?? '').trim(), `# ${m[1]}\n${m[2]}`]));

type Doc = Record<string, unknown>;

function parsed(file: string): Doc {
  const text = blocks.get(file);
  expect(text, `${file} in README's In CI section`).toBeDefined();
  // Strict YAML 1.2: any error or warning (a duplicate key, an unresolved tag) fails.
  const doc = parseDocument(text as string, { uniqueKeys: true, strict: true, prettyErrors: true });
  expect([...doc.errors, ...doc.warnings].map((e) => e.message)).toEqual([]);
  const value = doc.toJS() as unknown;
  expect(value).toBeTypeOf('object');
  return value as Doc;
}

const obj = (v: unknown): Doc => {
  expect(v).toBeTypeOf('object');
  expect(v).not.toBeNull();
  return v as Doc;
};
const arr = (v: unknown): unknown[] => {
  expect(Array.isArray(v)).toBe(true);
  return v as unknown[];
};

describe("README's CI recipes", () => {
  test('the section holds the three recipes, and every YAML block in it parses', () => {
    expect([...blocks.keys()]).toEqual(['.github/workflows/sockaudit.yml', '.gitlab-ci.yml', 'sockaudit-job.yaml']);
    // No YAML block escapes the check by lacking a file name on its first line.
    expect(section.match(/```ya?ml\n/g)?.length).toBe(blocks.size);
    for (const file of blocks.keys()) parsed(file);
  });

  describe('GitHub Actions', () => {
    const file = '.github/workflows/sockaudit.yml';

    test('validates against the workflow schema', () => {
      const state = validateWorkflow(blocks.get(file) ?? '');
      expect(state.errors).toEqual([]);
    });

    test('the validator would catch what the workflow used to get wrong', () => {
      // ${{ }} inside a flow mapping: not YAML at all.
      const broken = (blocks.get(file) ?? '').replace(/name: shard-\$\{\{ strategy\.job-index \}\}\n\s+path: shard\/report\.json/, 'with: { name: shard-${{ strategy.job-index }}, path: shard/report.json }');
      expect(broken).not.toBe(blocks.get(file));
      expect(validateWorkflow(broken).errors.map((e) => e.code)).toContain('parse_error');
      // A key the schema does not know.
      expect(validateWorkflow((blocks.get(file) ?? '').replace('    runs-on: ubuntu-latest\n', '    runs-on: ubuntu-latest\n    run-on: x\n')).errors).not.toEqual([]);
    });

    test('installs sockaudit from its repository on a current Node LTS, never from the registry', () => {
      const text = blocks.get(file) ?? '';
      expect(text).not.toMatch(/npm (install|i) (-g|--global) sockaudit\b/);
      const jobs = obj(parsed(file).jobs);
      for (const name of ['audit', 'report']) {
        const steps = arr(obj(jobs[name]).steps).map(obj);
        const node = steps.find((s) => s.uses === 'actions/setup-node@v4');
        expect(node, name).toBeDefined();
        expect([22, 24, '22', '24']).toContain(obj(node?.with)['node-version']);
        const install = steps.find((s) => typeof s.run === 'string' && /npm install -g/.test(s.run));
        expect(install?.run, name).toMatch(/npm ci && npm install -g "\$\(npm pack --silent \| tail -n 1\)"/);
        // The checkout it packs is sockaudit's repository, at a fixed ref.
        const checkout = steps.find((s) => obj(s.with ?? {}).path === '.sockaudit');
        expect(obj(checkout?.with)).toMatchObject({ repository: expect.any(String), ref: expect.any(String) });
      }
    });

    test('shards from strategy.job-index (0-based) and job-total, with one run id for every attempt', () => {
      const jobs = obj(parsed(file).jobs);
      const steps = arr(obj(jobs.audit).steps).map(obj);
      const auditStep = String(steps.find((s) => typeof s.run === 'string' && s.run.includes('sockaudit audit'))?.run);
      expect(auditStep).toContain('--shard $(( ${{ strategy.job-index }} + 1 ))/${{ strategy.job-total }}');
      expect(auditStep).toContain('--run-id "github:${{ github.run_id }}"');
      expect(auditStep).toMatch(/--fail-on never --allow-unaudited/);
      // What the expressions become on the runner, run through the shell, is a shard --shard accepts.
      const word = /--shard (\$\(\(.*?\)\)\/\$\{\{ strategy\.job-total \}\})/.exec(auditStep)?.[1] ?? '';
      expect(word).not.toBe('');
      const matrix = arr(obj(obj(obj(jobs.audit).strategy).matrix).part);
      for (let index = 0; index < matrix.length; index++) {
        const expanded = word.replace('${{ strategy.job-index }}', String(index)).replace('${{ strategy.job-total }}', String(matrix.length));
        const flag = execFileSync('sh', ['-c', `printf '%s' ${expanded}`], { encoding: 'utf8' });
        expect(resolveShard(flag, {})).toEqual({ value: { index: index + 1, count: matrix.length, from: 'flag' } });
      }
    });

    test('the report job runs unless cancelled, finds the baseline among completed runs, and keeps the summary capped', () => {
      const report = obj(obj(parsed(file).jobs).report);
      expect(report.if).toBe('${{ !cancelled() }}');
      expect(report.needs).toBe('audit');
      const runs = arr(report.steps).map(obj).map((s) => String(s.run ?? ''));
      const find = runs.find((r) => r.includes('gh run list')) ?? '';
      expect(find).toContain('--status completed');
      expect(find).not.toContain('--status success');
      expect(find).toContain('gh run download');
      const gate = runs.find((r) => r.includes('sockaudit merge')) ?? '';
      expect(gate).toContain('--baseline baseline/report.json');
      expect(gate).toContain('cat report/report.md >> "$GITHUB_STEP_SUMMARY"');
      const upload = arr(report.steps).map(obj).find((s) => s.uses === 'actions/upload-artifact@v4');
      expect(upload?.if).toBe('${{ !cancelled() }}');
      expect(obj(upload?.with).name).toBe('sockaudit-report');
    });
  });

  describe('GitLab CI', () => {
    const file = '.gitlab-ci.yml';
    // Top-level keywords and job keywords GitLab documents (a misspelt one is a job or an error there).
    const GLOBAL = new Set(['default', 'include', 'stages', 'variables', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script']);
    const JOB = new Set(['after_script', 'allow_failure', 'artifacts', 'before_script', 'cache', 'coverage', 'dependencies', 'environment', 'extends', 'id_tokens', 'image', 'inherit', 'interruptible', 'needs', 'parallel', 'release', 'resource_group', 'retry', 'rules', 'script', 'secrets', 'services', 'stage', 'tags', 'timeout', 'trigger', 'variables', 'when']);

    test('jobs use only keywords GitLab knows; the audit job is parallel with --shard auto; the report merges them whatever they said', () => {
      const doc = parsed(file);
      const stages = arr(doc.stages);
      const jobs = Object.entries(doc).filter(([k]) => !GLOBAL.has(k));
      expect(jobs.map(([k]) => k)).toEqual(['sockaudit-shard', 'sockaudit-report']);
      for (const [name, job] of [...jobs, ['default', doc.default] as const]) {
        for (const key of Object.keys(obj(job))) expect(JOB.has(key), `${name}: ${key}`).toBe(true);
      }
      const shard = obj(doc['sockaudit-shard']);
      expect(shard.parallel).toBeTypeOf('number');
      expect(Number.isInteger(shard.parallel) && (shard.parallel as number) >= 2 && (shard.parallel as number) <= 200).toBe(true);
      expect(stages).toContain(shard.stage);
      const script = arr(shard.script).join('\n');
      expect(script).toContain('--shard auto');
      expect(script).not.toMatch(/--shard \d/);
      const report = obj(doc['sockaudit-report']);
      expect(stages.indexOf(report.stage)).toBeGreaterThan(stages.indexOf(shard.stage));
      expect(report.when).toBe('always');
      expect(arr(report.script).join('\n')).toMatch(/sockaudit merge shard-\*\/report\.json/);
      expect(obj(obj(report.artifacts).reports).junit).toBe('report/report.junit.xml');
      const install = arr(obj(doc.default).before_script).join('\n');
      expect(install).toMatch(/npm install -g "\$\(npm pack --silent \| tail -n 1\)"/);
      expect(install).not.toMatch(/npm install -g sockaudit\b/);
      // --shard auto reads every instance GitLab starts as a different shard.
      const n = shard.parallel as number;
      const got = Array.from({ length: n }, (_, i) => resolveShard('auto', { CI_NODE_INDEX: String(i + 1), CI_NODE_TOTAL: String(n) }));
      expect(got.map((g) => ('value' in g ? g.value.index : 0))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    });
  });

  describe('Kubernetes Indexed Job', () => {
    const file = 'sockaudit-job.yaml';

    test('a batch/v1 Indexed Job, completions = parallelism = SOCKAUDIT_SHARD_TOTAL, --shard auto, the run id from the job name', () => {
      const doc = parsed(file);
      expect(doc.apiVersion).toBe('batch/v1');
      expect(doc.kind).toBe('Job');
      const spec = obj(doc.spec);
      expect(spec.completionMode).toBe('Indexed');
      expect(spec.completions).toBeTypeOf('number');
      expect(spec.parallelism).toBe(spec.completions);
      const pod = obj(obj(spec.template).spec);
      expect(['Never', 'OnFailure']).toContain(pod.restartPolicy);
      const containers = arr(pod.containers).map(obj);
      expect(containers).toHaveLength(1);
      const c = containers[0] as Doc;
      const env = arr(c.env).map(obj);
      const total = env.find((e) => e.name === 'SOCKAUDIT_SHARD_TOTAL');
      // Kubernetes env values are strings.
      expect(total?.value).toBe(String(spec.completions));
      const jobName = env.find((e) => e.name === 'JOB_NAME');
      expect(obj(obj(jobName?.valueFrom).fieldRef).fieldPath).toBe("metadata.labels['batch.kubernetes.io/job-name']");
      const args = arr(c.args).map(String);
      expect(args[0]).toBe('audit');
      expect(args[args.indexOf('--shard') + 1]).toBe('auto');
      // Each index writes its own folder.
      expect(args[args.indexOf('-o') + 1]).toContain('$(JOB_COMPLETION_INDEX)');
      // Every mounted volume is declared.
      const volumes = new Set(arr(pod.volumes).map((v) => obj(v).name));
      for (const m of arr(c.volumeMounts).map(obj)) expect(volumes.has(m.name), String(m.name)).toBe(true);
      const n = spec.completions as number;
      const got = Array.from({ length: n }, (_, i) => resolveShard('auto', { JOB_COMPLETION_INDEX: String(i), SOCKAUDIT_SHARD_TOTAL: String(total?.value) }));
      expect(got.map((g) => ('value' in g ? g.value.index : 0))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    });
  });

  describe('--shard auto in the built binary', () => {
    // Whatever engine runs this suite, its variables are blanked: only what each test sets counts.
    const blank = Object.fromEntries([...SHARD_ENGINES.flatMap((e) => [e.index, e.total]), 'GITHUB_RUN_ID', 'CI_PIPELINE_ID', 'CIRCLE_WORKFLOW_ID', 'BUILDKITE_BUILD_ID', 'JOB_NAME', 'AWS_BATCH_JOB_ID', 'NOMAD_JOB_ID'].map((k) => [k, '']));

    test('no engine: exit 2, listing what was looked for', async () => {
      const r = await runBinary(['audit', '-H', '127.0.0.1:9', '--shard', 'auto'], { env: blank });
      expect(r.code).toBe(2);
      for (const e of SHARD_ENGINES) expect(r.stderr).toContain(e.index);
    });

    test("a Kubernetes Indexed Job's pod: the summary and report.json say which shard, which run and which inventory", async () => {
      const out = tempDir('shard-auto');
      try {
        const env = { ...blank, JOB_COMPLETION_INDEX: '0', SOCKAUDIT_SHARD_TOTAL: '1', HOSTNAME: 'sockaudit-weekly-x7k2p-0' };
        const r = await runBinary(['audit', '-H', '127.0.0.1:9,127.0.0.2:9', '--shard', 'auto', '--connect-timeout', '2', '--allow-unaudited', '--no-ssh-config', '-q', '--format', 'json', '-o', out.path], { env });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^shard 1\/1 from Kubernetes Indexed Job \(JOB_COMPLETION_INDEX, 0-based, SOCKAUDIT_SHARD_TOTAL\); run kubernetes:sockaudit-weekly-x7k2p \(HOSTNAME \(without -JOB_COMPLETION_INDEX\)\); of 2 hosts, inventory sha256:[0-9a-f]{12}$/m);
        const doc = JSON.parse(readFileSync(join(out.path, 'report.json'), 'utf8')) as { run: { shard: Record<string, unknown> } };
        expect(doc.run.shard).toMatchObject({ index: 1, count: 1, from: 'kubernetes', runId: { value: 'kubernetes:sockaudit-weekly-x7k2p' }, inventory: { hosts: 2, names: ['127.0.0.1:9', '127.0.0.2:9'] } });
      } finally {
        out.cleanup();
      }
    }, 60_000);
  });
});
