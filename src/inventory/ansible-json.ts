// The JSON that `ansible-inventory --list` (and inventory scripts) print: each top-level key a
// group with `hosts` (names), `vars` and `children` (names), or just a list of host names; and
// `_meta.hostvars` with each host's variables (developing_inventory.rst). Read into the same nodes
// as YAML, with line numbers.
import { isMap, isScalar, isSeq, keyText, parseJson, YamlDataError, type Node, type YamlFile } from '../yaml.js';
import { AnsibleInventory, assembleAnsibleHosts, type AnsibleGroup } from './ansible-model.js';
import { Issues } from './issues.js';
import { EncryptedValue, type Vars } from './ansible-vars.js';
import type { InventorySource, Result } from './types.js';

export function parseAnsibleJson(text: string, file: string): Result<InventorySource> {
  const issues = new Issues(file);
  const source: InventorySource = { file, format: 'ansible-json', hosts: [] };
  const yaml = parseJson(text, issues);
  if (!yaml) return issues.result(source);
  try {
    walkList(yaml, issues, source);
  } catch (error) {
    if (!(error instanceof YamlDataError)) throw error;
    issues.error(error.line, error.message);
  }
  return issues.result(source);
}

function walkList(yaml: YamlFile, issues: Issues, source: InventorySource): void {
  const root = yaml.deref(yaml.doc.contents);
  if (!isMap(root)) {
    issues.error(yaml.lineOf(root), 'ansible-inventory JSON must be an object of groups');
    return;
  }
  const inventory = new AnsibleInventory();
  let hostvars: Node | null = null;
  for (const pair of root.items) {
    const name = keyText(pair.key);
    const line = yaml.lineOf(pair.key as Node);
    const value = yaml.deref(pair.value);
    if (name === '_meta') {
      hostvars = isMap(value) ? (value.items.find((p) => keyText(p.key) === 'hostvars')?.value as Node | undefined) ?? null : null;
      continue;
    }
    if (name === undefined) {
      issues.error(line, 'a group name must be a string');
      continue;
    }
    const group = inventory.group(name, line);
    if (isSeq(value)) {
      names(yaml, issues, value, `hosts of group ${name}`, (host, hostLine) => addHost(inventory, group, host, hostLine));
    } else if (isMap(value)) {
      for (const section of value.items) {
        const key = keyText(section.key);
        const node = yaml.deref(section.value);
        if (key === 'hosts') names(yaml, issues, node, `hosts of group ${name}`, (host, hostLine) => addHost(inventory, group, host, hostLine));
        else if (key === 'children') names(yaml, issues, node, `children of group ${name}`, (child) => group.children.add(child));
        else if (key === 'vars') setVars(yaml, issues, group.vars, node, `vars of group ${name}`);
        else issues.warn(yaml.lineOf(section.key as Node), `group ${name}: "${key ?? '?'}" is skipped; only hosts, vars and children are valid`);
      }
    } else if (!(isScalar(value) && value.value === null)) {
      issues.error(yaml.lineOf(value) ?? line, `group ${name} must be an object or a list of hosts`);
    }
  }

  const meta = yaml.deref(hostvars);
  if (meta !== null && !isMap(meta)) issues.error(yaml.lineOf(meta), '_meta.hostvars must be an object of hosts');
  if (isMap(meta)) {
    for (const pair of meta.items) {
      const name = keyText(pair.key);
      const host = name === undefined ? undefined : inventory.hosts.get(name);
      // Like Ansible, variables alone do not make a host: it must be in a group.
      if (host) setVars(yaml, issues, host.vars, yaml.deref(pair.value), `_meta.hostvars of ${name}`);
    }
  }
  source.hosts = assembleAnsibleHosts(inventory, issues);
  return;
}

function addHost(inventory: AnsibleInventory, group: AnsibleGroup, name: string, line: number | undefined): void {
  inventory.host(name, line);
  group.hosts.add(name);
}

function names(yaml: YamlFile, issues: Issues, node: Node | null, what: string, add: (name: string, line: number | undefined) => void): void {
  if (node === null || (isScalar(node) && node.value === null)) return;
  if (!isSeq(node)) return issues.error(yaml.lineOf(node), `${what} must be a list of names`);
  for (const item of node.items) {
    const name = keyText(item);
    if (name === undefined) issues.error(yaml.lineOf(item as Node), `${what} must be a list of names`);
    else add(name, yaml.lineOf(item as Node));
  }
}

function setVars(yaml: YamlFile, issues: Issues, into: Vars, node: Node | null, what: string): void {
  if (node === null || (isScalar(node) && node.value === null)) return;
  if (!isMap(node)) return issues.error(yaml.lineOf(node), `${what} must be an object`);
  for (const pair of node.items) {
    const key = keyText(pair.key);
    const line = yaml.lineOf(pair.key as Node);
    if (key !== undefined) into.set(key, { value: vaultOr(yaml.toJS(yaml.deref(pair.value))), ...(line === undefined ? {} : { line }) });
  }
}

/** `ansible-inventory --list` prints a vaulted value it could not decrypt as `{"__ansible_vault": "..."}`. */
function vaultOr(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '__ansible_vault') return new EncryptedValue();
  }
  return value;
}
