// A target is one host to audit, with everything needed to reach it, resolved from the
// inventory and the OpenSSH client config. Secrets are never held here: only paths.

export interface JumpHost {
  host: string;
  port: number;
  user?: string;
}

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

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
  /** From StrictHostKeyChecking in ssh config / ssh args; the CLI flag wins when given. */
  hostKeyPolicy?: HostKeyPolicy;
  connectTimeoutMs?: number;
  /** Where the host came from, for error messages: `file:line`. */
  origin?: string;
  /** Inventory variables after precedence, for --by group and reports (string values only). */
  vars: Record<string, string>;
}

/** A problem in an inventory or config file: names the file, line and problem. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${problem}`);
    this.name = 'InputError';
  }
}
