// Reads the evaluator's config file (YAML or JSON) and hands it to the pure validator; its
// errors come back with the line of the key they are about.
import { readFile } from 'node:fs/promises';
import { lineOf, parseYaml, YamlDataError } from '../yaml.js';
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
  const problems: InputError[] = [];
  const report = (line: number | undefined, message: string): void => void problems.push(new InputError(file, line, message));
  const doc = parseYaml(text, { error: report, warn: () => {} }, { version: '1.2' });
  const first = problems[0];
  if (!doc || first) throw first ?? new InputError(file, undefined, 'invalid YAML');
  let data: unknown;
  try {
    data = doc.toJS(doc.doc.contents);
  } catch (e) {
    throw e instanceof YamlDataError ? new InputError(file, e.line, e.message) : e;
  }
  const { value, warnings, errors } = validateConfig(data);
  for (const w of warnings) io.warn(describeIssue(file, w));
  if (errors.length > 0) {
    throw new AggregateError(
      errors.map((e) => {
        const message = e.path === '' ? e.problem : `${e.path}: ${e.problem}`;
        return new InputError(file, e.path === '' ? undefined : lineOf(doc, e.path), message);
      }),
      `${file}: invalid config`,
    );
  }
  return value;
}
