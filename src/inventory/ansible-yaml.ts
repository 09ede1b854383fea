// Ansible's static YAML inventory (lib/ansible/plugins/inventory/yaml.py): top-level keys are
// groups; under a group only `hosts`, `vars` and `children` count; host keys are patterns with
// an optional `:port` and `[a:b]` ranges.
import { isMap, isScalar, keyText, parseYaml, YamlDataError, type Node, type YamlFile } from '../yaml.js';
import { ANSIBLE_YAML_TAGS, mappingVars } from './ansible-vars.js';
import { AnsibleInventory, assembleAnsibleHosts, type AnsibleGroup } from './ansible-model.js';
import { parseAddress } from './address.js';
import { expandHostPattern } from './ranges.js';
import { Issues } from './issues.js';
import type { VarsDirs } from './ansible-vars-dirs.js';
import type { InventorySource, Result } from './types.js';

const SECTIONS = new Set(['hosts', 'vars', 'children']);

/** `varsDirs`: the group_vars/ and host_vars/ found beside the file, read by readVarsDirs. */
export function parseAnsibleYaml(text: string, file: string, varsDirs?: VarsDirs, parsed?: YamlFile): Result<InventorySource> {
  const issues = new Issues(file);
  const source: InventorySource = { file, format: 'ansible-yaml', hosts: [] };
  const yaml = parsed ?? parseAnsibleYamlText(text, issues);
  if (!yaml) return issues.result(source);
  try {
    walkInventory(yaml, issues, source, varsDirs);
  } catch (error) {
    if (!(error instanceof YamlDataError)) throw error;
    issues.error(error.line, error.message);
  }
  return issues.result(source);
}

/** Ansible reads YAML 1.1 (PyYAML): `yes` is true, `<<` merges. */
export function parseAnsibleYamlText(text: string, issues: Issues): YamlFile | undefined {
  return parseYaml(text, issues, { version: '1.1', tags: ANSIBLE_YAML_TAGS });
}

function walkInventory(yaml: YamlFile, issues: Issues, source: InventorySource, varsDirs: VarsDirs | undefined): void {
  const root = yaml.deref(yaml.doc.contents);
  if (root === null) {
    issues.warn(undefined, 'the inventory is empty');
    return;
  }
  if (!isMap(root)) {
    issues.error(yaml.lineOf(root), 'an Ansible YAML inventory must be a mapping of group names');
    return;
  }
  if (root.items.some((pair) => keyText(pair.key) === 'plugin')) {
    const pair = root.items.find((p) => keyText(p.key) === 'plugin');
    issues.error(
      yaml.lineOf(pair?.key as Node),
      'this is an inventory plugin configuration, not a static inventory: run `ansible-inventory -i FILE --list > hosts.json` and pass hosts.json',
    );
    return;
  }
  const inventory = new AnsibleInventory();
  const walker = new GroupWalker(yaml, issues, inventory);
  for (const pair of root.items) {
    const name = keyText(pair.key);
    const line = yaml.lineOf(pair.key as Node);
    if (name === undefined) issues.error(line, 'a group name must be a plain string');
    else walker.group(name, pair.value, line, []);
  }
  source.hosts = assembleAnsibleHosts(inventory, issues, varsDirs);
  return;
}

class GroupWalker {
  private overflowReported = false;

  constructor(
    private readonly yaml: YamlFile,
    private readonly issues: Issues,
    private readonly inventory: AnsibleInventory,
  ) {}

  group(name: string, value: unknown, line: number | undefined, path: string[]): void {
    const group = this.inventory.group(name, line);
    if (path.includes(name)) {
      this.issues.error(line, `group ${name} is its own ancestor (children form a cycle)`);
      return;
    }
    const node = this.yaml.deref(value);
    if (node === null || (isScalar(node) && node.value === null)) return;
    if (!isMap(node)) {
      this.issues.error(this.yaml.lineOf(node) ?? line, `group ${name} must be a mapping with hosts, vars or children`);
      return;
    }
    for (const pair of node.items) {
      const key = keyText(pair.key);
      const keyLine = this.yaml.lineOf(pair.key as Node);
      if (key === undefined || !SECTIONS.has(key)) {
        this.issues.warn(keyLine, `group ${name}: "${key ?? '?'}" is skipped; only hosts, vars and children are valid`);
        continue;
      }
      const section = this.yaml.deref(pair.value);
      if (section === null || (isScalar(section) && section.value === null)) continue;
      if (isScalar(section) && typeof section.value === 'string') {
        // Ansible turns `hosts: web1` into `hosts: {web1: null}`.
        this.entry(group, key, section.value, null, keyLine, path);
        continue;
      }
      if (!isMap(section)) {
        const hint = key === 'vars' ? '' : ` (write "${key}:" entries as "name:" keys, not a "- name" list)`;
        this.issues.error(this.yaml.lineOf(section) ?? keyLine, `${key} of group ${name} must be a mapping${hint}`);
        continue;
      }
      if (key === 'vars') {
        mappingVars(this.yaml, section, group.vars);
        continue;
      }
      for (const item of section.items) {
        const itemName = keyText(item.key);
        const itemLine = this.yaml.lineOf(item.key as Node);
        if (itemName === undefined) this.issues.error(itemLine, `${key} of group ${name}: a name must be a plain string`);
        else this.entry(group, key, itemName, item.value, itemLine, path);
      }
    }
  }

  private entry(group: AnsibleGroup, section: string, name: string, value: unknown, line: number | undefined, path: string[]): void {
    if (section === 'children') {
      group.children.add(name);
      this.group(name, value, line, [...path, group.name]);
    } else {
      this.hosts(group, name, value, line);
    }
  }

  private hosts(group: AnsibleGroup, pattern: string, value: unknown, line: number | undefined): void {
    const address = parseAddress(pattern);
    if ('problem' in address) return this.issues.error(line, `host ${address.problem}`);
    if (address.user !== undefined) return this.issues.error(line, `host "${pattern}": put the user in ansible_user, not before "@"`);
    const expanded = expandHostPattern(address.host);
    if ('problem' in expanded) return this.issues.error(line, expanded.problem);
    const node = this.yaml.deref(value);
    const hasVars = node !== null && !(isScalar(node) && node.value === null);
    if (hasVars && !isMap(node)) {
      return this.issues.error(this.yaml.lineOf(node) ?? line, `host ${pattern}: its value must be a mapping of variables (or empty)`);
    }
    if (!this.inventory.room(expanded.hosts)) {
      if (!this.overflowReported) this.issues.error(line, `the inventory has more than ${this.inventory.maxHosts} hosts; the rest are refused`);
      this.overflowReported = true;
      return;
    }
    for (const name of expanded.hosts) {
      const host = this.inventory.host(name, line);
      group.hosts.add(name);
      if (address.port !== undefined) host.vars.set('ansible_port', { value: address.port, ...(line === undefined ? {} : { line }) });
      if (isMap(node)) mappingVars(this.yaml, node, host.vars);
    }
  }
}
