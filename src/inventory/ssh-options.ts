// The ssh keywords sockaudit acts on, read the way OpenSSH reads them (ssh_config(5)): the first
// value obtained wins, except IdentityFile which accumulates. Shared by the ssh config and by
// `-o` options in Ansible's ssh args.
import { parseAddress, parsePort } from './address.js';
import { splitShellWords } from './shell-words.js';
import type { HostKeyPolicy, HostSettings, JumpSpec } from './types.js';

/** Settings as ssh sees them: an inventory's, or an ssh config's for one host. */
export interface SshSettings extends Omit<HostSettings, 'address'> {
  hostName?: string;
  /** A ProxyCommand that could not be read as a jump host. */
  proxyCommand?: string;
}

export type OptionOutcome = { kind: 'set' | 'kept' | 'ignored' } | { kind: 'problem'; problem: string };

const YES_NO: Record<string, boolean> = { yes: true, true: true, no: false, false: false };
const HOST_KEY_POLICY: Record<string, HostKeyPolicy> = {
  yes: 'strict',
  true: 'strict',
  // sockaudit never prompts: "ask" refuses unknown keys, as yes does.
  ask: 'strict',
  'accept-new': 'accept-new',
  // Inventories often carry `-o StrictHostKeyChecking=no` copied from somewhere. It is read as
  // accept-new (a changed key is still refused): checking goes off only with --host-key-policy off.
  no: 'accept-new',
  off: 'accept-new',
  false: 'accept-new',
};

/** Parses a ProxyJump value: `none`, or comma-separated `[user@]host[:port]` / `ssh://user@host:port` hops. */
export function parseProxyJump(value: string): { jumps: JumpSpec[] | 'none' } | { problem: string } {
  if (value.toLowerCase() === 'none') return { jumps: 'none' };
  const jumps: JumpSpec[] = [];
  for (const hop of value.split(',')) {
    const text = hop.startsWith('ssh://') ? hop.slice('ssh://'.length).replace(/\/$/, '') : hop;
    const parsed = parseAddress(text);
    if ('problem' in parsed) return { problem: `ProxyJump ${parsed.problem}` };
    jumps.push(parsed);
  }
  return { jumps };
}

/**
 * Reads `ssh [-q] [-p port] [-l user] -W %h:%p [user@]gateway`, the ProxyCommand form the Ansible
 * FAQ documents, as the jump host it stands for. Any other command is not understood.
 */
export function proxyCommandAsJump(command: string): JumpSpec | undefined {
  const split = splitShellWords(command, { comments: 'never' });
  if ('problem' in split) return undefined;
  const [program, ...args] = split.words;
  if (program === undefined || !/(^|\/)ssh$/.test(program)) return undefined;
  let forward = false;
  let port: number | undefined;
  let user: string | undefined;
  const hosts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-W') {
      forward = /^\[?%h\]?:%p$/.test(args[++i] ?? '');
      if (!forward) return undefined;
    } else if (arg === '-p') {
      port = parsePort(args[++i] ?? '');
      if (port === undefined) return undefined;
    } else if (arg === '-l') {
      user = args[++i];
    } else if (/^-[qCTnNx46]+$/.test(arg)) {
      continue;
    } else if (arg.startsWith('-')) {
      return undefined;
    } else {
      hosts.push(arg);
    }
  }
  if (!forward || hosts.length !== 1) return undefined;
  const parsed = parseAddress(hosts[0] as string);
  if ('problem' in parsed) return undefined;
  const jump: JumpSpec = { ...parsed };
  if (port !== undefined && jump.port === undefined) jump.port = port;
  if (user !== undefined && jump.user === undefined) jump.user = user;
  return jump;
}

/**
 * Applies one keyword (lower case) with its arguments to `into`, unless a value is already set.
 * `origin` says where the option was written (`ssh config FILE line N`), for settings whose
 * source a report names.
 */
export function applySshOption(into: SshSettings, keyword: string, args: string[], origin?: string): OptionOutcome {
  const first = args[0];
  if (first === undefined) return { kind: 'problem', problem: `${keyword} needs a value` };
  const lower = first.toLowerCase();
  switch (keyword) {
    case 'hostname':
      if (into.hostName !== undefined) return { kind: 'kept' };
      into.hostName = first;
      return { kind: 'set' };
    case 'user':
      if (into.user !== undefined) return { kind: 'kept' };
      into.user = first;
      return { kind: 'set' };
    case 'port': {
      const port = parsePort(first);
      if (port === undefined) return { kind: 'problem', problem: `Port "${first}" must be a number from 1 to 65535` };
      if (into.port !== undefined) return { kind: 'kept' };
      into.port = port;
      return { kind: 'set' };
    }
    case 'identityfile':
      if (lower !== 'none') into.identityFiles.push(first);
      return { kind: 'set' };
    case 'identitiesonly': {
      const value = YES_NO[lower];
      if (value === undefined) return { kind: 'problem', problem: `IdentitiesOnly "${first}" must be yes or no` };
      if (into.identitiesOnly !== undefined) return { kind: 'kept' };
      into.identitiesOnly = value;
      return { kind: 'set' };
    }
    case 'proxyjump': {
      const parsed = parseProxyJump(first);
      if ('problem' in parsed) return { kind: 'problem', problem: parsed.problem };
      // ProxyJump and ProxyCommand share one slot: whichever comes first wins.
      if (into.proxyJump !== undefined || into.proxyCommand !== undefined) return { kind: 'kept' };
      into.proxyJump = parsed.jumps;
      return { kind: 'set' };
    }
    case 'proxycommand': {
      if (into.proxyJump !== undefined || into.proxyCommand !== undefined) return { kind: 'kept' };
      const command = args.join(' ');
      if (lower === 'none') {
        into.proxyJump = 'none';
        return { kind: 'set' };
      }
      const jump = proxyCommandAsJump(command);
      if (jump) into.proxyJump = [jump];
      else into.proxyCommand = command;
      return { kind: 'set' };
    }
    case 'userknownhostsfile':
      if (into.knownHostsFiles !== undefined) return { kind: 'kept' };
      into.knownHostsFiles = lower === 'none' ? [] : [...args];
      return { kind: 'set' };
    case 'globalknownhostsfile':
      if (into.globalKnownHostsFiles !== undefined) return { kind: 'kept' };
      into.globalKnownHostsFiles = lower === 'none' ? [] : [...args];
      return { kind: 'set' };
    case 'hostkeyalias':
      if (into.hostKeyAlias !== undefined) return { kind: 'kept' };
      into.hostKeyAlias = first;
      return { kind: 'set' };
    case 'stricthostkeychecking': {
      const policy = HOST_KEY_POLICY[lower];
      if (policy === undefined) {
        return { kind: 'problem', problem: `StrictHostKeyChecking "${first}" must be yes, accept-new, no, off or ask` };
      }
      if (into.hostKeyPolicy !== undefined) return { kind: 'kept' };
      into.hostKeyPolicy = policy;
      into.hostKeyPolicyFrom = `StrictHostKeyChecking ${first}${origin === undefined ? '' : ` (${origin})`}`;
      return { kind: 'set' };
    }
    case 'connecttimeout': {
      if (!/^\d+$/.test(first)) return { kind: 'problem', problem: `ConnectTimeout "${first}" must be a whole number of seconds` };
      if (into.connectTimeoutMs !== undefined) return { kind: 'kept' };
      // 0 means "no timeout of its own" to ssh: leave it to the run's deadline.
      if (Number(first) > 0) into.connectTimeoutMs = Number(first) * 1000;
      return { kind: 'set' };
    }
    default:
      return { kind: 'ignored' };
  }
}
