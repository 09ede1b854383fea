// Reads the evaluator's config file (YAML or JSON) and hands it to the pure validator.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { defaultConfig, validateConfig, type EvalConfig } from '../evaluate/index.js';
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
  const doc = parseDocument(text, { prettyErrors: false });
  const first = doc.errors[0];
  if (first) throw new InputError(file, first.linePos?.[0]?.line, first.message.split('\n')[0] ?? 'invalid YAML');
  const { value, warnings, errors } = validateConfig(doc.toJS(), file);
  for (const w of warnings) io.warn(w);
  if (errors.length > 0) throw new InputError(file, undefined, errors.join('; '));
  return value;
}
