// Runs the CLI as a library (main(argv, io)) with captured output, or as the built binary.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/io.js';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** main() with an Io whose output is captured and whose environment is the one given. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Captured> {
  const io = captureIo({ env: { HOME: process.env.HOME, PATH: process.env.PATH, ...env } });
  const code = await main(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
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
