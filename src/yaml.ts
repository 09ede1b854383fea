// The one module that speaks to the `yaml` package: parse with line numbers and custom tags,
// walk nodes keeping each one's line, and turn nodes into plain data. Built for large files and
// hostile ones: every step is linear in the size of the document (the package's own duplicate-key
// check and alias lookup are quadratic), nesting is bounded, and aliases may not expand past a
// budget (a "billion laughs" document is refused, not expanded).
import { Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Pair, parseDocument, Scalar, YAMLMap, YAMLSeq, type Node, type ScalarTag } from 'yaml';

export { isMap, isScalar, isSeq };
export type { Node, YAMLMap, YAMLMap as YamlMap };

/** Collections nested deeper than this are refused: no real inventory or config comes close. */
export const MAX_YAML_DEPTH = 1_000;
/** Values that aliases may expand a document to, in all: far above a 1,000,000-host inventory's need. */
export const MAX_YAML_VALUES = 10_000_000;

/** A local tag such as Ansible's `!vault`; `resolve` turns the scalar's text into its value. */
export interface YamlTag {
  tag: string;
  resolve(text: string): unknown;
}

export interface YamlOptions {
  /** '1.1' as PyYAML reads (`yes` is true, `<<` merges); '1.2' for JSON and plain YAML. */
  version: '1.1' | '1.2';
  tags?: YamlTag[];
}

/** Where parse problems go; `line` is 1-based. */
export interface YamlProblems {
  error(line: number | undefined, message: string): void;
  warn(line: number | undefined, message: string): void;
}

export interface YamlFile {
  doc: Document.Parsed;
  lineOf(node: Node | null | undefined): number | undefined;
  /** The node as plain data: scalars, arrays, objects (`<<` merges applied), tag values. */
  toJS(node: Node | null | undefined): unknown;
  /** The node an alias (`*name`) points to; other nodes as they are. */
  deref(node: unknown): Node | null;
}

/** A value that cannot be turned into data: aliases past the budget, a merge of a non-mapping. */
export class YamlDataError extends Error {
  constructor(
    readonly line: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'YamlDataError';
  }
}

/**
 * Parses YAML text; syntax errors, duplicate keys, excessive nesting and undefined aliases go to
 * `problems` with their line, and the document is then unusable (undefined).
 */
export function parseYaml(text: string, problems: YamlProblems, options: YamlOptions): YamlFile | undefined {
  const lines = new LineCounter();
  const tags: ScalarTag[] = (options.tags ?? []).map((t) => ({ tag: t.tag, resolve: (value: string) => t.resolve(value) }) as ScalarTag);
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter: lines,
      version: options.version,
      customTags: (defaults) => [...defaults, ...tags],
      prettyErrors: true,
      // Checked below in one pass; the package compares each key with every earlier one.
      uniqueKeys: false,
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    problems.error(undefined, `YAML: nested too deeply to read (more than ${MAX_YAML_DEPTH} levels)`);
    return undefined;
  }
  const lineOf = (node: Node | null | undefined): number | undefined => (node?.range ? lines.linePos(node.range[0]).line : undefined);
  for (const error of doc.errors) {
    const message = /call stack/i.test(error.message) ? `nested too deeply to read (more than ${MAX_YAML_DEPTH} levels)` : firstLine(error.message);
    problems.error(error.linePos?.[0].line, `YAML: ${message}`);
  }
  for (const warning of doc.warnings) problems.warn(warning.linePos?.[0].line, `YAML: ${firstLine(warning.message)}`);
  if (doc.errors.length > 0) return undefined;

  const targets = indexDocument(doc, lineOf, problems);
  if (targets === undefined) return undefined;
  return yamlFile(doc, lineOf, targets);
}

function yamlFile(doc: Document.Parsed, lineOf: (node: Node | null | undefined) => number | undefined, targets: Map<Node, Node>): YamlFile {
  const deref = (node: unknown): Node | null => (isAlias(node) ? (targets.get(node) ?? null) : ((node as Node | null | undefined) ?? null));

  let spent = 0;
  const toJS = (start: Node | null | undefined, depth = 0): unknown => {
    const node = deref(start);
    if (++spent > MAX_YAML_VALUES) {
      throw new YamlDataError(lineOf(start), `YAML: aliases expand to more than ${MAX_YAML_VALUES} values (an alias bomb?)`);
    }
    if (node === null) return null;
    if (depth > MAX_YAML_DEPTH) throw new YamlDataError(lineOf(start), `YAML: aliases nest more than ${MAX_YAML_DEPTH} levels deep`);
    if (isScalar(node)) return node.value;
    if (isSeq(node)) return node.items.map((item) => toJS(item as Node, depth + 1));
    if (!isMap(node)) return null;
    const out: Record<string, unknown> = {};
    const set = (key: string, value: unknown): void => void Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    for (const pair of node.items) {
      if (isMergeKey(pair.key)) {
        const source = deref(pair.value);
        const sources = isSeq(source) ? source.items.map((item) => deref(item)) : [source];
        for (const from of sources) {
          if (!isMap(from)) throw new YamlDataError(lineOf(pair.key as Node), 'YAML: a merge (<<) must name a mapping or a list of mappings');
          const merged = toJS(from, depth + 1) as Record<string, unknown>;
          for (const [key, value] of Object.entries(merged)) if (!Object.prototype.hasOwnProperty.call(out, key)) set(key, value);
        }
        continue;
      }
      const key = keyText(pair.key) ?? JSON.stringify(toJS(pair.key as Node, depth + 1));
      set(key, toJS(pair.value as Node, depth + 1));
    }
    return out;
  };
  return { doc, lineOf, toJS: (node) => toJS(node), deref };
}

/**
 * Parses JSON into the same nodes YAML gives, with lines. The yaml package reads JSON as YAML
 * flow collections, some fifty times slower than this, which a 50,000-host `ansible-inventory
 * --list` output makes felt. Duplicate keys are reported, as in YAML.
 */
export function parseJson(text: string, problems: YamlProblems): YamlFile | undefined {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const lineAt = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  try {
    JSON.parse(text);
  } catch {
    // Not strict JSON: read it as YAML, of which JSON is a subset, for its line-numbered errors
    // (and to accept what Ansible's YAML loader accepts, such as a trailing comma).
    return parseYaml(text, problems, { version: '1.2' });
  }
  // The text is valid JSON from here on, so the scanner need not check its grammar.
  let at = 0;
  let usable = true;
  const space = (): void => {
    while (at < text.length && (text[at] === ' ' || text[at] === '\n' || text[at] === '\r' || text[at] === '\t')) at++;
  };
  const string = (): string => {
    const start = at;
    at++;
    let escaped = false;
    while (text[at] !== '"') {
      if (text[at] === '\\') {
        escaped = true;
        at++;
      }
      at++;
    }
    at++;
    const raw = text.slice(start, at);
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  };
  const LITERAL = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  const scalar = (): Scalar => {
    const offset = at;
    let value: unknown;
    if (text[at] === '"') value = string();
    else {
      LITERAL.lastIndex = at;
      const literal = LITERAL.exec(text)![0];
      at += literal.length;
      value = literal === 'true' ? true : literal === 'false' ? false : literal === 'null' ? null : Number(literal);
    }
    const node = new Scalar(value);
    node.range = [offset, at, at];
    return node;
  };
  type Open = { node: YAMLMap | YAMLSeq; keys?: Set<string>; key?: Scalar };
  const stack: Open[] = [];
  let root: Node | undefined;
  const place = (node: Node): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) root = node;
    else if (top.node instanceof YAMLSeq) top.node.items.push(node);
    else {
      top.node.items.push(new Pair(top.key, node));
      top.key = undefined;
    }
  };
  space();
  do {
    const c = text[at];
    const top = stack[stack.length - 1];
    if (c === ',') {
      at++;
    } else if (c === '}' || c === ']') {
      at++;
      const done = stack.pop()!;
      done.node.range = [done.node.range![0], at, at];
      place(done.node);
    } else if (top !== undefined && top.node instanceof YAMLMap && top.key === undefined) {
      const key = scalar();
      space();
      at++; // the ':'
      const name = key.value as string;
      if (top.keys!.has(name)) {
        problems.error(lineAt(key.range![0]), `JSON: duplicate key "${name}" in one object`);
        usable = false;
      }
      top.keys!.add(name);
      top.key = key;
    } else if (c === '{' || c === '[') {
      if (stack.length >= MAX_YAML_DEPTH) {
        problems.error(lineAt(at), `JSON: nested more than ${MAX_YAML_DEPTH} levels deep`);
        return undefined;
      }
      const node = c === '{' ? new YAMLMap() : new YAMLSeq();
      node.range = [at, at, at];
      at++;
      stack.push(c === '{' ? { node, keys: new Set() } : { node });
    } else {
      place(scalar());
    }
    space();
  } while (stack.length > 0);
  if (!usable) return undefined;
  const doc = new Document() as Document.Parsed;
  doc.contents = (root ?? null) as Document.Parsed['contents'];
  return yamlFile(doc, (node) => (node?.range ? lineAt(node.range[0]) : undefined), new Map());
}

/**
 * One pass over the document: each alias to the last anchor of its name before it, duplicate keys
 * and excessive nesting reported. Undefined when the document cannot be used.
 */
function indexDocument(doc: Document.Parsed, lineOf: (node: Node | null | undefined) => number | undefined, problems: YamlProblems): Map<Node, Node> | undefined {
  const anchors = new Map<string, Node>();
  const targets = new Map<Node, Node>();
  let usable = true;
  // Iterative, so nesting deeper than the call stack is reported rather than crashing.
  const stack: Array<{ node: unknown; depth: number }> = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || node === undefined) continue;
    if (depth > MAX_YAML_DEPTH) {
      problems.error(lineOf(node as Node), `YAML: nested more than ${MAX_YAML_DEPTH} levels deep`);
      return undefined;
    }
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target === undefined) {
        problems.error(lineOf(node), `YAML: alias *${node.source} names no anchor defined before it`);
        usable = false;
      } else targets.set(node, target);
      continue;
    }
    const anchored = node as Node;
    if (anchored.anchor) anchors.set(anchored.anchor, anchored);
    const children: unknown[] = [];
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isMergeKey(pair.key) ? undefined : keyText(pair.key);
        if (key !== undefined) {
          if (seen.has(key)) {
            problems.error(lineOf(pair.key as Node), `YAML: duplicate key "${key}" in one mapping`);
            usable = false;
          }
          seen.add(key);
        }
        children.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) children.push(isPair(item) ? item.value : item);
    }
    // Pushed in reverse so they pop in document order: an anchor is seen before its aliases.
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], depth: depth + 1 });
  }
  if (!usable) return undefined;
  const size = expandedSize(doc.contents, targets);
  if (size === 'cycle') {
    problems.error(undefined, 'YAML: an alias refers to a node that contains it');
    return undefined;
  }
  if (size > MAX_YAML_VALUES) {
    problems.error(undefined, `YAML: aliases expand to more than ${MAX_YAML_VALUES} values (an alias bomb?)`);
    return undefined;
  }
  return targets;
}

/** How many values the document holds once every alias is expanded, each anchored node counted once (memoized). */
function expandedSize(root: unknown, targets: Map<Node, Node>): number | 'cycle' {
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  const childrenOf = (node: unknown): unknown[] => {
    if (isAlias(node)) return [targets.get(node)];
    if (isMap(node)) return node.items.flatMap((pair) => [pair.key, pair.value]);
    if (isSeq(node)) return node.items.map((item) => (isPair(item) ? item.value : item));
    return [];
  };
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack[stack.length - 1];
    if (node === null || node === undefined || sizes.has(node)) {
      stack.pop();
      continue;
    }
    const children = childrenOf(node).filter((c) => c !== null && c !== undefined);
    const pending = children.filter((c) => !sizes.has(c));
    if (pending.length > 0) {
      if (open.has(node)) return 'cycle';
      open.add(node);
      for (const child of pending) {
        if (open.has(child)) return 'cycle';
        stack.push(child);
      }
      continue;
    }
    open.delete(node);
    let total = 1;
    for (const child of children) total = Math.min(total + (sizes.get(child) ?? 0), Number.MAX_SAFE_INTEGER);
    sizes.set(node, total);
    stack.pop();
  }
  return sizes.get(root) ?? 0;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';
}

/** The key of a mapping pair as text (`web1:`, `2222:` and `true:` all name something). */
export function keyText(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const value = key.value;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/**
 * The line of the node a dotted path names in a parsed file: `skip[1]`, `thresholds.a.b`; a key
 * itself holding dots (`tcp.orphans`) is matched as the longest run of segments that is a key.
 * For a mapping entry it is the key's line. Undefined when the path leads nowhere.
 */
export function lineOf(file: YamlFile, path: string): number | undefined {
  const segments = path.split(/\.|(?=\[)/).filter(Boolean);
  let node: unknown = file.doc.contents;
  let found: unknown = node;
  while (segments.length > 0 && node) {
    node = file.deref(node);
    const index = /^\[(\d+)\]$/.exec(segments[0]!);
    if (index && isSeq(node)) {
      node = found = node.items[Number(index[1])];
      segments.shift();
    } else if (isMap(node)) {
      let taken = 0;
      const keys = new Set(node.items.map((p) => keyText(p.key)));
      for (let n = segments.length; n > 0 && taken === 0; n--) if (keys.has(segments.slice(0, n).join('.'))) taken = n;
      if (taken === 0) break;
      const key = segments.splice(0, taken).join('.');
      const pair = node.items.find((p) => keyText(p.key) === key);
      found = segments.length === 0 ? (pair?.key ?? pair?.value) : pair?.value;
      node = pair?.value;
    } else break;
  }
  return file.lineOf(found as Node | undefined);
}

/** The message without the excerpt and the "at line N, column M" that our prefix already says. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
