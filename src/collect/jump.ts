// ProxyJump through pooled bastion connections. One bastion connection carries many targets'
// tunnels (direct-tcpip channels), up to the bastion's MaxSessions each; more connections are
// opened only when those are full, and never more handshakes at once to one bastion than the
// start value of its MaxStartups, beyond which sshd starts dropping new connections.
import type { Duplex } from 'node:stream';
import type { JumpHost } from '../inventory/types.js';
import { SshFailure, endpointLabel, jumpEndpoint, openSession } from './ssh.js';
import type { ConnectOptions, Session, Tunnel, Tunneler } from './ssh.js';

export interface JumpPoolOptions {
  /** Channels at once on one bastion connection (sshd's MaxSessions). Default 10. */
  maxSessions?: number;
  /** Handshakes at once to one bastion (start of sshd's MaxStartups, 10:30:100). Default 10. */
  maxStartups?: number;
  /** A bastion connection with no channel open is closed after this. Default 2000 ms. */
  idleMs?: number;
}

/** One connection to a bastion. */
interface Link {
  /** Channels open on it, or promised to callers waiting for its handshake. */
  used: number;
  closed: boolean;
  ready: Promise<Session>;
  idle?: NodeJS.Timeout;
}

/** The connections to one bastion, reached through one chain of jumps. */
interface Hop {
  links: Link[];
  handshaking: number;
  /** Callers waiting for a free channel or handshake slot. */
  waiters: Set<() => void>;
}

export class JumpPool implements Tunneler {
  private readonly maxSessions: number;
  private readonly maxStartups: number;
  private readonly idleMs: number;
  private readonly hops = new Map<string, Hop>();
  private readonly control = new AbortController();

  constructor(opts: JumpPoolOptions = {}) {
    this.maxSessions = opts.maxSessions ?? 10;
    this.maxStartups = opts.maxStartups ?? 10;
    this.idleMs = opts.idleMs ?? 2000;
  }

  /** A stream to `dest` through `chain` (outermost first); release() it when done. */
  async open(chain: readonly JumpHost[], dest: { host: string; port: number }, opts: ConnectOptions, signal: AbortSignal): Promise<Tunnel> {
    const hop = this.hop(chain);
    const { link, session } = await this.acquire(hop, chain, opts, signal);
    let sock: Duplex;
    try {
      sock = await untilAborted(session.forward(dest.host, dest.port), signal, (late) => late.destroy());
    } catch (e) {
      this.release(hop, link);
      throw e;
    }
    let released = false;
    return {
      sock,
      release: () => {
        if (released) return;
        released = true;
        sock.destroy();
        this.release(hop, link);
      },
    };
  }

  /** Closes every bastion connection; tunnels still open fail, later open() calls are refused. */
  close(): void {
    this.control.abort(new SshFailure('cancelled', 'jump host connections closed'));
    for (const hop of this.hops.values()) {
      for (const link of hop.links) {
        clearTimeout(link.idle);
        link.ready.then((s) => s.close(), () => {});
      }
      notify(hop);
    }
    this.hops.clear();
  }

  private hop(chain: readonly JumpHost[]): Hop {
    const key = chain.map((j) => endpointLabel(j)).join(' > ');
    let hop = this.hops.get(key);
    if (!hop) this.hops.set(key, (hop = { links: [], handshaking: 0, waiters: new Set() }));
    return hop;
  }

  private async acquire(hop: Hop, chain: readonly JumpHost[], opts: ConnectOptions, signal: AbortSignal): Promise<{ link: Link; session: Session }> {
    for (;;) {
      if (this.control.signal.aborted) throw this.control.signal.reason;
      if (signal.aborted) throw signal.reason;
      let link = hop.links.find((l) => !l.closed && l.used < this.maxSessions);
      if (!link && hop.handshaking < this.maxStartups) link = this.dial(hop, chain, opts);
      if (link) {
        link.used++;
        clearTimeout(link.idle);
        try {
          return { link, session: await untilAborted(link.ready, signal) };
        } catch (e) {
          this.release(hop, link);
          throw e;
        }
      }
      await changed(hop, signal);
    }
  }

  /** Opens a new connection to the chain's last bastion, through a tunnel from the ones before it. */
  private dial(hop: Hop, chain: readonly JumpHost[], opts: ConnectOptions): Link {
    const bastion = chain[chain.length - 1] as JumpHost;
    const ep = jumpEndpoint(bastion);
    // The handshake is shared by every caller waiting on this link, so no single caller's deadline
    // may end it: it has its own bound (connect, then as long again for auth) and the pool's close().
    const handshake = new AbortController();
    const bound = opts.connectTimeoutMs * 2;
    const timer = setTimeout(
      () => handshake.abort(new SshFailure('timeout', `jump host ${endpointLabel(ep)} was not ready within ${bound / 1000} s`)),
      bound,
    );
    const onPoolClose = () => handshake.abort(this.control.signal.reason);
    this.control.signal.addEventListener('abort', onPoolClose, { once: true });
    // `ready` is set below, once the handshake that needs this link has started.
    const link = { used: 0, closed: false } as Link;
    const drop = () => {
      link.closed = true;
      clearTimeout(link.idle);
      hop.links = hop.links.filter((l) => l !== link);
      notify(hop);
    };
    hop.links.push(link);
    hop.handshaking++;
    link.ready = (async () => {
      let parent: Tunnel | undefined;
      try {
        if (chain.length > 1) parent = await this.open(chain.slice(0, -1), { host: bastion.host, port: bastion.port }, opts, handshake.signal);
        let session: Session;
        try {
          session = await openSession(ep, parent?.sock, opts, handshake.signal);
        } catch (e) {
          throw e instanceof SshFailure ? new SshFailure(e.stage, `via jump host: ${e.message}`, e.transient, { ...e.detail, jumpHost: endpointLabel(ep) }) : e;
        }
        session.onClose(() => {
          drop();
          parent?.release();
        });
        if (link.used === 0) this.idleClose(link, session);
        return session;
      } catch (e) {
        parent?.release();
        drop();
        throw e;
      } finally {
        clearTimeout(timer);
        this.control.signal.removeEventListener('abort', onPoolClose);
        hop.handshaking--;
        notify(hop);
      }
    })();
    // Waiters see the failure; this keeps it from being unhandled when they have all gone.
    link.ready.catch(() => {});
    return link;
  }

  private release(hop: Hop, link: Link): void {
    link.used--;
    if (link.used === 0 && !link.closed) link.ready.then((s) => this.idleClose(link, s), () => {});
    notify(hop);
  }

  private idleClose(link: Link, session: Session): void {
    clearTimeout(link.idle);
    link.idle = setTimeout(() => {
      if (link.used === 0) session.close();
    }, this.idleMs).unref();
  }
}

function notify(hop: Hop): void {
  const waiters = [...hop.waiters];
  hop.waiters.clear();
  for (const w of waiters) w();
}

/** Resolves on the hop's next change (a channel released, a handshake ended); rejects on abort. */
function changed(hop: Hop, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      hop.waiters.delete(wake);
      reject(signal.reason);
    };
    const wake = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    hop.waiters.add(wake);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The promise's value, unless the signal aborts first; a value that arrives late goes to `discard`. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, discard?: (late: T) => void): Promise<T> {
  if (signal.aborted) {
    promise.then((v) => discard?.(v), () => {});
    return Promise.reject(signal.reason);
  }
  return new Promise((resolve, reject) => {
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        if (aborted) discard?.(v);
        else resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
