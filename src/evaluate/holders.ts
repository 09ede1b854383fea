// Who holds the sockets, in words: the one-line sentence a report puts on a host's card, and
// the remediation that follows from the state the holders are in (RISK-MODEL.md section 5).
import type { HolderGroup, Holders } from '../procfs/net-tcp-holders.js';
import type { Snapshot } from '../procfs/types.js';
import type { Finding } from './types.js';

export interface HoldersSummary {
  /** One line, e.g. "21,600 of 24,000 orphans (90 %) are FIN_WAIT1 on 10.20.0.5:443, 337 MiB queued; top peer 198.51.100.7 with 9,000". */
  sentence: string;
  /** What to do, by the state of the biggest holders; empty when nothing is held. */
  remediation: string[];
  /** "partial: 491,519 of an unknown number of lines read (time bound)" when a bound stopped the host early. */
  partial?: string;
}

export interface SummariseOptions {
  /**
   * Also speak of TIME_WAIT by port (the evaluator's time-wait check is at notice or worse).
   * Without orphans, TIME_WAIT is spoken of anyway when it is the only thing held.
   */
  timeWait?: boolean;
  /**
   * The table's length when a bound stopped the host early, as sockstat estimates it (TCP inuse +
   * TCP6 inuse + tw, read in the same probe): awk cannot know it without reading the whole table.
   */
  estimatedLines?: number;
}

/** Thousands with commas, whatever the locale: 21600 -> "21,600". */
export function count(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Whole units from 10 up, one decimal below: 353370000 -> "337 MiB". */
export function size(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${n} bytes`;
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} ${units[i]}`;
}

function share(part: number, whole: number): string {
  const p = whole > 0 ? (100 * part) / whole : 0;
  return `${p >= 1 || p === 0 ? Math.round(p) : '<1'} %`;
}

function endpoint(g: HolderGroup): string {
  return g.local.family === 6 && g.local.address.includes(':') ? `[${g.local.address}]:${g.local.port}` : `${g.local.address}:${g.local.port}`;
}

/** The sentence, the remediation and the partial mark for one host's holders. */
export function summariseHolders(h: Holders, opts: SummariseOptions = {}): HoldersSummary {
  const partial = partialNote(h, opts.estimatedLines);
  const top = h.groups[0];
  const tw = h.timeWaitByPort[0];
  const twTotal = h.socketsByState.TIME_WAIT ?? 0;
  const parts: string[] = [];
  const remediation: string[] = [];
  if (top) {
    let s = `${count(top.count)} of ${count(h.orphans.count)} orphans (${share(top.count, h.orphans.count)}) are ${top.state} on ${endpoint(top)}`;
    if (top.queuedBytes > 0) s += `, ${size(top.queuedBytes)} queued`;
    const peer = top.peers[0];
    if (peer) s += `; top ${peer.address.includes('/') ? 'network' : 'peer'} ${peer.address} with ${count(peer.count)}`;
    parts.push(s);
    const states = new Set(h.groups.slice(0, 3).map((g) => `${g.state}${g.state === 'FIN_WAIT1' && g.queuedBytes > 0 ? '+data' : ''}`));
    for (const state of states) remediation.push(REMEDIATION[state as keyof typeof REMEDIATION]);
  } else if (h.orphans.count > 0) {
    parts.push(`${count(h.orphans.count)} orphans, ${size(h.orphans.queuedBytes)} queued, not grouped (the host's bound on distinct groups was reached)`);
  }
  if (tw && (opts.timeWait || parts.length === 0)) {
    parts.push(`${count(tw.count)} of ${count(twTotal)} TIME_WAIT sockets (${share(tw.count, twTotal)}) are on local port ${tw.port}`);
    remediation.push(timeWaitRemediation(tw.port));
  }
  if (parts.length === 0) {
    const q = h.queuedByPort[0];
    parts.push(q ? `no orphans; the most queued is ${size(q.bytes)} on local port ${q.port}` : 'no orphans and nothing queued in the socket table');
  }
  return { sentence: parts.join('; '), remediation: [...new Set(remediation)], ...(partial ? { partial } : {}) };
}

function partialNote(h: Holders, estimated: number | undefined): string | undefined {
  if (!h.partial) return undefined;
  const of = h.partial.of !== undefined ? count(h.partial.of) : estimated !== undefined && estimated >= h.partial.read ? `about ${count(estimated)}` : 'an unknown number of';
  const why = h.partial.reason === 'time' ? 'time bound' : 'line bound';
  return `partial: ${count(h.partial.read)} of ${of} lines read (${why})`;
}

const REMEDIATION = {
  'FIN_WAIT1+data':
    'FIN_WAIT1 with data queued: peers that stopped reading. Give the service send and idle timeouts of its own, make clients time out instead of holding connections open, and lower net.ipv4.tcp_orphan_retries so the kernel gives up on such orphans sooner.',
  FIN_WAIT1:
    'FIN_WAIT1 without data: our FIN is not acknowledged, so the peers are gone or unreachable (a firewall or NAT dropping state). net.ipv4.tcp_orphan_retries bounds how long each is retried.',
  LAST_ACK:
    'LAST_ACK: the peers closed first and never acknowledged our FIN (they vanished, or something between drops the ACK). net.ipv4.tcp_orphan_retries bounds how long each is retried; look at the peers and the path to them.',
  CLOSING:
    'CLOSING: both ends closed at once and the final ACK is lost; a path that drops packets to these peers. net.ipv4.tcp_orphan_retries bounds the retries.',
} as const;

function timeWaitRemediation(port: number): string {
  return `TIME_WAIT on one port means many short connections to one service (port ${port}): reuse connections (pooling, HTTP keep-alive) rather than open one per request.`;
}

/** The reason a host has no holders section to show, for "holders unavailable: why". */
export function holdersUnavailableReason(h: Holders): string | undefined {
  const { tcp, tcp6 } = h.files;
  if (tcp.status === 'ok' || tcp6.status === 'ok') return undefined;
  const why = (name: string, f: typeof tcp) => `/proc/net/${name} ${f.status === 'unreadable' ? 'not readable' : f.status === 'bad-header' ? 'not in the kernel layout' : 'missing'}`;
  return `${why('tcp', tcp)}, ${why('tcp6', tcp6)}`;
}

/** What a report says of one host's holders: the one line, and what to do. */
export interface HostHolders {
  /** The summariseHolders sentence, or "holders unavailable: why". */
  sentence: string;
  available: boolean;
  remediation: string[];
  partial?: string;
  /** Why the host's gate read the table (`orphans`, `tcp-memory`, `time-wait`); absent with `always`. */
  gateReasons?: string[];
}

const AT_NOTICE = new Set(['notice', 'warning', 'critical']);

/**
 * The holders of one audited host, or undefined when the probe did not look (holders `never`, an
 * older probe, or a host its gate found healthy). TIME_WAIT by port is spoken of when the
 * time-wait finding is at notice or worse; a partial read is measured against the table's length
 * as the same probe's sockstat estimates it.
 */
export function assessHostHolders(s: Snapshot, findings: readonly Finding[]): HostHolders | undefined {
  const reading = s.holders;
  if (reading === undefined) return undefined;
  if (reading.state !== 'ok') {
    const why = reading.state === 'missing' ? 'not in the probe output' : reading.detail;
    return { sentence: `holders unavailable: ${why}`, available: false, remediation: [] };
  }
  const h = reading.value;
  const unavailable = holdersUnavailableReason(h);
  if (unavailable !== undefined) return { sentence: `holders unavailable: ${unavailable}`, available: false, remediation: [] };
  const timeWait = findings.some((f) => f.id === 'time-wait' && AT_NOTICE.has(f.level));
  const estimated = estimatedTableLines(s);
  const summary = summariseHolders(h, { timeWait, ...(estimated === undefined ? {} : { estimatedLines: estimated }) });
  return {
    sentence: summary.sentence,
    available: true,
    remediation: summary.remediation,
    ...(summary.partial ? { partial: summary.partial } : {}),
    ...(h.gateReasons ? { gateReasons: h.gateReasons } : {}),
  };
}

/** TCP inuse + tw + TCP6 inuse from sockstat: about the number of lines of /proc/net/tcp and tcp6. */
function estimatedTableLines(s: Snapshot): number | undefined {
  if (s.sockstat.state !== 'ok') return undefined;
  const tcp = s.sockstat.value.tcp;
  if (tcp?.inuse === undefined) return undefined;
  const six = s.sockstat6.state === 'ok' ? s.sockstat6.value.protocols.TCP6?.inuse : undefined;
  return tcp.inuse + (tcp.tw ?? 0) + (six === undefined ? 0 : Number(six));
}
