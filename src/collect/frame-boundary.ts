// The probe frame's boundary as the script declares it and as an output carries it; used by
// whatever answers for a host without running the script (saved outputs, the demo's servers).

/** The boundary a probe script declares in its `B='...'` line, or undefined. */
export function parseScriptBoundary(script: string): string | undefined {
  const match = /^B='([^'\n]+)'$/m.exec(script);
  return match?.[1];
}

/** The boundary an output's first line carries (`<B> sockaudit-probe <version>`), or undefined. */
export function outputBoundary(output: string): string | undefined {
  const end = output.indexOf('\n');
  const match = /^(\S+) sockaudit-probe \d+$/.exec(end < 0 ? output : output.slice(0, end));
  return match?.[1];
}

/** `output` with `from` replaced by `to` wherever it starts a line as a frame word. */
export function reframe(output: string, from: string, to: string): string {
  const escaped = from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return output.replace(new RegExp(`^${escaped}(?= |$)`, 'gm'), () => to);
}
