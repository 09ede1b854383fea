// `npm run bench`: sockaudit against parallel-ssh, clush, ansible -m raw and a bare ssh2 script
// (the floor), collecting the same probe from the same OpenSSH servers on loopback, at the same
// concurrency.
//
//   npm run bench -- [--cases 50:32:all,200:32:curve25519] [--repeats 3] [--tools pssh,clush,...] [--json FILE]
//
// Needs: openssh-server, GNU time and the peers (apt-get install -y openssh-server time pssh
// clustershell ansible-core); a peer that is not installed is skipped with a line saying so.
// Run test/support/setup.sh once as root first, so sessions log in as a user with stock dotfiles.
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { packageVersion } from '../src/paths.js';
import { benchAddresses, startBenchFleet } from './fleet-setup.js';
import { floorLine } from './floor-ratio.js';
import { formatCase, type BenchCase } from './table.js';
import { checkEachTool, emptyRow, errorText, runTool, startToolBench, versionLine, type Check } from './tool-run.js';
import { CURVE25519, TOOLS, type BenchTool } from './tools.js';

// Every variant at 50 hosts; at 200 the peers with curve25519 only, which keeps a full run near
// ten minutes on two cores (their default-kex runs only add client CPU, as 50 hosts show).
const DEFAULT_CASES = '50:32:all,200:32:curve25519,200:64:curve25519';

interface PlannedCase {
  n: number;
  concurrency: number;
  /** `curve25519`: the OpenSSH-based peers only in their curve25519 variant. */
  kex: 'all' | 'curve25519';
}

interface Plan {
  cases: PlannedCase[];
  repeats: number;
  tools: BenchTool[];
  jsonPath?: string;
}

function parsePlan(argv: string[]): Plan {
  const { values } = parseArgs({
    args: argv,
    options: {
      cases: { type: 'string', default: DEFAULT_CASES },
      repeats: { type: 'string', default: '3' },
      tools: { type: 'string' },
      json: { type: 'string' },
    },
    strict: true,
  });
  const cases = values.cases.split(',').map((text): PlannedCase => {
    const match = /^(\d+):(\d+)(?::(all|curve25519))?$/.exec(text.trim());
    if (!match) throw new Error(`--cases: "${text}" is not N:CONCURRENCY[:all|curve25519]`);
    const n = Number(match[1]);
    const concurrency = Number(match[2]);
    if (n < 1 || concurrency < 1) throw new Error(`--cases: "${text}" needs N and CONCURRENCY of at least 1`);
    return { n, concurrency, kex: match[3] === 'curve25519' ? 'curve25519' : 'all' };
  });
  const repeats = Number(values.repeats);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats must be a whole number of at least 1');
  let tools = TOOLS;
  if (values.tools !== undefined) {
    const wanted = values.tools.split(',').map((id) => id.trim());
    const unknown = wanted.filter((id) => !TOOLS.some((t) => t.id === id));
    if (unknown.length > 0) throw new Error(`--tools: unknown ${unknown.join(', ')} (known: ${TOOLS.map((t) => t.id).join(', ')})`);
    // sockaudit stays first: the ratios are peer / sockaudit.
    tools = TOOLS.filter((t) => t.id === 'sockaudit' || wanted.includes(t.id));
  }
  return { cases, repeats, tools, ...(values.json === undefined ? {} : { jsonPath: values.json }) };
}

/**
 * Which key exchange each tool negotiates, as a server logging at DEBUG1 saw it; also proves each
 * tool's command line works on one host before timing it on many.
 */
async function checkTools(tools: BenchTool[], signal: AbortSignal): Promise<Map<string, Check>> {
  const fleet = await startBenchFleet({ addresses: benchAddresses(1, 200), extraConfig: ['LogLevel DEBUG1'] });
  try {
    return await checkEachTool(tools, () => fleet.log(), (tool) => runTool(tool, fleet, 1, 1, signal));
  } finally {
    await fleet.stop();
  }
}

/** First line a program prints about its version (`ssh -V` prints it on stderr). */
function environmentLines(): string[] {
  return [
    `machine: ${availableParallelism()} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `sockaudit ${packageVersion()} on node ${process.version}; ${versionLine('ssh', ['-V'])}`,
    `parallel-ssh ${versionLine('parallel-ssh', ['--version'])}; ${versionLine('clush', ['--version'])}; ${versionLine('ansible', ['--version'])}`,
  ];
}

async function main(): Promise<void> {
  const plan = parsePlan(process.argv.slice(2));
  const { signal, release } = startToolBench();

  for (const line of environmentLines()) console.log(line);
  const checked = await checkTools(plan.tools, signal);
  const kexSeen = plan.tools.flatMap((t) => {
    const check = checked.get(t.id);
    return check && 'kex' in check ? [`${t.id} ${check.kex}`] : [];
  });
  if (!kexSeen.some((line) => line.startsWith('sockaudit '))) throw new Error('sockaudit itself cannot run: nothing to compare with');
  console.log(`key exchange as the server saw it: ${kexSeen.join(', ')}`);

  const largest = Math.max(...plan.cases.map((c) => c.n));
  const fleet = await startBenchFleet({ addresses: benchAddresses(largest) });
  console.log(`fleet: ${largest} hosts on 127.66.x.y port ${fleet.port}, ${fleet.sshdPids.length} sshd, user ${fleet.user}`);
  if (fleet.serverCpuUnavailable !== undefined) console.log(`sshd CPU not measured: ${fleet.serverCpuUnavailable}`);
  const results: BenchCase[] = [];
  try {
    for (const { n, concurrency, kex } of plan.cases) {
      const caseTools = plan.tools.filter((t) => kex === 'all' || t.client === 'ssh2' || t.kexSetting === CURVE25519);
      const tools = caseTools.map((t) => emptyRow(t, checked.get(t.id)));
      // Repeats go round the tools, so a slow minute on the machine does not land on one tool.
      for (let rep = 1; rep <= plan.repeats; rep++) {
        for (const [i, tool] of caseTools.entries()) {
          const row = tools[i];
          if (!row || row.skipped !== undefined) continue;
          const r = await runTool(tool, fleet, n, concurrency, signal);
          row.runs.push({ ...(r.measurement ? { measurement: r.measurement } : {}), collected: r.collected });
          const m = r.measurement;
          const figures = m
            ? `, ${m.wallSeconds.toFixed(2)} s wall, ${m.cpuSeconds.toFixed(2)} s CPU, sshd ${m.serverCpuSeconds?.toFixed(1) ?? '?'} s CPU, other ${m.otherCpuSeconds.toFixed(1)} s CPU`
            : '';
          console.error(`N=${n} c=${concurrency} run ${rep}/${plan.repeats} ${tool.id}: ${r.collected}/${n} hosts${figures}${r.problem === undefined ? '' : ` -- ${r.problem}`}`);
        }
      }
      const done: BenchCase = { n, concurrency, tools };
      results.push(done);
      const floor = floorLine(done);
      console.log(`\n${formatCase(done, plan.repeats)}\n${floor === undefined ? '' : `\n${floor}\n`}`);
    }
  } finally {
    await fleet.stop();
    release();
  }
  if (plan.jsonPath !== undefined) writeFileSync(plan.jsonPath, `${JSON.stringify({ schemaVersion: 1, repeats: plan.repeats, cases: results }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  console.error(`bench: ${errorText(err)}`);
  process.exitCode = 1;
});
