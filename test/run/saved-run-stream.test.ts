// report.json read as a stream, host by host: the same run as decoding the whole text, whatever
// the layout and wherever the 1 MiB read chunks cut the hosts; bad hosts named by JSON path.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { splitTopLevelArray } from '../../src/run/json-split.js';
import { rankRun } from '../../src/run/rank.js';
import { encodeSavedRunText, parseSavedRun, readSavedRun } from '../../src/run/saved-run.js';
import { failedHost, recordedHost, recording, runOf } from '../support/runs.js';

const dir = mkdtempSync(join(tmpdir(), 'sockaudit-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NAMES = ['web-healthy-618', 'batch-abort-515', 'db-restricted-515', 'edge-tw-310'];

// About 50 KiB a host: 120 hosts span several read chunks, and hosts straddle their edges.
const run = runOf(
  Array.from({ length: 120 }, (_, i) =>
    i % 7 === 3 ? failedHost(`down-${i}`, 'connect', 'connect ECONNREFUSED "quoted" [bracket] {brace}') : recordedHost(`h-${i}-"]}{[\\`, recording(NAMES[i % NAMES.length]!)),
  ),
);
const text = encodeSavedRunText(rankRun(run));

/** The text with every host line pretty-printed, as sockaudit wrote report.json before hosts had a line each. */
function indentedHosts(t: string): string {
  return t.replace(/^ {4}(\{.*\}),?$/gm, (line, host: string) => `    ${JSON.stringify(JSON.parse(host), null, 2).replace(/\n/g, '\n    ')}${line.endsWith(',') ? ',' : ''}`);
}

/** Hosts in pairs on one line, blank lines and CRLF between them: a hand-edited file. */
function handEdited(t: string): string {
  let k = 0;
  return t.replace(/,\n {4}\{/g, (sep) => (k++ % 2 === 0 ? ', {' : `,\r\n\r\n\t{`)).replace(/\}\n {2}\]/, '}  ]');
}

test('gives the same run as decoding the whole text, in the written layout and in others', async () => {
  expect(text.length).toBeGreaterThan(3 << 20);
  // One host a line, and nowhere else a line that starts with an object.
  expect(text.split('\n').filter((l) => l.startsWith('    {')).length).toBe(120);
  const whole = parseSavedRun(text, 'report.json', { toolVersion: '1.0.0' });
  const layouts = [
    ['written.json', text],
    ['indented.json', indentedHosts(text)],
    ['compact.json', JSON.stringify(JSON.parse(text))],
    ['hand-edited.json', handEdited(text)],
  ] as const;
  expect(new Set(layouts.map(([, body]) => body)).size).toBe(layouts.length);
  for (const [name, body] of layouts) {
    const path = join(dir, name);
    writeFileSync(path, body);
    const streamed = await readSavedRun(path, { toolVersion: '1.0.0' });
    expect(streamed.schemaVersion).toBe(whole.schemaVersion);
    expect(streamed.warnings).toEqual(whole.warnings);
    expect(streamed.run).toEqual(whole.run);
  }
});

test('hands over every element of the member named, and only of that member', async () => {
  const path = join(dir, 'nested.json');
  writeFileSync(path, JSON.stringify({ a: { hosts: [9, 9] }, "ho\\\"sts": [8], hosts: [{ x: '[{' }, [1, 2], { y: { hosts: [] } }], z: 'hosts' }));
  const seen: string[] = [];
  const { skeleton, elements } = await splitTopLevelArray(path, 'hosts', (t) => seen.push(t));
  expect(elements).toBe(3);
  expect(seen.map((t) => JSON.parse(t))).toEqual([{ x: '[{' }, [1, 2], { y: { hosts: [] } }]);
  expect(JSON.parse(skeleton)).toEqual({ a: { hosts: [9, 9] }, 'ho\\"sts': [8], hosts: [], z: 'hosts' });
});

test('names the host that is not valid JSON or not an object', async () => {
  // A quote lost before a host's name, on its own line and in an indented host.
  for (const [name, body] of [['broken.json', text], ['broken-indented.json', indentedHosts(text)]] as const) {
    const broken = join(dir, name);
    const at = body.indexOf('"h-2-');
    writeFileSync(broken, `${body.slice(0, at)}h-2${body.slice(at + 4)}`);
    await expect(readSavedRun(broken)).rejects.toThrow(/\$\.hosts\[\d+\]: not valid JSON/);
  }
  const scalar = join(dir, 'scalar.json');
  writeFileSync(scalar, JSON.stringify({ ...JSON.parse(text), hosts: [JSON.parse(text).hosts[0], 'x'] }));
  await expect(readSavedRun(scalar)).rejects.toThrow(InputError);
  await expect(readSavedRun(scalar)).rejects.toThrow(/\$\.hosts\[1\]: expected an object/);
  await expect(readSavedRun(join(dir, 'absent.json'))).rejects.toThrow(/cannot read: ENOENT/);
});
