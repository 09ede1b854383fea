// Ansible's connection variables for one host, after precedence, turned into the settings
// sockaudit uses. Where Ansible accepts two names, the later one in its ssh plugin's list wins
// (lib/ansible/plugins/connection/ssh.py: ansible_ssh_host beats ansible_host, and so on).
import type { Issues } from './issues.js';
import { parsePort } from './address.js';
import { parseSshArgs } from './ssh-args.js';
import { applySshOption, type SshSettings } from './ssh-options.js';
import { keyText, type Node, type YamlFile, type YamlMap, type YamlTag } from '../yaml.js';
import { where } from './issues.js';
import type { HostSettings, SettingSources, TracedSetting } from './types.js';

/** A `!vault` value: encrypted, and unavailable without Ansible. */
export class EncryptedValue {
  toString(): string {
    return '<encrypted>';
  }
}

/** The tags Ansible's YAML loader adds: `!vault` stays encrypted, `!unsafe` is ordinary text here. */
export const ANSIBLE_YAML_TAGS: YamlTag[] = [
  { tag: '!vault', resolve: () => new EncryptedValue() },
  // Ansible's marker for "do not template this"; the value itself is an ordinary string.
  { tag: '!unsafe', resolve: (text) => text },
];

/**
 * A mapping's values as variables into `into`, each with the line of its key, and `file` when
 * they come from a file other than the one being parsed. `<<` merges are resolved.
 */
export function mappingVars(yaml: YamlFile, node: YamlMap, into: Vars, file?: string): void {
  const values = yaml.toJS(node);
  if (values === null || typeof values !== 'object') return;
  const lines = new Map<string, number | undefined>();
  for (const pair of node.items) {
    const key = keyText(pair.key);
    if (key !== undefined) lines.set(key, yaml.lineOf(pair.key as Node));
  }
  for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
    const line = lines.get(key) ?? yaml.lineOf(node);
    into.set(key, { value, ...(line === undefined ? {} : { line }), ...(file === undefined ? {} : { file }) });
  }
}

export interface VarEntry {
  value: unknown;
  /** Line of the definition, when the format has lines. */
  line?: number;
  /** The file of the definition when it is not the inventory itself (group_vars/, host_vars/). */
  file?: string;
}

export type Vars = Map<string, VarEntry>;

const SSH_CONNECTIONS = new Set(['ssh', 'smart', 'paramiko', 'paramiko_ssh', 'ansible.builtin.ssh', 'ansible.builtin.paramiko_ssh']);

/** Names of variables that hold secrets (ansible_password, ansible_become_pass, api_token, ...). */
const SECRET_NAME = /(^|_)(pass|password|passwd|passphrase|secret|token|credentials?)($|_)|private_key$/i;

/**
 * Scalar values as strings, for reports; encrypted, structured and null values are left out,
 * and so is every variable whose name says it holds a secret.
 */
export function stringVars(vars: Vars): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, { value }] of [...vars].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (SECRET_NAME.test(key)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
  }
  return out;
}

/**
 * Variables left unevaluated because they hold Jinja (`{{ ... }}`), gathered over a whole
 * inventory so it warns once, not once per host.
 */
export class TemplatedVars {
  private readonly first = new Map<string, string>();
  private readonly hosts = new Set<string>();

  note(name: string, host: string, where: string): void {
    if (!this.first.has(name)) this.first.set(name, where);
    this.hosts.add(host);
  }

  /** The one warning, or nothing. */
  report(issues: Issues): void {
    if (this.hosts.size === 0) return;
    const names = [...this.first].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, at]) => `${name} (first at ${at})`);
    const count = this.hosts.size === 1 ? '1 host uses' : `${this.hosts.size} hosts use`;
    issues.warn(
      undefined,
      `${count} Jinja templating in ${names.join(', ')}, which sockaudit does not evaluate; those values are ignored (pass \`ansible-inventory --list\` JSON to have them resolved)`,
    );
  }
}

const VAULT_ADVICE = 'decrypt it with `ansible-inventory -i INVENTORY --list --vault-password-file FILE > hosts.json` and pass hosts.json';

/** `sources`, when given, receives where each traced setting was written. */
export function settingsFromVars(
  host: string,
  vars: Vars,
  issues: Issues,
  hostLine: number | undefined,
  templated = new TemplatedVars(),
  sources: SettingSources = {},
): HostSettings {
  // A problem is reported where its variable was set; the host's own line stands in when unknown.
  const error = (entry: VarEntry | undefined, problem: string): void =>
    entry?.file === undefined ? issues.error(entry?.line ?? hostLine, problem) : issues.error(entry.line, problem, entry.file);
  const warn = (entry: VarEntry | undefined, message: string): void =>
    entry?.file === undefined ? issues.warn(entry?.line ?? hostLine, message) : issues.warn(entry.line, message, entry.file);
  const pick = (...names: string[]): [string, VarEntry] | undefined => {
    for (let i = names.length - 1; i >= 0; i--) {
      const name = names[i] as string;
      const entry = vars.get(name);
      if (entry !== undefined && entry.value !== null && entry.value !== undefined) return [name, entry];
    }
    return undefined;
  };
  const text = (...names: string[]): string | undefined => {
    const found = pick(...names);
    if (!found) return undefined;
    const [name, entry] = found;
    const value = entry.value;
    if (value instanceof EncryptedValue) {
      error(entry, `${name} of host ${host} is vault-encrypted; ${VAULT_ADVICE}`);
      return undefined;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      error(entry, `${name} of host ${host} must be a string, not ${describe(value)}`);
      return undefined;
    }
    const result = String(value);
    if (result.includes('{{')) {
      const line = entry.line ?? hostLine;
      templated.note(name, host, entry.file === undefined ? (line === undefined ? 'an unknown line' : `line ${line}`) : `${entry.file}${entry.line === undefined ? '' : `:${entry.line}`}`);
      return undefined;
    }
    return result;
  };

  const settings: SshSettings = { identityFiles: [] };
  const apply = (keyword: string, value: string | undefined, entry: VarEntry | undefined): void => {
    if (value === undefined) return;
    const outcome = applySshOption(settings, keyword, [value]);
    if (outcome.kind === 'problem') error(entry, `host ${host}: ${outcome.problem}`);
  };
  const entryOf = (...names: string[]): VarEntry | undefined => pick(...names)?.[1];

  const portText = text('ansible_port', 'ansible_ssh_port');
  if (portText !== undefined) {
    const port = parsePort(portText);
    const name = pick('ansible_port', 'ansible_ssh_port')?.[0];
    if (port === undefined) error(entryOf('ansible_port', 'ansible_ssh_port'), `${name} of host ${host} is "${portText}": it must be a number from 1 to 65535`);
    else settings.port = port;
  }
  apply('identityfile', text('ansible_private_key_file', 'ansible_ssh_private_key_file'), entryOf('ansible_private_key_file', 'ansible_ssh_private_key_file'));
  apply('user', text('ansible_user', 'ansible_ssh_user'), entryOf('ansible_user', 'ansible_ssh_user'));
  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const args = text(name);
    if (args === undefined) continue;
    const entry = vars.get(name);
    const parsed = parseSshArgs(args);
    for (const warning of parsed.warnings) warn(entry, `${name} of host ${host}: ${warning}`);
    for (const option of parsed.options) {
      const outcome = applySshOption(settings, option.keyword, option.args, `${name} of host ${host}`);
      if (outcome.kind === 'problem') warn(entry, `${name} of host ${host}: ${outcome.problem}; ignored`);
    }
  }
  const connection = text('ansible_connection');
  let reach: Pick<HostSettings, 'connection' | 'unsupportedConnection'> = {};
  if (connection !== undefined) {
    if (SSH_CONNECTIONS.has(connection)) reach = { connection: 'ssh' };
    else if (connection === 'local' || connection === 'ansible.builtin.local') reach = { connection: 'local' };
    else {
      // Never fall back to ssh on port 22 for a container or a Windows host: leave it out, and say so.
      warn(entryOf('ansible_connection'), `host ${host} has ansible_connection=${connection}, which sockaudit cannot use (it audits over ssh or locally); the host is left out`);
      reach = { unsupportedConnection: connection };
    }
  }

  // Where each traced setting was written: the variable's file and line, and its name.
  const trace = (setting: TracedSetting, ...names: string[]): void => {
    const found = pick(...names);
    if (found === undefined) return;
    const [name, entry] = found;
    sources[setting] = `${where(entry.file ?? issues.file, entry.line ?? (entry.file === undefined ? hostLine : undefined))} (${name})`;
  };
  if (settings.port !== undefined) trace('port', 'ansible_port', 'ansible_ssh_port');
  if (settings.user !== undefined) trace('user', 'ansible_user', 'ansible_ssh_user');
  if (settings.proxyJump !== undefined) trace('proxyJump', 'ansible_ssh_common_args', 'ansible_ssh_extra_args');
  if (reach.connection !== undefined) trace('connection', 'ansible_connection');

  const { hostName, proxyCommand, ...rest } = settings;
  if (hostName !== undefined) issues.warn(hostLine, `host ${host}: -o HostName in ssh args is ignored; use ansible_host`);
  if (proxyCommand !== undefined) {
    issues.warn(hostLine, `host ${host}: ProxyCommand "${proxyCommand}" is not supported (only "ssh -W %h:%p gateway" is); use ProxyJump`);
  }
  const address = text('ansible_host', 'ansible_ssh_host');
  if (address !== undefined) trace('address', 'ansible_host', 'ansible_ssh_host');
  return address === undefined ? { ...rest, ...reach } : { ...rest, ...reach, address };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}
