// A TCP proxy that makes loopback look like a long link: every chunk is held for a fixed delay in
// each direction before it is passed on (a round trip gains twice the delay), in order, with
// half-close passed on after the same delay. This kernel has no netem, so the delay is added in
// user space.
//
// What it does not model: the TCP handshake (the kernel completes it before the proxy accepts, so
// a connection is one round trip cheaper than on a real link of that length), bandwidth, loss and
// jitter. Resets and errors are passed on at once, not delayed.
//
// As a program, for the WAN bench (so the proxies' CPU is its own process's and their timers do
// not wait behind the bench's sampling):
//
//   node dist/bench/delay-proxy.js --delay-ms 25 --routes FILE
//
// FILE: `listenAddress:port targetAddress:port` lines. It prints `ready` once every route
// listens, and stops on SIGTERM, SIGINT or when its stdin closes (the bench that started it died).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface Endpoint {
  host: string;
  port: number;
}

export interface Route {
  listen: Endpoint;
  target: Endpoint;
}

export interface DelayProxies {
  /** Connections accepted so far, over every route. */
  accepted(): number;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

interface Pipe {
  /** True once the source's end was seen (it is then passed on after the delay). */
  ended(): boolean;
  cancel(): void;
}

/**
 * Forwards `from` to `to`, each chunk and the end delayed by delayMs. One FIFO queue and at most
 * one timer per direction: every item waits the same delay, so arrival order is due order.
 */
function delayedPipe(from: Socket, to: Socket, delayMs: number): Pipe {
  // `chunk` undefined: the source's end, to pass on as a half-close.
  const queue: Array<{ due: number; chunk?: Buffer }> = [];
  let timer: NodeJS.Timeout | undefined;
  let sawEnd = false;
  let waitingDrain = false;

  const arm = (): void => {
    const head = queue[0];
    if (timer === undefined && head !== undefined) timer = setTimeout(flush, Math.max(0, head.due - performance.now()));
  };
  const flush = (): void => {
    timer = undefined;
    const now = performance.now();
    // Never early: a timer that fires a fraction of a millisecond short (timers count whole
    // milliseconds) re-arms for the rest, so a chunk waits at least the delay (about 1 ms more
    // on an idle machine, more when the event loop is kept busy).
    while (queue[0] !== undefined && queue[0].due <= now) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) return;
      if (chunk === undefined) {
        to.end();
        continue;
      }
      // Slow reader: stop reading until it drains; what is already queued still goes on time.
      if (!to.write(chunk) && !waitingDrain) {
        waitingDrain = true;
        from.pause();
        to.once('drain', () => {
          waitingDrain = false;
          from.resume();
        });
      }
    }
    arm();
  };

  from.on('data', (chunk: Buffer) => {
    queue.push({ due: performance.now() + delayMs, chunk });
    arm();
  });
  from.on('end', () => {
    sawEnd = true;
    queue.push({ due: performance.now() + delayMs });
    arm();
  });
  return {
    ended: () => sawEnd,
    cancel: () => {
      clearTimeout(timer);
      timer = undefined;
      queue.length = 0;
    },
  };
}

/** Joins an accepted connection to a new one to the target. */
function relay(client: Socket, target: Endpoint, delayMs: number, live: Set<Socket>): void {
  const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
  client.setNoDelay(true);
  live.add(client);
  live.add(upstream);
  const up = delayedPipe(client, upstream, delayMs);
  const down = delayedPipe(upstream, client, delayMs);
  let aborted = false;
  // An error on one side resets the other at once (no point delaying a broken connection).
  const abort = (): void => {
    if (aborted) return;
    aborted = true;
    up.cancel();
    down.cancel();
    for (const socket of [client, upstream]) if (!socket.destroyed) socket.resetAndDestroy();
  };
  client.on('error', abort);
  upstream.on('error', abort);
  // A side that closed without sending its end (destroyed under us) takes the other with it; one
  // that ended normally already had its end queued, and the other side closes after it.
  client.on('close', () => {
    live.delete(client);
    if (!up.ended()) abort();
  });
  upstream.on('close', () => {
    live.delete(upstream);
    if (!down.ended()) abort();
  });
}

function listen(server: Server, at: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** One listener per route; resolves once all listen, or rejects (with every listener closed). */
export async function startDelayProxies(routes: Route[], delayMs: number): Promise<DelayProxies> {
  if (!(delayMs >= 0)) throw new RangeError(`delay must be at least 0 ms, not ${delayMs}`);
  const live = new Set<Socket>();
  let accepted = 0;
  const servers = routes.map(({ target }) =>
    // allowHalfOpen: a client's end must not close our side before the server has answered.
    createServer({ allowHalfOpen: true }, (client) => {
      accepted++;
      relay(client, target, delayMs, live);
    }),
  );
  const close = async (): Promise<void> => {
    for (const socket of live) socket.destroy();
    live.clear();
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))));
  };
  try {
    await Promise.all(servers.map((server, i) => listen(server, routes[i]!.listen)));
  } catch (err) {
    await close();
    throw err;
  }
  return { accepted: () => accepted, close };
}

function parseEndpoint(text: string): Endpoint {
  const match = /^([\d.]+):(\d+)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not address:port`);
  return { host: match[1]!, port: Number(match[2]) };
}

/** `listenAddress:port targetAddress:port` lines. */
export function parseRoutes(text: string): Route[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [listenAt, target, ...rest] = line.trim().split(/\s+/);
      if (listenAt === undefined || target === undefined || rest.length > 0) throw new Error(`route "${line}" is not "listen:port target:port"`);
      return { listen: parseEndpoint(listenAt), target: parseEndpoint(target) };
    });
}

export function formatRoutes(routes: Route[]): string {
  return routes.map((r) => `${r.listen.host}:${r.listen.port} ${r.target.host}:${r.target.port}\n`).join('');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'delay-ms': { type: 'string', default: '25' }, routes: { type: 'string' } }, strict: true });
  if (values.routes === undefined) throw new Error('usage: delay-proxy --delay-ms D --routes FILE');
  const delayMs = Number(values['delay-ms']);
  const proxies = await startDelayProxies(parseRoutes(readFileSync(values.routes, 'utf8')), delayMs);
  let stopping = false;
  // Once the listeners, the connections and stdin are closed, nothing keeps the process alive.
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void proxies.close().then(() => process.stdin.destroy());
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.stdout.write('ready\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(`delay-proxy: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
