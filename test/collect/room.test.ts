// What collect/ may reach: inventory types, procfs, its own modules; never the commands, the
// reports, the terminal or the demo; and never the process's terminal streams.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const COLLECT = resolve(import.meta.dirname, '..', '..', 'src', 'collect');
// progress.ts draws on a terminal and is on its way out of collect/; nothing in collect/ calls it.
const modules = readdirSync(COLLECT).filter((f) => f.endsWith('.ts') && f !== 'progress.ts');

describe('the collect room', () => {
  it('imports no command, report, terminal or demo module', () => {
    for (const m of modules) {
      const text = readFileSync(join(COLLECT, m), 'utf8');
      const imports = [...text.matchAll(/^(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((x) => x[1]!);
      expect({ m, offending: imports.filter((i) => /^\.\.\/(commands|report|cli|run|demo)\//.test(i) || i === './progress.js') }).toEqual({ m, offending: [] });
    }
  });

  it('never reads stdin or writes to stdout or stderr of the process', () => {
    for (const m of modules) {
      const text = readFileSync(join(COLLECT, m), 'utf8');
      expect({ m, uses: /process\.(stdin|stdout|stderr)/.test(text) }).toEqual({ m, uses: false });
    }
  });

  it('leaves ssh2\'s server side to the demo', () => {
    for (const m of modules) expect({ m, server: /ssh2\.Server\b|\{[^}]*\bServer\b[^}]*\}\s*=\s*ssh2|import\s*\{[^}]*\bServer\b[^}]*\}\s*from\s*'ssh2'/.test(readFileSync(join(COLLECT, m), 'utf8')) }).toEqual({ m, server: false });
  });
});
