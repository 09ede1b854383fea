// Runs the holders aggregator for real over a generated tree, under each awk this machine has.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildHoldersScript, type HoldersOptions } from '../../src/collect/holders.js';

export interface AwkUnderTest {
  /** The awk as words, e.g. `busybox awk`. */
  command: string;
  /** What it says it is (`awk -W version` and the like), or why it is skipped. */
  version: string;
  skip?: string;
}

function versionOf(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return undefined;
  return `${r.stdout}${r.stderr}`.split('\n')[0]?.trim();
}

function onPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The system awk (mawk or gawk), busybox awk, and gawk --posix. gawk is looked for on PATH or
 * at $SOCKAUDIT_TEST_GAWK (a gawk unpacked outside the system, so the system awk is not changed).
 */
export function awksUnderTest(): AwkUnderTest[] {
  const out: AwkUnderTest[] = [];
  const sys = onPath('awk');
  out.push(sys ? { command: 'awk', version: versionOf('awk', ['-W', 'version']) ?? 'awk' } : { command: 'awk', version: '', skip: 'no awk on PATH' });
  const bb = onPath('busybox');
  out.push(bb ? { command: 'busybox awk', version: versionOf('busybox', []) ?? 'busybox' } : { command: 'busybox awk', version: '', skip: 'busybox is not installed' });
  const gawk = process.env.SOCKAUDIT_TEST_GAWK ?? onPath('gawk');
  out.push(
    gawk && existsSync(gawk)
      ? { command: `${gawk} --posix`, version: versionOf(gawk, ['--version']) ?? 'gawk' }
      : { command: 'gawk --posix', version: '', skip: 'gawk is not installed (set SOCKAUDIT_TEST_GAWK to a gawk binary to include it)' },
  );
  return out;
}

/** A tree of files under `root` (paths relative, e.g. `proc/net/tcp`). */
export function writeTree(root: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

export interface HoldersRun {
  stdout: string;
  stderr: string;
  status: number | null;
  cpuSeconds?: number;
}

/** The aggregator over `root`, as `sh -s` runs it on a host; no clock bound unless asked (a loaded machine must not change a known answer). */
export function runHolders(root: string, options: HoldersOptions = {}, timeoutMs = 60_000): HoldersRun {
  const r = spawnSync('sh', ['-s'], { input: buildHoldersScript({ maxSeconds: 0, ...options, root }), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}
