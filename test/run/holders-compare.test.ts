// compare --by holder: hosts grouped by their biggest orphan holder (STATE address:port).
import { describe, expect, it } from 'vitest';
import { parseProbeFrame } from '../../src/procfs/frame.js';
import { RECORDED_BOUNDARY } from '../../src/procfs/sections.js';
import { assembleCompare } from '../../src/run/compare.js';
import { syntheticHoldersRecording } from '../support/holders-recording.js';
import { recordedHost, recording, runOf } from '../support/runs.js';

describe('compare --by holder', () => {
  it('puts hosts held by the same holder together, and the others in their catch-alls', () => {
    const framed = parseProbeFrame(syntheticHoldersRecording(), RECORDED_BOUNDARY);
    if (!framed.ok) throw new Error(framed.error);
    const run = runOf([
      recordedHost('edge-a', framed.record),
      recordedHost('edge-b', framed.record),
      recordedHost('web', recording('web-healthy-618')),
    ]);
    const model = assembleCompare(run, 'holder');
    expect(model.groups.map((g) => [g.name, g.hosts.map((h) => h.name)])).toEqual([
      ['FIN_WAIT1 10.20.0.5:443', ['edge-a', 'edge-b']],
      ['(holders not read)', ['web']],
    ]);
  });
});
