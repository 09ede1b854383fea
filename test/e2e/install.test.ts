// A fresh clone packs into a package that installs and runs from any folder: packed from a git
// URL (npm clones it, installs its dependencies, runs `prepare`, which builds), installed with
// `npm install -g --prefix` into a folder of its own, then run elsewhere with its templates and
// schema. Also `npm install -g <folder>` of a checkout (a copy of this one, built as npm ci builds). Dependencies come from the npm cache;
// what is missing there is fetched from the npm registry.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectValidReport } from '../support/schema.js';
import { repoRoot, tempDir, type Captured } from './helpers.js';

const MINUTES = 60_000;

/** The environment without npm settings a parent `npm test` passes down (global, prefix, ...). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

function run(command: string, args: string[], cwd: string, timeoutMs = 6 * MINUTES): Promise<Captured> {
  return new Promise((done) => {
    execFile(command, args, { cwd, env: cleanEnv(), timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await run('git', ['-c', 'user.name=sockaudit test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], cwd);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** npm with its log in the test's folder, so a failure can be read there. */
async function npm(cwd: string, logs: string, ...args: string[]): Promise<Captured> {
  return run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline', '--logs-dir', logs], cwd);
}

/** `sockaudit audit --local` from a folder that is not the package's, with the installed binary. */
async function auditFromElsewhere(bin: string, folder: string): Promise<void> {
  mkdirSync(folder, { recursive: true });
  const r = await run(bin, ['audit', '--local', '-q', '--fail-on', 'never', '-o', 'out'], folder, MINUTES);
  expect(r.stderr).not.toMatch(/cannot find|ENOENT|Error:/);
  expect(r.code).toBe(0);
  for (const f of ['report.html', 'report.md', 'report.json', 'compare.html']) expect(existsSync(join(folder, 'out', f)), f).toBe(true);
  const text = readFileSync(join(folder, 'out', 'report.json'), 'utf8');
  expectValidReport(text);
  expect(JSON.parse(text).hosts).toHaveLength(1);
  // The HTML came from the package's templates: its stylesheet and the host's card are in it.
  expect(readFileSync(join(folder, 'out', 'report.html'), 'utf8')).toMatch(/^<!doctype html>[\s\S]*<style>[\s\S]*<\/html>\s*$/i);
}

describe('install', () => {
  const tmp = tempDir('install');
  const logs = join(tmp.path, 'npm-logs');
  const clone = join(tmp.path, 'repo');

  beforeAll(async () => {
    // The tree as it is now, committed to a repository of its own: what a fresh clone holds
    // (no node_modules, no dist).
    const files = (await git(repoRoot, 'ls-files', '-z', '--cached', '--others', '--exclude-standard')).split('\0').filter((f) => f !== '' && existsSync(join(repoRoot, f)));
    expect(files).toContain('package.json');
    expect(files.some((f) => f.startsWith('node_modules/') || f.startsWith('dist/'))).toBe(false);
    for (const f of files) cpSync(join(repoRoot, f), join(clone, f), { recursive: false });
    await git(clone, 'init', '-q');
    await git(clone, 'add', '-A');
    await git(clone, 'commit', '-q', '-m', 'tree under test');
  }, 2 * MINUTES);
  afterAll(() => tmp.cleanup());

  test(
    'a git URL packs (prepare builds), the tarball installs into a prefix, and sockaudit runs from another folder',
    async () => {
      const packs = join(tmp.path, 'packs');
      mkdirSync(packs);
      const packed = await npm(tmp.path, logs, 'pack', '--pack-destination', packs, `git+file://${clone}`);
      expect(packed.code, packed.stderr).toBe(0);
      const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz'));
      expect(tarballs).toEqual([expect.stringMatching(/^sockaudit-\d+\.\d+\.\d+.*\.tgz$/)]);
      const tarball = join(packs, tarballs[0] as string);
      // What the package holds: the build, its templates and schema; no tests, no sources.
      const listing = (await run('tar', ['tzf', tarball], tmp.path)).stdout.split('\n');
      for (const f of ['package/dist/src/bin.js', 'package/dist/src/index.js', 'package/schema/report.schema.json', 'package/templates/report.html.hbs', 'package/templates/report.md.hbs']) expect(listing).toContain(f);
      expect(listing.filter((f) => /^package\/(test|src|dist\/test|dist\/bench)\//.test(f))).toEqual([]);

      const prefix = join(tmp.path, 'prefix');
      const installed = await npm(tmp.path, logs, 'install', '-g', '--prefix', prefix, tarball);
      expect(installed.code, installed.stderr).toBe(0);
      const bin = join(prefix, 'bin', 'sockaudit');
      expect(realpathSync(bin)).toBe(join(realpathSync(prefix), 'lib', 'node_modules', 'sockaudit', 'dist', 'src', 'bin.js'));
      await auditFromElsewhere(bin, join(tmp.path, 'elsewhere-tarball'));
    },
    12 * MINUTES,
  );

  test(
    'npm install -g of a checkout folder (after npm ci, which builds) gives a sockaudit that runs from another folder',
    async () => {
      // A checkout of its own, not this one: npm runs `prepare` in a folder it installs, and that
      // rebuilds dist/ while the other tests run the binary from it. Its dependencies are this
      // checkout's, linked; its dist/ is built as npm ci builds it.
      const checkout = join(tmp.path, 'checkout');
      cpSync(clone, checkout, { recursive: true });
      symlinkSync(join(repoRoot, 'node_modules'), join(checkout, 'node_modules'));
      const built = await run(process.execPath, [join(checkout, 'scripts', 'prepare.mjs')], checkout);
      expect(built.code, built.stderr).toBe(0);
      expect(existsSync(join(checkout, 'dist', 'src', 'bin.js'))).toBe(true);
      const prefix = join(tmp.path, 'prefix-folder');
      const installed = await npm(tmp.path, logs, 'install', '-g', '--prefix', prefix, checkout);
      expect(installed.code, installed.stderr).toBe(0);
      await auditFromElsewhere(join(prefix, 'bin', 'sockaudit'), join(tmp.path, 'elsewhere-folder'));
    },
    6 * MINUTES,
  );
});
