// Reads a JSON document too large for one string (V8 strings stop near 512 MiB, and a saved run of
// 10,000 hosts with their raw probe output is larger) by splitting out the elements of one
// top-level array member as they stream past: each element is handed over on its own, and the rest
// of the document (the skeleton, with that array left empty) comes back at the end. Any valid JSON
// layout is read, not only the one sockaudit writes. Only structure is tracked here; the texts are
// validated by JSON.parse.
//
// Most of a saved run is string content (raw probe output, findings' words), so inside a string
// the scanner jumps to the next quote or backslash with Buffer.indexOf instead of stepping byte by
// byte. When elements are parsed here (parseTopLevelArray) and one sits alone on its line, as
// sockaudit writes hosts, the line is parsed as it stands, without scanning it: see tryLine.
import { createReadStream } from 'node:fs';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
/** Keys longer than this are never the member sought, so they are not kept. */
const MAX_KEY_BYTES = 64;
const CHUNK_BYTES = 1 << 20;

/** An element of the array that is not an object or array (a number, string, true, ...). */
export class NotAContainer extends Error {
  constructor(readonly index: number) {
    super(`element ${index} is not an object`);
  }
}

/** An element of the array that JSON.parse refuses, with JSON.parse's message. */
export class ElementNotJson extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`element ${index} is not valid JSON: ${reason}`);
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
  return split(path, new ArraySplitter(member, { text: onElement }));
}

/**
 * As splitTopLevelArray, but each element comes parsed; one JSON.parse refuses throws
 * ElementNotJson with its index. An element alone on its line is parsed straight from the line.
 */
export async function parseTopLevelArray(path: string, member: string, onElement: (value: unknown, index: number) => void): Promise<SplitResult> {
  return split(path, new ArraySplitter(member, { value: onElement }));
}

async function split(path: string, splitter: ArraySplitter): Promise<SplitResult> {
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) splitter.feed(chunk);
  return splitter.end();
}

/** The same split over chunks in memory, cut wherever the caller likes (tests cut them anywhere). */
export function splitChunks(chunks: Iterable<Buffer>, member: string, receiver: Receiver): SplitResult {
  const splitter = new ArraySplitter(member, receiver);
  for (const chunk of chunks) splitter.feed(chunk);
  return splitter.end();
}

/** Who takes the elements: as text, or parsed (`value`), which lets an element alone on its line skip the scan. */
export type Receiver = { text: (text: string, index: number) => void } | { value: (value: unknown, index: number) => void };

/** The scanner's state between chunks; `feed` each chunk in order, then `end`. */
class ArraySplitter {
  private readonly wanted: Buffer;
  private readonly skeleton: Buffer[] = [];
  private element: Buffer[] = [];
  private depth = 0;
  private inString = false;
  /** The chunk ended on a backslash inside a string: the next chunk's first byte is escaped. */
  private escaped = false;
  // The string at depth 1 being read as a candidate key, its bytes while short enough.
  private keyParts: Buffer[] | null = null;
  private keyBytes = 0;
  private lastKeyIsWanted = false;
  private afterColon = false;
  // Inside the wanted array: elements live at depth 2.
  private inArray = false;
  private elements = 0;

  constructor(
    member: string,
    private readonly receiver: Receiver,
  ) {
    // Compared as written in the file: the name as JSON escapes it, without the quotes.
    this.wanted = Buffer.from(JSON.stringify(member).slice(1, -1));
  }

  feed(chunk: Buffer): void {
    const n = chunk.length;
    // Bytes from `copyFrom` on go to the skeleton (outside the array) or the element being read.
    let copyFrom = 0;
    // Where the element being read starts in this chunk; -1 if it started in an earlier one or none is.
    let elementFrom = -1;
    // Cached next positions of a quote, a backslash and a line feed, so that each search passes
    // over a byte once per chunk whatever the strings' lengths.
    let nextQuote = -2;
    let nextBackslash = -2;
    let nextLf = -2;
    let i = 0;
    if (this.escaped) {
      this.escaped = false;
      this.keyAppend(chunk, 0, 1);
      i = 1;
    }
    while (i < n) {
      if (this.inString) {
        if (nextQuote !== -1 && nextQuote < i) nextQuote = chunk.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
        const quote = nextQuote === -1 ? n : nextQuote;
        const backslash = nextBackslash === -1 ? n : nextBackslash;
        if (backslash < quote) {
          // A key is compared as written, escapes included: "ho\u0073ts" is not taken for "hosts".
          this.keyAppend(chunk, i, Math.min(backslash + 2, n));
          if (backslash + 1 >= n) this.escaped = true;
          i = backslash + 2;
          continue;
        }
        this.keyAppend(chunk, i, quote);
        if (quote === n) break;
        this.inString = false;
        if (this.keyParts !== null) this.keyEnd();
        i = quote + 1;
        continue;
      }
      const b = chunk[i]!;
      if (this.inArray && this.depth === 2) {
        // Between elements: separators, the next element, or the array's end.
        if (b === SPACE || b === LF || b === CR || b === TAB || b === COMMA) {
          i++;
          continue;
        }
        if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
          if ('value' in this.receiver) {
            if (nextLf !== -1 && nextLf < i) nextLf = chunk.indexOf(LF, i);
            const next = nextLf === -1 ? -1 : this.tryLine(chunk, i, nextLf, this.receiver.value);
            if (next !== -1) {
              i = next;
              continue;
            }
          }
          elementFrom = i;
          this.depth++;
          i++;
          continue;
        }
        if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
          // The array closes (a brace here is left for JSON.parse of the skeleton to refuse): the
          // separators between its elements are dropped, the bracket kept.
          this.depth--;
          this.inArray = false;
          this.lastKeyIsWanted = false;
          this.afterColon = false;
          copyFrom = i;
          i++;
          continue;
        }
        // A scalar element of the wanted array: this reader hands over objects and arrays only.
        throw new NotAContainer(this.elements);
      }
      i++;
      if (b === QUOTE) {
        this.inString = true;
        if (this.depth === 1 && !this.afterColon) {
          this.keyParts = [];
          this.keyBytes = 0;
        } else if (this.depth === 1) this.afterColon = false;
      } else if (b === COLON) {
        if (this.depth === 1) this.afterColon = true;
      } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        if (this.depth === 1 && this.afterColon && b === OPEN_ARRAY && this.lastKeyIsWanted) {
          // The array's own bracket goes to the skeleton; what follows is elements.
          this.skeleton.push(chunk.subarray(copyFrom, i));
          copyFrom = i;
          this.inArray = true;
        }
        this.depth++;
        if (this.depth === 2) this.afterColon = false;
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        this.depth--;
        if (this.inArray && this.depth === 2) {
          this.element.push(chunk.subarray(elementFrom === -1 ? 0 : elementFrom, i));
          const text = Buffer.concat(this.element).toString('utf8');
          this.element = [];
          elementFrom = -1;
          this.deliver(text);
          copyFrom = i;
        }
        if (this.depth === 1) this.afterColon = false;
      } else if (b === COMMA && this.depth === 1) this.afterColon = false;
    }
    if (!this.inArray) this.skeleton.push(chunk.subarray(copyFrom));
    else if (this.depth > 2) this.element.push(chunk.subarray(elementFrom === -1 ? 0 : elementFrom));
  }

  end(): SplitResult {
    return { skeleton: Buffer.concat(this.skeleton).toString('utf8'), elements: this.elements };
  }

  /**
   * An element that starts at `from` (an opening bracket, between elements) and whose line ends
   * at `lf`: when the line up to its end, less trailing blanks and one comma, parses as JSON, that
   * text is the element. Proof: a JSON text that begins with a bracket ends with the bracket that
   * closes it, so the scan would have ended the element at the same byte; what the line holds
   * after it (blanks, a comma) the scan skips between elements. Returns where scanning goes on,
   * or -1 when the line is anything else (several elements, a pretty-printed element's first
   * line, the end of the array): then the element is scanned byte by byte, as it would have been.
   */
  private tryLine(chunk: Buffer, from: number, lf: number, onValue: (value: unknown, index: number) => void): number {
    let to = lf;
    while (to > from && isBlank(chunk[to - 1]!)) to--;
    if (to > from && chunk[to - 1] === COMMA) to--;
    while (to > from && isBlank(chunk[to - 1]!)) to--;
    if (chunk[to - 1] !== (chunk[from] === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) return -1;
    let value: unknown;
    try {
      value = JSON.parse(chunk.toString('utf8', from, to));
    } catch {
      return -1;
    }
    onValue(value, this.elements++);
    return lf + 1;
  }

  private deliver(text: string): void {
    const index = this.elements++;
    if ('text' in this.receiver) {
      this.receiver.text(text, index);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new ElementNotJson(index, (e as Error).message);
    }
    this.receiver.value(value, index);
  }

  private keyAppend(chunk: Buffer, from: number, to: number): void {
    if (this.keyParts === null || to <= from || this.keyBytes > MAX_KEY_BYTES) return;
    this.keyParts.push(chunk.subarray(from, to));
    this.keyBytes += to - from;
  }

  private keyEnd(): void {
    this.lastKeyIsWanted = this.keyBytes === this.wanted.length && Buffer.concat(this.keyParts!).equals(this.wanted);
    this.keyParts = null;
  }
}

function isBlank(b: number): boolean {
  return b === SPACE || b === TAB || b === CR;
}
