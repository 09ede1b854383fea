// Who holds the sockets, as a host's card shows it: the one line (evaluate/holders.ts), then the
// tables of the biggest orphan groups with their peers, queued bytes by local port, TIME_WAIT by
// local port and socket memory by cgroup. Every string from the host is cleaned here.
import { assessHostHolders, count, size } from '../evaluate/holders.js';
import type { Finding } from '../evaluate/types.js';
import type { CgroupOwner, Endpoint } from '../procfs/net-tcp-holders.js';
import type { Snapshot } from '../procfs/types.js';
import { sanitizeForTerminal as clean } from '../text.js';

export interface HoldersView {
  /** One line: who holds what, or "holders unavailable: why". */
  sentence: string;
  available: boolean;
  /** "partial: N of about M lines read (time bound)", or null. */
  partial: string | null;
  /** "read because orphans, time-wait were at notice", or null (`always`). */
  why: string | null;
  remediation: string[];
  groups: Array<{ state: string; local: string; count: string; share: string; queued: string; peers: string }>;
  queuedByPort: Array<{ port: number; queued: string }>;
  timeWaitByPort: Array<{ port: number; count: string }>;
  cgroups: Array<{ owner: string; path: string; sock: string }>;
  /** Why the cgroup table is empty or short, or null. */
  cgroupsNote: string | null;
}

/** The view of one audited host's holders; null when the probe did not look. */
export function assembleHoldersView(s: Snapshot, findings: readonly Finding[]): HoldersView | null {
  const assessed = assessHostHolders(s, findings);
  if (assessed === undefined) return null;
  const base: HoldersView = {
    sentence: clean(assessed.sentence),
    available: assessed.available,
    partial: assessed.partial ? clean(assessed.partial) : null,
    why: assessed.gateReasons ? `read because ${assessed.gateReasons.map(clean).join(', ')} ${assessed.gateReasons.length === 1 ? 'was' : 'were'} at notice or worse` : null,
    remediation: assessed.remediation,
    groups: [],
    queuedByPort: [],
    timeWaitByPort: [],
    cgroups: [],
    cgroupsNote: null,
  };
  if (!assessed.available || s.holders?.state !== 'ok') return base;
  const h = s.holders.value;
  const total = h.orphans.count;
  base.groups = h.groups.map((g) => ({
    state: g.state,
    local: endpointText(g.local),
    count: count(g.count),
    share: total > 0 ? `${Math.round((100 * g.count) / total)} %` : '—',
    queued: size(g.queuedBytes),
    peers: g.peers.map((p) => `${clean(p.address)} (${count(p.count)})`).join(', '),
  }));
  base.queuedByPort = h.queuedByPort.map((q) => ({ port: q.port, queued: size(q.bytes) }));
  base.timeWaitByPort = h.timeWaitByPort.map((t) => ({ port: t.port, count: count(t.count) }));
  base.cgroups = h.cgroups.top.map((c) => ({ owner: clean(ownerText(c.owner)), path: clean(c.path), sock: size(c.sockBytes) }));
  const cg = h.cgroups;
  base.cgroupsNote =
    cg.status === 'absent'
      ? 'no cgroup v2 on this host'
      : cg.status === 'unavailable'
        ? `cgroups not read (${clean(cg.reason ?? 'unknown')})`
        : cg.status === 'partial'
          ? `cgroups partly read (${clean(cg.reason ?? 'bound')}, ${cg.files ?? 0} files)`
          : null;
  return base;
}

function endpointText(e: Endpoint): string {
  return e.family === 6 && e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

function ownerText(o: CgroupOwner): string {
  if (o.kind === 'systemd') return o.unit;
  if (o.kind === 'pod') return o.container ? `pod ${o.uid}, container ${o.container.slice(0, 12)}` : `pod ${o.uid}`;
  return o.path;
}
