// Ansible's INI inventory (lib/ansible/plugins/inventory/ini.py): `[group]`, `[group:vars]`,
// `[group:children]`; host lines split like shlex with `#` comments; values read as Python
// literals where they are one (`2222` a number, `'a b'` a string), else kept as text.
import { AnsibleInventory, assembleAnsibleHosts } from './ansible-model.js';
import { parseAddress } from './address.js';
import { expandHostPattern } from './ranges.js';
import { splitShellWords } from './shell-words.js';
import { Issues } from './issues.js';
import type { VarsDirs } from './ansible-vars-dirs.js';
import type { InventorySource, Result } from './types.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

/** `varsDirs`: the group_vars/ and host_vars/ found beside the file, read by readVarsDirs. */
export function parseAnsibleIni(text: string, file: string, varsDirs?: VarsDirs): Result<InventorySource> {
  return parseAnsibleIniInto(new AnsibleInventory(), text, new Issues(file), varsDirs);
}

/** parseAnsibleIni into a given (empty) inventory, whose host bound may differ: for tests of that bound. */
export function parseAnsibleIniInto(inventory: AnsibleInventory, text: string, issues: Issues, varsDirs?: VarsDirs): Result<InventorySource> {
  const file = issues.file;
  // Groups named in [x:vars] or [p:children] before any [x] or [x:children] declares them.
  const pending = new Map<string, { line: number; state: 'vars' | 'children'; parent?: string }>();
  const declared = new Set<string>(['all', 'ungrouped']);
  let group = 'ungrouped';
  let state = 'hosts';
  let overflowReported = false;

  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;

    const section = SECTION.exec(line);
    if (section) {
      group = section[1] as string;
      state = section[2] ?? 'hosts';
      if (state !== 'hosts' && state !== 'vars' && state !== 'children') {
        issues.error(lineNo, `section [${group}:${state}] has unknown type "${state}" (use hosts, vars or children)`);
        state = 'skip';
        return;
      }
      inventory.group(group, lineNo);
      if (state === 'vars') {
        if (!declared.has(group) && !pending.has(group)) pending.set(group, { line: lineNo, state: 'vars' });
      } else {
        declared.add(group);
        pending.delete(group);
      }
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      issues.error(lineNo, `invalid section "${line}": a section is [name], [name:vars] or [name:children], without spaces`);
      state = 'skip';
      return;
    }

    if (state === 'skip') return;
    if (state === 'hosts') return hostLine(line, lineNo);
    if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) return issues.error(lineNo, `expected key=value in [${group}:vars], got: ${line}`);
      const key = line.slice(0, eq).trim();
      inventory.group(group).vars.set(key, { value: parsePythonLiteral(line.slice(eq + 1).trim()), line: lineNo });
      return;
    }
    const child = GROUP_NAME.exec(line);
    if (!child) return issues.error(lineNo, `expected a group name in [${group}:children], got: ${line}`);
    const name = child[1] as string;
    inventory.group(group).children.add(name);
    if (!declared.has(name) && !pending.has(name)) pending.set(name, { line: lineNo, state: 'children', parent: group });
  });

  function hostLine(line: string, lineNo: number): void {
    const split = splitShellWords(line, { comments: 'anywhere' });
    if ('problem' in split) return issues.error(lineNo, `host line: ${split.problem}`);
    const [pattern, ...assignments] = split.words;
    if (pattern === undefined) return;
    if (pattern.endsWith(':')) return issues.error(lineNo, `host "${pattern}" ends in ":", which is reserved for a port`);
    const address = parseAddress(pattern);
    if ('problem' in address) return issues.error(lineNo, `host ${address.problem}`);
    if (address.user !== undefined) return issues.error(lineNo, `host "${pattern}": put the user in ansible_user, not before "@"`);
    const expanded = expandHostPattern(address.host);
    if ('problem' in expanded) return issues.error(lineNo, expanded.problem);
    const vars: Array<[string, unknown]> = [];
    for (const assignment of assignments) {
      const eq = assignment.indexOf('=');
      if (eq <= 0) return issues.error(lineNo, `expected key=value host variable, got: ${assignment}`);
      vars.push([assignment.slice(0, eq), parsePythonLiteral(assignment.slice(eq + 1))]);
    }
    if (!inventory.room(expanded.hosts)) {
      if (!overflowReported) issues.error(lineNo, `the inventory has more than ${inventory.maxHosts} hosts; the rest are refused`);
      overflowReported = true;
      return;
    }
    for (const name of expanded.hosts) {
      const host = inventory.host(name, lineNo);
      inventory.group(group).hosts.add(name);
      if (address.port !== undefined) host.vars.set('ansible_port', { value: address.port, line: lineNo });
      for (const [key, value] of vars) host.vars.set(key, { value, line: lineNo });
    }
  }

  for (const [name, decl] of pending) {
    if (declared.has(name)) continue;
    if (decl.state === 'vars') issues.error(decl.line, `section [${name}:vars] is for a group that is never declared`);
    else issues.error(decl.line, `section [${decl.parent}:children] names group ${name}, which is never declared`);
  }
  const source: InventorySource = { file, format: 'ansible-ini', hosts: assembleAnsibleHosts(inventory, issues, varsDirs) };
  return issues.result(source);
}

/**
 * The Python literals INI values use in practice (Ansible reads them with ast.literal_eval):
 * quoted strings, integers, floats, True/False/None, each optionally followed by a comment.
 * Anything else, lists and dicts included, stays text.
 */
export function parsePythonLiteral(text: string): unknown {
  const literal = /^(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([+-]?(?:0|[1-9]\d*))|([+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?)|(True|False|None))\s*(?:#.*)?$/.exec(text);
  if (!literal) return text;
  const quoted = literal[1] ?? literal[2];
  if (quoted !== undefined) return quoted.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
  if (literal[3] !== undefined) return Number(literal[3]);
  if (literal[4] !== undefined) return Number(literal[4]);
  return literal[5] === 'True' ? true : literal[5] === 'False' ? false : null;
}
