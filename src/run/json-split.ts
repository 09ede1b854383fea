// Reads a JSON document too large for one string (V8 strings stop near 512 MiB, and a saved run of
// 10,000 hosts with their raw probe output is larger) by splitting out the elements of one
// top-level array member as they stream past: each element is handed over as its own text, and
// the rest of the document (the skeleton, with that array left empty) comes back at the end.
// Any valid JSON layout is read, not only the one sockaudit writes. Only structure is tracked
// here; the texts are validated by JSON.parse.
import { createReadStream } from 'node:fs';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
/** Keys longer than this are never the member sought, so they are not kept. */
const MAX_KEY_BYTES = 64;

/** An element of the array that is not an object or array (a number, string, true, ...). */
export class NotAContainer extends Error {
  constructor(readonly index: number) {
    super(`element ${index} is not an object`);
  }
}

export interface SplitResult {
  /** The document without the array's elements (the array itself left as `[]`). */
  skeleton: string;
  /** How many elements were handed over. */
  elements: number;
}

/**
 * Streams the file at `path` and calls `onElement` with the text of each element of the array
 * at the top-level member `member`, in order. Structural errors are left for JSON.parse of the
 * skeleton and the elements to report.
 */
export async function splitTopLevelArray(path: string, member: string, onElement: (text: string, index: number) => void): Promise<SplitResult> {
  const wanted = Buffer.from(JSON.stringify(member));
  const skeleton: Buffer[] = [];
  let element: Buffer[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  // The last string at depth 1 (a candidate key), its bytes while short enough.
  let key: number[] | null = null;
  let keyBytes: number[] = [];
  let lastKeyIsWanted = false;
  let afterColon = false;
  // Inside the wanted array: elements live at depth 2.
  let inArray = false;
  let elementFrom = -1;
  let elements = 0;

  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    // Bytes of this chunk from `copyFrom` on go to the skeleton (outside the array) or the element.
    let copyFrom = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (inString) {
        // A key is compared as written, escapes included: "ho\u0073ts" is not taken for "hosts".
        if (escaped || b === BACKSLASH) {
          escaped = !escaped;
          if (key !== null && keyBytes.length <= MAX_KEY_BYTES) keyBytes.push(b);
        } else if (b === QUOTE) {
          inString = false;
          if (key !== null) {
            key = null;
            lastKeyIsWanted = keyBytes.length === wanted.length - 2 && wanted.subarray(1, -1).equals(Buffer.from(keyBytes));
          }
        } else if (key !== null && keyBytes.length <= MAX_KEY_BYTES) keyBytes.push(b);
        continue;
      }
      if (b === QUOTE) {
        if (inArray && depth === 2) throw new NotAContainer(elements);
        inString = true;
        if (depth === 1 && !afterColon) {
          key = [];
          keyBytes = [];
        } else if (depth === 1) afterColon = false;
        continue;
      }
      if (b === COLON && depth === 1) {
        afterColon = true;
        continue;
      }
      if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        if (depth === 1 && afterColon && b === OPEN_ARRAY && lastKeyIsWanted) {
          // The array's own bracket goes to the skeleton; what follows is elements.
          skeleton.push(chunk.subarray(copyFrom, i + 1));
          copyFrom = i + 1;
          inArray = true;
        } else if (inArray && depth === 2) {
          elementFrom = i;
        }
        depth++;
        if (depth === 2) afterColon = false;
        continue;
      }
      if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        depth--;
        if (inArray && depth === 2) {
          element.push(chunk.subarray(elementFrom === -1 ? copyFrom : elementFrom, i + 1));
          onElement(Buffer.concat(element).toString('utf8'), elements++);
          element = [];
          elementFrom = -1;
          copyFrom = i + 1;
        } else if (inArray && depth === 1) {
          // The array closes: drop the separators between its elements, keep the bracket.
          inArray = false;
          copyFrom = i;
          lastKeyIsWanted = false;
        }
        if (depth === 1) afterColon = false;
        continue;
      }
      if (depth === 1 && b === COMMA) afterColon = false;
      // A scalar element of the wanted array: this reader hands over objects and arrays only.
      if (inArray && depth === 2 && b !== COMMA && b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
        throw new NotAContainer(elements);
      }
    }
    if (inArray) {
      // The rest of the chunk belongs to the element being read, or is a separator.
      if (elementFrom !== -1 || depth > 2) element.push(chunk.subarray(elementFrom === -1 ? copyFrom : elementFrom));
      elementFrom = -1;
    } else skeleton.push(chunk.subarray(copyFrom));
  }
  return { skeleton: Buffer.concat(skeleton).toString('utf8'), elements };
}
