// Which format an inventory file is in, parsing it, reading it from disk (with the group_vars/ and
// host_vars/ beside an Ansible YAML or INI file), and merging several.
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { parseAnsibleYaml, parseAnsibleYamlText } from './ansible-yaml.js';
import { parseAnsibleIni } from './ansible-ini.js';
import { parseAnsibleJson } from './ansible-json.js';
import { parseHostList } from './host-list.js';
import { parseSockauditYaml } from './sockaudit-yaml.js';
import { Issues } from './issues.js';
import { isMap, isScalar, isSeq, keyText, type YamlFile } from '../yaml.js';
import { readVarsDirs } from './ansible-vars-dirs-read.js';
import { looksLikeScript, runInventoryScript } from './ansible-script.js';
import type { VarsDirs } from './ansible-vars-dirs.js';
import type { InventoryFormat, InventoryHost, InventorySource, Result } from './types.js';
import { appendAll } from '../arrays.js';

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
  return sniff(text, file).format;
}

interface Sniffed {
  format: InventoryFormat;
  /** The text parsed as Ansible YAML while deciding, handed on so a large file is parsed once. */
  yaml?: YamlFile;
  /** Warnings of that parse, which belong to the result when `yaml` is used. */
  warnings?: string[];
}

function sniff(text: string, file: string): Sniffed {
  const ext = extname(file).toLowerCase();
  if (ext === '.json' || /^\s*\{/.test(text)) return { format: 'ansible-json' };
  if (ext === '.ini' || ext === '.cfg') return { format: 'ansible-ini' };
  if (ext === '.txt' || ext === '.list') return { format: 'host-list' };
  const yamlExt = ext === '.yml' || ext === '.yaml';
  const issues = new Issues(file);
  const yaml = parseAnsibleYamlText(text, issues);
  const root = yaml?.deref(yaml.doc.contents) ?? null;
  if (yaml && isMap(root)) {
    const keys = new Set(root.items.map((pair) => keyText(pair.key)));
    const hosts = root.items.find((pair) => keyText(pair.key) === 'hosts');
    if (isSeq(yaml.deref(hosts?.value)) || keys.has('groups') || keys.has('defaults')) return { format: 'sockaudit-yaml' };
    const looksAnsible =
      keys.has('plugin') ||
      root.items.every((pair) => {
        const value = yaml.deref(pair.value);
        return value === null || (isScalar(value) && value.value === null) || (isMap(value) && value.items.some((p) => ANSIBLE_GROUP_KEYS.has(keyText(p.key) ?? '')));
      });
    if (looksAnsible || yamlExt) return { format: 'ansible-yaml', yaml, warnings: issues.warnings };
  }
  if (yamlExt) return { format: 'ansible-yaml' };
  if (INI_SECTION.test(text) || INI_HOST_VARS.test(text)) return { format: 'ansible-ini' };
  return { format: 'host-list' };
}

/** `varsDirs` apply to the Ansible YAML and INI formats; `ansible-inventory --list` JSON has them merged already. */
export function parseInventory(text: string, file: string, varsDirs?: VarsDirs): Result<InventorySource> {
  return parseSniffed(sniff(text, file), text, file, varsDirs);
}

function parseSniffed(sniffed: Sniffed, text: string, file: string, varsDirs?: VarsDirs): Result<InventorySource> {
  if (sniffed.yaml === undefined) return PARSERS[sniffed.format](text, file, varsDirs);
  const parsed = parseAnsibleYaml(text, file, varsDirs, sniffed.yaml);
  return { ...parsed, warnings: [...(sniffed.warnings ?? []), ...parsed.warnings] };
}

/** `varsDir`: where group_vars/ and host_vars/ are looked for; beside the file unless given. */
export async function readInventory(path: string, varsDir = dirname(path)): Promise<Result<InventorySource>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const issues = new Issues(path);
    issues.error(undefined, `cannot read the inventory: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    return issues.result({ file: path, format: 'host-list', hosts: [] });
  }
  if (looksLikeScript(text, (await stat(path)).mode)) return runInventoryScript(path);
  const sniffed = sniff(text, path);
  if (sniffed.format !== 'ansible-yaml' && sniffed.format !== 'ansible-ini') return parseSniffed(sniffed, text, path);
  const dirs = await readVarsDirs(varsDir);
  const parsed = parseSniffed(sniffed, text, path, dirs.value);
  return { value: parsed.value, warnings: [...dirs.warnings, ...parsed.warnings], errors: [...dirs.errors, ...parsed.errors] };
}

/**
 * What Ansible skips in an inventory folder (InventoryManager: IGNORED_ALWAYS, and
 * INVENTORY_IGNORE_EXTS's default of REJECT_EXTS + .orig, .cfg, .retry): dot files, the vars
 * folders (read as vars for the files beside them), and backups, notes and retry files.
 */
const FOLDER_SKIP = /^\.|^(?:host_vars|group_vars|vars_plugins)$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.cfg|\.retry)$/;

/**
 * One `-i` value: a file, a folder (each inventory file in it, in name order, subfolders too, as
 * Ansible reads one), or `-` for `stdin`, the text the caller read from standard input.
 */
export async function readInventories(path: string, stdin?: string, varsDir?: string): Promise<Result<InventorySource[]>> {
  if (path === '-') {
    if (stdin === undefined) {
      const issues = new Issues('-');
      issues.error(undefined, 'no standard input to read the inventory from');
      return issues.result([]);
    }
    const parsed = parseInventory(stdin, '<stdin>');
    return { ...parsed, value: [parsed.value] };
  }
  let isFolder = false;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch {
    // readInventory reports what cannot be read.
  }
  if (!isFolder) {
    const one = await readInventory(path, varsDir);
    return { ...one, value: [one.value] };
  }
  const issues = new Issues(path);
  let names: string[] = [];
  try {
    names = (await readdir(path)).filter((name) => !FOLDER_SKIP.test(name)).sort();
  } catch (error) {
    issues.error(undefined, `cannot list the inventory folder: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const sources: InventorySource[] = [];
  // As Ansible: the folder given is the inventory's base, whose group_vars/ and host_vars/ apply to every file under it.
  for (const name of names) appendAll(sources, issues.absorb(await readInventories(join(path, name), undefined, varsDir ?? path)));
  if (names.length === 0 && issues.errors.length === 0) issues.warn(undefined, 'the inventory folder has no inventory file');
  return issues.result(sources);
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
        sources: { ...earlier.sources, ...host.sources },
      });
    }
  }
  return { value: [...hosts.values()], warnings, errors: [] };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
