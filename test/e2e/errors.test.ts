// Bad input gets a clear error naming the file, the line and the problem, and exit code 2.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

describe('usage and input errors exit 2', () => {
  const dir = tempDir('errors');
  afterAll(() => dir.cleanup());

  it('an inventory with a bad port names the file and the line', async () => {
    const file = join(dir.path, 'hosts.yml');
    writeFileSync(file, ['all:', '  hosts:', '    web1:', '      ansible_port: abc', ''].join('\n'));
    const r = await runCli(['audit', '-i', file, '-o', join(dir.path, 'out'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:4`);
    expect(r.stderr).toMatch(/port/i);
  });

  it('a YAML syntax error names the file and the line', async () => {
    const file = join(dir.path, 'broken.yml');
    writeFileSync(file, ['all:', '  hosts:', '    web1: {', '  children: [', ''].join('\n'));
    const r = await runCli(['audit', '-i', file, '-o', join(dir.path, 'out'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file.replaceAll('/', '\\/')}:\\d+`));
  });

  it('a missing inventory file is an error, not an empty fleet', async () => {
    const r = await runCli(['audit', '-i', join(dir.path, 'nope.yml'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope.yml');
  });

  it('unknown flags, bad values and nothing to audit are usage errors', async () => {
    expect((await runCli(['audit', '--bogus'])).code).toBe(2);
    expect((await runCli(['audit', '--local', '--fail-on', 'loud'])).stderr).toContain('--fail-on');
    expect((await runCli(['audit', '--local', '--concurrency', '0'])).code).toBe(2);
    const none = await runCli(['audit']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('nothing to audit');
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });

  it('a config file with an unknown rule id is an error naming the file, the line and the nearest id', async () => {
    const file = join(dir.path, 'config.yml');
    writeFileSync(file, ['# thresholds for the fleet', 'skip:', '  - time-wait', '  - orphanz', ''].join('\n'));
    const r = await runCli(['audit', '--local', '--config', file, '-o', join(dir.path, 'out'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:4: skip[1]`);
    expect(r.stderr).toContain('"orphans"');
  });
});
