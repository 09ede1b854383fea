// An executable inventory (Ansible's script plugin, developing_inventory.rst): run with `--list`,
// its JSON read as `ansible-inventory --list` output; when it prints no `_meta`, each host's
// variables come from `--host NAME`. Run without a shell, with bounded time and output; its
// stderr goes into the error.
import { execFile } from 'node:child_process';
import { parseAnsibleJson } from './ansible-json.js';
import { Issues } from './issues.js';
import type { InventorySource, Result } from './types.js';

const TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/** An executable file whose first line is `#!...` is a script, as Ansible tries the script plugin first. */
export function looksLikeScript(text: string, mode: number): boolean {
  return (mode & 0o111) !== 0 && text.startsWith('#!');
}

export async function runInventoryScript(path: string): Promise<Result<InventorySource>> {
  const issues = new Issues(path);
  const empty: InventorySource = { file: path, format: 'ansible-json', hosts: [] };
  const list = await run(path, ['--list']);
  if ('problem' in list) {
    issues.error(undefined, `the inventory script failed with --list: ${list.problem}`);
    return issues.result(empty);
  }
  let data: unknown;
  try {
    data = JSON.parse(list.stdout);
  } catch (error) {
    issues.error(undefined, `the inventory script's --list output is not JSON: ${(error as Error).message}`);
    return issues.result(empty);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    issues.error(undefined, "the inventory script's --list output must be a JSON object of groups");
    return issues.result(empty);
  }
  const groups = data as Record<string, unknown>;
  if (!('_meta' in groups)) {
    const hostvars: Record<string, unknown> = {};
    for (const name of hostNames(groups)) {
      const one = await run(path, ['--host', name]);
      if ('problem' in one) {
        issues.error(undefined, `the inventory script failed with --host ${name}: ${one.problem}`);
        continue;
      }
      try {
        hostvars[name] = JSON.parse(one.stdout || '{}');
      } catch (error) {
        issues.error(undefined, `the inventory script's --host ${name} output is not JSON: ${(error as Error).message}`);
      }
    }
    groups._meta = { hostvars };
  }
  const source = issues.absorb(parseAnsibleJson(JSON.stringify(groups, null, 1), path));
  return issues.result(source);
}

function hostNames(groups: Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const [name, group] of Object.entries(groups)) {
    if (name === '_meta') continue;
    const hosts = Array.isArray(group) ? group : group !== null && typeof group === 'object' ? (group as { hosts?: unknown }).hosts : undefined;
    if (Array.isArray(hosts)) for (const host of hosts) if (typeof host === 'string') names.add(host);
  }
  return [...names];
}

function run(path: string, args: string[]): Promise<{ stdout: string } | { problem: string }> {
  return new Promise((resolve) => {
    execFile(path, args, { timeout: TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES, shell: false, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout });
      const why = error.killed ? `no answer within ${TIMEOUT_MS / 1000} s` : (error as NodeJS.ErrnoException).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' ? 'too much output' : error.message.split('\n')[0];
      resolve({ problem: `${why}${stderr.trim() === '' ? '' : `; stderr: ${printable(stderr.trim()).slice(0, 2000)}`}` });
    });
  });
}

/** Script output is data: control characters shown escaped, never sent to a terminal as they are. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
