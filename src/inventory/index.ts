// Loading the hosts to audit: inventories and -H hosts, merged, limited, then resolved against
// the OpenSSH client config (the user's file, then the system's, as ssh reads them). The one
// entry point that reads files; the pieces it composes are pure.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { access } from 'node:fs/promises';
import { parseHostArgument } from './host-list.js';
import { mergeInventories, readInventories } from './load.js';
import { applyLimit } from './limit.js';
import { readSshConfig, readSystemSshConfig } from './ssh-config-read.js';
import { resolveTargets } from './resolve.js';
import type { SshConfig } from './ssh-config.js';
import type { InputError, InventorySource, Target } from './types.js';
import { appendAll } from '../arrays.js';

export { expandHostPattern } from './ranges.js';
export { parseAnsibleYaml } from './ansible-yaml.js';
export { parseAnsibleIni } from './ansible-ini.js';
export { parseAnsibleJson } from './ansible-json.js';
export { parseHostList, parseHostArgument } from './host-list.js';
export { parseSockauditYaml } from './sockaudit-yaml.js';
export { detectFormat, parseInventory, readInventory, readInventories, mergeInventories } from './load.js';
export { applyLimit } from './limit.js';
export { parseSshConfig, computeSshConfig, type SshConfig } from './ssh-config.js';
export { readSshConfig, readSystemSshConfig } from './ssh-config-read.js';
export { resolveTargets, type ResolveOptions } from './resolve.js';
export * from './types.js';

export interface LoadTargetsOptions {
  /** Files, folders, or `-` for `stdin`. */
  inventories: string[];
  /** The standard input's text, for an inventory given as `-`: read by the caller, not here. */
  stdin?: string;
  /** `-H` values, each hosts separated by commas. */
  hosts?: string[];
  limit?: string;
  /**
   * A file (-F) read alone, `null` for none (--no-ssh-config), or absent for ~/.ssh/config if it
   * exists followed by the system file.
   */
  sshConfigFile?: string | null;
  /** The system file read after ~/.ssh/config: /etc/ssh/ssh_config when absent, none when `null`. */
  systemSshConfigFile?: string | null;
  /** Login user when neither the inventory nor the ssh config names one. */
  defaultUser?: string;
}

/** OpenSSH's _PATH_HOST_CONFIG_FILE. */
const SYSTEM_SSH_CONFIG = '/etc/ssh/ssh_config';

/** Every input problem of a load, reported together; `errors` holds the InputErrors. */
export class InventoryErrors extends AggregateError {
  constructor(errors: InputError[]) {
    super(errors, errors.map((e) => e.message).join('\n'));
    this.name = 'InventoryErrors';
  }
}

export async function loadTargets(opts: LoadTargetsOptions): Promise<{ targets: Target[]; warnings: string[] }> {
  const warnings: string[] = [];
  const errors: InputError[] = [];
  const take = <T>(result: { value: T; warnings: string[]; errors: InputError[] }): T => {
    appendAll(warnings, result.warnings);
    appendAll(errors, result.errors);
    return result.value;
  };

  const sources: InventorySource[] = [];
  for (const file of opts.inventories) appendAll(sources, take(await readInventories(file, opts.stdin)));
  for (const value of opts.hosts ?? []) sources.push(take(parseHostArgument(value)));
  let hosts = take(mergeInventories(sources));
  if (opts.limit !== undefined) hosts = take(applyLimit(hosts, opts.limit));

  const home = homedir();
  const localUser = userInfo().username;
  const sshConfigs: SshConfig[] = [];
  if (opts.sshConfigFile !== null) {
    const path = opts.sshConfigFile ?? join(home, '.ssh', 'config');
    const present = opts.sshConfigFile !== undefined || (await access(path).then(() => true, () => false));
    if (present) sshConfigs.push(take(await readSshConfig(path, { home, localUser })));
  }
  // As ssh: -F replaces both files, so the system file comes only with the user's default one.
  if (opts.sshConfigFile === undefined && opts.systemSshConfigFile !== null) {
    const system = take(await readSystemSshConfig(opts.systemSshConfigFile ?? SYSTEM_SSH_CONFIG, { home, localUser }));
    if (system) sshConfigs.push(system);
  }
  if (errors.length > 0) throw new InventoryErrors(errors);

  const targets = take(
    resolveTargets(hosts, {
      ...(sshConfigs.length === 0 ? {} : { sshConfig: sshConfigs }),
      ...(opts.defaultUser === undefined ? {} : { defaultUser: opts.defaultUser }),
      home,
      localUser,
    }),
  );
  if (errors.length > 0) throw new InventoryErrors(errors);
  if (targets.length === 0) warnings.push('no host to audit after reading the inventories' + (opts.limit === undefined ? '' : ` and --limit "${opts.limit}"`));
  return { targets, warnings };
}
export { describeTargets, describeTargetsTable, type HostDescription, type DescribedValue } from './describe.js';
