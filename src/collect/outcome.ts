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

/**
 * The first few non-empty lines of what a host or command printed, joined with ` | `, for a
 * failure message: control characters (terminal escapes included) become U+FFFD, and the whole
 * is bounded, so a hostile host can neither draw on the terminal nor flood the report.
 */
export function leadingLines(text: string): string | undefined {
  const lines: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD').replace(/\t/g, ' ').trim();
    if (line === '') continue;
    lines.push(line);
    if (lines.length === SAID_LINES) break;
  }
  if (lines.length === 0) return undefined;
  const joined = lines.join(' | ');
  return joined.length > SAID_MAX_CHARS ? `${joined.slice(0, SAID_MAX_CHARS - 1)}…` : joined;
}
