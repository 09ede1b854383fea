// /proc/net/tcp and /proc/net/tcp6 as the kernel prints them, from a compact description, so a
// test can state its known answer. Layouts from net/ipv4/tcp_ipv4.c (tcp4_seq_show,
// get_tcp4_sock, get_timewait4_sock, get_openreq4) and net/ipv6/tcp_ipv6.c (tcp6_seq_show,
// get_tcp6_sock): IPv4 lines padded to 149 characters (seq_pad / TMPSZ - 1), IPv6 lines not;
// addresses as 32-bit words in the host's byte order, ports big-endian.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export type ByteOrder = 'little' | 'big';

export const STATE_CODES = {
  ESTABLISHED: 0x01,
  SYN_SENT: 0x02,
  SYN_RECV: 0x03,
  FIN_WAIT1: 0x04,
  FIN_WAIT2: 0x05,
  TIME_WAIT: 0x06,
  CLOSE: 0x07,
  CLOSE_WAIT: 0x08,
  LAST_ACK: 0x09,
  LISTEN: 0x0a,
  CLOSING: 0x0b,
  NEW_SYN_RECV: 0x0c,
} as const;

export type StateName = keyof typeof STATE_CODES;

export interface SocketSpec {
  state: StateName;
  /** Address text: `10.20.0.5`, `2001:db8::5`, `::ffff:10.0.0.1` (tcp6 only for the last two). */
  local: string;
  localPort: number;
  remote: string;
  remotePort: number;
  txQueue?: number;
  rxQueue?: number;
  /** Owner's inode; default 0 for FIN_WAIT1, LAST_ACK, CLOSING (orphans), TIME_WAIT and SYN_RECV, else a nonzero one. */
  inode?: number;
  /** A uid wider than the usual 5 columns moves the inode: the aggregator must still find it. */
  uid?: number;
  /** This many identical sockets (default 1). */
  count?: number;
}

const V4_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const V6_HEADER =
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';

const hex = (n: number, width: number) => (n >>> 0).toString(16).toUpperCase().padStart(width, '0');

/** Bytes of an address in network order. */
export function addressBytes(text: string): number[] {
  if (!text.includes(':')) {
    const parts = text.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 address ${text}`);
    return parts;
  }
  let tail: number[] = [];
  let body = text;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail = addressBytes(v4[1]!);
    body = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [head, rest] = body.includes('::') ? body.split('::') : [body, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').filter((g) => g !== '').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const r = groups(rest);
  const all = rest === undefined ? h : [...h, ...new Array<number>(8 - h.length - r.length).fill(0), ...r];
  if (all.length !== 8) throw new Error(`bad IPv6 address ${text}`);
  const bytes = all.flatMap((g) => [g >> 8, g & 0xff]);
  if (v4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** The address as /proc/net/tcp{,6} prints it: each 32-bit word `%08X` in the host's byte order. */
export function encodeAddress(text: string, order: ByteOrder = 'little', family: 4 | 6 = text.includes(':') ? 6 : 4): string {
  let bytes = addressBytes(text);
  if (family === 6 && bytes.length === 4) bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...bytes];
  if (family === 4 && bytes.length !== 4) throw new Error(`${text} is not IPv4`);
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    if (order === 'little') word.reverse();
    out += word.map((b) => hex(b, 2)).join('');
  }
  return out;
}

function defaultInode(state: StateName, index: number): number {
  return ['FIN_WAIT1', 'LAST_ACK', 'CLOSING', 'TIME_WAIT', 'SYN_RECV', 'NEW_SYN_RECV', 'FIN_WAIT2'].includes(state) ? 0 : 100_000 + index;
}

/** One line (without newline) for socket number `sl`. */
export function tableLine(spec: SocketSpec, sl: number, family: 4 | 6, order: ByteOrder = 'little'): string {
  const local = `${encodeAddress(spec.local, order, family)}:${hex(spec.localPort, 4)}`;
  const remote = `${encodeAddress(spec.remote, order, family)}:${hex(spec.remotePort, 4)}`;
  const st = hex(STATE_CODES[spec.state], 2);
  const queues = `${hex(spec.txQueue ?? 0, 8)}:${hex(spec.rxQueue ?? 0, 8)}`;
  const inode = spec.inode ?? defaultInode(spec.state, sl);
  const uid = String(spec.uid ?? 1000).padStart(5);
  const slText = `${String(sl).padStart(4)}:`;
  let line: string;
  if (spec.state === 'TIME_WAIT' || spec.state === 'FIN_WAIT2') {
    // get_timewait4_sock: substate, zero queues, timer 3, no uid or inode.
    line = `${slText} ${local} ${remote} ${st} 00000000:00000000 03:00000F9A 00000000     0        0 0 3 0000000000000000`;
  } else {
    line = `${slText} ${local} ${remote} ${st} ${queues} 01:00000014 00000002 ${uid}        0 ${inode} 2 0000000000000000 20 4 30 10 -1`;
  }
  return family === 4 ? line.padEnd(149) : line;
}

/** The whole file for these sockets (`count` expanded), header included. */
export function procNetTcp(sockets: Iterable<SocketSpec>, family: 4 | 6 = 4, order: ByteOrder = 'little'): string {
  return [...lines(sockets, family, order)].join('');
}

function* lines(sockets: Iterable<SocketSpec>, family: 4 | 6, order: ByteOrder): Generator<string> {
  yield `${family === 4 ? V4_HEADER.padEnd(149) : V6_HEADER}\n`;
  let sl = 0;
  for (const spec of sockets) {
    for (let i = 0; i < (spec.count ?? 1); i++) yield `${tableLine(spec, sl++, family, order)}\n`;
  }
}

/** Writes the file without holding it in memory (a 1,000,000-line table is 150 MB). */
export async function writeProcNetTcp(path: string, sockets: Iterable<SocketSpec>, family: 4 | 6 = 4, order: ByteOrder = 'little'): Promise<void> {
  const out = createWriteStream(path);
  let chunk: string[] = [];
  for (const line of lines(sockets, family, order)) {
    chunk.push(line);
    if (chunk.length >= 4096) {
      if (!out.write(chunk.join(''))) await once(out, 'drain');
      chunk = [];
    }
  }
  out.end(chunk.join(''));
  await once(out, 'finish');
}

/** A deterministic pseudo-random sequence (mulberry32), so big generated tables have known answers. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The large table for the bounds: `lines` sockets, a storm of FIN_WAIT1 orphans with data on
 * 10.20.0.5:443 from many peers (40 %), LAST_ACK orphans on the same port (10 %), TIME_WAIT on
 * ephemeral ports (20 %), and owned ESTABLISHED sockets (30 %).
 */
export function* bigTable(lines: number, seed = 1): Generator<SocketSpec> {
  const rnd = seeded(seed);
  for (let i = 0; i < lines; i++) {
    const r = rnd();
    const remote = `198.51.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`;
    const remotePort = 1024 + Math.floor(rnd() * 64000);
    if (r < 0.4) yield { state: 'FIN_WAIT1', local: '10.20.0.5', localPort: 443, remote, remotePort, txQueue: 1000 + Math.floor(rnd() * 60000) };
    else if (r < 0.5) yield { state: 'LAST_ACK', local: '10.20.0.5', localPort: 443, remote, remotePort };
    else if (r < 0.7) yield { state: 'TIME_WAIT', local: '10.20.0.5', localPort: 32768 + Math.floor(rnd() * 28000), remote, remotePort: 5432 };
    else yield { state: 'ESTABLISHED', local: '10.20.0.5', localPort: 443, remote, remotePort };
  }
}
