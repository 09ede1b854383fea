// A fleet of SSH servers in this process, each serving one recorded probe output, for the demo,
// the tests and the benchmarks. Every host listens on loopback; faults make a host misbehave
// the way real hosts do (slow, dropped, lying, hung), and a host can act as a bastion.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, connect, isIPv4 } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, ServerChannel } from 'ssh2';
import { RECORDED_BOUNDARY } from '../procfs/sections.js';

const { Server: SshServer, utils } = ssh2;

export const FLEET_FAULTS = [
  'slow-banner',
  'reset-mid-output',
  'endless-output',
  'garbage',
  'wrong-host-key',
  'auth-fail',
  'hang',
  'refuse',
] as const;

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

export interface FleetOptions {
  hosts: FleetHostSpec[];
  /** Public keys allowed to log in, as authorized_keys text (one `type base64 [comment]` a line). */
  authorizedKeys: string;
  /** Host private key (OpenSSH or PEM text) shared by the fleet; an ed25519 key is generated when absent. */
  hostKey?: string;
  /**
   * `ports` (default): every host on 127.0.0.1 with its own port, which works everywhere.
   * `addresses`: host i on 127.0.0.(2+i) (continuing into 127.0.1.x, ...), all on one port.
   */
  addressing?: 'ports' | 'addresses';
  /** The shared port in `addresses` mode; a free one is found when absent. */
  port?: number;
  /** Also offer `password` (every password is refused), as many real servers do. */
  offerPassword?: boolean;
  /**
   * Channels open at once on one connection (sessions and forwards together), like sshd's
   * MaxSessions; more are refused. Default 10.
   */
  maxSessions?: number;
  /** Delay of the `slow-banner` fault. Default 2000 ms. */
  slowBannerMs?: number;
}

export interface FleetHostKey {
  /** Key type, e.g. `ssh-ed25519`. */
  type: string;
  /** The public key as sent on the wire (what ssh2's hostVerifier receives). */
  blob: Buffer;
  /** `SHA256:...` as OpenSSH prints it. */
  fingerprint: string;
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
  /** The key the fleet's known_hosts lists for this host. */
  hostKey: FleetHostKey;
  /** The key the host presents: `hostKey` except under `wrong-host-key`. */
  servedHostKey: FleetHostKey;
  /** `[address]:port type base64` (or `address type base64` on port 22). */
  knownHostsLine: string;
  counters(): FleetCounters;
}

export interface RecordedFleet {
  hosts: FleetHost[];
  /** known_hosts text listing every host with the fleet's key. */
  knownHosts: string;
  /** Totals over all hosts; `maxHandshakesInProgress` is the fleet-wide peak. */
  counters(): FleetCounters;
  /** Closes every listener, connection and timer; resolves when all listeners are closed. */
  stop(): Promise<void>;
}

const STDIN_MAX_BYTES = 1 << 20;
const RESET_GRACE_MS = 50;
const ENDLESS_CHUNK = Buffer.from('x'.repeat(63) + '\n').toString().repeat(256);

/** The boundary a probe script declares in its `B='...'` line, or undefined. */
export function parseScriptBoundary(script: string): string | undefined {
  const match = /^B='([^'\n]+)'$/m.exec(script);
  return match?.[1];
}

/** The recording with its boundary replaced by `boundary` at every line start. */
export function reframeRecording(recording: string, boundary: string): string {
  return recording.replace(/^SOCKAUDIT-RECORDED(?= |$)/gm, () => boundary);
}

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

function describeKey(key: ParsedKey): FleetHostKey {
  const blob = key.getPublicSSH();
  return {
    type: key.type,
    blob,
    fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
  };
}

function parsePrivateKey(text: string): ParsedKey {
  const parsed = utils.parseKey(text);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new Error(`recorded fleet: cannot parse host key: ${key?.message ?? 'empty'}`);
  return key;
}

function generateHostKey(): string {
  return generateEd25519KeyPair().private;
}

/** An ed25519 key pair in OpenSSH format, for host keys and throwaway client keys. */
export function generateEd25519KeyPair(): { private: string; public: string } {
  // ssh2 1.17 strips leading zero bytes of an ed25519 public key, so about 1 key in 256
  // does not parse back (mscdex/ssh2#1390): draw again until one does.
  for (let attempt = 0; attempt < 32; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new Error('recorded fleet: cannot generate a usable ed25519 key');
}

function parseAuthorizedKeys(text: string): ParsedKey[] {
  const keys: ParsedKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parsed = utils.parseKey(line);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (!key || key instanceof Error) throw new Error(`recorded fleet: cannot parse authorized key: ${line.slice(0, 40)}`);
    keys.push(key);
  }
  if (keys.length === 0) throw new Error('recorded fleet: no authorized keys given');
  return keys;
}

function knownHostsLine(address: string, port: number, key: FleetHostKey): string {
  const pattern = port === 22 ? address : `[${address}]:${port}`;
  return `${pattern} ${key.type} ${key.blob.toString('base64')}`;
}

function isLoopbackV4(address: string): boolean {
  return isIPv4(address) && address.startsWith('127.');
}

/** Listens, or fails with the listen error (EADDRINUSE, EADDRNOTAVAIL). */
function listen(server: NetServer, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ host: address, port }, () => {
      server.off('error', onError);
      const bound = server.address();
      resolve(typeof bound === 'object' && bound ? bound.port : port);
    });
  });
}

/** A port nobody listens on right now (bound, read, released). */
async function freePort(address: string): Promise<number> {
  const probe = createServer();
  const port = await listen(probe, address, 0);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function closeServer(server: NetServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/**
 * Starts one SSH server per host on loopback, each replying to `/bin/sh -s` with its
 * recording re-framed under the boundary the client's script declares.
 */
export async function startRecordedFleet(opts: FleetOptions): Promise<RecordedFleet> {
  const maxSessions = opts.maxSessions ?? 10;
  const slowBannerMs = opts.slowBannerMs ?? 2000;
  const authorized = parseAuthorizedKeys(opts.authorizedKeys);
  const hostKeyText = opts.hostKey ?? generateHostKey();
  const fleetKey = describeKey(parsePrivateKey(hostKeyText));
  const needsWrongKey = opts.hosts.some((h) => h.fault === 'wrong-host-key');
  const wrongKeyText = needsWrongKey ? generateHostKey() : undefined;
  const wrongKey = wrongKeyText ? describeKey(parsePrivateKey(wrongKeyText)) : undefined;
  const authMethods: ('publickey' | 'password')[] = opts.offerPassword ? ['publickey', 'password'] : ['publickey'];

  const fleetCounters = emptyCounters();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const listeners: NetServer[] = [];
  let stopping = false;

  const schedule = (fn: () => void, ms: number): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  interface HostState {
    spec: FleetHostSpec;
    counters: FleetCounters;
  }

  const bump = (host: HostState, field: keyof FleetCounters, delta = 1): void => {
    host.counters[field] += delta;
    fleetCounters[field] += delta;
    if (field === 'handshakesInProgress') {
      host.counters.maxHandshakesInProgress = Math.max(host.counters.maxHandshakesInProgress, host.counters.handshakesInProgress);
      fleetCounters.maxHandshakesInProgress = Math.max(fleetCounters.maxHandshakesInProgress, fleetCounters.handshakesInProgress);
    }
  };

  const authenticate = (host: HostState, ctx: AuthContext): void => {
    if (host.spec.fault === 'auth-fail' || ctx.method !== 'publickey') return ctx.reject(authMethods);
    const offered = ctx.key.data;
    const key = authorized.find((k) => k.getPublicSSH().equals(offered));
    if (!key) return ctx.reject(authMethods);
    // Without a signature the client only asks whether the key would do.
    if (!ctx.signature) return ctx.accept();
    if (ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
    ctx.reject(authMethods);
  };

  const reply = (host: HostState, socket: Socket, channel: ServerChannel, command: string, script: string): void => {
    const fail = (status: number, message: string): void => {
      channel.stderr.write(`${message}\n`);
      channel.exit(status);
      channel.end();
    };
    if (!/^(\/bin\/)?sh -s$/.test(command.trim())) return fail(127, `sh: 1: ${command.split(' ')[0] ?? ''}: not found`);
    const boundary = parseScriptBoundary(script);
    if (!boundary) return fail(2, 'recorded fleet: the script declares no boundary');
    const output = Buffer.from(reframeRecording(host.spec.recording, boundary));

    const send = (data: Buffer, done?: () => void): boolean => {
      bump(host, 'outputBytes', data.length);
      return channel.write(data, done);
    };

    switch (host.spec.fault) {
      case 'garbage': {
        send(randomBytes(Math.max(1024, output.length)));
        channel.exit(0);
        channel.end();
        return;
      }
      case 'reset-mid-output': {
        const waitFlushedThenReset = (): void => {
          if (socket.destroyed) return;
          // A reset discards unsent data: let the first half reach the client, and give the
          // client a moment to read it, first.
          if (socket.writableLength > 0) return schedule(waitFlushedThenReset, 5);
          schedule(() => socket.resetAndDestroy(), RESET_GRACE_MS);
        };
        send(output.subarray(0, Math.floor(output.length / 2)), waitFlushedThenReset);
        return;
      }
      case 'endless-output': {
        // The frame's start and the first section's begin line, then content that never ends.
        const firstEnd = output.indexOf('\n', output.indexOf('\n') + 1);
        const head = output.subarray(0, firstEnd + 1);
        const chunk = Buffer.from(ENDLESS_CHUNK);
        let open = true;
        channel.once('close', () => (open = false));
        const pump = (): void => {
          while (open && !stopping && !socket.destroyed) {
            if (!send(chunk)) {
              channel.once('drain', pump);
              return;
            }
          }
        };
        if (send(head)) pump();
        else channel.once('drain', pump);
        return;
      }
      default: {
        send(output);
        channel.exit(0);
        channel.end();
      }
    }
  };

  const startHost = (host: HostState, hostKeyPem: string): NetServer => {
    const ssh = new SshServer({ hostKeys: [hostKeyPem] });
    // Links ssh2's connection (known only once the client's banner arrives) to our socket.
    const byPeer = new Map<string, { socket: Socket; onReady: () => void }>();

    ssh.on('connection', (conn: Connection, info) => {
      const entry = byPeer.get(`${info.ip}|${info.port}`);
      if (!entry) return conn.end();
      const { socket } = entry;
      let openChannels = 0;
      const upstreams = new Set<Socket>();
      const reserve = (): boolean => {
        if (openChannels >= maxSessions) {
          bump(host, 'channelsRejected');
          return false;
        }
        openChannels += 1;
        host.counters.maxChannelsOnOneConnection = Math.max(host.counters.maxChannelsOnOneConnection, openChannels);
        fleetCounters.maxChannelsOnOneConnection = Math.max(fleetCounters.maxChannelsOnOneConnection, openChannels);
        return true;
      };
      const release = (): void => {
        openChannels -= 1;
      };

      conn.on('error', () => {});
      conn.on('authentication', (ctx) => authenticate(host, ctx));
      conn.on('ready', entry.onReady);
      conn.on('close', () => {
        for (const upstream of upstreams) upstream.destroy();
      });

      conn.on('session', (accept, reject) => {
        if (!reserve()) return reject();
        bump(host, 'channelsOpened');
        const session = accept();
        session.once('close', release);
        session.on('exec', (acceptExec, _rejectExec, execInfo) => {
          const channel = acceptExec();
          const chunks: Buffer[] = [];
          let size = 0;
          channel.on('data', (data: Buffer) => {
            size += data.length;
            if (size <= STDIN_MAX_BYTES) chunks.push(data);
          });
          channel.stderr.on('error', () => {});
          channel.on('error', () => {});
          // A hung command reads its input and then does nothing at all.
          if (host.spec.fault === 'hang') return;
          channel.once('end', () => {
            if (!stopping) reply(host, socket, channel, execInfo.command, Buffer.concat(chunks).toString());
          });
        });
      });

      conn.on('tcpip', (accept, reject, forward) => {
        if (!isLoopbackV4(forward.destIP)) {
          bump(host, 'forwardsRefused');
          return reject();
        }
        if (!reserve()) return reject();
        const upstream = connect({ host: forward.destIP, port: forward.destPort });
        track(upstream);
        upstreams.add(upstream);
        let accepted = false;
        upstream.once('close', () => {
          upstreams.delete(upstream);
          if (!accepted) {
            release();
            bump(host, 'forwardsRefused');
            reject();
          }
        });
        upstream.on('error', () => {});
        upstream.once('connect', () => {
          if (stopping || socket.destroyed) return upstream.destroy();
          accepted = true;
          bump(host, 'forwardsOpened');
          bump(host, 'channelsOpened');
          const channel = accept();
          channel.on('error', () => {});
          channel.once('close', () => {
            release();
            upstream.destroy();
          });
          upstream.once('close', () => channel.destroy());
          upstream.pipe(channel).pipe(upstream);
        });
      });
    });

    const server = createServer((socket) => {
      if (stopping) return socket.destroy();
      track(socket);
      socket.on('error', () => {});
      bump(host, 'connectionsAccepted');
      bump(host, 'handshakesInProgress');
      let handshaking = true;
      const endHandshake = (): void => {
        if (!handshaking) return;
        handshaking = false;
        bump(host, 'handshakesInProgress', -1);
      };
      const peer = `${socket.remoteAddress}|${socket.remotePort}`;
      byPeer.set(peer, {
        socket,
        onReady: () => {
          endHandshake();
          bump(host, 'authenticated');
        },
      });
      socket.once('close', () => {
        endHandshake();
        byPeer.delete(peer);
      });
      if (host.spec.fault === 'slow-banner') {
        schedule(() => {
          if (!socket.destroyed && !stopping) ssh.injectSocket(socket);
        }, slowBannerMs);
      } else {
        ssh.injectSocket(socket);
      }
    });
    server.on('error', () => {});
    return server;
  };

  const states: HostState[] = opts.hosts.map((spec) => ({ spec, counters: emptyCounters() }));
  const addressing = opts.addressing ?? 'ports';
  const addresses = states.map((_, i) => (addressing === 'addresses' ? loopbackAddress(i) : '127.0.0.1'));
  let ports: number[] = [];

  const stopListeners = async (): Promise<void> => {
    stopping = true;
    const closing = listeners.map(closeServer);
    for (const socket of sockets) socket.destroy();
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await Promise.all(closing);
    listeners.length = 0;
  };

  const startAll = async (sharedPort: number | undefined): Promise<number[]> => {
    // Settle every listen before judging, so that a failure is not followed by a late listen.
    const settled = await Promise.allSettled(
      states.map(async (state, i) => {
        const address = addresses[i] ?? '127.0.0.1';
        if (state.spec.fault === 'refuse') return sharedPort ?? freePort(address);
        const server = startHost(state, state.spec.fault === 'wrong-host-key' && wrongKeyText ? wrongKeyText : hostKeyText);
        listeners.push(server);
        return listen(server, address, sharedPort ?? 0);
      }),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r.status === 'fulfilled' ? r.value : 0));
  };

  if (addressing === 'ports') {
    try {
      ports = await startAll(undefined);
    } catch (err) {
      await stopListeners();
      throw err;
    }
  } else {
    // Another process may take the port between the probe and the listens: try a few.
    for (let attempt = 0; ; attempt++) {
      const port = opts.port ?? (await freePort(addresses[0] ?? '127.0.0.2'));
      try {
        ports = await startAll(port);
        break;
      } catch (err) {
        await stopListeners();
        stopping = false;
        const code = (err as NodeJS.ErrnoException).code;
        if (opts.port !== undefined || code !== 'EADDRINUSE' || attempt >= 4) throw err;
      }
    }
  }

  const hosts: FleetHost[] = states.map((state, i) => {
    const address = addresses[i] ?? '127.0.0.1';
    const port = ports[i] ?? 0;
    const served = state.spec.fault === 'wrong-host-key' && wrongKey ? wrongKey : fleetKey;
    const host: FleetHost = {
      name: state.spec.name,
      address,
      port,
      hostKey: fleetKey,
      servedHostKey: served,
      knownHostsLine: knownHostsLine(address, port, fleetKey),
      counters: () => ({ ...state.counters }),
    };
    if (state.spec.fault) host.fault = state.spec.fault;
    return host;
  });

  return {
    hosts,
    knownHosts: hosts.map((h) => `${h.knownHostsLine}\n`).join(''),
    counters: () => ({ ...fleetCounters }),
    stop: stopListeners,
  };
}
