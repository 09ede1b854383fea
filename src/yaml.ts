// The one module that speaks to the `yaml` package: parse with line numbers, Ansible's tags,
// and small helpers to walk mappings while keeping each node's line.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parse, parseDocument, type Document, type Node, type ScalarTag, type YAMLMap } from 'yaml';
import { EncryptedValue, type Vars } from './ansible-vars.js';
import type { Issues } from './issues.js';

export { isMap, isScalar, isSeq };
export type { Node };

const VAULT: ScalarTag = { tag: '!vault', resolve: () => new EncryptedValue() };
// Ansible's marker for "do not template this"; the value itself is an ordinary string.
const UNSAFE: ScalarTag = { tag: '!unsafe', resolve: (value) => value };

export interface YamlFile {
  doc: Document.Parsed;
  lineOf(node: Node | null | undefined): number | undefined;
  /** The node as plain data: scalars, arrays, objects, EncryptedValue for `!vault`. */
  toJS(node: Node | null | undefined): unknown;
  /** The node an alias (`*name`) points to; other nodes as they are. */
  deref(node: unknown): Node | null;
}

/** Parses YAML text; syntax errors go to `issues` with their line, and the document is then unusable. */
export function parseYaml(text: string, issues: Issues, version: '1.1' | '1.2'): YamlFile | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, version, customTags: (tags) => [...tags, VAULT, UNSAFE], prettyErrors: true });
  for (const error of doc.errors) issues.error(error.linePos?.[0].line, `YAML: ${firstLine(error.message)}`);
  for (const warning of doc.warnings) issues.warn(warning.linePos?.[0].line, `YAML: ${firstLine(warning.message)}`);
  if (doc.errors.length > 0) return undefined;
  return {
    doc,
    lineOf: (node) => (node?.range ? lines.linePos(node.range[0]).line : undefined),
    toJS: (node) => (node === null || node === undefined ? null : isScalar(node) ? node.value : node.toJS(doc)),
    deref: (node) => (isAlias(node) ? (node.resolve(doc) ?? null) : ((node as Node | null | undefined) ?? null)),
  };
}

/** The data of a YAML text, or undefined when it is not YAML: for telling formats apart. */
export function sniffYaml(text: string): unknown {
  try {
    return parse(text, { logLevel: 'silent', customTags: (tags) => [...tags, VAULT, UNSAFE] });
  } catch {
    return undefined;
  }
}

/** The key of a mapping pair as text (`web1:`, `2222:` and `true:` all name something). */
export function keyText(key: unknown): string | undefined {
  if (!isScalar(key)) return undefined;
  const value = key.value;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

/**
 * A mapping's values as variables into `into`, each with the line of its key, and `file` when
 * they come from a file other than the one being parsed. `<<` merges are resolved.
 */
export function mappingVars(yaml: YamlFile, node: YAMLMap, into: Vars, file?: string): void {
  const values = yaml.toJS(node);
  if (values === null || typeof values !== 'object') return;
  const lines = new Map<string, number | undefined>();
  for (const pair of node.items) {
    const key = keyText(pair.key);
    if (key !== undefined) lines.set(key, yaml.lineOf(pair.key as Node));
  }
  for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
    const line = lines.get(key) ?? yaml.lineOf(node);
    into.set(key, { value, ...(line === undefined ? {} : { line }), ...(file === undefined ? {} : { file }) });
  }
}

/** The message without the excerpt and the "at line N, column M" that our prefix already says. */
function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
