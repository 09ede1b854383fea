// What `--list-hosts` shows: each resolved host with its address, port, user, jump hosts and
// connection, and where each of those values came from. Pure; the CLI prints it.
import { formatHostPort } from './address.js';
import type { Target, TracedSetting } from './types.js';

export interface DescribedValue {
  value: string;
  /** `inv.yml:12 (ansible_user)`, `ssh config /home/a/.ssh/config line 4`, `command line (-H)`, `default`. */
  source: string;
}

export interface HostDescription {
  name: string;
  address: DescribedValue;
  port: DescribedValue;
  /** Absent when no user is known (ssh's own default then applies). */
  user?: DescribedValue;
  /** Jump hosts as `user@host:port`, outermost first; absent without any. */
  jumpHosts?: DescribedValue;
  connection: DescribedValue;
  groups: string[];
  /** Where the host itself was written: `file:line`. */
  origin?: string;
}

export function describeTargets(targets: readonly Target[]): HostDescription[] {
  return targets.map((target) => {
    const source = (setting: TracedSetting, fallback: string): string => target.sources?.[setting] ?? fallback;
    const described: HostDescription = {
      name: target.name,
      address: { value: target.address, source: source('address', 'inventory name') },
      port: { value: String(target.port), source: source('port', 'default') },
      connection: { value: target.connection ?? 'ssh', source: source('connection', 'default') },
      groups: target.groups,
    };
    if (target.origin !== undefined) described.origin = target.origin;
    if (target.user !== undefined) described.user = { value: target.user, source: source('user', 'default') };
    if (target.proxyJump.length > 0) {
      const hops = target.proxyJump.map((j) => `${j.user === undefined ? '' : `${j.user}@`}${formatHostPort(j.host, j.port)}`).join(',');
      described.jumpHosts = { value: hops, source: source('proxyJump', 'ssh config') };
    }
    return described;
  });
}

/** The same as rows of plain text cells with a header, for a table renderer: one row a host. */
export function describeTargetsTable(targets: readonly Target[]): { header: string[]; rows: string[][] } {
  const cell = (d: DescribedValue | undefined): string => (d === undefined ? '-' : `${d.value} (${d.source})`);
  return {
    header: ['host', 'address', 'port', 'user', 'jump hosts', 'connection'],
    rows: describeTargets(targets).map((d) => [d.name, cell(d.address), cell(d.port), cell(d.user), cell(d.jumpHosts), cell(d.connection)]),
  };
}
