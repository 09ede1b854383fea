// A captured Io for running commands as a library in tests.
import { Writable } from 'node:stream';
import type { Io } from '../../src/commands/io.js';

export interface CapturedIo extends Io {
  out: () => string;
  warnings: string[];
}

export function captureIo(): CapturedIo {
  let out = '';
  const warnings: string[] = [];
  const sink = (onText: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        onText(chunk.toString());
        done();
      },
    });
  return {
    stdout: sink((s) => (out += s)),
    stderr: sink(() => undefined),
    stderrIsTTY: false,
    color: false,
    env: {},
    warn: (m) => void warnings.push(m),
    onInterrupt: () => undefined,
    offInterrupt: () => undefined,
    out: () => out,
    warnings,
  };
}
