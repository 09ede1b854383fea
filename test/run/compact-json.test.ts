// The single-pass writer against what it replaces: JSON.stringify with a bigint replacer over a
// copy of the value with every object's keys sorted. Same text, on the recorded hosts and on
// random values (bigints, index-like keys, __proto__, undefined, lone surrogates, -0, NaN).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { nameTable } from '../../src/procfs/parse-result.js';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';
import { compactJson, SortedKeys } from '../../src/run/compact-json.js';
import { recording } from '../support/runs.js';

const bigintAsString = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** The encoder's former path: a sorted copy, then JSON.stringify. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const reference = (value: unknown, sorted: boolean): string | undefined => JSON.stringify(sorted ? canonical(value) : value, bigintAsString);

const names = readdirSync(join(packageRoot(), 'inventory', 'recorded'))
  .filter((f) => f.endsWith('.probe'))
  .map((f) => f.slice(0, -'.probe'.length));

describe('compactJson', () => {
  test.each(names)('writes the recorded host %s as the sorted copy stringified', (name) => {
    const record = recording(name);
    const { snapshot } = assembleSnapshot(record);
    expect(compactJson(new SortedKeys(snapshot))).toBe(reference(snapshot, true));
    expect(compactJson(new SortedKeys(record))).toBe(reference(record, true));
    // Outside SortedKeys the keys keep their order.
    expect(compactJson(snapshot)).toBe(reference(snapshot, false));
  });

  const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('0', '1', '10', '2', '007', '4294967294', '4294967295', '-1', '__proto__', 'constructor'));
  const leaf = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.double(),
    fc.integer(),
    fc.bigInt(),
    fc.boolean(),
    fc.constantFrom(null, undefined, -0, Number.NaN, Number.POSITIVE_INFINITY, '\u2028\u202e\u009b\u007f', '\ud800'),
  );
  // Arrays of plain values, as the parsers' readings hold them, go to JSON.stringify whole.
  const plainLeaf = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constantFrom(null, -0, Number.NaN, '\u2028\u202e\u009b\u007f', '\ud800'));
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('leaves'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 5 }),
    leaves: fc.array(plainLeaf, { maxLength: 8 }),
    // Up to 14 keys: objects of 9 and more take the path that remembers their shapes.
    // Keys in any order, or already sorted as the parsers lay out their large tables.
    object: fc.tuple(fc.array(fc.tuple(key, tie('value')), { maxLength: 14 }), fc.boolean(), fc.constantFrom('plain', 'no prototype', 'name table')).map(([entries, inOrder, kind]) => {
      if (inOrder) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      // Defined one by one, so __proto__ is an own key as a parser's table would hold it.
      const plain = kind === 'plain';
      const o: Record<string, unknown> = plain ? {} : kind === 'name table' ? nameTable() : (Object.create(null) as Record<string, unknown>);
      for (const [k, v] of entries) if (!(plain && k === '__proto__')) o[k] = v;
      return o;
    }),
  }));

  test('writes any value as JSON.stringify writes it, sorted or not', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(compactJson(new SortedKeys(v))).toBe(reference(v, true));
        expect(compactJson(v)).toBe(reference(v, false));
      }),
      { numRuns: 2000 },
    );
  });

  test('an object held in several places is written in each, sorted where it sits inside SortedKeys, and afresh on the next call', () => {
    const shared: Record<string, unknown> = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${39 - i}`, i]));
    const tree = { plain: shared, sorted: new SortedKeys({ first: shared, again: [shared], nested: { shared } }) };
    const expected = `{"plain":${JSON.stringify(shared)},"sorted":${reference({ first: shared, again: [shared], nested: { shared } }, true)}}`;
    expect(compactJson(tree)).toBe(expected);
    shared.k0 = 'changed';
    expect(compactJson(new SortedKeys([shared, shared]))).toBe(reference([shared, shared], true));
    expect(compactJson(new SortedKeys([shared, shared]))).toContain('"k0":"changed"');
  });

  test('tells apart shapes whose keys join alike, and keeps shapes it has seen right', () => {
    const keys = (first: string, second: string) => Object.fromEntries([first, second, 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k10'].map((k, i) => [k, i]));
    for (const o of [keys('a\nb', 'c'), keys('a', 'b\nc'), keys('a\nb', 'c'), keys('z', 'b'), keys('z', 'b')]) {
      expect(compactJson(new SortedKeys(o))).toBe(reference(o, true));
    }
  });

  test('an array of plain values with a toJSON of its own, or of a subclass, is written element by element', () => {
    const own = Object.assign([1, 'a'], { toJSON: () => 'replaced' });
    class Tagged extends Array<number> {}
    const tagged = Tagged.from([3, 4]);
    // Inside SortedKeys no toJSON is called (the value stands for a rebuilt copy); outside, it is.
    expect(compactJson(new SortedKeys({ a: own, b: tagged }))).toBe('{"a":[1,"a"],"b":[3,4]}');
    expect(compactJson({ a: own, b: tagged })).toBe(JSON.stringify({ a: own, b: tagged }));
    expect(compactJson({ state: 'ok', value: [1, null, 'x', -0, Number.NaN] })).toBe('{"state":"ok","value":[1,null,"x",0,null]}');
    expect(compactJson({ state: 'ok', value: [1, undefined, 2n] })).toBe('{"state":"ok","value":[1,null,"2"]}');
  });

  test('outside SortedKeys a tree goes whole to JSON.stringify only without bigints, SortedKeys or toJSON in it', () => {
    const deep = (v: unknown, n: number): unknown => (n === 0 ? v : { k: [deep(v, n - 1)] });
    const value = {
      a: [{ s: new SortedKeys({ b: 1, a: 2 }) }],
      b: [[{ n: 5n }]],
      c: { d: new Date(0), t: { toJSON: (key: string) => `key:${key}` } },
      e: [1, 'x', null, undefined],
      f: deep(7n, 9),
      g: deep('ok', 9),
    };
    expect(compactJson(value)).toBe(
      `{"a":[{"s":{"a":2,"b":1}}],"b":[[{"n":"5"}]],"c":{"d":"1970-01-01T00:00:00.000Z","t":"key:"},"e":[1,"x",null,null],"f":${JSON.stringify(deep('7', 9))},"g":${JSON.stringify(deep('ok', 9))}}`,
    );
  });

  test('sorts inside SortedKeys only, and calls toJSON outside it as JSON.stringify does', () => {
    const at = new Date(0);
    expect(compactJson({ b: 1, a: [{ d: 1n, c: undefined }], s: new SortedKeys({ b: { z: 1, y: 2 }, a: [{ d: 1, c: 2 }] }), at })).toBe(
      '{"b":1,"a":[{"d":"1"}],"s":{"a":[{"c":2,"d":1}],"b":{"y":2,"z":1}},"at":"1970-01-01T00:00:00.000Z"}',
    );
    expect(compactJson(undefined)).toBeUndefined();
    expect(compactJson([undefined, () => 1])).toBe('[null,null]');
  });
});
