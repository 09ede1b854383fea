// A target is one host to audit, with everything needed to reach it, resolved from the
// inventory and the OpenSSH client config. Secrets are never held here: only paths.

export interface JumpHost {
  host: string;
  port: number;
  user?: string;
  /** Key files from the jump host's own ssh config entry, `~` expanded. */
  identityFiles?: string[];
}

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

/** The settings whose origin `--list-hosts` shows. */
export type TracedSetting = 'address' | 'port' | 'user' | 'proxyJump' | 'connection';

/**
 * Where each setting's value came from: `inv.yml:12 (ansible_user)`, `ssh config
 * /home/a/.ssh/config line 4`, `command line`, `default`.
 */
export type SettingSources = Partial<Record<TracedSetting, string>>;

export interface Target {
  /** Inventory name (alias); unique in a run. */
  name: string;
  /** Address to connect to (ansible_host / HostName), defaults to name. */
  address: string;
  port: number;
  user?: string;
  /** Group names, sorted, without `all`. */
  groups: string[];
  /** Key files to offer, in order; `~` expanded. */
  identityFiles: string[];
  /** Offer only identityFiles, not the agent's other keys. */
  identitiesOnly?: boolean;
  /** Jump hosts, outermost first. */
  proxyJump: JumpHost[];
  /** Extra known_hosts files from ssh config (UserKnownHostsFile) or inventory. */
  knownHostsFiles?: string[];
  /** GlobalKnownHostsFile from ssh config or ssh args; OpenSSH's default when absent. */
  globalKnownHostsFiles?: string[];
  /** HostKeyAlias: the name looked up and recorded in known_hosts instead of `[address]:port`. */
  hostKeyAlias?: string;
  /** From StrictHostKeyChecking in ssh config / ssh args; the CLI flag wins when given. */
  hostKeyPolicy?: HostKeyPolicy;
  /** Where hostKeyPolicy came from, as written: `StrictHostKeyChecking no (ssh config FILE line N)`. */
  hostKeyPolicyFrom?: string;
  connectTimeoutMs?: number;
  /**
   * How to reach the host: 'local' runs the probe on this machine (Ansible's
   * `ansible_connection=local`), 'ssh' or absent over SSH.
   */
  connection?: 'ssh' | 'local';
  /** Where the host came from, for error messages: `file:line`. */
  origin?: string;
  /** Inventory variables after precedence, for --by group and reports (string values only). */
  vars: Record<string, string>;
  /** Where address, port, user, jump hosts and connection came from, for `--list-hosts`. */
  sources?: SettingSources;
}


export { InputError } from '../errors.js';
export type { Result } from '../errors.js';

/** A jump host as written (`[user@]host[:port]`), before the ssh config is applied to it. */
export interface JumpSpec {
  host: string;
  port?: number;
  user?: string;
}

/**
 * Connection settings an inventory gives for one host. They act like ssh command-line options:
 * each beats the ssh config, which fills what is left unset.
 */
export interface HostSettings {
  /** ansible_host, `address`: the name handed to ssh (and matched by ssh config `Host`). */
  address?: string;
  port?: number;
  user?: string;
  identityFiles: string[];
  identitiesOnly?: boolean;
  /** `'none'` switches off a ProxyJump the ssh config would add. */
  proxyJump?: JumpSpec[] | 'none';
  knownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  hostKeyAlias?: string;
  hostKeyPolicy?: HostKeyPolicy;
  /** See Target.hostKeyPolicyFrom. */
  hostKeyPolicyFrom?: string;
  connectTimeoutMs?: number;
  /** ansible_connection when it is one sockaudit can use; absent means ssh. */
  connection?: 'ssh' | 'local';
  /** ansible_connection when it is one sockaudit cannot use (docker, winrm, ...): the host is left out. */
  unsupportedConnection?: string;
}

/** One host as an inventory file describes it, before the ssh config is applied. */
export interface InventoryHost {
  name: string;
  /** Every group the host is in, ancestors included, sorted, without `all`. */
  groups: string[];
  settings: HostSettings;
  /** Variables after precedence, scalar values as strings; encrypted and structured values left out. */
  vars: Record<string, string>;
  /** `file:line` where the host was written. */
  origin: string;
  /** Where the settings were written, when known. */
  sources?: SettingSources;
}

export type InventoryFormat = 'ansible-yaml' | 'ansible-ini' | 'ansible-json' | 'host-list' | 'sockaudit-yaml';

export interface InventorySource {
  file: string;
  format: InventoryFormat;
  hosts: InventoryHost[];
}
