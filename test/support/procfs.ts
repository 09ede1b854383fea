// Shared by the procfs tests: where fixtures live, and unwrapping a parse result.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseResult } from '../../src/procfs/parse-result.js';
import { sharedFixtures } from './shared-fixtures.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const eraDir = (era: string) => path.join(repoRoot, 'test', 'fixtures', 'proc', era);
/** The captured /proc trees of node_exporter and procfs, outside the repository: see shared-fixtures.ts. */
export const captured = sharedFixtures();

export function readEra(era: string, file: string): string {
  return readFileSync(path.join(eraDir(era), file), 'utf8');
}

export function readCaptured(project: 'node_exporter' | 'procfs', file: string): string {
  return readFileSync(captured.path('captured-proc', project, file), 'utf8');
}

export function ok<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`expected a value, got error: ${result.error}`);
  return result.value;
}

export function error(result: ParseResult<unknown>): string {
  if (result.ok) throw new Error('expected an error, got a value');
  return result.error;
}
