// The published JSON Schema, checked against the JSON the tests produce: call `expectValidReport`
// on any report.json text or parsed document. The checking is ajv's, the reference validator for
// draft 2020-12: a validator written here would test the schema against our own reading of it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { expect } from 'vitest';

const SCHEMA_FILE = join(fileURLToPath(new URL('../..', import.meta.url)), 'schema', 'report.schema.json');

let validate: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (validate) return validate;
  const ajv = new Ajv2020.default({ allErrors: true, strict: true, allowUnionTypes: true });
  return (validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object));
}

/** Problems of a report against schema/report.schema.json, as `path: message` lines; empty when valid. */
export function reportSchemaErrors(report: string | unknown): string[] {
  const doc: unknown = typeof report === 'string' ? JSON.parse(report) : report;
  const check = validator();
  if (check(doc)) return [];
  return (check.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}

export function expectValidReport(report: string | unknown): void {
  expect(reportSchemaErrors(report)).toEqual([]);
}
