// SSH servers in this process, each serving one recorded probe output: the hosts of `sockaudit
// demo`, and (with the behaviours of test/support/faults.ts plugged in) the tests' and the
// benchmarks' fleets. Every host listens on loopback. The one module that imports ssh2's server side.
import { createHash, randomInt } from 'node:crypto';
import { createServer, connect, isIPv4 } from 'node:net';
import type { Server as NetServer, Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, ServerChannel } from 'ssh2';
import { RECORDED_BOUNDARY } from '../procfs/sections.js';
import { parseScriptBoundary, reframe } from '../collect/frame-boundary.js';

const { Server: SshServer, utils } = ssh2;

export { parseScriptBoundary };

export interface RecordedHostSpec {
  name: string;
  /** Probe output framed with RECORDED_BOUNDARY. */
  recording: string;
  /** Presents a host key other than the one the fleet's known_hosts lists (a replaced host, or an impostor). */
  presentsOtherKey?: boolean;
  /** Nothing listens on its address and port (a retired host): connections are refused. */
  notListening?: boolean;
}

export type AuthMethod = 'publickey' | 'password';

/** What the servers do, reported to a behaviour (the tests count these). */
export type ServerEvent =
  | { kind: 'accepted' }
  /** Authenticated, or gone before it: a connection stops counting as a handshake in progress. */
  | { kind: 'handshake-ended'; authenticated: boolean }
  | { kind: 'channel-opened'; openOnConnection: number }
  | { kind: 'channel-refused' }
  | { kind: 'forward-opened' }
  | { kind: 'forward-refused' }
  | { kind: 'output'; bytes: number };

/** One exec the host is about to answer with its recording, re-framed under the client's boundary. */
export interface ReplyContext {
  channel: ServerChannel;
  socket: Socket;
  /** The reply the recording gives. */
  output: Buffer;
  /** Writes to the channel's stdout, counted as output; false when the channel wants a drain. */
  send(data: Buffer, done?: () => void): boolean;
  /** A timer the fleet clears when it stops. */
  schedule(fn: () => void, ms: number): void;
  /** The fleet is stopping: stop producing. */
  stopping(): boolean;
}

/**
 * How the hosts misbehave or are watched; everything optional. Each hook gets the host's spec,
 * so a behaviour keyed on its own spec fields (test/support/faults.ts) decides per host.
 */
export interface ServerBehaviour<S extends RecordedHostSpec = RecordedHostSpec> {
  /** A TCP connection arrived: `start` hands it to SSH. Call it later (through `schedule`, which stop() clears) to delay the banner. */
  accept?(host: S, socket: Socket, start: () => void, schedule: (fn: () => void, ms: number) => void): void;
  /** Refuse every login to this host. */
  refuseAuth?(host: S): boolean;
  /** Methods listed after a refusal; default `publickey`. */
  authMethods?: AuthMethod[];
  /** Whether another channel may open on a connection that has `open` open already; default yes. */
  admitChannel?(host: S, open: number): boolean;
  /** Answers an exec in its own way; return true when it did (the recording is then not sent). */
  reply?(host: S, r: ReplyContext): boolean;
  /** Answers an exec before its input has ended; return true to take it over (a hung command). */
  hold?(host: S): boolean;
  observe?(host: S, e: ServerEvent): void;
}

export interface RecordedServersOptions<S extends RecordedHostSpec = RecordedHostSpec> {
  hosts: S[];
  /** Public keys allowed to log in, as authorized_keys text (one `type base64 [comment]` a line). */
  authorizedKeys: string;
  /** Host private key (OpenSSH or PEM text) shared by the fleet; an ed25519 key is generated when absent. */
  hostKey?: string;
  /**
   * Where host i listens: 127.0.0.1 on a port of its own (default), or `addressOf(i)` on one
   * shared port (`port`, or a free one found).
   */
  placement?: { addressOf(index: number): string; port?: number };
  behaviour?: ServerBehaviour<S>;
}

export interface RecordedHostKey {
  /** Key type, e.g. `ssh-ed25519`. */
  type: string;
  /** The public key as sent on the wire (what ssh2's hostVerifier receives). */
  blob: Buffer;
  /** `SHA256:...` as OpenSSH prints it. */
  fingerprint: string;
}

export interface ServedHost<S extends RecordedHostSpec = RecordedHostSpec> {
  spec: S;
  name: string;
  address: string;
  port: number;
  /** The key the fleet's known_hosts lists for this host. */
  hostKey: RecordedHostKey;
  /** The key the host presents: `hostKey` unless it presents another. */
  servedHostKey: RecordedHostKey;
  /** `[address]:port type base64` (or `address type base64` on port 22). */
  knownHostsLine: string;
}

export interface RecordedServers<S extends RecordedHostSpec = RecordedHostSpec> {
  hosts: ServedHost<S>[];
  /** known_hosts text listing every host with the fleet's key. */
  knownHosts: string;
  /** Closes every listener, connection and timer; resolves when all listeners are closed. */
  stop(): Promise<void>;
}

const STDIN_MAX_BYTES = 1 << 20;

/** The recording with its boundary replaced by `boundary` at every line start. */
export function reframeRecording(recording: string, boundary: string): string {
  return reframe(recording, RECORDED_BOUNDARY, boundary);
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

function describeKey(key: ParsedKey): RecordedHostKey {
  const blob = key.getPublicSSH();
  return { type: key.type, blob, fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}` };
}

function parsePrivateKey(text: string): ParsedKey {
  const parsed = utils.parseKey(text);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new Error(`recorded fleet: cannot parse host key: ${key?.message ?? 'empty'}`);
  return key;
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

function knownHostsLine(address: string, port: number, key: RecordedHostKey): string {
  const pattern = port === 22 ? address : `[${address}]:${port}`;
  return `${pattern} ${key.type} ${key.blob.toString('base64')}`;
}

// --- authenticate -------------------------------------------------------------------------

/** Public-key logins with one of `authorized`; everything else refused, listing `methods`. */
function authenticate(ctx: AuthContext, authorized: readonly ParsedKey[], methods: AuthMethod[], refuse: boolean): void {
  if (refuse || ctx.method !== 'publickey') return ctx.reject(methods);
  const key = authorized.find((k) => k.getPublicSSH().equals(ctx.key.data));
  if (!key) return ctx.reject(methods);
  // Without a signature the client only asks whether the key would do.
  if (!ctx.signature) return ctx.accept();
  if (ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
  ctx.reject(methods);
}

// --- reply --------------------------------------------------------------------------------

/** Answers `/bin/sh -s` with the recording under the script's boundary; anything else as sh would. */
function reply<S extends RecordedHostSpec>(host: S, r: Omit<ReplyContext, 'output'>, command: string, script: string, behaviour: ServerBehaviour<S>): void {
  const { channel } = r;
  const fail = (status: number, message: string): void => {
    channel.stderr.write(`${message}\n`);
    channel.exit(status);
    channel.end();
  };
  if (!/^(\/bin\/)?sh -s$/.test(command.trim())) return fail(127, `sh: 1: ${command.split(' ')[0] ?? ''}: not found`);
  const boundary = parseScriptBoundary(script);
  if (!boundary) return fail(2, 'recorded fleet: the script declares no boundary');
  const output = Buffer.from(reframeRecording(host.recording, boundary));
  if (behaviour.reply?.(host, { ...r, output })) return;
  r.send(output);
  channel.exit(0);
  channel.end();
}

// --- listen -------------------------------------------------------------------------------

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
/** A loopback address far from the ones servers bind (127.0.0.1, the fleets' 127.x.0.y). */
function unusedLoopbackAddress(): string {
  return `127.254.${randomInt(256)}.${randomInt(1, 255)}`;
}

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

/** What every host's server shares: sockets and timers to clear on stop, keys, the behaviour. */
interface Shared<S extends RecordedHostSpec> {
  authorized: ParsedKey[];
  behaviour: ServerBehaviour<S>;
  sockets: Set<Socket>;
  timers: Set<NodeJS.Timeout>;
  stopping(): boolean;
  schedule(fn: () => void, ms: number): void;
  track(socket: Socket): void;
}

/** One host: a TCP listener whose connections are handed to an ssh2 server with `hostKeyText`. */
function serveHost<S extends RecordedHostSpec>(host: S, hostKeyText: string, shared: Shared<S>): NetServer {
  const { behaviour } = shared;
  const observe = (e: ServerEvent): void => behaviour.observe?.(host, e);
  const methods = behaviour.authMethods ?? ['publickey'];
  const ssh = new SshServer({ hostKeys: [hostKeyText] });
  // Links ssh2's connection (known only once the client's banner arrives) to our socket.
  const byPeer = new Map<string, { socket: Socket; onReady: () => void }>();

  ssh.on('connection', (conn: Connection, info) => {
    const entry = byPeer.get(`${info.ip}|${info.port}`);
    if (!entry) return conn.end();
    const { socket } = entry;
    let openChannels = 0;
    const upstreams = new Set<Socket>();
    const reserve = (): boolean => {
      if (behaviour.admitChannel && !behaviour.admitChannel(host, openChannels)) {
        observe({ kind: 'channel-refused' });
        return false;
      }
      openChannels += 1;
      return true;
    };
    const release = (): void => {
      openChannels -= 1;
    };

    conn.on('error', () => {});
    conn.on('authentication', (ctx) => authenticate(ctx, shared.authorized, methods, behaviour.refuseAuth?.(host) ?? false));
    conn.on('ready', entry.onReady);
    conn.on('close', () => {
      for (const upstream of upstreams) upstream.destroy();
    });

    conn.on('session', (accept, reject) => {
      if (!reserve()) return reject();
      observe({ kind: 'channel-opened', openOnConnection: openChannels });
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
        if (behaviour.hold?.(host)) return;
        channel.once('end', () => {
          if (shared.stopping()) return;
          const send = (data: Buffer, done?: () => void): boolean => {
            observe({ kind: 'output', bytes: data.length });
            return channel.write(data, done);
          };
          reply(host, { channel, socket, send, schedule: shared.schedule, stopping: shared.stopping }, execInfo.command, Buffer.concat(chunks).toString(), behaviour);
        });
      });
    });

    // A bastion: forwards to loopback destinations only.
    conn.on('tcpip', (accept, reject, forward) => {
      if (!isLoopbackV4(forward.destIP)) {
        observe({ kind: 'forward-refused' });
        return reject();
      }
      if (!reserve()) return reject();
      const upstream = connect({ host: forward.destIP, port: forward.destPort });
      shared.track(upstream);
      upstreams.add(upstream);
      let accepted = false;
      upstream.once('close', () => {
        upstreams.delete(upstream);
        if (!accepted) {
          release();
          observe({ kind: 'forward-refused' });
          reject();
        }
      });
      upstream.on('error', () => {});
      upstream.once('connect', () => {
        if (shared.stopping() || socket.destroyed) return upstream.destroy();
        accepted = true;
        observe({ kind: 'forward-opened' });
        observe({ kind: 'channel-opened', openOnConnection: openChannels });
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
    if (shared.stopping()) return socket.destroy();
    shared.track(socket);
    socket.on('error', () => {});
    observe({ kind: 'accepted' });
    let handshaking = true;
    const endHandshake = (authenticated: boolean): void => {
      if (!handshaking) return;
      handshaking = false;
      observe({ kind: 'handshake-ended', authenticated });
    };
    const peer = `${socket.remoteAddress}|${socket.remotePort}`;
    byPeer.set(peer, { socket, onReady: () => endHandshake(true) });
    socket.once('close', () => {
      endHandshake(false);
      byPeer.delete(peer);
    });
    const start = (): void => {
      if (!socket.destroyed && !shared.stopping()) ssh.injectSocket(socket);
    };
    if (behaviour.accept) behaviour.accept(host, socket, start, shared.schedule);
    else start();
  });
  server.on('error', () => {});
  return server;
}

/**
 * Starts one SSH server per host on loopback, each replying to `/bin/sh -s` with its
 * recording re-framed under the boundary the client's script declares.
 */
export async function startRecordedServers<S extends RecordedHostSpec>(opts: RecordedServersOptions<S>): Promise<RecordedServers<S>> {
  const hostKeyText = opts.hostKey ?? generateEd25519KeyPair().private;
  const fleetKey = describeKey(parsePrivateKey(hostKeyText));
  const otherKeyText = opts.hosts.some((h) => h.presentsOtherKey) ? generateEd25519KeyPair().private : undefined;
  const otherKey = otherKeyText ? describeKey(parsePrivateKey(otherKeyText)) : undefined;

  let stopping = false;
  const listeners: NetServer[] = [];
  const shared: Shared<S> = {
    authorized: parseAuthorizedKeys(opts.authorizedKeys),
    behaviour: opts.behaviour ?? {},
    sockets: new Set(),
    timers: new Set(),
    stopping: () => stopping,
    schedule(fn, ms) {
      const timer = setTimeout(() => {
        shared.timers.delete(timer);
        fn();
      }, ms);
      shared.timers.add(timer);
    },
    track(socket) {
      shared.sockets.add(socket);
      socket.once('close', () => shared.sockets.delete(socket));
    },
  };

  const stop = async (): Promise<void> => {
    stopping = true;
    const closing = listeners.map(closeServer);
    for (const socket of shared.sockets) socket.destroy();
    for (const timer of shared.timers) clearTimeout(timer);
    shared.timers.clear();
    await Promise.all(closing);
    listeners.length = 0;
  };

  const placement = opts.placement;
  // A retired host gets an address of its own in 127.0.0.0/8 with nothing bound to it: a free
  // port on 127.0.0.1 would be free only until another server on this machine took it.
  const addresses = opts.hosts.map((spec, i) => placement?.addressOf(i) ?? (spec.notListening ? unusedLoopbackAddress() : '127.0.0.1'));

  const listenAll = async (sharedPort: number | undefined): Promise<number[]> => {
    // Settle every listen before judging, so that a failure is not followed by a late listen.
    const settled = await Promise.allSettled(
      opts.hosts.map(async (spec, i) => {
        const address = addresses[i] ?? '127.0.0.1';
        if (spec.notListening) return sharedPort ?? freePort(address);
        const server = serveHost(spec, spec.presentsOtherKey && otherKeyText ? otherKeyText : hostKeyText, shared);
        listeners.push(server);
        return listen(server, address, sharedPort ?? 0);
      }),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r.status === 'fulfilled' ? r.value : 0));
  };

  let ports: number[];
  if (!placement) {
    try {
      ports = await listenAll(undefined);
    } catch (err) {
      await stop();
      throw err;
    }
  } else {
    // Another process may take the port between the probe and the listens: try a few.
    for (let attempt = 0; ; attempt++) {
      const port = placement.port ?? (await freePort(addresses[0] ?? '127.0.0.1'));
      try {
        ports = await listenAll(port);
        break;
      } catch (err) {
        await stop();
        stopping = false;
        const code = (err as NodeJS.ErrnoException).code;
        if (placement.port !== undefined || code !== 'EADDRINUSE' || attempt >= 4) throw err;
      }
    }
  }

  const hosts: ServedHost<S>[] = opts.hosts.map((spec, i) => {
    const address = addresses[i] ?? '127.0.0.1';
    const port = ports[i] ?? 0;
    return {
      spec,
      name: spec.name,
      address,
      port,
      hostKey: fleetKey,
      servedHostKey: spec.presentsOtherKey && otherKey ? otherKey : fleetKey,
      knownHostsLine: knownHostsLine(address, port, fleetKey),
    };
  });

  return { hosts, knownHosts: hosts.map((h) => `${h.knownHostsLine}\n`).join(''), stop };
}
