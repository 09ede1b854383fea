// A disk that fills up during the audit: the built binary audits this machine into a tiny tmpfs
// (mounted in a user namespace of its own), which takes the folder check but not the reports.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { repoRoot, tempDir } from './helpers.js';

function userNamespaces(): string | null {
  try {
    execFileSync('unshare', ['-rm', 'true'], { stdio: 'ignore' });
    return null;
  } catch (e) {
    return `unshare -rm is not available here (${(e as Error).message.split('\n')[0]})`;
  }
}

const unavailable = userNamespaces();
if (unavailable && process.env.CI === 'true') throw new Error(`${unavailable}: CI must run the disk-full test`);

describe.skipIf(unavailable !== null)(`audit onto a full disk${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const mountPoint = tempDir('full');
  afterAll(() => mountPoint.cleanup());

  it('still prints its summary, names each file it could not write, and exits 4 without a stack trace', async () => {
    const bin = join(repoRoot, 'dist', 'src', 'bin.js');
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run "npm run build" (npm test does it) first`);
    // 8 KiB: room for the folder check and not for the HTML report of a real host (its style sheet
    // alone is larger, even when the host is healthy and gets one compact row).
    const script = 'mount -t tmpfs -o size=8k tmpfs "$1" && exec "$2" "$3" audit --local --samples 1 --fail-on never -o "$1"';
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('unshare', ['-rm', 'sh', '-c', script, 'sh', mountPoint.path, process.execPath, bin], { cwd: repoRoot }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      });
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(EXIT.unwritten);
    expect(r.stdout).toMatch(/^sockaudit: /m);
    expect(r.stdout).toContain(`could not write ${join(mountPoint.path, 'report.html')}: ENOSPC`);
    expect(r.stdout).toMatch(/^exit 4: \d+ report file\(s\) could not be written$/m);
  });
});
