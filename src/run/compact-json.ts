// One JSON value as compact text in a single pass, for report.json's host lines: what
// JSON.stringify(value, bigintAsString) writes without indentation (a bigint as its decimal
// string), except that inside a value wrapped in SortedKeys every object's keys come sorted, as an
// object rebuilt from its keys in sorted order would print them (array-index keys first), so that
// parser internals cannot change the output's order. JSON.stringify needs a replacer called for
// every value and a sorted copy of every object for this, which cost more than the writing itself.

/** A value whose objects, at every depth, are written with their keys sorted. */
export class SortedKeys {
  constructor(readonly value: unknown) {}
}

/** The compact JSON text of `value`; undefined where JSON.stringify gives undefined (a function, undefined). */
export function compactJson(value: unknown): string | undefined {
  const outer = written;
  written = undefined;
  try {
    return write(value, false);
  } finally {
    written = outer;
  }
}

// A parser's tree may hold one object in two places (a snapshot's first sample is also its
// current reading: netstat, sockstat), which the text repeats. Inside SortedKeys, where the trees
// are parsed data, an object's text is kept by identity for the rest of the call, so a shared
// subtree is written once and copied. Small objects are not kept: writing them again costs less.
const SHARED_MIN_CHARS = 128;
let written: Map<object, string> | undefined;

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
  if (!sorted) return writeObject(value, false);
  const known = written?.get(value);
  if (known !== undefined) return known;
  const text = writeObject(value, true);
  if (text !== undefined && text.length >= SHARED_MIN_CHARS) (written ??= new Map()).set(value, text);
  return text;
}

function writeObject(value: object, sorted: boolean): string | undefined {
  // Sorted keys stand for such a rebuilt copy, which has no toJSON method to call.
  if (!sorted && typeof (value as { toJSON?: unknown }).toJSON === 'function') return write((value as { toJSON: (key: string) => unknown }).toJSON(''), false);
  // Outside SortedKeys the keys keep their own order, as JSON.stringify keeps them: a tree it
  // writes alike (a host's findings) goes to it whole.
  if (!sorted && nativeAlike(value, NATIVE_DEPTH)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (plainLeafArray(value)) return JSON.stringify(value);
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += write(value[i], sorted) ?? 'null';
    }
    return `${out}]`;
  }
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  if (plainInOrder(o, keys, sorted)) return JSON.stringify(o);
  if (sorted && keys.length >= MEMO_MIN_KEYS) return writeMemoized(o, keys);
  if (sorted) sortKeys(keys);
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
 * Whether JSON.stringify writes `o` as this writer would: a plain object of plain values (strings,
 * numbers, booleans, null, and plain arrays of those; no bigint, no nested object, no toJSON),
 * with its keys, when they must be sorted, already in sorted order. The parsers lay out their
 * large tables (a kernel's counters) that way, and a reading (`{state, value: [...]}`) is so too;
 * the native writer is several times faster on them.
 */
function plainInOrder(o: Record<string, unknown>, keys: readonly string[], sorted: boolean): boolean {
  if (!bareProto(Object.getPrototypeOf(o) as object | null)) return false;
  let previous: string | undefined;
  for (const key of keys) {
    const v = o[key];
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean' && v !== undefined && !(Array.isArray(v) && plainLeafArray(v))) return false;
    if (!sorted) continue;
    // Array-index keys come first in every object, in numeric order, as sortKeys puts them.
    if (previous === undefined && isIndexLike(key)) continue;
    if (previous !== undefined && !(previous < key)) return false;
    previous = key;
  }
  return true;
}

/**
 * Whether a prototype gives its objects nothing JSON.stringify would see (a toJSON): none,
 * Object.prototype, or an empty one without a prototype of its own, as the parsers' name tables
 * have.
 */
function bareProto(proto: object | null): boolean {
  return proto === null || proto === Object.prototype || (Object.getPrototypeOf(proto) === null && Reflect.ownKeys(proto).length === 0);
}

/** How deep nativeAlike looks before it gives up: a tree found unlike is looked at again below. */
const NATIVE_DEPTH = 6;

/**
 * Whether JSON.stringify writes `value`, keys in their own order, as this writer does: no bigint
 * (which it cannot write), no SortedKeys (which it would write as an object) and no toJSON method
 * (which it calls with the key, this writer with '') anywhere in it, within `depth` levels.
 */
function nativeAlike(value: unknown, depth: number): boolean {
  if (typeof value === 'bigint') return false;
  if (typeof value !== 'object' || value === null) return true;
  if (depth === 0 || value instanceof SortedKeys || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!nativeAlike(value[i], depth - 1)) return false;
    return true;
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!nativeAlike(o[key], depth - 1)) return false;
  return true;
}

/**
 * Whether JSON.stringify writes the array as this writer would: a plain array (no toJSON) whose
 * every element is a string, a number, a boolean or null. A hole or undefined, a bigint or an
 * object sends it the long way.
 */
function plainLeafArray(a: readonly unknown[]): boolean {
  if (Object.getPrototypeOf(a) !== Array.prototype || (a as { toJSON?: unknown }).toJSON !== undefined) return false;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return false;
  }
  return true;
}

function isIndexLike(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && isArrayIndex(key);
}

// Large objects come in few shapes (a kernel's netstat groups, the sysctl table), each seen once
// per host: their sorted keys, already quoted, are kept by the keys in their own order. Bounded,
// so that hosts printing ever new names cannot grow it without end.
const MEMO_MIN_KEYS = 9;
const MEMO_MAX_SHAPES = 1000;
interface Shape {
  /** The keys as Object.keys gave them, to tell apart lists that join alike. */
  keys: string[];
  sorted: string[];
  /** `"key":` for each sorted key. */
  quoted: string[];
}
const shapes = new Map<string, Shape>();

function writeMemoized(o: Record<string, unknown>, keys: string[]): string {
  const id = keys.join('\n');
  let shape = shapes.get(id);
  if (shape === undefined || !sameKeys(shape.keys, keys)) {
    const sorted = sortKeys([...keys]);
    shape = { keys, sorted, quoted: sorted.map((k) => `${JSON.stringify(k)}:`) };
    if (shapes.size < MEMO_MAX_SHAPES) shapes.set(id, shape);
  }
  let out = '{';
  let first = true;
  for (let i = 0; i < shape.sorted.length; i++) {
    const text = write(o[shape.sorted[i]!], true);
    if (text === undefined) continue;
    out += first ? `${shape.quoted[i]!}${text}` : `,${shape.quoted[i]!}${text}`;
    first = false;
  }
  return `${out}}`;
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Sorts the keys in place into the order an object built from them in sorted order keeps:
 * array-index keys ("0", "17") first in numeric order, as every object orders them, then the
 * others sorted by UTF-16 code units as Array.prototype.sort does.
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length < 12) {
    // Most objects have a few keys, where an insertion sort beats the call into sort().
    for (let i = 1; i < keys.length; i++) {
      const k = keys[i]!;
      let j = i - 1;
      while (j >= 0 && keys[j]! > k) {
        keys[j + 1] = keys[j]!;
        j--;
      }
      keys[j + 1] = k;
    }
  } else keys.sort();
  let indexed = false;
  for (const key of keys) {
    const c = key.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39 && isArrayIndex(key)) indexed = true;
  }
  if (!indexed) return keys;
  const indices = keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  const others = keys.filter((k) => !isArrayIndex(k));
  keys.splice(0, keys.length, ...indices, ...others);
  return keys;
}

/** A canonical decimal below 2^32 - 1, which an object keeps among its indices rather than in insertion order. */
function isArrayIndex(key: string): boolean {
  if (!/^(?:0|[1-9]\d{0,9})$/.test(key)) return false;
  return Number(key) < 2 ** 32 - 1;
}
