// The SSH transport, and the one module that imports the ssh2 client. It runs one command on
// one host (directly or through jump hosts) under a hard deadline, and turns every way that can
// fail into an SshFailure with a stage. ssh2 facts it works around:
// readyTimeout stops at auth, there is no exec timeout, keepalive is off by default, a channel's
// `close` only comes once stdout is consumed, connect() throws synchronously, and an `error` may
// still be emitted after destroy().
import { createConnection } from 'node:net';
import { userInfo } from 'node:os';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { Client as SshClient, ClientChannel, ConnectConfig } from 'ssh2';
import type { JumpHost, Target } from '../inventory/types.js';
import type { FailureStage } from './types.js';
import { buildAuthHandler, type AgentKeyRef, type Identity } from './auth.js';
import { hostKeyLookup, type HostVerifier } from './known-hosts.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';
import { TransportFailure } from './transport.js';

const { Client } = ssh2;

/**
 * The transport's failure, raised inside ssh.ts and jump.ts; `transient` (refused, reset or
 * dropped before the banner, timed out before the banner) is what the retry policy reads.
 */
export class SshFailure extends TransportFailure {
  override name = 'SshFailure';
}

/**
 * This machine ran out of file descriptors (EMFILE, ENFILE) before the host was reached: not
 * the host's failure, and worth waiting for as other connections close.
 */
export class LocalResourceFailure extends SshFailure {
  constructor(code: string, label: string) {
    super('connect', `no file descriptor free on this machine to reach ${label} (${code})`, true);
    this.name = 'LocalResourceFailure';
  }
}

export interface SshAuth {
  identities: readonly Identity[];
  /** ssh-agent socket path. */
  agent?: string;
  identitiesOnly?: boolean;
  /** IdentityFile keys only ssh-agent holds (a `.pub` here): offered through the agent even with identitiesOnly. */
  agentKeys?: readonly AgentKeyRef[];
}

/** How to reach and trust one SSH server: shared by targets and the bastions in front of them. */
export interface ConnectOptions {
  /** Host-key checking for the server known in known_hosts as `lookup` (see hostKeyLookup). */
  verifier: (lookup: string) => HostVerifier;
  /** Host-key algorithms to propose, known types first (preferredHostKeyAlgorithms); ssh2's order when absent. */
  hostKeyAlgorithms?: (lookup: string) => string[] | undefined;
  auth: SshAuth;
  /** TCP connect, banner and key exchange must be done within this. */
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
}

export interface SshOptions extends ConnectOptions {
  /** Hard limit for the whole host: every attempt, connect, auth and the command. */
  deadlineMs: number;
  /** Cap on the command's whole output, stdout and stderr together. */
  maxOutputBytes: number;
  signal?: AbortSignal;
  jumps?: Tunneler;
  retry?: RetryPolicy;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The remote exit status; null when the server sent none, or the command died of a signal. */
  code: number | null;
  /** Output reached maxOutputBytes: reading stopped there and the command was ended. */
  truncated: boolean;
}

export interface ExecRequest {
  command: string;
  /** Written to the command's stdin, which is then closed. */
  stdin?: string;
}

/** One SSH server to connect to. */
export interface Endpoint {
  host: string;
  port: number;
  user: string;
  /** The one name it is looked up and recorded under in known_hosts (hostKeyLookup). */
  hostKeyName: string;
}

/** A stream to a destination through jump hosts (see jump.ts), to be released once done. */
export interface Tunnel {
  sock: Duplex;
  release(): void;
}

export interface Tunneler {
  open(chain: readonly JumpHost[], dest: { host: string; port: number }, opts: ConnectOptions, signal: AbortSignal): Promise<Tunnel>;
}

/** An authenticated connection that can open tunnels; used for bastions. */
export interface Session {
  forward(host: string, port: number): Promise<Duplex>;
  /** Called once when the connection fails or closes, whoever closed it. */
  onClose(listener: (failure: SshFailure) => void): void;
  close(): void;
}

export function endpointLabel(ep: { host: string; port: number; user?: string }): string {
  return `${ep.user ? `${ep.user}@` : ''}${ep.host}:${ep.port}`;
}

export function targetEndpoint(t: Target): Endpoint {
  return { host: t.address, port: t.port, user: t.user ?? localUser(), hostKeyName: hostKeyLookup(t.address, t.port, t.hostKeyAlias) };
}

export function jumpEndpoint(j: JumpHost): Endpoint {
  return { host: j.host, port: j.port, user: j.user ?? localUser(), hostKeyName: hostKeyLookup(j.host, j.port) };
}

// OpenSSH's default user is the local one, for targets and jump hosts alike.
function localUser(): string {
  return userInfo().username;
}

/** Runs one command on a target and collects its output; throws SshFailure. */
export async function runOverSsh(target: Target, request: ExecRequest, opts: SshOptions): Promise<ExecResult> {
  const startedAt = Date.now();
  const control = new AbortController();
  const deadline = setTimeout(
    () => control.abort(new SshFailure('timeout', `no result within the host deadline of ${seconds(opts.deadlineMs)}`)),
    opts.deadlineMs,
  );
  // A caller's TimeoutError (a run deadline, AbortSignal.timeout) is a timeout; anything else a cancellation.
  const onCancel = () => {
    const reason: unknown = opts.signal?.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    control.abort(timedOut ? new SshFailure('timeout', `stopped before the host finished: ${reason.message}`) : new SshFailure('cancelled', 'cancelled before the host finished'));
  };
  if (opts.signal?.aborted) onCancel();
  else opts.signal?.addEventListener('abort', onCancel, { once: true });
  const ep = targetEndpoint(target);
  try {
    // Out of descriptors here: wait for some to free up, as long as the host deadline allows,
    // and start the host afresh, connect budget and attempts included.
    for (let waits = 0; ; waits++) {
      try {
        return await connectAndRun(target, ep, request, opts, control.signal, startedAt);
      } catch (e) {
        if (!(e instanceof LocalResourceFailure) || control.signal.aborted) throw e;
        const delay = 20 + Math.floor(Math.random() * Math.min(500, 20 * 2 ** Math.min(waits, 5)));
        if (Date.now() + delay >= startedAt + opts.deadlineMs) throw e;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  } catch (e) {
    throw e instanceof SshFailure ? e : new SshFailure('connect', `unexpected transport error: ${(e as Error).message}`);
  } finally {
    clearTimeout(deadline);
    opts.signal?.removeEventListener('abort', onCancel);
  }
}

/**
 * Attempts with retries, all inside one connect budget: a host that never answers costs
 * `connectTimeoutMs`, not that times the number of attempts.
 */
function connectAndRun(target: Target, ep: Endpoint, request: ExecRequest, opts: SshOptions, signal: AbortSignal, hostStartedAt: number): Promise<ExecResult> {
  const connectBy = Date.now() + opts.connectTimeoutMs;
  return withRetry(
    (n) => {
      const left = Math.max(1, connectBy - Date.now());
      return attempt(target, ep, request, n === 1 ? opts : { ...opts, connectTimeoutMs: left }, signal);
    },
    {
      policy: opts.retry ?? DEFAULT_RETRY,
      isTransient: (e) => e instanceof SshFailure && e.transient && !(e instanceof LocalResourceFailure),
      signal,
      deadlineAt: Math.min(hostStartedAt + opts.deadlineMs, connectBy),
    },
  );
}

async function attempt(target: Target, ep: Endpoint, request: ExecRequest, opts: SshOptions, signal: AbortSignal): Promise<ExecResult> {
  let tunnel: Tunnel | undefined;
  if (target.proxyJump.length > 0) {
    if (!opts.jumps) throw new SshFailure('connect', 'the target needs jump hosts but no jump pool was given');
    tunnel = await opts.jumps.open(target.proxyJump, { host: ep.host, port: ep.port }, opts, signal);
  }
  try {
    const conn = await connect(ep, tunnel?.sock, opts, signal, false);
    try {
      return await conn.exec(request, opts.maxOutputBytes);
    } finally {
      conn.close();
    }
  } finally {
    tunnel?.release();
  }
}

/**
 * Connects, verifies and authenticates a bastion. Only the handshake is bound by `signal`; the
 * session then lives until close() or until the connection fails.
 */
export async function openSession(ep: Endpoint, sock: Duplex | undefined, opts: ConnectOptions, signal: AbortSignal): Promise<Session> {
  const conn = await connect(ep, sock, opts, signal, true);
  return { forward: (host, port) => conn.forward(host, port), onClose: (l) => conn.onClose(l), close: () => conn.close() };
}

type Phase = 'tcp' | 'banner' | 'key exchange' | 'authentication' | 'command';

interface Connection {
  exec(request: ExecRequest, maxBytes: number): Promise<ExecResult>;
  forward(host: string, port: number): Promise<Duplex>;
  onClose(listener: (failure: SshFailure) => void): void;
  close(): void;
}

type Ssh2Error = Error & { level?: string; code?: string | number };

/** One ssh2 client, from TCP connect (or a tunnel) to authenticated; rejects with SshFailure. */
function connect(ep: Endpoint, sock: Duplex | undefined, opts: ConnectOptions, signal: AbortSignal, persistent: boolean): Promise<Connection> {
  const label = endpointLabel(ep);
  const client = new Client();
  // ssh2 may emit errors after destroy(); an unheard `error` would crash the process.
  client.on('error', () => {});
  const socket = sock ?? createConnection({ host: ep.host, port: ep.port });
  const check = opts.verifier(ep.hostKeyName);
  let phase: Phase = sock ? 'banner' : 'tcp';
  let failure: SshFailure | undefined;
  let pending: { resolve: (c: Connection) => void; reject: (f: SshFailure) => void } | undefined;
  const lost = new Set<(f: SshFailure) => void>();
  const closeListeners: ((f: SshFailure) => void)[] = [];
  const auth = buildAuthHandler({ username: ep.user, ...opts.auth });
  let serverMethods: string[] | undefined;
  let running: ClientChannel | undefined;

  const connectTimer = setTimeout(() => {
    const within = seconds(opts.connectTimeoutMs);
    const message =
      phase === 'tcp'
        ? `TCP connect to ${label} did not complete within ${within}`
        : phase === 'banner'
          ? `${label} sent no SSH banner within ${within}`
          : `SSH key exchange with ${label} did not complete within ${within}`;
    fail(new SshFailure('timeout', message, phase === 'tcp' || phase === 'banner'));
  }, opts.connectTimeoutMs);

  const onAbort = () => {
    const reason = signal.reason instanceof SshFailure ? signal.reason : new SshFailure('cancelled', 'cancelled');
    fail(new SshFailure(reason.stage, `${reason.message} (during ${phase} with ${label})`));
  };

  function fail(f: SshFailure): void {
    if (failure) return;
    failure = f;
    clearTimeout(connectTimer);
    signal.removeEventListener('abort', onAbort);
    // A command still running is killed first (sshd signals its process group) so that a hung
    // command does not outlive the run; end() flushes that request before the socket closes.
    if (running) kill(client, running);
    client.end();
    const hardStop = setTimeout(() => destroy(), 200).unref();
    client.once('close', () => {
      clearTimeout(hardStop);
      destroy();
    });
    pending?.reject(f);
    pending = undefined;
    for (const l of [...lost, ...closeListeners]) l(f);
    lost.clear();
    closeListeners.length = 0;
  }

  function destroy(): void {
    client.destroy();
    socket.destroy();
    client.removeAllListeners();
    client.on('error', () => {});
  }

  function triedText(): string {
    const offered = auth.tried.length > 0 ? `; tried ${auth.tried.join(', ')}` : '; nothing to offer (no usable key, no agent)';
    return `${offered}${serverMethods ? `; the server accepts ${serverMethods.join(', ')}` : ''}`;
  }

  function classify(err: Ssh2Error): SshFailure {
    const decision = check.decision();
    if (decision && !decision.accepted) return new SshFailure('host-key', decision.message, false, decision.detail);
    const code = typeof err.code === 'string' ? err.code : undefined;
    const early = phase === 'tcp' || phase === 'banner';
    switch (err.level) {
      case 'client-dns':
        return new SshFailure('resolve', `cannot resolve ${ep.host}: ${err.message}`);
      case 'client-authentication':
        return new SshFailure('auth', `authentication as ${ep.user} refused by ${label}${triedText()}`);
      case 'client-timeout':
        return new SshFailure('timeout', err.message === 'Keepalive timeout' ? `${label} stopped answering keepalives during ${phase}` : `${err.message} (${label})`);
      case 'handshake':
        return new SshFailure('connect', `SSH handshake with ${label} failed: ${err.message}`);
      case 'protocol':
        if (err.message === 'Connection lost before handshake')
          return new SshFailure('connect', `${label} dropped the connection before the SSH handshake (MaxStartups?)`, true);
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA')
      return new SshFailure('resolve', `cannot resolve ${ep.host} (${code})`, code === 'EAI_AGAIN');
    if (code === 'EMFILE' || code === 'ENFILE') return new LocalResourceFailure(code, label);
    if (code === 'ECONNREFUSED') return new SshFailure('connect', `${label} refused the connection`, true);
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      if (phase === 'command') return new SshFailure('command', `connection to ${label} was reset while the command ran`);
      return new SshFailure('connect', `connection to ${label} was reset during ${phase}`, early);
    }
    if (code === 'ETIMEDOUT') return new SshFailure('connect', `TCP connect to ${label} timed out`, true);
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new SshFailure('connect', `${label} is unreachable (${code})`);
    // A DISCONNECT from the server, or anything else: the stage follows where we were.
    const message = `${label}: ${err.message} (during ${phase})`;
    if (phase === 'authentication') return new SshFailure('auth', `${message}${triedText()}`);
    if (phase === 'command') return new SshFailure('command', message);
    return new SshFailure('connect', message);
  }

  client.on('error', (err: Ssh2Error) => {
    // A key the agent failed to sign with: ssh2 goes on with the next one.
    if (err.level === 'agent') return;
    fail(classify(err));
  });
  client.on('close', () => {
    // The close that follows a failure or close() says nothing new: no failure is made for it.
    if (failure) return;
    if (phase === 'command') fail(new SshFailure('command', `connection to ${label} closed before the command finished`));
    else if (phase === 'authentication') fail(new SshFailure('auth', `${label} closed the connection during authentication${triedText()}`));
    else fail(new SshFailure('connect', `${label} closed the connection during ${phase}`, phase === 'tcp' || phase === 'banner'));
  });
  client.on('handshake', () => {
    clearTimeout(connectTimer);
    phase = 'authentication';
  });
  client.on('ready', () => {
    phase = 'command';
    if (persistent) signal.removeEventListener('abort', onAbort);
    pending?.resolve(connection);
    pending = undefined;
  });

  /** Runs an operation on the ready client; the connection's failure wins if it comes first. */
  function guard<T>(op: () => Promise<T>): Promise<T> {
    if (failure) return Promise.reject(failure);
    return new Promise<T>((resolve, reject) => {
      lost.add(reject);
      op().then(resolve, reject).finally(() => lost.delete(reject));
    });
  }

  const connection: Connection = {
    exec: (request, maxBytes) => guard(() => execute(request, maxBytes)),
    forward: (host, port) =>
      guard(
        () =>
          new Promise<Duplex>((resolve, reject) => {
            client.forwardOut('127.0.0.1', 0, host, port, (err, channel) => {
              if (!err) return resolve(channel);
              const refused = /refused|connect failed/i.test(err.message);
              reject(new SshFailure('connect', `jump host ${label} could not reach ${host}:${port}: ${err.message}`, refused));
            });
          }),
      ),
    onClose: (l) => {
      if (failure) l(failure);
      else closeListeners.push(l);
    },
    close: () => fail(new SshFailure('cancelled', `connection to ${label} closed`)),
  };

  // Consumes both streams (ssh2 emits a channel's `close` only once stdout has ended), caps
  // them, and takes the exit code from `close`.
  function execute(request: ExecRequest, maxBytes: number): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      client.exec(request.command, (err, channel) => {
        if (err) return reject(new SshFailure('command', `${label} refused to run the command: ${err.message}`));
        running = channel;
        // A write that races the channel's close errors here; the connection's own events report real failures.
        channel.on('error', () => {});
        // One budget for the session: both streams draw on it.
        const budget = { left: maxBytes };
        const out = capped(budget);
        const errOut = capped(budget);
        let done = false;
        const finish = (code: number | null) => {
          if (done) return;
          done = true;
          running = undefined;
          resolve({ stdout: out.text(), stderr: errOut.text(), code, truncated: out.truncated || errOut.truncated });
        };
        const onCap = () => {
          // Stop the command and hand back what was read: the caller judges a cut output.
          kill(client, channel);
          channel.close();
          finish(null);
        };
        channel.on('data', (chunk: Buffer) => {
          if (!out.push(chunk)) onCap();
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          if (!errOut.push(chunk)) onCap();
        });
        channel.on('close', (code: unknown) => finish(typeof code === 'number' ? code : null));
        // eof() rather than end(): an ended channel can no longer carry the kill signal.
        if (request.stdin === undefined) channel.eof();
        else channel.write(request.stdin, () => channel.eof());
      });
    });
  }

  const serverHostKey = opts.hostKeyAlgorithms?.(ep.hostKeyName);
  const config: ConnectConfig = {
    sock: socket,
    username: ep.user,
    hostVerifier: check.verify,
    authHandler: (methodsLeft, partialSuccess, next) => {
      // After a refusal the server lists what it still accepts: worth saying in an auth failure.
      if (methodsLeft) serverMethods = methodsLeft;
      auth.handler(methodsLeft, partialSuccess, next);
    },
    // Our own timers bound the connect and the whole run; readyTimeout would only race them.
    readyTimeout: 0,
    keepaliveInterval: opts.keepaliveIntervalMs,
    keepaliveCountMax: 3,
    ...(serverHostKey ? { algorithms: { serverHostKey: serverHostKey as ServerHostKeyAlgorithms } } : {}),
  };

  return new Promise<Connection>((resolve, reject) => {
    pending = { resolve, reject };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      client.connect(config);
    } catch (e) {
      // ssh2 throws synchronously for unusable credentials (e.g. an unparsable key).
      return fail(new SshFailure('auth', `cannot use the credentials for ${label}: ${(e as Error).message}`));
    }
    // Watched only once ssh2 has paused the socket, so this listener cannot start the flow early.
    socket.once('connect', () => {
      if (phase === 'tcp') phase = 'banner';
    });
    // The first bytes from the server are its banner.
    socket.once('data', () => {
      if (phase === 'banner') phase = 'key exchange';
    });
  });
}

type ServerHostKeyAlgorithms = NonNullable<NonNullable<ConnectConfig['algorithms']>['serverHostKey']>;

/**
 * Sends SIGKILL to the remote command; OpenSSH (7.9+) delivers it to the session's process group.
 * ssh2's channel.signal() refuses once our side has sent EOF, which the protocol allows
 * (RFC 4254 5.3), and stdin is always closed here: so the request goes to ssh2's protocol
 * layer directly. The sshd test for hung commands guards this.
 */
function kill(client: SshClient, channel: ClientChannel): void {
  const outgoing = channel.outgoing as { id?: number; state?: string } | undefined;
  const protocol = (client as unknown as { _protocol?: { signal(id: number, name: string): void } })._protocol;
  if (!protocol || typeof outgoing?.id !== 'number' || (outgoing.state !== 'open' && outgoing.state !== 'eof')) return;
  try {
    protocol.signal(outgoing.id, 'KILL');
  } catch {
    // The connection is already gone: nothing left to kill.
  }
}

/** Collects a stream's bytes while a shared budget lasts; push() returns false once it is spent. */
function capped(budget: { left: number }): { push(chunk: Buffer): boolean; text(): string; truncated: boolean } {
  const chunks: Buffer[] = [];
  let size = 0;
  const state = {
    truncated: false,
    push(chunk: Buffer): boolean {
      if (state.truncated) return false;
      const room = budget.left;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        budget.left = 0;
        state.truncated = true;
        return false;
      }
      chunks.push(chunk);
      size += chunk.length;
      budget.left -= chunk.length;
      return true;
    },
    text: () => Buffer.concat(chunks, size).toString('utf8'),
  };
  return state;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}
