// Small probe outputs and scripts for exercising the fleets; the real recordings live in
// inventory/recorded/ and the real probe in src/collect/probe.ts.
import { RECORDED_BOUNDARY } from '../../src/procfs/sections.js';

/** A recording in the probe frame (version 1) with `sockaudit-recorded` boundary lines. */
export function sampleRecording(hostname: string, padLines = 0): string {
  const B = RECORDED_BOUNDARY;
  const pad = Array.from({ length: padLines }, (_, i) => `line ${i} of padding\n`).join('');
  return (
    `${B} sockaudit-probe 1\n` +
    `${B} begin hostname\n${hostname}\n${B} end hostname status=0\n` +
    `${B} begin proc/net/sockstat sample=0\n` +
    'sockets: used 187\nTCP: inuse 12 orphan 0 tw 3 alloc 15 mem 4\n' +
    pad +
    `\n${B} end proc/net/sockstat status=0\n` +
    `${B} done\n`
  );
}

/** A script shaped like the probe's: it declares its boundary, then prints a tiny frame. */
export function probeLikeScript(boundary: string): string {
  return [
    '#!/bin/sh',
    `B='${boundary}'`,
    `printf '%s sockaudit-probe 1\\n' "$B"`,
    `printf '%s begin whoami\\n' "$B"`,
    'id -un',
    `printf '%s end whoami status=%s\\n' "$B" "$?"`,
    `printf '%s done\\n' "$B"`,
    '',
  ].join('\n');
}
