// One JSON value as compact text in a single pass, for report.json's host lines. It writes what
// JSON.stringify(value, bigintAsString) writes without indentation, with two differences that
// JSON.stringify cannot make without copying: a bigint becomes its decimal string, and inside a
// value wrapped in SortedKeys every object's keys come sorted (as an object rebuilt from its keys
// in sorted order would print them, array-index keys first), so that parser internals cannot
// change the output's order. The replacer and the sorted copy cost more than the writing itself.

/** A value whose objects, at every depth, are written with their keys sorted. */
export class SortedKeys {
  constructor(readonly value: unknown) {}
}

/** The compact JSON text of `value`; undefined where JSON.stringify gives undefined (a function, undefined). */
export function compactJson(value: unknown): string | undefined {
  return write(value, false);
}

function write(value: unknown, sorted: boolean): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `"${value.toString()}"`;
    case 'object':
      break;
    default:
      // undefined, a function or a symbol: left out of an object, null in an array.
      return undefined;
  }
  if (value === null) return 'null';
  if (value instanceof SortedKeys) return write(value.value, true);
  // A sorted subtree is a rebuilt copy, in which a toJSON method would not survive.
  if (!sorted && typeof (value as { toJSON?: unknown }).toJSON === 'function') return write((value as { toJSON: (key: string) => unknown }).toJSON(''), false);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += write(value[i], sorted) ?? 'null';
    }
    return `${out}]`;
  }
  const o = value as Record<string, unknown>;
  const keys = sorted ? sortedKeys(o) : Object.keys(o);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const text = write(o[key], sorted);
    if (text === undefined) continue;
    out += first ? `${JSON.stringify(key)}:${text}` : `,${JSON.stringify(key)}:${text}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The keys in the order an object built from them in sorted order keeps: array-index keys ("0",
 * "17") first in numeric order, as every object orders them, then the others sorted.
 */
function sortedKeys(o: object): string[] {
  const keys = Object.keys(o).sort();
  let indices: string[] | undefined;
  for (const key of keys) {
    const c = key.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39 && isArrayIndex(key)) (indices ??= []).push(key);
  }
  if (indices === undefined) return keys;
  return [...indices.sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isArrayIndex(k))];
}

/** A canonical decimal below 2^32 - 1, which an object keeps among its indices rather than in insertion order. */
function isArrayIndex(key: string): boolean {
  if (!/^(?:0|[1-9]\d{0,9})$/.test(key)) return false;
  return Number(key) < 2 ** 32 - 1;
}
