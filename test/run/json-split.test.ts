// The array splitter on random documents in random layouts, cut into random chunks: the elements
// handed over (as text, or parsed, line by line where it can) and the skeleton are what JSON.parse
// of the whole document gives, whatever the layout and wherever the chunks are cut.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { ElementNotJson, NotAContainer, splitChunks } from '../../src/run/json-split.js';

const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
// Strings that look like structure, so a scan that mistakes them for it goes wrong.
const tricky = fc.constantFrom('}', ']', '{', '[', '"', '\\', '\\"', ',\n', '"hosts": [', '\n    {"a":1},', 'é€😀', '\u2028');
const element = fc.oneof(
  fc.dictionary(fc.oneof(fc.string(), tricky), fc.oneof(json, tricky), { maxKeys: 5 }),
  fc.array(fc.oneof(json, tricky), { maxLength: 4 }),
);

/** How one element is written: alone on its line, indented over several, or after others on a line. */
const layout = fc.constantFrom('line', 'indented', 'same-line', 'crlf', 'blank-padded');

function writeElement(value: unknown, how: string): { text: string; separator: string } {
  switch (how) {
    case 'line':
      return { text: JSON.stringify(value), separator: ',\n    ' };
    case 'indented':
      return { text: JSON.stringify(value, null, 2), separator: ',\n' };
    case 'same-line':
      return { text: JSON.stringify(value), separator: ', ' };
    case 'crlf':
      return { text: JSON.stringify(value), separator: ' ,\r\n\r\n' };
    default:
      return { text: JSON.stringify(value), separator: ' \t,\t \n \n' };
  }
}

const doc = fc.record({
  before: fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== 'hosts'), json, { maxKeys: 3 }),
  after: fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== 'hosts'), json, { maxKeys: 3 }),
  hosts: fc.array(fc.tuple(element, layout), { maxLength: 8 }),
  pretty: fc.boolean(),
});

function render(d: { before: Record<string, unknown>; after: Record<string, unknown>; hosts: [unknown, string][]; pretty: boolean }): string {
  const head = JSON.stringify(d.before, null, d.pretty ? 2 : 0).slice(1, -1).trim();
  const tail = JSON.stringify(d.after, null, d.pretty ? 2 : 0).slice(1, -1).trim();
  let hosts = '';
  d.hosts.forEach(([value, how], i) => {
    const { text, separator } = writeElement(value, how);
    hosts += text + (i < d.hosts.length - 1 ? separator : '\n');
  });
  return `{${head}${head ? ',\n' : '\n'}  "hosts": [\n    ${hosts}  ]${tail ? `,\n${tail}` : ''}\n}\n`;
}

/** The bytes cut at the given positions. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

test('hands over the elements and the skeleton JSON.parse sees, in any layout and any chunks', () => {
  fc.assert(
    fc.property(doc, fc.array(fc.nat(), { maxLength: 12 }), (d, at) => {
      const text = render(d);
      const whole = JSON.parse(text) as { hosts: unknown[] };
      const chunks = cut(Buffer.from(text), at);
      const texts: string[] = [];
      const split = splitChunks(chunks, 'hosts', { text: (t, i) => texts.push(`${i}:${t}`) });
      const values: unknown[] = [];
      const parsed = splitChunks(chunks, 'hosts', { value: (v, i) => values.push([i, v]) });
      expect(texts.map((t) => JSON.parse(t.slice(t.indexOf(':') + 1)) as unknown)).toEqual(whole.hosts);
      expect(values).toEqual(whole.hosts.map((v, i) => [i, v]));
      expect(split.elements).toBe(whole.hosts.length);
      expect(parsed).toEqual(split);
      expect(JSON.parse(split.skeleton)).toEqual({ ...whole, hosts: [] });
    }),
    { numRuns: 1500 },
  );
});

test('an element JSON.parse refuses is named by index, on its own line or not', () => {
  for (const text of ['{"hosts": [\n {"a":1},\n {"a":x},\n {"b":2}\n]}', '{"hosts": [{"a":1}, {"a":x}]}', '{"hosts": [\n {"a":1},\n {\n "a": x\n }\n]}']) {
    const seen: unknown[] = [];
    expect(() => splitChunks([Buffer.from(text)], 'hosts', { value: (v) => seen.push(v) })).toThrow(ElementNotJson);
    expect(seen).toEqual([{ a: 1 }]);
    try {
      splitChunks([Buffer.from(text)], 'hosts', { value: () => undefined });
    } catch (e) {
      expect((e as ElementNotJson).index).toBe(1);
    }
  }
  expect(() => splitChunks([Buffer.from('{"hosts": [{"a":1},\n "x"\n]}')], 'hosts', { value: () => undefined })).toThrow(NotAContainer);
});

test('a line that parses but is not the whole element is never taken for one', () => {
  // An element's inner line that parses alone: lines are tried only between elements.
  const text = '{"hosts": [\n  {"findings": [\n    {"id": 1},\n    {"id": 2}\n  ]},\n  {"id": 3}\n]}';
  const values: unknown[] = [];
  splitChunks([Buffer.from(text)], 'hosts', { value: (v) => values.push(v) });
  expect(values).toEqual([{ findings: [{ id: 1 }, { id: 2 }] }, { id: 3 }]);
});
