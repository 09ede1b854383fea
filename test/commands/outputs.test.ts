// Writing reports: exclusive temporary files renamed into place, planted symlinks never followed,
// an unusable --out refused before any host is touched, and failed writes recorded, not thrown.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { checkOutputFolder, writeAtomic, writeReports } from '../../src/commands/outputs.js';
import { EXIT, UsageError } from '../../src/errors.js';
import { rankRun } from '../../src/run/rank.js';
import { encodeSavedRunText } from '../../src/run/saved-run.js';
import { auditRun } from '../support/fleet.js';
import { runCli } from '../e2e/helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sockaudit-outputs-'));
});
afterEach(() => {
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
});

describe('writes', () => {
  test('a symlink planted at the final name or at the old temporary name is replaced or left alone, never followed', async () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(out, 'report.json'));
    symlinkSync(victim, join(out, 'report.html.tmp'));
    symlinkSync(victim, join(out, 'report.md.tmp'));
    const dangling = join(dir, 'created-through-a-link');
    symlinkSync(dangling, join(out, 'report.md'));

    const { files, unwritten } = await writeReports(rankRun(auditRun()), out, ['html', 'md', 'json']);
    expect(unwritten).toEqual([]);
    expect(files).toEqual(['report.html', 'report.md', 'report.json', 'compare.html'].map((f) => join(out, f)));

    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(() => lstatSync(dangling)).toThrow(/ENOENT/);
    for (const f of ['report.json', 'report.md', 'report.html']) expect(lstatSync(join(out, f)).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toMatchObject({ schemaVersion: 1 });
    // The planted temporary names are not used at all: still links to the victim.
    expect(readlinkSync(join(out, 'report.html.tmp'))).toBe(victim);
    expect(readlinkSync(join(out, 'report.md.tmp'))).toBe(victim);
    // No temporary file is left behind.
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  test('writeAtomic writes chunks in order and replaces an existing file whole', async () => {
    const path = join(dir, 'x.json');
    writeFileSync(path, 'old old old old');
    await writeAtomic(path, ['{', '"a": ', '1'.repeat(200_000), '}\n']);
    expect(readFileSync(path, 'utf8')).toBe(`{"a": ${'1'.repeat(200_000)}}\n`);
    await writeAtomic(path, 'short\n');
    expect(readFileSync(path, 'utf8')).toBe('short\n');
    expect(readdirSync(dir)).toEqual(['x.json']);
  });

  test('writeAtomic takes text and UTF-8 bytes mixed, across batches, in order', async () => {
    const path = join(dir, 'mixed.json');
    const big = 'é'.repeat(700_000);
    const chunks: (string | Uint8Array)[] = ['[', Buffer.from('"日本",'), `"${big}"`, ',', Buffer.from(`"${big}"`), new Uint8Array(Buffer.from(',"‮"')), ']\n'];
    await writeAtomic(path, chunks);
    expect(readFileSync(path, 'utf8')).toBe(`["日本","${big}","${big}","‮"]\n`);
  });

  test('a folder that stops taking files after the check: every file recorded with its reason, nothing thrown', async () => {
    const out = join(dir, 'out');
    await checkOutputFolder(out);
    // The folder goes away and a file takes its name, as a cleanup job or a full disk might leave it.
    renameSync(out, join(dir, 'moved'));
    writeFileSync(out, 'not a folder');
    const { files, unwritten } = await writeReports(rankRun(auditRun()), out, ['md', 'json']);
    expect(files).toEqual([]);
    expect(unwritten.map((u) => u.path)).toEqual([join(out, 'report.md'), join(out, 'report.json')]);
    for (const u of unwritten) expect(u.reason).toMatch(/^cannot create the folder: E[A-Z]+/);
  });

  test.skipIf(process.getuid?.() === 0)('a folder made read-only after the check (skipped as root, which writes anyway)', async () => {
    await checkOutputFolder(dir);
    chmodSync(dir, 0o500);
    const { files, unwritten } = await writeReports(rankRun(auditRun()), dir, ['md']);
    expect(files).toEqual([]);
    expect(unwritten).toEqual([{ path: join(dir, 'report.md'), reason: expect.stringMatching(/^EACCES/) }]);
  });
});

describe('checkOutputFolder', () => {
  test('creates a missing folder and leaves nothing in it', async () => {
    const out = join(dir, 'a', 'b');
    await checkOutputFolder(out);
    expect(readdirSync(out)).toEqual([]);
  });

  test('refuses a file, and a folder under a file, with the reason', async () => {
    const file = join(dir, 'file');
    writeFileSync(file, '');
    await expect(checkOutputFolder(file)).rejects.toThrow(new UsageError(`--out ${file}: not a folder`));
    await expect(checkOutputFolder(join(file, 'sub'))).rejects.toThrow(/^--out \S+\/file\/sub: .*ENOTDIR/);
    await expect(checkOutputFolder(join(file, 'sub'))).rejects.toBeInstanceOf(UsageError);
  });
});

describe('audit with an unusable --out', () => {
  let server: Server;
  let connections = 0;
  beforeEach(async () => {
    connections = 0;
    server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('exits 2 with the reason before connecting to any host', async () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const file = join(dir, 'report-here');
    writeFileSync(file, '');
    const r = await runCli(['audit', '-H', `audit@127.0.0.1:${address.port}`, '--no-ssh-config', '-o', file, '-q']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain(`--out ${file}: not a folder`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(connections).toBe(0);
  });
});

test('report --from with an --out that is a file exits 2 with the reason and writes nothing', async () => {
  const saved = join(dir, 'report.json');
  writeFileSync(saved, encodeSavedRunText(rankRun(auditRun())));
  const file = join(dir, 'out-file');
  writeFileSync(file, 'keep');
  const r = await runCli(['report', '--from', saved, '-o', file]);
  expect(r.code).toBe(EXIT.usage);
  expect(r.stderr).toContain(`--out ${file}: not a folder`);
  expect(readFileSync(file, 'utf8')).toBe('keep');
  expect(readdirSync(dir).sort()).toEqual(['out-file', 'report.json']);
});
