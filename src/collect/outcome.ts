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
    const said = firstLine(run.stderr) ?? firstLine(run.stdout);
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

function firstLine(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line === undefined ? undefined : line.trim().slice(0, 200);
}
