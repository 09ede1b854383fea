// Property tests over the ssh config reader: random and mutated real configs never make parsing or
// evaluation throw; every problem is an InputError naming the file and a line within it
// (test/support/parser-properties.ts). The file reader, following Include lines (a cycle
// included), keeps the same promise for every file it reads.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readSshConfig } from '../../src/inventory/ssh-config-read.js';
import { SSH_CONFIG_TARGETS, SSH_CONFIG_TEXT } from '../support/parser-properties.js';

describe.each(SSH_CONFIG_TARGETS)('$name', (target) => {
  it('keeps its properties', () => {
    fc.assert(target.property(), { numRuns: 150 });
  });
});

describe('readSshConfig on random files that include each other', () => {
  const home = mkdtempSync(join(tmpdir(), 'sockaudit-ssh-config-fuzz-'));
  const ssh = join(home, '.ssh');
  mkdirSync(join(ssh, 'conf.d'), { recursive: true });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('never throws, and names a file it read and a line within it', async () => {
    await fc.assert(
      fc.asyncProperty(SSH_CONFIG_TEXT, SSH_CONFIG_TEXT, async (main, included) => {
        const files = { [join(ssh, 'config')]: main, [join(ssh, 'conf.d', 'a')]: `${included}\nInclude ../config\n` };
        for (const [path, text] of Object.entries(files)) writeFileSync(path, text);
        const result = await readSshConfig(join(ssh, 'config'), { home, localUser: 'me', includeDir: ssh });
        for (const e of result.errors) {
          expect(e).toBeInstanceOf(InputError);
          const text = files[e.file] ?? (e.line === undefined ? '' : readFileSync(e.file, 'utf8'));
          if (e.line !== undefined) expect(e.line).toBeLessThanOrEqual(text.split(/\r?\n/).length);
        }
      }),
      { numRuns: 60 },
    );
  });
});
