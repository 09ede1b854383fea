// The fleet bench over a long link: the same OpenSSH servers on loopback (bench/fleet-setup.ts),
// each reached through a delay proxy (bench/delay-proxy.ts) that adds a fixed delay each way, so
// every round trip of the SSH handshake and session costs what it would to a host far away.
// sockaudit, bare ssh2 and parallel-ssh collect the same probe at several concurrencies, to show
// what `-c` buys when hosts are far and the clients wait rather than compute.
//
//   node dist/bench/wan.js [--hosts 200] [--concurrency 10,50,200] [--delay-ms 25] [--repeats 3]
//                          [--tools sockaudit,bare-ssh2,pssh,pssh-curve25519] [--json FILE]
//
// Needs what bench/fleet.ts needs (root, openssh-server, GNU time, test/support/setup.sh run
// once; parallel-ssh from the Debian package pssh).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packageVersion } from '../src/paths.js';
import { formatRoutes, type Route } from './delay-proxy.js';
import { benchAddresses, startBenchFleet, type BenchFleet } from './fleet-setup.js';
import { floorLine } from './floor-ratio.js';
import { formatCase, median, type BenchCase } from './table.js';
import { checkEachTool, emptyRow, errorText, printable, runTool, startToolBench, versionLine, type Check, type RunResult } from './tool-run.js';
import { TOOLS, type BenchTool } from './tools.js';

const DEFAULT_TOOLS = 'sockaudit,bare-ssh2,pssh,pssh-curve25519';
const DELAY_PROXY_BIN = fileURLToPath(new URL('./delay-proxy.js', import.meta.url));
/** Where the round-trip check's proxy listens: clear of the hosts' 127.67.x.y (x < 200). */
const ECHO_PROXY_ADDRESS = '127.67.255.254';
const ROUND_TRIPS = 10;

interface Plan {
  hosts: number;
  concurrencies: number[];
  delayMs: number;
  repeats: number;
  tools: BenchTool[];
  jsonPath?: string;
}

function positiveInteger(text: string, option: string): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < 1) throw new Error(`${option}: "${text}" is not a whole number of at least 1`);
  return value;
}

function parsePlan(argv: string[]): Plan {
  const { values } = parseArgs({
    args: argv,
    options: {
      hosts: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '10,50,200' },
      'delay-ms': { type: 'string', default: '25' },
      repeats: { type: 'string', default: '3' },
      tools: { type: 'string', default: DEFAULT_TOOLS },
      json: { type: 'string' },
    },
    strict: true,
  });
  const hosts = positiveInteger(values.hosts, '--hosts');
  // 127.66.0.1 ... 127.66.199.250 for the hosts; 127.66.200.x holds the check's one host.
  if (hosts > 200 * 250) throw new Error('--hosts: at most 50000');
  const concurrencies = values.concurrency.split(',').map((c) => positiveInteger(c, '--concurrency'));
  const delayMs = Number(values['delay-ms']);
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error('--delay-ms must be a number of at least 0');
  const wanted = values.tools.split(',').map((id) => id.trim());
  const unknown = wanted.filter((id) => !TOOLS.some((t) => t.id === id));
  if (unknown.length > 0) throw new Error(`--tools: unknown ${unknown.join(', ')} (known: ${TOOLS.map((t) => t.id).join(', ')})`);
  // sockaudit stays first: the ratios are peer / sockaudit.
  const tools = TOOLS.filter((t) => t.id === 'sockaudit' || wanted.includes(t.id));
  return {
    hosts,
    concurrencies,
    delayMs,
    repeats: positiveInteger(values.repeats, '--repeats'),
    tools,
    ...(values.json === undefined ? {} : { jsonPath: values.json }),
  };
}

/** 127.66.a.b -> 127.67.a.b: a host's proxy listens on its twin address, on the same port. */
function proxiedAddress(address: string): string {
  const match = /^127\.66\.(\d+\.\d+)$/.exec(address);
  if (!match) throw new Error(`${address} is not a bench address (127.66.x.y)`);
  return `127.67.${match[1]}`;
}

interface ProxyProcess {
  pid: number;
  /** The proxy process's CPU so far (user + system), from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const CLOCK_TICKS_PER_SECOND = 100;

function processCpuSeconds(pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime
  // are the 12th and 13th of them (fields 14 and 15 of proc(5)).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The proxies in a process of their own: their CPU is then measurable apart, and their timers do not wait behind this one's sampling. */
async function startProxyProcess(routes: Route[], delayMs: number, dir: string): Promise<ProxyProcess> {
  const routesPath = join(dir, 'routes');
  writeFileSync(routesPath, formatRoutes(routes));
  // stdin stays open: the proxy stops when it closes, so it cannot outlive this process.
  const child = spawn(process.execPath, [DELAY_PROXY_BIN, '--delay-ms', String(delayMs), '--routes', routesPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited(child);
    clearTimeout(timer);
  };
  const ready = await new Promise<boolean>((resolve) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      if (out.includes('ready\n')) resolve(true);
    });
    child.once('exit', () => resolve(false));
    child.once('error', () => resolve(false));
  });
  if (!ready || child.pid === undefined) {
    await stop();
    throw new Error(`the delay proxies did not start: ${printable(stderr.trim()) || 'no message'}`);
  }
  const pid = child.pid;
  const cpuSeconds = (): number => {
    // Every later run would fail on connection resets: say why once, here.
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the delay proxies exited: ${printable(stderr.trim()) || 'no message'}`);
    return processCpuSeconds(pid);
  };
  return { pid, cpuSeconds, stop };
}

interface DelayedFleet {
  /** The fleet as the tools see it: proxied addresses, with a known_hosts naming them. */
  fleet: BenchFleet;
  proxy: ProxyProcess;
  stop(): Promise<void>;
}

/**
 * Puts a proxy in front of every host of a started fleet, and a view of the fleet naming the
 * proxies: same port, user, key and host key, with known_hosts lines for the proxied addresses.
 * `extraRoutes` go into the same proxy process.
 */
async function delayFleet(real: BenchFleet, delayMs: number, extraRoutes: Route[] = []): Promise<DelayedFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'sockaudit-wan-'));
  const addresses = real.addresses.map(proxiedAddress);
  const routes: Route[] = [
    ...real.addresses.map((address, i) => ({ listen: { host: addresses[i]!, port: real.port }, target: { host: address, port: real.port } })),
    ...extraRoutes,
  ];
  let proxy: ProxyProcess;
  try {
    proxy = await startProxyProcess(routes, delayMs, dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // The bench's known_hosts is `[address]:port type base64` lines: the same key under the twin address.
  const knownHostsPath = join(dir, 'known_hosts');
  const realLines = readFileSync(real.knownHostsPath, 'utf8').split('\n').filter((line) => line.trim() !== '');
  writeFileSync(knownHostsPath, realLines.map((line) => `${line.replace(/^\[([^\]]+)\]/, (_, address: string) => `[${proxiedAddress(address)}]`)}\n`).join(''));
  const first = (n: number): string[] => {
    if (n > addresses.length) throw new RangeError(`the fleet has ${addresses.length} hosts, not ${n}`);
    return addresses.slice(0, n);
  };
  const written = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const fleet: BenchFleet = {
    ...real,
    addresses,
    knownHostsPath,
    hostListFile: (n) => written(`hosts-${n}.txt`, first(n).map((a) => `${real.user}@${a}:${real.port}\n`).join('')),
    ansibleInventoryFile: (n) =>
      written(`ansible-${n}.ini`, ['[bench]', ...first(n).map((a) => `${a} ansible_port=${real.port} ansible_user=${real.user}`), ''].join('\n')),
    stop: async () => {
      await proxy.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return { fleet, proxy, stop: fleet.stop };
}

/** A server that sends back whatever it gets: the far end of the round-trip check. */
function startEcho(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.pipe(socket);
    });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** Milliseconds for one byte to go to an echo server and back, `count` times on one connection. */
async function roundTrips(host: string, port: number, count: number): Promise<number[]> {
  const socket: Socket = connect({ host, port, noDelay: true });
  // One listener each for the whole exchange: the pending step is settled by whichever comes.
  let step: { resolve(): void; reject(err: Error): void } | undefined;
  const next = (): Promise<void> => new Promise((resolve, reject) => (step = { resolve, reject }));
  socket.on('connect', () => step?.resolve());
  socket.on('data', () => step?.resolve());
  socket.on('error', (err) => step?.reject(err));
  socket.on('close', () => step?.reject(new Error(`${host}:${port} closed the connection`)));
  try {
    await next();
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      const back = next();
      socket.write('x');
      await back;
      times.push(performance.now() - start);
    }
    return times;
  } finally {
    step = undefined;
    socket.destroy();
  }
}

interface RoundTrip {
  directMs: number;
  proxiedMs: number;
  proxiedMinMs: number;
  proxiedMaxMs: number;
}

async function checkRoundTrip(echoPort: number, proxyPort: number, delayMs: number): Promise<RoundTrip> {
  const direct = await roundTrips('127.0.0.1', echoPort, ROUND_TRIPS);
  const proxied = await roundTrips(ECHO_PROXY_ADDRESS, proxyPort, ROUND_TRIPS);
  const result = { directMs: median(direct), proxiedMs: median(proxied), proxiedMinMs: Math.min(...proxied), proxiedMaxMs: Math.max(...proxied) };
  const ms = (value: number): string => value.toFixed(1);
  console.log(
    `one TCP round trip through a delay proxy: median ${ms(result.proxiedMs)} ms of ${ROUND_TRIPS} (${ms(result.proxiedMinMs)}-${ms(result.proxiedMaxMs)}), ` +
      `direct ${ms(result.directMs)} ms; the proxy adds ${delayMs} ms each way, ${2 * delayMs} ms a round trip`,
  );
  if (result.proxiedMinMs < 2 * delayMs) throw new Error(`the delay proxy answered in ${ms(result.proxiedMinMs)} ms, under the ${2 * delayMs} ms it must add`);
  return result;
}

/** A tool's run, with the delay proxies' CPU meanwhile taken out of the other work on the machine. */
async function runOnce(tool: BenchTool, delayed: DelayedFleet, n: number, concurrency: number, signal: AbortSignal): Promise<RunResult & { proxyCpuSeconds: number }> {
  const before = delayed.proxy.cpuSeconds();
  const r = await runTool(tool, delayed.fleet, n, concurrency, signal);
  const proxyCpuSeconds = delayed.proxy.cpuSeconds() - before;
  if (r.measurement === undefined) return { ...r, proxyCpuSeconds };
  // The proxies are neither the tool nor the servers: without this they would count as other work.
  const otherCpuSeconds = Math.max(0, r.measurement.otherCpuSeconds - proxyCpuSeconds);
  return { ...r, measurement: { ...r.measurement, otherCpuSeconds }, proxyCpuSeconds };
}


/**
 * Each tool on one proxied host of a server logging at DEBUG1: the key exchange it negotiates,
 * and proof that its command line works through a proxy before it is timed on many hosts.
 */
async function checkTools(tools: BenchTool[], delayMs: number, signal: AbortSignal): Promise<Map<string, Check>> {
  const real = await startBenchFleet({ addresses: benchAddresses(1, 200), extraConfig: ['LogLevel DEBUG1'] });
  let delayed: DelayedFleet | undefined;
  try {
    const through = (delayed = await delayFleet(real, delayMs));
    return await checkEachTool(tools, () => real.log(), (tool) => runOnce(tool, through, 1, 1, signal));
  } finally {
    await delayed?.stop();
    await real.stop();
  }
}

async function main(): Promise<void> {
  const plan = parsePlan(process.argv.slice(2));
  const { signal, release } = startToolBench();

  console.log(`machine: ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`sockaudit ${packageVersion()} on node ${process.version}; ${versionLine('ssh', ['-V'])}; parallel-ssh ${versionLine('parallel-ssh', ['--version'])}`);
  const checked = await checkTools(plan.tools, plan.delayMs, signal);
  const kexSeen = plan.tools.flatMap((t) => {
    const check = checked.get(t.id);
    return check && 'kex' in check ? [`${t.id} ${check.kex}`] : [];
  });
  if (!kexSeen.some((line) => line.startsWith('sockaudit '))) throw new Error('sockaudit itself cannot run: nothing to compare with');
  console.log(`key exchange as the server saw it: ${kexSeen.join(', ')}`);

  const real = await startBenchFleet({ addresses: benchAddresses(plan.hosts) });
  let echo: Server | undefined;
  let delayed: DelayedFleet | undefined;
  const results: BenchCase[] = [];
  let roundTrip: RoundTrip | undefined;
  try {
    echo = await startEcho();
    const address = echo.address();
    const echoPort = typeof address === 'object' && address !== null ? address.port : 0;
    delayed = await delayFleet(real, plan.delayMs, [{ listen: { host: ECHO_PROXY_ADDRESS, port: real.port }, target: { host: '127.0.0.1', port: echoPort } }]);
    console.log(
      `fleet: ${plan.hosts} hosts on 127.66.x.y port ${real.port}, ${real.sshdPids.length} sshd, user ${real.user}; ` +
        `reached through delay proxies on 127.67.x.y (one process, pid ${delayed.proxy.pid})`,
    );
    if (real.serverCpuUnavailable !== undefined) console.log(`sshd CPU not measured: ${real.serverCpuUnavailable}`);
    roundTrip = await checkRoundTrip(echoPort, real.port, plan.delayMs);

    for (const concurrency of plan.concurrencies) {
      const tools = plan.tools.map((t) => emptyRow(t, checked.get(t.id)));
      const proxyCpu: number[] = [];
      // Repeats go round the tools, so a slow minute on the machine does not land on one tool.
      for (let rep = 1; rep <= plan.repeats; rep++) {
        for (const [i, tool] of plan.tools.entries()) {
          const row = tools[i];
          if (!row || row.skipped !== undefined) continue;
          const r = await runOnce(tool, delayed, plan.hosts, concurrency, signal);
          row.runs.push({ ...(r.measurement ? { measurement: r.measurement } : {}), collected: r.collected });
          const m = r.measurement;
          if (m) proxyCpu.push(r.proxyCpuSeconds);
          const figures = m
            ? `, ${m.wallSeconds.toFixed(2)} s wall, ${m.cpuSeconds.toFixed(2)} s CPU, sshd ${m.serverCpuSeconds?.toFixed(1) ?? '?'} s CPU, proxies ${r.proxyCpuSeconds.toFixed(1)} s CPU, other ${m.otherCpuSeconds.toFixed(1)} s CPU`
            : '';
          console.error(`N=${plan.hosts} c=${concurrency} run ${rep}/${plan.repeats} ${tool.id}: ${r.collected}/${plan.hosts} hosts${figures}${r.problem === undefined ? '' : ` -- ${r.problem}`}`);
        }
      }
      const done: BenchCase = { n: plan.hosts, concurrency, tools };
      results.push(done);
      const floor = floorLine(done);
      const proxies = proxyCpu.length > 0 ? `delay proxies: ${median(proxyCpu).toFixed(1)} s CPU a run (median), not in any column` : '';
      console.log(`\nRound trip +${2 * plan.delayMs} ms (${plan.delayMs} ms each way). ${formatCase(done, plan.repeats)}\n\n${[floor, proxies].filter(Boolean).join('\n')}\n`);
    }
  } finally {
    await delayed?.stop();
    echo?.close();
    await real.stop();
    release();
  }
  if (plan.jsonPath !== undefined) {
    const doc = { schemaVersion: 1, delayMs: plan.delayMs, roundTrip, repeats: plan.repeats, cases: results };
    writeFileSync(plan.jsonPath, `${JSON.stringify(doc, null, 2)}\n`);
  }
}

main().catch((err: unknown) => {
  console.error(`wan bench: ${errorText(err)}`);
  process.exitCode = 1;
});
