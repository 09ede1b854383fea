// The real probe on this machine through the CLI: `audit --local --samples 3 --interval 1`.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { captureIo } from '../support/io.js';
import { SAMPLED_FILES } from '../../src/procfs/sections.js';

interface JsonHost {
  status: string;
  snapshot: { samples: { uptimeSeconds?: number; sockstat: { state: string } }[] };
  record: { sections: { name: string; sample?: number; status: number }[] };
  findings: { id: string; figures: Record<string, unknown> }[];
}

let tmp: string;
let code: number;
let stderr = '';
let doc: { run: { samples: number; intervalSeconds: number }; hosts: JsonHost[] };

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'sockaudit-sampling-local-'));
  const io = captureIo({ env: { PATH: process.env.PATH } });
  code = await main(['audit', '--local', '--samples', '3', '--interval', '1', '-o', tmp, '--format', 'json', '--fail-on', 'never', '-q'], io);
  stderr = io.err();
  doc = JSON.parse(await readFile(join(tmp, 'report.json'), 'utf8'));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('the run says three samples one second apart, and succeeds', () => {
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(doc.run).toMatchObject({ samples: 3, intervalSeconds: 1 });
  expect(doc.hosts).toHaveLength(1);
  expect(doc.hosts[0]?.status).not.toBe('failed');
});

test('the probe read each sampled file three times', () => {
  const sections = doc.hosts[0]?.record.sections ?? [];
  for (const name of SAMPLED_FILES) {
    expect(sections.filter((s) => s.name === name).map((s) => s.sample)).toEqual([0, 1, 2]);
  }
});

test('three samples with uptime increasing by about the interval', () => {
  const samples = doc.hosts[0]?.snapshot.samples ?? [];
  expect(samples).toHaveLength(3);
  expect(samples.map((s) => s.sockstat.state)).toEqual(['ok', 'ok', 'ok']);
  const up = samples.map((s) => s.uptimeSeconds);
  for (const u of up) expect(typeof u).toBe('number');
  for (let k = 1; k < up.length; k++) {
    const step = (up[k] as number) - (up[k - 1] as number);
    // /proc/uptime has 10 ms resolution; sleep 1 plus the reads take a little over a second.
    expect(step).toBeGreaterThanOrEqual(0.98);
    expect(step).toBeLessThan(10);
  }
});

test('the findings are computed over the three samples', () => {
  const orphans = doc.hosts[0]?.findings.find((f) => f.id === 'orphans');
  expect(orphans?.figures.samples).toBe(3);
});
