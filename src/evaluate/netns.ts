// What a network namespace shows and hides, by kernel era (RISK-MODEL.md sections 1 and 3;
// research/kernel-eras.md sections 1(d) and 1(f)).
import type { Snapshot } from '../procfs/types.js';
import { parseKernelRelease, versionIn } from './units.js';

/** 3.3 to 3.12: every network namespace gets its own tcp_mem copy, and only init_net's is enforced. */
const COPY_FROM = { major: 3, minor: 3 };
const COPY_UNTIL = { major: 3, minor: 13 };
/** 3.5 to 3.12: tcp_max_orphans is registered for init_net only, so a child namespace lacks it. */
const NO_ORPHANS_FROM = { major: 3, minor: 5 };

export type TcpMemScope =
  /** The enforced, host-wide value (or nothing says otherwise). */
  | { use: true; unsure?: string }
  /** This namespace's own copy, which the kernel does not enforce. */
  | { use: false; why: string };

const COPY =
  'tcp_mem read here is this network namespace\'s own copy: kernels 3.3 to 3.12 give every namespace one ' +
  'and enforce only the initial namespace\'s (net/ipv4/af_inet.c inet_init), so it is not the host\'s limit and is not used';

/** Whether the tcp_mem this snapshot shows is the limit the kernel enforces. */
export function tcpMemScope(snapshot: Snapshot): TcpMemScope {
  const version = parseKernelRelease(snapshot.kernelRelease);
  const inCopyEra = version !== undefined && versionIn(version, COPY_FROM, COPY_UNTIL);
  // tcp_mem with no tcp_max_orphans exists only in a 3.5 - 3.12 child namespace, whatever the release says.
  const orphansMissing = snapshot.sysctl['net.ipv4.tcp_max_orphans']?.state === 'missing';
  if (snapshot.sysctl['net.ipv4.tcp_mem']?.state === 'ok' && orphansMissing) return { use: false, why: COPY };
  if (snapshot.initNetns === false && inCopyEra) return { use: false, why: COPY };
  if (snapshot.initNetns === undefined && inCopyEra && version !== undefined && !versionIn(version, NO_ORPHANS_FROM, undefined)) {
    return {
      use: true,
      unsure:
        'on 3.3 and 3.4 a container sees its own tcp_mem copy, which the kernel does not enforce, and whether this ' +
        'is the host\'s initial network namespace could not be told',
    };
  }
  return { use: true };
}

/** Network namespaces besides the one read, when the probe counted them. */
export function otherNamespaces(snapshot: Snapshot): number | undefined {
  const n = snapshot.netnsCount;
  return n === undefined || !Number.isInteger(n) || n < 1 ? undefined : n - 1;
}
