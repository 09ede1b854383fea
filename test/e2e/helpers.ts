// Runs the CLI as a library (main(argv, io)) with captured output, or as the built binary.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.js';
import type { Io } from '../../src/commands/io.js';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** main() with an Io whose output is captured and whose environment is the one given. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Captured> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  const io: Io = {
    stdout: out,
    stderr: err,
    stderrIsTTY: false,
    color: false,
    env: { HOME: process.env.HOME, PATH: process.env.PATH, ...env },
    warn: (m) => err.write(`warning: ${m}\n`),
    onInterrupt: () => {},
    offInterrupt: () => {},
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** The built `sockaudit` binary (dist/src/bin.js); `npm test` builds it before the tests run. */
export function runBinary(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Captured> {
  const bin = join(repoRoot, 'dist', 'src', 'bin.js');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run "npm run build" (npm test does it) first`);
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [bin, ...argv], { env: { ...process.env, ...opts.env }, cwd: opts.cwd ?? repoRoot, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), `sockaudit-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
