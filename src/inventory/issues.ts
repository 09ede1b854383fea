// Collects warnings and errors while a parser walks its input, so it can report all of them.
import { InputError, type Result } from './types.js';
import { appendAll } from '../arrays.js';

export class Issues {
  readonly warnings: string[] = [];
  readonly errors: InputError[] = [];

  constructor(readonly file: string) {}

  /** `file` names another file the problem is in (a group_vars file found beside an inventory). */
  warn(line: number | undefined, message: string, file = this.file): void {
    this.warnings.push(`${where(file, line)}: ${message}`);
  }

  error(line: number | undefined, problem: string, file = this.file): void {
    this.errors.push(new InputError(file, line, problem));
  }

  /** Takes over another result's problems (e.g. from a nested parse) and returns its value. */
  absorb<T>(result: Result<T>): T {
    appendAll(this.warnings, result.warnings);
    appendAll(this.errors, result.errors);
    return result.value;
  }

  result<T>(value: T): Result<T> {
    return { value, warnings: this.warnings, errors: this.errors };
  }
}

/** `file:line`, the form origins and messages use. */
export function where(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}
