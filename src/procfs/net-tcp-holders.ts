// The holders aggregator's output (src/collect/holders.ts runs it over /proc/net/tcp and tcp6):
// who holds the orphans, the queued bytes and the TIME_WAIT sockets. The host sends addresses as
// the kernel prints them, 32-bit words in its own byte order (net/ipv4/tcp_ipv4.c get_tcp4_sock
// prints `%08X` of a __be32; net/ipv6/tcp_ipv6.c prints the four s6_addr32 words the same way)
// and ports as big-endian hex; they are decoded here.
import { hostText, parseError, parsed, splitLines, tokens, type ParseResult } from './parse-result.js';

const FILE = 'holders';

/** Kernel TCP states by their hex code in /proc/net/tcp (include/net/tcp_states.h). */
export const TCP_STATES: Readonly<Record<string, string>> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
  '0C': 'NEW_SYN_RECV',
};

/** The states an orphan can be in (sockets without owner; RISK-MODEL.md section 5). */
export type OrphanState = 'FIN_WAIT1' | 'LAST_ACK' | 'CLOSING';
const ORPHAN_STATES: Readonly<Record<string, OrphanState>> = { '04': 'FIN_WAIT1', '09': 'LAST_ACK', '0B': 'CLOSING' };

export type ByteOrder = 'little' | 'big';
export type PeersMode = 'full' | 'prefix' | 'none';

export interface Endpoint {
  /** Text form: `10.20.0.5`, `2001:db8::1`; IPv4-mapped IPv6 is shown as IPv4. */
  address: string;
  family: 4 | 6;
  port: number;
}

export interface HolderPeer {
  /** `198.51.100.7`, or with peers `prefix` the network: `198.51.100.0/24`, `2001:db8:1:2::/64`. */
  address: string;
  count: number;
}

/** Orphans sharing a state and a local address and port. */
export interface HolderGroup {
  state: OrphanState;
  local: Endpoint;
  count: number;
  /** tx_queue + rx_queue summed over the group. */
  queuedBytes: number;
  /** The biggest remote peers, most orphans first (empty with peers `none`). */
  peers: HolderPeer[];
}

export type CgroupOwner = { kind: 'systemd'; unit: string } | { kind: 'pod'; uid: string; container?: string } | { kind: 'cgroup'; path: string };

export interface CgroupSock {
  /** Path below the cgroup v2 mount, e.g. `/system.slice/nginx.service`. */
  path: string;
  /** `sock` from its memory.stat: bytes of socket buffers charged to it (all protocols). */
  sockBytes: number;
  owner: CgroupOwner;
}

export interface TableFile {
  status: 'ok' | 'missing' | 'unreadable' | 'bad-header';
  /** Lines read after the header. */
  lines: number;
}

export interface Holders {
  formatVersion: number;
  byteOrder: ByteOrder;
  peersMode: PeersMode;
  /** Why the `auto` gate ran the aggregation (`orphans`, `tcp-memory`, `time-wait`); absent in `always` mode. */
  gateReasons?: string[];
  files: { tcp: TableFile; tcp6: TableFile };
  linesRead: number;
  /** Lines that did not have the kernel's layout (a truncated last line, say); skipped. */
  malformedLines: number;
  /** tx_queue + rx_queue over every socket read, owned or not (listening sockets aside). */
  queuedBytes: number;
  /** Set when a bound stopped the reading early; `of` is absent when the table's length is unknown. */
  partial?: { reason: 'lines' | 'time'; read: number; of?: number };
  /** Sockets by state name (`ESTABLISHED`, ...; an unknown code as `0x0D`). */
  socketsByState: Record<string, number>;
  orphans: {
    count: number;
    queuedBytes: number;
    /** Distinct groups seen. */
    groups: number;
    /** Orphans not grouped because the host's key bound was reached (counted in `count`). */
    untrackedGroups: number;
    /** Orphans whose peer was not counted for the same reason. */
    untrackedPeers: number;
  };
  /** Biggest groups first. */
  groups: HolderGroup[];
  /** Local ports by bytes queued, biggest first. */
  queuedByPort: Array<{ port: number; bytes: number }>;
  /** Local ports by TIME_WAIT sockets, most first. */
  timeWaitByPort: Array<{ port: number; count: number }>;
  cgroups: { status: 'ok' | 'partial' | 'absent' | 'unavailable'; reason?: string; files?: number; top: CgroupSock[] };
  /** Set when the host cut its output at the byte bound (the bytes printed before the cut). */
  outputCutAt?: number;
}

/** What the section said: the aggregation, or that the host's gate found nothing to look into. */
export type HoldersOutput = { state: 'read'; holders: Holders } | { state: 'skipped'; reason: string };

const HEX_WORD = /^[0-9A-F]{8}$/;
const HEX_PORT = /^[0-9A-F]{4}$/;
const COUNT = /^\d+$/;

/** The aggregator's output, parsed; an error names the line. Output without its `end` line is an error (cut). */
export function parseHolders(text: string): ParseResult<HoldersOutput> {
  const lines = splitLines(text);
  const head = tokens(lines[0] ?? '');
  if (head[0] !== 'holders' || !COUNT.test(head[1] ?? '')) return parseError(FILE, 1, 'expected "holders <version> ..."');
  const attrs = keyValues(head.slice(2));
  const byteOrder = attrs.order;
  const peersMode = attrs.peers;
  if (byteOrder !== 'little' && byteOrder !== 'big') return parseError(FILE, 1, `unknown byte order "${byteOrder}"`);
  if (peersMode !== 'full' && peersMode !== 'prefix' && peersMode !== 'none') return parseError(FILE, 1, `unknown peers mode "${peersMode}"`);
  if (lines.at(-1) !== 'end') return parseError(FILE, lines.length, 'output ends without its "end" line (cut short)');

  const h: Holders = {
    formatVersion: Number(head[1]),
    byteOrder,
    peersMode,
    files: { tcp: { status: 'missing', lines: 0 }, tcp6: { status: 'missing', lines: 0 } },
    linesRead: 0,
    malformedLines: 0,
    queuedBytes: 0,
    socketsByState: {},
    orphans: { count: 0, queuedBytes: 0, groups: 0, untrackedGroups: 0, untrackedPeers: 0 },
    groups: [],
    queuedByPort: [],
    timeWaitByPort: [],
    cgroups: { status: 'absent', top: [] },
  };
  let sawOrphans = false;
  for (let i = 1; i < lines.length - 1; i++) {
    const n = i + 1;
    const line = lines[i]!;
    const [kind, ...rest] = tokens(line);
    const kv = keyValues(rest);
    const num = (key: string): number | undefined => (COUNT.test(kv[key] ?? '') ? Number(kv[key]) : undefined);
    switch (kind) {
      case 'gate': {
        if (kv.run === '0') return parsed({ state: 'skipped', reason: kv.reason ?? 'unknown' });
        h.gateReasons = (kv.reason ?? '').split(',').filter((r) => r !== '');
        break;
      }
      case 'file': {
        const name = rest[0];
        const status = kv.status;
        const count = num('lines');
        if ((name !== 'tcp' && name !== 'tcp6') || !['ok', 'missing', 'unreadable', 'bad-header'].includes(status ?? '') || count === undefined)
          return parseError(FILE, n, `malformed file line "${line}"`);
        h.files[name] = { status: status as TableFile['status'], lines: count };
        break;
      }
      case 'read': {
        const [read, malformed, queued] = [num('lines'), num('malformed'), num('queued')];
        if (read === undefined || malformed === undefined || queued === undefined) return parseError(FILE, n, `malformed read line "${line}"`);
        Object.assign(h, { linesRead: read, malformedLines: malformed, queuedBytes: queued });
        break;
      }
      case 'partial': {
        const read = num('read');
        if ((kv.reason !== 'lines' && kv.reason !== 'time') || read === undefined) return parseError(FILE, n, `malformed partial line "${line}"`);
        h.partial = { reason: kv.reason, read, ...(num('of') !== undefined ? { of: num('of')! } : {}) };
        break;
      }
      case 'state': {
        const [code, count] = rest;
        if (!/^[0-9A-F]{2}$/.test(code ?? '') || !COUNT.test(count ?? '')) return parseError(FILE, n, `malformed state line "${line}"`);
        h.socketsByState[TCP_STATES[code!] ?? `0x${code}`] = Number(count);
        break;
      }
      case 'orphans': {
        const values = ['count', 'queued', 'groups', 'untracked-groups', 'untracked-peers'].map(num);
        if (values.some((v) => v === undefined)) return parseError(FILE, n, `malformed orphans line "${line}"`);
        const [count, queuedBytes, groups, untrackedGroups, untrackedPeers] = values as number[];
        h.orphans = { count: count!, queuedBytes: queuedBytes!, groups: groups!, untrackedGroups: untrackedGroups!, untrackedPeers: untrackedPeers! };
        sawOrphans = true;
        break;
      }
      case 'group': {
        const [code, local] = rest;
        const state = ORPHAN_STATES[code ?? ''];
        const endpoint = local === undefined ? undefined : decodeEndpoint(local, byteOrder);
        const [count, queued] = [num('count'), num('queued')];
        if (!state || !endpoint || count === undefined || queued === undefined) return parseError(FILE, n, `malformed group line "${line}"`);
        h.groups.push({ state, local: endpoint, count, queuedBytes: queued, peers: [] });
        break;
      }
      case 'peer': {
        const [hex, count] = rest;
        const group = h.groups.at(-1);
        const address = hex === undefined ? undefined : decodeAddress(hex, byteOrder);
        if (!group) return parseError(FILE, n, 'peer line before any group');
        if (address === undefined || !COUNT.test(count ?? '')) return parseError(FILE, n, `malformed peer line "${line}"`);
        group.peers.push({ address: peersMode === 'prefix' ? withPrefixLength(address) : address, count: Number(count) });
        break;
      }
      case 'port-queued':
      case 'time-wait': {
        const [port, value] = rest;
        if (!HEX_PORT.test(port ?? '') || !COUNT.test(value ?? '')) return parseError(FILE, n, `malformed ${kind} line "${line}"`);
        if (kind === 'port-queued') h.queuedByPort.push({ port: parseInt(port!, 16), bytes: Number(value) });
        else h.timeWaitByPort.push({ port: parseInt(port!, 16), count: Number(value) });
        break;
      }
      case 'cgroups': {
        const status = kv.status;
        if (status !== 'ok' && status !== 'partial' && status !== 'absent' && status !== 'unavailable') return parseError(FILE, n, `malformed cgroups line "${line}"`);
        h.cgroups = { status, top: [] };
        if (kv.reason !== undefined) h.cgroups.reason = kv.reason;
        if (num('files') !== undefined) h.cgroups.files = num('files')!;
        break;
      }
      case 'cgroup': {
        // The path is the rest of the line after the byte count: cgroup names may hold spaces.
        const m = /^cgroup (\d+) (\/.*)$/.exec(line);
        if (!m) return parseError(FILE, n, `malformed cgroup line "${line}"`);
        // Host text: control characters never reach a report or a terminal.
        const path = hostText(m[2]!, 300);
        h.cgroups.top.push({ path, sockBytes: Number(m[1]), owner: cgroupOwner(path) });
        break;
      }
      case 'cut': {
        const at = num('bytes');
        if (at === undefined) return parseError(FILE, n, `malformed cut line "${line}"`);
        h.outputCutAt = at;
        break;
      }
      default:
        // A later format's record: skipped, as an unknown key in a kernel file is.
        break;
    }
  }
  if (!sawOrphans && h.outputCutAt === undefined) return parseError(FILE, undefined, 'no "orphans" line');
  return parsed({ state: 'read', holders: h });
}

function keyValues(words: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq > 0) out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return out;
}

/** `0500140A:01BB` -> 10.20.0.5 port 443 (little-endian host); undefined when not the kernel's layout. */
export function decodeEndpoint(text: string, order: ByteOrder): Endpoint | undefined {
  const [hex, port] = text.split(':');
  if (hex === undefined || port === undefined || !HEX_PORT.test(port)) return undefined;
  const address = decodeAddress(hex, order);
  if (address === undefined) return undefined;
  return { address, family: hex.length === 8 ? 4 : 6, port: parseInt(port, 16) };
}

/**
 * One address as /proc/net/tcp or tcp6 prints it: 8 or 32 hex digits, each 32-bit word in the
 * host's byte order. `0100007F` is 127.0.0.1 on a little-endian host; IPv4-mapped IPv6
 * (::ffff:a.b.c.d) comes back as a.b.c.d.
 */
export function decodeAddress(hex: string, order: ByteOrder): string | undefined {
  if (hex.length !== 8 && hex.length !== 32) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    if (!HEX_WORD.test(word)) return undefined;
    const b = [0, 2, 4, 6].map((i) => parseInt(word.slice(i, i + 2), 16));
    bytes.push(...(order === 'little' ? b.reverse() : b));
  }
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  return formatIpv6(bytes);
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run of two or more zero groups as `::`. */
function formatIpv6(bytes: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes[i]! * 256 + bytes[i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function withPrefixLength(address: string): string {
  return address.includes(':') ? `${address}/64` : `${address}/24`;
}

/**
 * Who a cgroup v2 path belongs to: a Kubernetes pod (and container) under the systemd driver
 * (`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid with _>.slice/cri-containerd-<id>.scope`)
 * or the cgroupfs driver (`/kubepods/burstable/pod<uid>/<id>`), a systemd unit (the last
 * component ending in a unit suffix), or the path itself.
 */
export function cgroupOwner(path: string): CgroupOwner {
  const parts = path.split('/').filter((p) => p !== '');
  const podIndex = parts.findIndex((p) => /^kubepods/.test(parts[0] ?? '') && /pod[0-9a-f_-]{8,}(\.slice)?$/i.test(p));
  if (podIndex >= 0) {
    const podPart = parts[podIndex]!;
    const uid = /pod([0-9a-f_-]+?)(?:\.slice)?$/i.exec(podPart)![1]!.replaceAll('_', '-');
    const next = parts[podIndex + 1];
    const container = next === undefined ? undefined : /^(?:cri-containerd-|crio-|docker-|cri-o-)?([0-9a-f]{12,})(?:\.scope)?$/i.exec(next)?.[1];
    return container === undefined ? { kind: 'pod', uid } : { kind: 'pod', uid, container };
  }
  const last = parts.at(-1);
  if (last !== undefined && /\.(service|scope|socket|mount|swap|slice)$/.test(last) && parts.length > 0) return { kind: 'systemd', unit: last };
  return { kind: 'cgroup', path };
}
