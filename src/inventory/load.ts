// Which format an inventory file is in, parsing it, reading it from disk (with the group_vars/ and
// host_vars/ beside an Ansible YAML or INI file), and merging several.
import { readFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { parseAnsibleYaml } from './ansible-yaml.js';
import { parseAnsibleIni } from './ansible-ini.js';
import { parseAnsibleJson } from './ansible-json.js';
import { parseHostList } from './host-list.js';
import { parseSockauditYaml } from './sockaudit-yaml.js';
import { Issues } from './issues.js';
import { sniffYaml } from './yaml-doc.js';
import { readVarsDirs } from './ansible-vars-dirs-read.js';
import type { VarsDirs } from './ansible-vars-dirs.js';
import type { InventoryFormat, InventoryHost, InventorySource, Result } from './types.js';

const PARSERS: Record<InventoryFormat, (text: string, file: string, varsDirs?: VarsDirs) => Result<InventorySource>> = {
  'ansible-yaml': parseAnsibleYaml,
  'ansible-ini': parseAnsibleIni,
  'ansible-json': parseAnsibleJson,
  'host-list': parseHostList,
  'sockaudit-yaml': parseSockauditYaml,
};

const INI_SECTION = /^\s*\[[^:\]\s]+(?::\w+)?\]\s*(?:[#;].*)?$/m;
const INI_HOST_VARS = /^\s*[^\s#;[]\S*\s+[A-Za-z_]\w*=/m;
const ANSIBLE_GROUP_KEYS = new Set(['hosts', 'children', 'vars']);

/** Decides the format from the file name, then from the content. */
export function detectFormat(text: string, file: string): InventoryFormat {
  const ext = extname(file).toLowerCase();
  if (ext === '.json' || /^\s*\{/.test(text)) return 'ansible-json';
  if (ext === '.ini' || ext === '.cfg') return 'ansible-ini';
  if (ext === '.txt' || ext === '.list') return 'host-list';
  const yaml = ext === '.yml' || ext === '.yaml';
  const data = sniffYaml(text);
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const top = data as Record<string, unknown>;
    const keys = Object.keys(top);
    if (Array.isArray(top.hosts) || 'groups' in top || 'defaults' in top) return 'sockaudit-yaml';
    const looksAnsible =
      'plugin' in top ||
      keys.every((k) => {
        const v = top[k];
        return v === null || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).some((s) => ANSIBLE_GROUP_KEYS.has(s)));
      });
    if (looksAnsible || yaml) return 'ansible-yaml';
  }
  if (yaml) return 'ansible-yaml';
  if (INI_SECTION.test(text) || INI_HOST_VARS.test(text)) return 'ansible-ini';
  return 'host-list';
}

/** `varsDirs` apply to the Ansible YAML and INI formats; `ansible-inventory --list` JSON has them merged already. */
export function parseInventory(text: string, file: string, varsDirs?: VarsDirs): Result<InventorySource> {
  return PARSERS[detectFormat(text, file)](text, file, varsDirs);
}

export async function readInventory(path: string): Promise<Result<InventorySource>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const issues = new Issues(path);
    issues.error(undefined, `cannot read the inventory: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    return issues.result({ file: path, format: 'host-list', hosts: [] });
  }
  const format = detectFormat(text, path);
  if (format !== 'ansible-yaml' && format !== 'ansible-ini') return PARSERS[format](text, path);
  const dirs = await readVarsDirs(dirname(path));
  const parsed = PARSERS[format](text, path, dirs.value);
  return { value: parsed.value, warnings: [...dirs.warnings, ...parsed.warnings], errors: [...dirs.errors, ...parsed.errors] };
}

/** Several sources into one host list; a host in two sources is merged, the later source winning. */
export function mergeInventories(sources: InventorySource[]): Result<InventoryHost[]> {
  const warnings: string[] = [];
  const hosts = new Map<string, InventoryHost>();
  for (const source of sources) {
    for (const host of source.hosts) {
      const earlier = hosts.get(host.name);
      if (!earlier) {
        hosts.set(host.name, host);
        continue;
      }
      warnings.push(`${host.origin}: host ${host.name} is also in ${earlier.origin}; merged, with this one winning`);
      const settings = { ...earlier.settings, ...definedOnly(host.settings) };
      if (host.settings.identityFiles.length === 0) settings.identityFiles = earlier.settings.identityFiles;
      hosts.set(host.name, {
        name: host.name,
        groups: [...new Set([...earlier.groups, ...host.groups])].sort(),
        settings,
        vars: { ...earlier.vars, ...host.vars },
        origin: host.origin,
      });
    }
  }
  return { value: [...hosts.values()], warnings, errors: [] };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
