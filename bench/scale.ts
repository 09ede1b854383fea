// Scale: 1,000 / 3,000 / 10,000 recorded hosts served over SSH in-process (ssh2 servers on
// loopback, 127.x addresses, one port), audited by the built CLI in its own process under GNU
// time. Prints wall time, the client's CPU per host, its peak RSS, the size of each report and
// how many hosts each report holds, each against the target as a ratio (above 1: over target).
//
//   npx tsc -p tsconfig.json && node dist/bench/scale.js                 # 1000:100,3000:100,10000:500
//   node dist/bench/scale.js --cases 1000:100 --keep /tmp/scale          # keep the reports
//   node dist/bench/scale.js --attention 70                              # the recordings as they come
//   node dist/bench/scale.js --cases 3000:200 --workers 0                # every session on the main thread
//   node dist/bench/scale.js --cases 10000:500 --floor                   # and bench/bare-ssh2.ts on the same hosts
//   node dist/bench/scale.js --cases 10000:500 --answer-delay 1000       # hosts that take a second to answer
//
// --attention PCT (default 5): the share of hosts served from a recording the evaluator does not
// find ok (7 of the 10 recordings); the rest are served from the 3 healthy ones, as in a fleet
// where most hosts are fine. Only the hosts that need attention get a full card in report.html.
//
// --floor: after sockaudit, the floor (bench/bare-ssh2.ts: ssh2 and the probe, nothing else) is
// run on the same hosts at the same concurrency, and sockaudit's wall and CPU are given as
// multiples of its own.
//
// --answer-delay MS: each host waits MS after the TCP connection before it says anything (the
// fleet's slow-banner fault), as hosts across a network or under load answer later than loopback:
// the client then waits on the fleet as it would on a real one, instead of only sharing the cores.
//
// The servers run in this process and share the two cores with the client, as they would not in
// production: wall time is an upper bound, client CPU and RSS are the client's alone. Each wall
// time is also split where the run says it started and finished collecting (report.json's
// run.startedAt and run.finishedAt): the start (inventory, keys), the collection, and the reports.
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { probeScript } from '../src/commands/probe-script.js';
import { packageRoot } from '../src/paths.js';
import { splitTopLevelArray } from '../src/run/json-split.js';
import { generateEd25519KeyPair, startRecordedFleet } from '../test/support/faults.js';
import { recordedHost, recording } from '../test/support/runs.js';

const TARGET = { wallSeconds: 60, rssMiB: 1024, cpuMsPerHost: 3, htmlMiB: 10, mdMiB: 1 };

interface Case {
  hosts: number;
  concurrency: number;
}

// --cpu-prof DIR: profile the client (node --cpu-prof), e.g. to find where its time per host goes.
// --node-arg ARG (repeatable): any other node option for the client, e.g. --trace-gc; what the
// client prints on stdout is kept in client.stdout beside the reports (see --keep).
const nodeArgs: string[] = [];
// --workers N: the client's SSH worker threads (its --workers); absent: the client's default.
let workerArgs: string[] = [];
let floor = false;
let answerDelayMs = 0;

function parseArgs(argv: string[]): { cases: Case[]; keep?: string; attention: number } {
  let cases = '1000:100,3000:100,10000:500';
  let attention = 5;
  let keep: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cases') cases = argv[++i] ?? cases;
    else if (argv[i] === '--keep') keep = argv[++i];
    else if (argv[i] === '--attention') attention = Number(argv[++i]);
    else if (argv[i] === '--cpu-prof') nodeArgs.push('--cpu-prof', '--cpu-prof-dir', argv[++i] ?? '.');
    else if (argv[i] === '--node-arg') nodeArgs.push(argv[++i] ?? '');
    else if (argv[i] === '--workers') workerArgs = ['--workers', argv[++i] ?? '0'];
    else if (argv[i] === '--floor') floor = true;
    else if (argv[i] === '--answer-delay') answerDelayMs = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]} (--cases N:C,... --attention PCT --keep DIR --cpu-prof DIR --node-arg ARG --workers N --floor --answer-delay MS)`);
  }
  return {
    cases: cases.split(',').map((c) => {
      const [n, conc] = c.split(':').map(Number);
      if (!Number.isInteger(n) || !Number.isInteger(conc)) throw new Error(`--cases: ${c} is not N:C`);
      return { hosts: n as number, concurrency: conc as number };
    }),
    ...(keep === undefined ? {} : { keep }),
    attention,
  };
}

interface Timed {
  /** When the process was started and when it ended (epoch ms). */
  spawnedAt: number;
  endedAt: number;
  wallSeconds: number;
  cpuSeconds: number;
  maxRssKiB: number;
  exitCode: number;
  stderr: string;
}

function timed(argv: string[], cwd: string): Promise<Timed> {
  const timeFile = join(cwd, 'time.txt');
  return new Promise((resolve, reject) => {
    let stderr = '';
    const stdout = openSync(join(cwd, 'client.stdout'), 'w');
    const spawnedAt = Date.now();
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, '--', ...argv], { cwd, stdio: ['ignore', stdout, 'pipe'] });
    closeSync(stdout);
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const [wall, user, sys, rss] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
      resolve({ spawnedAt, endedAt: Date.now(), wallSeconds: wall!, cpuSeconds: user! + sys!, maxRssKiB: rss!, exitCode: code ?? -1, stderr });
    });
  });
}

interface Recordings {
  /** Framed probe output of the recorded hosts the evaluator finds ok. */
  healthy: string[];
  /** ... and of those it does not (critical, warning, unknown, notice). */
  attention: string[];
}

function recordings(): Recordings {
  const dir = join(packageRoot(), 'inventory', 'recorded');
  const out: Recordings = { healthy: [], attention: [] };
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.probe')).sort()) {
    const name = file.slice(0, -'.probe'.length);
    const verdict = recordedHost(name, recording(name)).verdict?.verdict;
    out[verdict === 'ok' ? 'healthy' : 'attention'].push(readFileSync(join(dir, file), 'utf8'));
  }
  return out;
}

/** Host i's recording: every k-th host (k from the share) one that needs attention, the rest healthy. */
function recordingFor(i: number, recorded: Recordings, attentionPct: number): string {
  const every = attentionPct <= 0 ? Infinity : 100 / attentionPct;
  const pick = (list: string[], k: number): string => list[k % list.length]!;
  return Math.floor((i + 1) / every) > Math.floor(i / every) ? pick(recorded.attention, Math.floor(i / every)) : pick(recorded.healthy, i);
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const ratio = (value: number, target: number): string => (value / target).toFixed(2);

async function runCase(c: Case, recorded: Recordings, attentionPct: number, keep: string | undefined): Promise<void> {
  const dir = keep === undefined ? mkdtempSync(join(tmpdir(), 'sockaudit-scale-')) : join(keep, String(c.hosts));
  mkdirSync(dir, { recursive: true });
  const key = generateEd25519KeyPair();
  const keyFile = join(dir, 'id_ed25519');
  writeFileSync(keyFile, key.private, { mode: 0o600 });
  const fleet = await startRecordedFleet({
    authorizedKeys: `${key.public}\n`,
    addressing: 'addresses',
    hosts: Array.from({ length: c.hosts }, (_, i) => ({
      name: `host-${String(i).padStart(5, '0')}`,
      recording: recordingFor(i, recorded, attentionPct),
      ...(answerDelayMs > 0 ? { fault: 'slow-banner' as const } : {}),
    })),
    ...(answerDelayMs > 0 ? { slowBannerMs: answerDelayMs } : {}),
  });
  try {
    writeFileSync(join(dir, 'known_hosts'), fleet.knownHosts);
    writeFileSync(
      join(dir, 'fleet.yml'),
      stringify({ defaults: { user: 'audit', identityFile: keyFile }, hosts: fleet.hosts.map((h) => ({ name: h.name, address: h.address, port: h.port })) }),
    );
    const out = join(dir, 'out');
    const t = await timed(
      [
        process.execPath, ...nodeArgs, join(packageRoot(), 'dist', 'src', 'bin.js'), 'audit', '-i', join(dir, 'fleet.yml'), '--no-ssh-config',
        '--known-hosts', join(dir, 'known_hosts'), '-c', String(c.concurrency), '--connect-timeout', '60', '--host-timeout', '300',
        '-q', ...workerArgs, '--fail-on', 'never', '-o', out, '--format', 'json,md,html,junit,prom',
      ],
      dir,
    );
    if (t.exitCode !== 0) console.log(`  exit ${t.exitCode}: ${t.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const size = (f: string): number => {
      try {
        return statSync(join(out, f)).size;
      } catch {
        return NaN;
      }
    };
    // Line by line: report.json may be larger than one string can hold.
    const count = async (f: string, re: RegExp): Promise<number> => {
      try {
        let n = 0;
        for await (const line of createInterface({ input: createReadStream(join(out, f)), crlfDelay: Infinity })) n += line.match(re)?.length ?? 0;
        return n;
      } catch {
        return NaN;
      }
    };
    // Hosts named on the page: a host that needs attention has its row in the ranking and its card, both with its rank.
    const distinctRanks = async (f: string): Promise<number> => {
      try {
        const ranks = new Set<string>();
        for await (const line of createInterface({ input: createReadStream(join(out, f)), crlfDelay: Infinity })) for (const m of line.matchAll(/data-rank="(\d+)"/g)) ranks.add(m[1]!);
        return ranks.size;
      } catch {
        return NaN;
      }
    };
    // The elements of `hosts`, whatever the layout: the reader's own splitter, without parsing them.
    const audited = await splitTopLevelArray(join(out, 'report.json'), 'hosts', () => undefined).then(
      (r) => r.elements,
      () => NaN,
    );
    const cpuMsPerHost = (t.cpuSeconds * 1000) / c.hosts;
    console.log(`${c.hosts} hosts (${attentionPct} % needing attention), -c ${c.concurrency}${workerArgs.length > 0 ? ` --workers ${workerArgs[1]}` : ''}: exit ${t.exitCode}`);
    console.log(`  wall ${t.wallSeconds.toFixed(1)} s (x${ratio(t.wallSeconds, TARGET.wallSeconds)} of ${TARGET.wallSeconds} s)${phases(join(out, 'report.json'), t)}`);
    console.log(`  client CPU ${t.cpuSeconds.toFixed(1)} s = ${cpuMsPerHost.toFixed(2)} ms/host (x${ratio(cpuMsPerHost, TARGET.cpuMsPerHost)} of ${TARGET.cpuMsPerHost} ms)`);
    console.log(`  peak RSS ${(t.maxRssKiB / 1024).toFixed(0)} MiB = ${(t.maxRssKiB / c.hosts).toFixed(1)} KiB/host (x${ratio(t.maxRssKiB / 1024, TARGET.rssMiB)} of ${TARGET.rssMiB} MiB)`);
    console.log(
      `  report.json ${mib(size('report.json'))} MiB, ${audited} hosts; report.html ${mib(size('report.html'))} MiB (x${ratio(size('report.html') / 2 ** 20, TARGET.htmlMiB)} of ${TARGET.htmlMiB} MiB), ${await distinctRanks('report.html')} hosts;`,
    );
    console.log(
      `  report.md ${mib(size('report.md'))} MiB (x${ratio(size('report.md') / 2 ** 20, TARGET.mdMiB)} of ${TARGET.mdMiB} MiB); report.junit.xml ${mib(size('report.junit.xml'))} MiB, ${await count('report.junit.xml', /<testcase /g)} hosts; report.prom ${mib(size('report.prom'))} MiB, ${await count('report.prom', /^sockaudit_host_up\{/g)} hosts; compare.html ${mib(size('compare.html'))} MiB`,
    );
    if (floor) {
      writeFileSync(join(dir, 'hosts.txt'), fleet.hosts.map((h) => `audit@${h.address}:${h.port}\n`).join(''));
      writeFileSync(join(dir, 'probe.sh'), probeScript({ samples: 1, intervalSeconds: 0 }));
      const f = await timed(
        [
          process.execPath, join(packageRoot(), 'dist', 'bench', 'bare-ssh2.js'), '--hosts', join(dir, 'hosts.txt'), '--key', keyFile,
          '--known-hosts', join(dir, 'known_hosts'), '-c', String(c.concurrency), '--script', join(dir, 'probe.sh'), '--out', join(dir, 'bare-out'),
        ],
        dir,
      );
      const floorCpuMs = (f.cpuSeconds * 1000) / c.hosts;
      console.log(`  floor, bench/bare-ssh2.ts on the same hosts: exit ${f.exitCode}, wall ${f.wallSeconds.toFixed(1)} s, client CPU ${floorCpuMs.toFixed(2)} ms/host, peak RSS ${(f.maxRssKiB / 1024).toFixed(0)} MiB`);
      console.log(`  sockaudit / floor: wall ${ratio(t.wallSeconds, f.wallSeconds)}x, CPU ${ratio(cpuMsPerHost, floorCpuMs)}x`);
      if (f.exitCode !== 0) console.log(`  floor: ${f.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
  } finally {
    await fleet.stop();
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** ": start 2.1 s, collection 40.3 s, reports 9.9 s", from the run's own start and finish in report.json's head. */
function phases(reportJson: string, t: Timed): string {
  try {
    const fd = openSync(reportJson, 'r');
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const text = head.toString('utf8', 0, n);
    const started = Date.parse(/"startedAt": "([^"]+)"/.exec(text)?.[1] ?? '');
    const finished = Date.parse(/"finishedAt": "([^"]+)"/.exec(text)?.[1] ?? '');
    if (!Number.isFinite(started) || !Number.isFinite(finished)) return '';
    const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
    return `: start ${s(started - t.spawnedAt)}, collection ${s(finished - started)}, reports ${s(t.endedAt - finished)}`;
  } catch {
    return '';
  }
}

const { cases, keep, attention } = parseArgs(process.argv.slice(2));
const recorded = recordings();
for (const c of cases) await runCase(c, recorded, attention, keep);
