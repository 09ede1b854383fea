// The group/host graph the three Ansible formats (YAML, INI, `ansible-inventory --list` JSON)
// describe, and its flattening into hosts with Ansible's variable precedence
// (intro_inventory.rst "How variables are merged"; lib/ansible/inventory/helpers.py sort_groups):
// groups merge by (depth from `all`, ansible_group_priority, name), host variables last.
// With group_vars/ and host_vars/ (variable precedence in playbooks_variables.rst): every group
// var of the inventory file < group_vars files in the same group order < the inventory file's
// host vars < host_vars files.
import { Issues, where } from './issues.js';
import { settingsFromVars, stringVars, TemplatedVars, type Vars } from './ansible-vars.js';
import { assembleVarsLayers, type VarsDirs } from './ansible-vars-dirs.js';
import { MAX_HOSTS_PER_INVENTORY } from './ranges.js';
import type { InventoryHost, SettingSources } from './types.js';

export interface AnsibleGroup {
  name: string;
  vars: Vars;
  children: Set<string>;
  hosts: Set<string>;
  line?: number;
}

export interface AnsibleHost {
  name: string;
  vars: Vars;
  line?: number;
}

/** Groups nested deeper than this are refused (Ansible itself fails near 1,000, Python's recursion limit). */
export const MAX_GROUP_DEPTH = 1_000;

export class AnsibleInventory {
  readonly groups = new Map<string, AnsibleGroup>();
  readonly hosts = new Map<string, AnsibleHost>();
  /** Set once adding hosts would pass `maxHosts`; the inventory is then not assembled. */
  overflowed = false;

  constructor(readonly maxHosts = MAX_HOSTS_PER_INVENTORY) {}

  /** Whether `names` fit under the bound; false from the first time they do not. */
  room(names: string[]): boolean {
    if (this.overflowed) return false;
    let added = 0;
    for (const name of names) if (!this.hosts.has(name)) added++;
    if (this.hosts.size + added <= this.maxHosts) return true;
    this.overflowed = true;
    return false;
  }

  group(name: string, line?: number): AnsibleGroup {
    let group = this.groups.get(name);
    if (!group) {
      group = { name, vars: new Map(), children: new Set(), hosts: new Set(), ...(line === undefined ? {} : { line }) };
      this.groups.set(name, group);
    }
    return group;
  }

  host(name: string, line?: number): AnsibleHost {
    let host = this.hosts.get(name);
    if (!host) {
      host = { name, vars: new Map(), ...(line === undefined ? {} : { line }) };
      this.hosts.set(name, host);
    }
    return host;
  }
}

const DEFAULT_PRIORITY = 1;

/** `varsDirs`: what lies in group_vars/ and host_vars/ beside the inventory file, if anything. */
export function assembleAnsibleHosts(inventory: AnsibleInventory, issues: Issues, varsDirs?: VarsDirs): InventoryHost[] {
  if (inventory.overflowed) return [];
  const all = inventory.group('all');
  const parents = new Map<string, Set<string>>();
  for (const group of inventory.groups.values()) {
    for (const child of group.children) {
      if (!inventory.groups.has(child)) inventory.group(child);
      let set = parents.get(child);
      if (!set) parents.set(child, (set = new Set()));
      set.add(group.name);
    }
  }
  // Every group without a parent hangs under `all`, as Ansible does.
  for (const name of inventory.groups.keys()) {
    if (name !== 'all' && !parents.has(name)) {
      all.children.add(name);
      parents.set(name, new Set(['all']));
    }
  }

  const depth = new Map<string, number>();
  let tooDeep = false;
  const visiting = new Set<string>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (name === 'all') return 0;
    if (visiting.has(name)) {
      issues.error(inventory.groups.get(name)?.line, `group ${name} is its own ancestor (children form a cycle)`);
      depth.set(name, 1);
      return 1;
    }
    if (visiting.size >= MAX_GROUP_DEPTH) {
      if (!tooDeep) issues.error(inventory.groups.get(name)?.line, `groups nest more than ${MAX_GROUP_DEPTH} deep (children of children ...), at group ${name}`);
      tooDeep = true;
      return 1;
    }
    visiting.add(name);
    let d = 1;
    for (const parent of parents.get(name) ?? []) d = Math.max(d, depthOf(parent) + 1);
    visiting.delete(name);
    if (d > MAX_GROUP_DEPTH && !tooDeep) {
      issues.error(inventory.groups.get(name)?.line, `groups nest more than ${MAX_GROUP_DEPTH} deep (children of children ...), at group ${name}`);
      tooDeep = true;
    }
    depth.set(name, d);
    return d;
  };

  const priority = new Map<string, number>();
  for (const group of inventory.groups.values()) {
    depthOf(group.name);
    const entry = group.vars.get('ansible_group_priority');
    if (entry === undefined) continue;
    group.vars.delete('ansible_group_priority');
    const value = typeof entry.value === 'string' ? Number(entry.value.trim()) : entry.value;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      issues.error(entry.line ?? group.line, `ansible_group_priority of group ${group.name} must be an integer`);
    } else {
      priority.set(group.name, value);
    }
  }

  if (tooDeep) return [];
  const ancestors = (name: string, into: Set<string>): void => {
    for (const parent of parents.get(name) ?? []) {
      if (into.has(parent)) continue;
      into.add(parent);
      ancestors(parent, into);
    }
  };
  const directGroups = new Map<string, string[]>();
  for (const group of inventory.groups.values()) {
    for (const host of group.hosts) {
      let list = directGroups.get(host);
      if (!list) directGroups.set(host, (list = []));
      list.push(group.name);
    }
  }

  const layers =
    varsDirs === undefined ? undefined : issues.absorb(assembleVarsLayers(varsDirs, new Set([...inventory.groups.keys(), 'ungrouped']), inventory.hosts.keys()));

  // Hosts in the same groups share their group list and merged group variables: computed once.
  const byGroups = new Map<string, { groups: string[]; vars: Vars }>();
  const groupsOf = (direct: string[]): { groups: string[]; vars: Vars } => {
    const cacheKey = direct.join('\0');
    const known = byGroups.get(cacheKey);
    if (known) return known;
    const memberOf = new Set<string>(['all']);
    for (const name of direct) {
      memberOf.add(name);
      ancestors(name, memberOf);
    }
    if (memberOf.size === 1) {
      memberOf.add('ungrouped');
      if (!depth.has('ungrouped')) depth.set('ungrouped', 1);
    }
    const ordered = [...memberOf].sort((a, b) => {
      const byDepth = (depth.get(a) ?? 1) - (depth.get(b) ?? 1);
      if (byDepth !== 0) return byDepth;
      const byPriority = (priority.get(a) ?? DEFAULT_PRIORITY) - (priority.get(b) ?? DEFAULT_PRIORITY);
      if (byPriority !== 0) return byPriority;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    const vars: Vars = new Map();
    for (const name of ordered) for (const [key, entry] of inventory.groups.get(name)?.vars ?? []) vars.set(key, entry);
    for (const name of ordered) for (const [key, entry] of layers?.groups.get(name) ?? []) vars.set(key, entry);
    const entry = { groups: [...memberOf].filter((g) => g !== 'all' && g !== 'ungrouped').sort(), vars };
    byGroups.set(cacheKey, entry);
    return entry;
  };

  const hosts: InventoryHost[] = [];
  const templated = new TemplatedVars();
  for (const host of inventory.hosts.values()) {
    const shared = groupsOf(directGroups.get(host.name) ?? []);
    const vars: Vars = new Map(shared.vars);
    for (const [key, entry] of host.vars) vars.set(key, entry);
    for (const [key, entry] of layers?.hosts.get(host.name) ?? []) vars.set(key, entry);

    const sources: SettingSources = {};
    const settings = settingsFromVars(host.name, vars, issues, host.line, templated, sources);
    if (settings.unsupportedConnection !== undefined) continue;
    hosts.push({
      name: host.name,
      groups: [...shared.groups],
      settings,
      vars: stringVars(vars),
      origin: where(issues.file, host.line),
      sources,
    });
  }
  templated.report(issues);
  return hosts;
}
