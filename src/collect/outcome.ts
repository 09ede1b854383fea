// Turns what a probe printed into a host's outcome. Pure: the transports do the I/O.
import { parseProbeFrame } from '../procfs/frame.js';
import { assembleSnapshot } from '../procfs/snapshot.js';
import type { FailureStage, HostOutcome, TargetRef } from './types.js';

export interface ProbeRun {
  target: TargetRef;
  boundary: string;
  stdout: string;
  stderr: string;
  code: number | null;
  truncated: boolean;
  startedAt: string;
  durationMs: number;
}

/** What one host's probe output means: ok, partial (some inputs missing), or a failure with its stage. */
export function assembleOutcome(run: ProbeRun): HostOutcome {
  const { target, startedAt, durationMs } = run;
  const fail = (stage: FailureStage, message: string): HostOutcome => ({ status: 'failed', target, stage, message, startedAt, durationMs });
  if (run.truncated) return fail('command', 'probe output exceeded the size cap');
  const framed = parseProbeFrame(run.stdout, run.boundary);
  if (!framed.ok) {
    // A shell that could not run the probe prints nothing framed: say what it said instead.
    const said = leadingLines(run.stderr) ?? leadingLines(run.stdout);
    if (run.code !== 0 && run.code !== null) return fail('command', `probe exited with status ${run.code}${said ? `: ${said}` : ''}`);
    return fail('parse', framed.error);
  }
  const { snapshot, problems } = assembleSnapshot(framed.record);
  return {
    status: problems.length > 0 ? 'partial' : 'ok',
    target,
    record: framed.record,
    snapshot,
    problems,
    startedAt,
    durationMs,
  };
}

const SAID_LINES = 3;
const SAID_MAX_CHARS = 300;
const LAST_MAX_CHARS = 120;

/**
 * The first few lines of what a host or command printed, for a failure message, and its last
 * line when there is more (ssh and most tools end with the verdict: "Host key verification
 * failed."). Lines with no letter or digit (banners of @ signs) are skipped; control characters
 * (terminal escapes included) become U+FFFD; the whole is bounded, so a hostile host can neither
 * draw on the terminal nor flood the report.
 */
export function leadingLines(text: string): string | undefined {
  const lines = text
    .split('\n')
    .map((raw) => raw.replace(/\r$/, '').replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD').trim())
    .filter((line) => /[\p{L}\p{N}]/u.test(line));
  if (lines.length === 0) return undefined;
  const head = lines.slice(0, SAID_LINES).join(' | ');
  if (lines.length <= SAID_LINES) return bound(head, SAID_MAX_CHARS);
  const last = bound(lines.at(-1)!, LAST_MAX_CHARS);
  return `${bound(head, SAID_MAX_CHARS - last.length - 5)} | … | ${last}`;
}

function bound(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
