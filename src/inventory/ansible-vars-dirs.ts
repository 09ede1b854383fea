// The group_vars/ and host_vars/ directories beside an Ansible inventory file, as Ansible's
// host_group_vars plugin reads them (lib/ansible/plugins/vars/host_group_vars.py and
// DataLoader.find_vars_files): for a group or host X, the first of X, X.yml, X.yaml, X.json that
// exists is used, a directory meaning all its files in lexical order, later files winning.
import { ANSIBLE_YAML_TAGS, mappingVars, type Vars } from './ansible-vars.js';
import { Issues, where } from './issues.js';
import { isMap, isScalar, parseYaml, YamlDataError } from '../yaml.js';
import type { InputError, Result } from './types.js';
import { appendAll } from '../arrays.js';

/** Ansible's YAML_FILENAME_EXTENSIONS; a vars file has one of them or none. */
export const VARS_EXTENSIONS = ['.yml', '.yaml', '.json'];

export interface VarsFileText {
  path: string;
  text: string;
}

/** One entry of group_vars/ or host_vars/: a file, or a directory's files in reading order. */
export interface VarsDirEntry {
  name: string;
  path: string;
  files: VarsFileText[];
}

export interface VarsDirs {
  groupVars: VarsDirEntry[];
  hostVars: VarsDirEntry[];
}

/** Variables from the files, per group and per host, each map already merged in file order. */
export interface VarsLayers {
  groups: Map<string, Vars>;
  hosts: Map<string, Vars>;
}

const VAULT_HEADER = /^\$ANSIBLE_VAULT;/;

/** One vars file: a mapping of variables (an empty file has none); `!vault` values stay encrypted. */
export function parseVarsFile(text: string, path: string): Result<Vars> {
  const issues = new Issues(path);
  const vars: Vars = new Map();
  if (VAULT_HEADER.test(text)) {
    issues.warn(undefined, 'the file is vault-encrypted; its variables are unavailable to sockaudit (pass `ansible-inventory --list` JSON to have them)');
    return issues.result(vars);
  }
  // Ansible reads these files with its YAML loader (PyYAML, YAML 1.1); JSON is read as JSON.
  const yaml = parseYaml(text, issues, { version: path.endsWith('.json') ? '1.2' : '1.1', tags: ANSIBLE_YAML_TAGS });
  if (!yaml) return issues.result(vars);
  const root = yaml.deref(yaml.doc.contents);
  if (root === null || (isScalar(root) && root.value === null)) return issues.result(vars);
  if (!isMap(root)) {
    issues.error(yaml.lineOf(root), 'a vars file must be a mapping of variable names to values');
    return issues.result(vars);
  }
  try {
    mappingVars(yaml, root, vars, path);
  } catch (error) {
    if (!(error instanceof YamlDataError)) throw error;
    issues.error(error.line, error.message);
  }
  return issues.result(vars);
}

/**
 * Picks and parses the files of each group and host the inventory has. Entries that belong to no
 * group or host, or that lose to another file of the same name, are reported and skipped.
 */
export function assembleVarsLayers(dirs: VarsDirs, groups: Iterable<string>, hosts: Iterable<string>): Result<VarsLayers> {
  const warnings: string[] = [];
  const errors: InputError[] = [];
  const layer = (entries: VarsDirEntry[], names: Iterable<string>, kind: 'group' | 'host'): Map<string, Vars> => {
    const byName = new Map(entries.map((entry) => [entry.name, entry]));
    const chosen = new Map<string, string>();
    const out = new Map<string, Vars>();
    for (const name of names) {
      const entry = ['', ...VARS_EXTENSIONS].map((ext) => byName.get(name + ext)).find((e) => e !== undefined);
      if (entry === undefined) continue;
      chosen.set(name, entry.name);
      const vars: Vars = new Map();
      for (const file of entry.files) {
        const parsed = parseVarsFile(file.text, file.path);
        appendAll(warnings, parsed.warnings);
        appendAll(errors, parsed.errors);
        for (const [key, value] of parsed.value) vars.set(key, value);
      }
      // Ansible takes a group's priority only from the inventory source.
      const priority = kind === 'group' ? vars.get('ansible_group_priority') : undefined;
      if (priority !== undefined) {
        warnings.push(`${where(priority.file ?? '', priority.line)}: ansible_group_priority has effect only in the inventory file, not in group_vars; ignored`);
        vars.delete('ansible_group_priority');
      }
      out.set(name, vars);
    }
    const used = new Set(chosen.values());
    for (const entry of entries) {
      if (used.has(entry.name)) continue;
      const stem = VARS_EXTENSIONS.reduce((n, ext) => (n.endsWith(ext) && n.length > ext.length ? n.slice(0, -ext.length) : n), entry.name);
      const winner = chosen.get(stem);
      warnings.push(
        winner === undefined
          ? `${entry.path}: the inventory has no ${kind} named ${entry.name === stem ? stem : `${entry.name} or ${stem}`}; ignored`
          : `${entry.path}: ignored, as Ansible reads only ${winner} for ${kind} ${stem}`,
      );
    }
    return out;
  };
  return {
    value: { groups: layer(dirs.groupVars, groups, 'group'), hosts: layer(dirs.hostVars, hosts, 'host') },
    warnings,
    errors,
  };
}
