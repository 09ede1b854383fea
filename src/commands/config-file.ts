// Reads the evaluator's config file (YAML or JSON) and hands it to the pure validator; its
// errors come back with the line of the key they are about.
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { defaultConfig, describeIssue, validateConfig, type EvalConfig } from '../evaluate/index.js';
import { InputError } from '../errors.js';
import type { Io } from './io.js';

export async function loadEvalConfig(file: string | undefined, io: Io): Promise<EvalConfig> {
  if (file === undefined) return defaultConfig;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(file, undefined, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines });
  const first = doc.errors[0];
  if (first) throw new InputError(file, first.linePos?.[0]?.line, first.message.split('\n')[0] ?? 'invalid YAML');
  const { value, warnings, errors } = validateConfig(doc.toJS());
  for (const w of warnings) io.warn(describeIssue(file, w));
  if (errors.length > 0) {
    throw new AggregateError(
      errors.map((e) => {
        const offset = e.path === '' ? undefined : nodeAt(doc, e.path)?.range?.[0];
        const message = e.path === '' ? e.problem : `${e.path}: ${e.problem}`;
        return new InputError(file, offset === undefined ? undefined : lines.linePos(offset).line, message);
      }),
      `${file}: invalid config`,
    );
  }
  return value;
}

/** The node a validator path such as `skip[1]` or `thresholds.neighbours.conntrack` names. */
function nodeAt(doc: Document, path: string): Node | undefined {
  const segments = path.split(/\.|(?=\[)/).filter(Boolean);
  let node: unknown = doc.contents;
  while (segments.length > 0 && node) {
    const index = /^\[(\d+)\]$/.exec(segments[0]!);
    if (index && isSeq(node)) {
      node = node.items[Number(index[1])];
      segments.shift();
    } else if (isMap(node)) {
      // Rule ids hold dots themselves: take the longest run of segments that is a key.
      let taken = 0;
      for (let n = segments.length; n > 0 && taken === 0; n--) if (node.has(segments.slice(0, n).join('.'))) taken = n;
      if (taken === 0) break;
      const key = segments.splice(0, taken).join('.');
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      node = segments.length === 0 ? (pair?.key ?? pair?.value) : pair?.value;
    } else break;
  }
  return node as Node | undefined;
}
