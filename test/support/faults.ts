// The recorded fleet of the tests and benchmarks: src/demo/recorded-server.ts with faults that
// make a host misbehave the way real hosts do (slow, dropped, lying, hung), counters of what the
// servers saw, many loopback addresses, a password offer and an sshd-like MaxSessions.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  startRecordedServers,
  type RecordedHostKey,
  type RecordedHostSpec,
  type ServerBehaviour,
  type ServerEvent,
} from '../../src/demo/recorded-server.js';

export { generateEd25519KeyPair, parseScriptBoundary, reframeRecording } from '../../src/demo/recorded-server.js';

export const FLEET_FAULTS = ['slow-banner', 'reset-mid-output', 'endless-output', 'garbage', 'wrong-host-key', 'auth-fail', 'hang', 'refuse'] as const;

/**
 * How a host misbehaves:
 * - `slow-banner`: accepts TCP, then waits `slowBannerMs` before it says anything;
 * - `reset-mid-output`: sends half of the reply, then resets the TCP connection (what the
 *   client has not read by then is lost, as over any reset);
 * - `endless-output`: sends the frame's start, then content forever (at the client's pace);
 * - `garbage`: random bytes instead of the frame, exit status 0;
 * - `wrong-host-key`: presents a key other than the one the fleet's known_hosts lists;
 * - `auth-fail`: refuses every authentication attempt;
 * - `hang`: accepts the command, reads its input, and never answers or exits;
 * - `refuse`: nothing listens on its address and port.
 */
export type FleetFault = (typeof FLEET_FAULTS)[number];

export interface FleetHostSpec {
  name: string;
  /** Probe output framed with RECORDED_BOUNDARY. */
  recording: string;
  fault?: FleetFault;
}

/** A host spec as the server takes it, with its fault kept for the behaviour. */
export interface FaultyHostSpec extends RecordedHostSpec {
  fault?: FleetFault;
}

export interface FaultOptions {
  /** Also offer `password` (every password is refused), as many real servers do. */
  offerPassword?: boolean;
  /** Channels open at once on one connection (sessions and forwards), like sshd's MaxSessions. Default 10. */
  maxSessions?: number;
  /** Delay of the `slow-banner` fault. Default 2000 ms. */
  slowBannerMs?: number;
}

export interface FleetOptions extends FaultOptions {
  hosts: FleetHostSpec[];
  /** Public keys allowed to log in, as authorized_keys text. */
  authorizedKeys: string;
  hostKey?: string;
  /**
   * `ports` (default): every host on 127.0.0.1 with its own port, which works everywhere.
   * `addresses`: host i on 127.0.0.(2+i) (continuing into 127.0.1.x, ...), all on one port.
   */
  addressing?: 'ports' | 'addresses';
  /** The shared port in `addresses` mode; a free one is found when absent. */
  port?: number;
}

/** What the servers saw; tests read these to check a client's pacing and pooling. */
export interface FleetCounters {
  /** TCP connections accepted. */
  connectionsAccepted: number;
  /** Connections accepted and not yet authenticated (sshd's MaxStartups counts these). */
  handshakesInProgress: number;
  /** The most `handshakesInProgress` seen at once. */
  maxHandshakesInProgress: number;
  /** Connections that authenticated. */
  authenticated: number;
  /** Channels accepted (sessions and forwards). */
  channelsOpened: number;
  /** Channels refused because the connection already had `maxSessions` open. */
  channelsRejected: number;
  /** The most channels open at once on one connection. */
  maxChannelsOnOneConnection: number;
  /** Forwards (direct-tcpip) connected to their destination. */
  forwardsOpened: number;
  /** Forwards refused: destination outside 127.0.0.0/8, or not reachable. */
  forwardsRefused: number;
  /** Bytes of replies handed to channels (stdout). */
  outputBytes: number;
}

export interface FleetHost {
  name: string;
  address: string;
  port: number;
  fault?: FleetFault;
  hostKey: RecordedHostKey;
  servedHostKey: RecordedHostKey;
  knownHostsLine: string;
  counters(): FleetCounters;
}

export interface RecordedFleet {
  hosts: FleetHost[];
  knownHosts: string;
  /** Totals over all hosts; `maxHandshakesInProgress` is the fleet-wide peak. */
  counters(): FleetCounters;
  stop(): Promise<void>;
}

const RESET_GRACE_MS = 50;
const ENDLESS_CHUNK = Buffer.from('x'.repeat(63) + '\n').toString().repeat(256);

/** Host i's address in `addresses` mode: 127.0.0.2, ..., 127.0.0.254, 127.0.1.1, ... (no .0 or .255). */
export function loopbackAddress(index: number): string {
  const k = index + 1;
  const block = Math.floor(k / 254);
  if (block >= 1 << 16) throw new RangeError(`no loopback address for host ${index}`);
  return `127.${block >> 8}.${block & 255}.${(k % 254) + 1}`;
}

function emptyCounters(): FleetCounters {
  return {
    connectionsAccepted: 0,
    handshakesInProgress: 0,
    maxHandshakesInProgress: 0,
    authenticated: 0,
    channelsOpened: 0,
    channelsRejected: 0,
    maxChannelsOnOneConnection: 0,
    forwardsOpened: 0,
    forwardsRefused: 0,
    outputBytes: 0,
  };
}

/** The server-side spec of each host: the two faults the server itself knows, the rest kept for the behaviour. */
export function faultyHosts(specs: readonly FleetHostSpec[]): FaultyHostSpec[] {
  return specs.map((s) => ({
    ...s,
    ...(s.fault === 'wrong-host-key' ? { presentsOtherKey: true } : {}),
    ...(s.fault === 'refuse' ? { notListening: true } : {}),
  }));
}

/** The faults as a server behaviour, and the counters it keeps per host and for the fleet. */
export function faultBehaviour(opts: FaultOptions = {}): {
  behaviour: ServerBehaviour<FaultyHostSpec>;
  counters(host?: FaultyHostSpec): FleetCounters;
} {
  const maxSessions = opts.maxSessions ?? 10;
  const slowBannerMs = opts.slowBannerMs ?? 2000;
  const fleet = emptyCounters();
  const byHost = new Map<FaultyHostSpec, FleetCounters>();
  const of = (host: FaultyHostSpec): FleetCounters => {
    let c = byHost.get(host);
    if (!c) byHost.set(host, (c = emptyCounters()));
    return c;
  };
  const bump = (host: FaultyHostSpec, field: keyof FleetCounters, delta = 1): void => {
    for (const c of [of(host), fleet]) {
      c[field] += delta;
      if (field === 'handshakesInProgress') c.maxHandshakesInProgress = Math.max(c.maxHandshakesInProgress, c.handshakesInProgress);
    }
  };
  const observe = (host: FaultyHostSpec, e: ServerEvent): void => {
    switch (e.kind) {
      case 'accepted':
        bump(host, 'connectionsAccepted');
        bump(host, 'handshakesInProgress');
        return;
      case 'handshake-ended':
        bump(host, 'handshakesInProgress', -1);
        if (e.authenticated) bump(host, 'authenticated');
        return;
      case 'channel-opened':
        bump(host, 'channelsOpened');
        for (const c of [of(host), fleet]) c.maxChannelsOnOneConnection = Math.max(c.maxChannelsOnOneConnection, e.openOnConnection);
        return;
      case 'channel-refused':
        bump(host, 'channelsRejected');
        return;
      case 'forward-opened':
        bump(host, 'forwardsOpened');
        return;
      case 'forward-refused':
        bump(host, 'forwardsRefused');
        return;
      case 'output':
        bump(host, 'outputBytes', e.bytes);
        return;
    }
  };

  const behaviour: ServerBehaviour<FaultyHostSpec> = {
    authMethods: opts.offerPassword ? ['publickey', 'password'] : ['publickey'],
    observe,
    accept(host, _socket: Socket, start, schedule) {
      if (host.fault === 'slow-banner') schedule(start, slowBannerMs);
      else start();
    },
    refuseAuth: (host) => host.fault === 'auth-fail',
    admitChannel: (_host, open) => open < maxSessions,
    // A hung command reads its input and then does nothing at all.
    hold: (host) => host.fault === 'hang',
    reply(host, r) {
      const { channel, socket, output, send } = r;
      switch (host.fault) {
        case 'garbage':
          send(randomBytes(Math.max(1024, output.length)));
          channel.exit(0);
          channel.end();
          return true;
        case 'reset-mid-output': {
          const waitFlushedThenReset = (): void => {
            if (socket.destroyed) return;
            // A reset discards unsent data: let the first half reach the client, and give the
            // client a moment to read it, first.
            if (socket.writableLength > 0) return r.schedule(waitFlushedThenReset, 5);
            r.schedule(() => socket.resetAndDestroy(), RESET_GRACE_MS);
          };
          send(output.subarray(0, Math.floor(output.length / 2)), waitFlushedThenReset);
          return true;
        }
        case 'endless-output': {
          // The frame's start and the first section's begin line, then content that never ends.
          const firstEnd = output.indexOf('\n', output.indexOf('\n') + 1);
          const head = output.subarray(0, firstEnd + 1);
          const chunk = Buffer.from(ENDLESS_CHUNK);
          let open = true;
          channel.once('close', () => (open = false));
          const pump = (): void => {
            while (open && !r.stopping() && !socket.destroyed) {
              if (!send(chunk)) {
                channel.once('drain', pump);
                return;
              }
            }
          };
          if (send(head)) pump();
          else channel.once('drain', pump);
          return true;
        }
        default:
          return false;
      }
    },
  };
  return { behaviour, counters: (host) => ({ ...(host ? of(host) : fleet) }) };
}

/** Starts the fleet: one SSH server per host on loopback, with its fault. */
export async function startRecordedFleet(opts: FleetOptions): Promise<RecordedFleet> {
  const specs = faultyHosts(opts.hosts);
  const { behaviour, counters } = faultBehaviour(opts);
  const servers = await startRecordedServers({
    hosts: specs,
    authorizedKeys: opts.authorizedKeys,
    ...(opts.hostKey === undefined ? {} : { hostKey: opts.hostKey }),
    ...(opts.addressing === 'addresses' ? { placement: { addressOf: loopbackAddress, ...(opts.port === undefined ? {} : { port: opts.port }) } } : {}),
    behaviour,
  });
  const hosts: FleetHost[] = servers.hosts.map((h) => ({
    name: h.name,
    address: h.address,
    port: h.port,
    ...(h.spec.fault ? { fault: h.spec.fault } : {}),
    hostKey: h.hostKey,
    servedHostKey: h.servedHostKey,
    knownHostsLine: h.knownHostsLine,
    counters: () => counters(h.spec),
  }));
  return { hosts, knownHosts: servers.knownHosts, counters: () => counters(), stop: servers.stop };
}
