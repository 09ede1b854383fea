// The parser property tests (test/support/parser-properties.ts) run many more times: every /proc
// and command parser, the probe frame, assembleSnapshot, the known_hosts and ssh config readers.
// Prints, per target, the inputs tried, the time taken and the first failure (shrunk) if any.
// Run built:
//   npx tsc -p tsconfig.json && node dist/bench/fuzz.js [--runs 200000] [--seconds S] [--seed N] [--only TEXT]
// --runs bounds the inputs per target, --seconds the time per target (whichever comes first);
// --seed replays a run; --only keeps the targets whose name contains TEXT.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { frameTargets, KNOWN_HOSTS_TARGETS, PROCFS_TARGETS, SSH_CONFIG_TARGETS, type FuzzTarget } from '../test/support/parser-properties.js';

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} takes a positive integer, not "${text}"`);
  return n;
}

export function main(argv: readonly string[]): number {
  const { values } = parseArgs({
    args: [...argv],
    options: { runs: { type: 'string', default: '200000' }, seconds: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' } },
  });
  const runs = positive('runs', values.runs);
  const seconds = values.seconds === undefined ? undefined : positive('seconds', values.seconds);
  const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
  const targets: FuzzTarget[] = [...PROCFS_TARGETS, ...frameTargets(), ...KNOWN_HOSTS_TARGETS, ...SSH_CONFIG_TARGETS].filter((t) => values.only === undefined || t.name.includes(values.only));

  console.log(`seed ${seed}, up to ${runs} inputs${seconds === undefined ? '' : ` or ${seconds} s`} per target, ${targets.length} targets`);
  let failed = 0;
  let total = 0;
  const start = performance.now();
  for (const target of targets) {
    const t0 = performance.now();
    const details = fc.check(target.property(), {
      numRuns: runs,
      seed,
      ...(seconds === undefined ? {} : { interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false }),
    });
    const ms = performance.now() - t0;
    // numRuns counts the inputs the property ran on (shrinking steps excluded).
    total += details.numRuns;
    const rate = details.numRuns / (ms / 1000);
    const verdict = details.failed ? 'FAILED' : 'ok';
    console.log(`${verdict.padEnd(6)} ${String(details.numRuns).padStart(8)} inputs ${(ms / 1000).toFixed(1).padStart(6)} s ${rate.toFixed(0).padStart(7)}/s  ${target.name}`);
    if (details.failed) {
      failed++;
      console.log(`       counterexample: ${fc.stringify(details.counterexample).slice(0, 400)}`);
      console.log(`       ${String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance).split('\n')[0]}`);
      console.log(`       replay: --seed ${seed} --only '${target.name}'  (path ${details.counterexamplePath})`);
    }
  }
  console.log(`${total} inputs in ${((performance.now() - start) / 1000).toFixed(1)} s, ${failed} of ${targets.length} targets failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
