// Shared by the procfs tests: where fixtures live, and unwrapping a parse result.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseResult } from '../../src/procfs/parse-result.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const eraDir = (era: string) => path.join(repoRoot, 'test', 'fixtures', 'proc', era);
export const capturedDir = path.resolve(repoRoot, '..', 'shared', 'fixtures', 'captured-proc');

export function readEra(era: string, file: string): string {
  return readFileSync(path.join(eraDir(era), file), 'utf8');
}

export function readCaptured(project: 'node_exporter' | 'procfs', file: string): string {
  return readFileSync(path.join(capturedDir, project, file), 'utf8');
}

export function ok<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`expected a value, got error: ${result.error}`);
  return result.value;
}

export function error(result: ParseResult<unknown>): string {
  if (result.ok) throw new Error('expected an error, got a value');
  return result.error;
}
