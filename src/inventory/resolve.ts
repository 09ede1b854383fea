// Inventory hosts plus the ssh config -> targets. The inventory's settings act like ssh command-line
// options, as Ansible passes them (`ssh -o Port=.. -o User=.. ansible_host`): they beat the ssh
// config, which is evaluated for the name ssh would be given (ansible_host, else the inventory
// name) and fills what is left. Jump hosts get their own config entries, not the destination's.
import { expandHostName, computeSshConfig, type SshConfig } from './ssh-config.js';
import type { SshSettings } from './ssh-options.js';
import { InputError, type InventoryHost, type JumpHost, type JumpSpec, type Result, type SettingSources, type Target } from './types.js';
import { appendAll } from '../arrays.js';

export interface ResolveOptions {
  /** Absent: no ssh config (`--no-ssh-config`, or none found). Several: the user's, then the system's. */
  sshConfig?: SshConfig | readonly SshConfig[];
  /** The login user when neither the inventory nor the ssh config names one. */
  defaultUser?: string;
  /** For `~` and `%d`. */
  home: string;
  /** The local account: `%u`, `Match localuser`, and jump hosts' default user, as in ssh. */
  localUser: string;
}

const DEFAULT_PORT = 22;
/** Jump hosts reached through their own ProxyJump, at most this deep. */
const MAX_JUMP_DEPTH = 8;

export function resolveTargets(hosts: InventoryHost[], options: ResolveOptions): Result<Target[]> {
  const warnings = new Set<string>();
  const errors: InputError[] = [];
  const configFor = (host: string, user: string | undefined, sources?: SettingSources): SshSettings =>
    options.sshConfig
      ? computeSshConfig(options.sshConfig, { host, localUser: options.localUser, home: options.home, ...(user === undefined ? {} : { user }) }, warnings, sources)
      : { identityFiles: [] };

  const resolveJumps = (specs: JumpSpec[], chain: string[], origin: string): JumpHost[] => {
    const jumps: JumpHost[] = [];
    for (const [index, spec] of specs.entries()) {
      const config = configFor(spec.host, spec.user);
      const host = config.hostName === undefined ? spec.host : expandHostName(config.hostName, spec.host);
      const port = spec.port ?? config.port ?? DEFAULT_PORT;
      const user = spec.user ?? config.user ?? options.localUser;
      // Only the first hop is dialled by its own ssh, so only its own ProxyJump applies.
      if (index === 0 && Array.isArray(config.proxyJump)) {
        if (chain.includes(spec.host) || chain.length >= MAX_JUMP_DEPTH) {
          errors.push(new InputError(origin, undefined, `ProxyJump loops or nests too deep: ${[...chain, spec.host].join(' -> ')}`));
          return jumps;
        }
        appendAll(jumps, resolveJumps(config.proxyJump, [...chain, spec.host], origin));
      }
      const identityFiles = config.identityFiles.map((file) =>
        expandPathTokens(file, { ...options, host, user, port, alias: spec.host }, warnings, origin),
      );
      jumps.push({ host, port, user, ...(identityFiles.length > 0 ? { identityFiles } : {}) });
    }
    return jumps;
  };

  const targets: Target[] = [];
  for (const entry of hosts) {
    const given = entry.settings;
    const alias = given.address ?? entry.name;
    const configSources: SettingSources = {};
    const config = configFor(alias, given.user, configSources);
    const from = entry.sources ?? {};
    const address = config.hostName === undefined ? alias : expandHostName(config.hostName, alias);
    const port = given.port ?? config.port ?? DEFAULT_PORT;
    const user = given.user ?? config.user ?? options.defaultUser;
    const tokens = { ...options, host: address, user, port, alias };
    const expand = (file: string): string => expandPathTokens(file, tokens, warnings, entry.origin);

    const proxy = given.proxyJump ?? config.proxyJump;
    if (proxy === undefined && config.proxyCommand !== undefined) {
      warnings.add(`${entry.origin}: host ${entry.name}: the ssh config's ProxyCommand "${config.proxyCommand}" is not supported (only "ssh -W %h:%p gateway" is); connecting directly`);
    }
    const knownHosts = given.knownHostsFiles ?? config.knownHostsFiles;
    const globalKnownHosts = given.globalKnownHostsFiles ?? config.globalKnownHostsFiles;
    const hostKeyAlias = given.hostKeyAlias ?? config.hostKeyAlias;
    const policyFrom = given.hostKeyPolicy !== undefined ? given : config;
    const hostKeyPolicy = policyFrom.hostKeyPolicy;
    const connectTimeoutMs = given.connectTimeoutMs ?? config.connectTimeoutMs;
    const identitiesOnly = given.identitiesOnly ?? config.identitiesOnly;
    const target: Target = {
      name: entry.name,
      address,
      port,
      groups: entry.groups,
      identityFiles: [...new Set([...given.identityFiles, ...config.identityFiles].map(expand))],
      proxyJump: Array.isArray(proxy) ? resolveJumps(proxy, [alias], entry.origin) : [],
      vars: entry.vars,
      origin: entry.origin,
    };
    if (user !== undefined) target.user = user;
    if (identitiesOnly !== undefined) target.identitiesOnly = identitiesOnly;
    if (knownHosts !== undefined) target.knownHostsFiles = knownHosts.map(expand);
    if (globalKnownHosts !== undefined) target.globalKnownHostsFiles = globalKnownHosts.map(expand);
    if (hostKeyAlias !== undefined) target.hostKeyAlias = hostKeyAlias;
    if (hostKeyPolicy !== undefined) target.hostKeyPolicy = hostKeyPolicy;
    if (policyFrom.hostKeyPolicyFrom !== undefined) target.hostKeyPolicyFrom = policyFrom.hostKeyPolicyFrom;
    if (connectTimeoutMs !== undefined) target.connectTimeoutMs = connectTimeoutMs;
    if (given.connection !== undefined) target.connection = given.connection;
    target.sources = {
      address: given.address !== undefined ? (from.address ?? entry.origin) : config.hostName !== undefined ? (configSources.address ?? 'ssh config') : 'inventory name',
      port: given.port !== undefined ? (from.port ?? entry.origin) : config.port !== undefined ? (configSources.port ?? 'ssh config') : 'default',
      connection: given.connection !== undefined ? (from.connection ?? entry.origin) : 'default',
    };
    if (user !== undefined) {
      target.sources.user = given.user !== undefined ? (from.user ?? entry.origin) : config.user !== undefined ? (configSources.user ?? 'ssh config') : 'default (--user, else the local account)';
    }
    if (target.proxyJump.length > 0 || proxy === 'none') {
      target.sources.proxyJump = given.proxyJump !== undefined ? (from.proxyJump ?? entry.origin) : (configSources.proxyJump ?? 'ssh config');
    }
    targets.push(target);
  }
  return { value: targets, warnings: [...warnings], errors };
}

interface PathTokens {
  home: string;
  localUser: string;
  host: string;
  user: string | undefined;
  port: number;
  alias: string;
}

/** `~` and the ssh_config TOKENS that IdentityFile and UserKnownHostsFile accept. */
export function expandPathTokens(path: string, tokens: PathTokens, warnings: Set<string>, origin: string): string {
  const home = path.replace(/^~(?=\/|$)/, tokens.home);
  return home.replace(/%(.)/g, (whole, token: string) => {
    switch (token) {
      case '%':
        return '%';
      case 'd':
        return tokens.home;
      case 'u':
        return tokens.localUser;
      case 'h':
        return tokens.host;
      case 'n':
        return tokens.alias;
      case 'p':
        return String(tokens.port);
      case 'r':
        if (tokens.user !== undefined) return tokens.user;
        break;
    }
    warnings.add(`${origin}: "${path}" uses ${whole}, which sockaudit does not expand; left as is`);
    return whole;
  });
}
