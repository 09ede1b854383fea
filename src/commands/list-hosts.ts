// `audit --list-hosts`: the hosts an audit would reach, resolved as the audit resolves them, and
// nothing reached. The CLI prints them (describeTargetsTable) fitted to the terminal.
import type { Target } from '../inventory/types.js';
import type { AuditOptions } from './audit.js';
import { resolveAuditTargets } from './audit-targets.js';
import type { Io } from './io.js';

export interface ListedHosts {
  targets: Target[];
  /** Set when the hosts would be reached by `--exec` rather than over ssh. */
  exec?: string;
}

export async function listHosts(opts: AuditOptions, io: Pick<Io, 'warn'>): Promise<ListedHosts> {
  const { targets } = await resolveAuditTargets(opts, io.warn);
  return { targets, ...(opts.exec === undefined ? {} : { exec: opts.exec }) };
}
