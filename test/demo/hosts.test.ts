// The demo's fleet: every recording shipped in inventory/recorded/ served over SSH, plus two hosts
// that cannot be audited on purpose, collected over the real ssh2 path with strict host keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFleet } from '../../src/collect/collect.js';
import { readRecordings, startDemoFleet, type ServedFleet } from '../../src/demo/hosts.js';
import type { HostOutcome } from '../../src/collect/types.js';

describe('the demo fleet', () => {
  let served: ServedFleet;
  let outcomes: HostOutcome[];
  let recordings: Map<string, string>;

  beforeAll(async () => {
    recordings = await readRecordings();
    served = await startDemoFleet();
    outcomes = await collectFleet(
      served.targets,
      { concurrency: 8, connectTimeoutMs: 5_000, hostTimeoutMs: 20_000, samples: 1, intervalSeconds: 0, knownHostsFiles: [served.knownHostsFile], signal: new AbortController().signal },
      { env: {}, warn: (m) => expect.fail(`unexpected warning: ${m}`), onEvent: () => {} },
    );
  });
  afterAll(() => served?.stop());

  it('serves every shipped recording, each audited', () => {
    expect(recordings.size).toBeGreaterThan(3);
    for (const name of recordings.keys()) {
      const o = outcomes.find((x) => x.target.name === name);
      expect({ name, status: o?.status === 'failed' ? `${o.stage}: ${o.message}` : 'audited' }).toEqual({ name, status: 'audited' });
      expect(o?.target.hostKey).toEqual({ policy: 'strict', reason: expect.stringMatching(/^strict from /) });
    }
  });

  it('has a replaced host that fails strict host-key checking, and a retired one that refuses connections', () => {
    const replaced = outcomes.find((o) => o.target.name === 'db-replaced-515');
    const retired = outcomes.find((o) => o.target.name === 'retired-edge-310');
    expect(replaced?.status === 'failed' && replaced.stage).toBe('host-key');
    expect(retired?.status === 'failed' && retired.stage).toBe('connect');
    expect(retired?.status === 'failed' && retired.message).toMatch(/refused/);
    expect(outcomes).toHaveLength(recordings.size + 2);
  });
});
