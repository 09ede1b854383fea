// Golden files: compare an output with the stored one; UPDATE_GOLDEN=1 rewrites them on purpose.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'golden');

export function expectGolden(file: string, actual: string): void {
  const path = join(DIR, file);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    writeFileSync(path, actual);
    if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`golden file ${file} was missing and has been written; check it and run again`);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/** Times and the tool's version are volatile: replace them with placeholders. */
export function normalise(text: string, version: string): string {
  return text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g, '<time>').replaceAll(version, '<version>');
}
