// argv -> typed options for every command: defaults, every flag, repeatable flags, and errors.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AUDIT, defaultSshWorkers } from '../../src/cli/args/audit.js';
import { COMPARE } from '../../src/cli/args/compare.js';
import { DEMO } from '../../src/cli/args/demo.js';
import { DIFF } from '../../src/cli/args/diff.js';
import { MERGE } from '../../src/cli/args/merge.js';
import { PROBE_SCRIPT } from '../../src/cli/args/probe-script.js';
import { PROMETHEUS_RULES } from '../../src/cli/args/prometheus-rules.js';
import { REPORT } from '../../src/cli/args/report.js';
import type { CommandArgs } from '../../src/cli/args/shared.js';
import { editDistance, suggestFlag } from '../../src/cli/args/suggest.js';
import { WHATIF } from '../../src/cli/args/whatif.js';
import { UsageError } from '../../src/errors.js';

interface Case {
  argv: string[];
  /** The options parsed: compared exactly (toEqual), so a default that changes is seen. */
  expected?: unknown;
  /** Or the usage error's message. */
  error?: RegExp;
}

const AUDIT_DEFAULTS = {
  local: false,
  inventories: [],
  hosts: [],
  identityFiles: [],
  knownHosts: [],
  concurrency: 32,
  // One SSH worker per core beyond the first, at most 4: this machine's.
  sshWorkers: Math.max(0, Math.min(4, availableParallelism() - 1)),
  hostTimeoutSeconds: 30,
  samples: 1,
  intervalSeconds: 5,
  holders: 'auto',
  holdersPeers: 'full',
  outDir: 'sockaudit-report',
  formats: ['html', 'md', 'json'],
  failOn: 'critical',
  allowUnaudited: false,
  quiet: false,
};

const OUTPUT_DEFAULTS = { outDir: 'sockaudit-report', formats: ['html', 'md', 'json'], failOnWorse: false, allowUnaudited: false };

const TABLE: [CommandArgs<unknown>, Case[]][] = [
  [
    AUDIT as CommandArgs<unknown>,
    [
      { argv: ['--local'], expected: { ...AUDIT_DEFAULTS, local: true } },
      {
        argv: [
          '-i', 'a.ini', '--inventory', 'b.yml', '-H', 'web1, root@web2:2222', '--hosts', 'db1', '-l', 'web:!web03', '-u', 'ops',
          '--identity', 'k1', '--identity', 'k2', '-F', 'cfg', '--known-hosts', 'kh1', '--known-hosts', 'kh2',
          '--host-key-policy', 'accept-new', '--accept-new-file', 'new_hosts', '-c', '64', '--workers', '3', '--deadline', '120',
          '--connect-timeout', '2.5', '--host-timeout', '45', '--samples', '3', '--interval', '0', '--config', 'rules.yml',
          '-q', '-o', 'out', '--format', 'json,junit,markdown', '--fail-on', 'warning', '--allow-unaudited',
          '--baseline', 'last.json', '--fail-on-worse', '--shard', '2/4', '--run-id', 'r1',
        ],
        expected: {
          local: false,
          inventories: ['a.ini', 'b.yml'],
          hosts: ['web1', 'root@web2:2222', 'db1'],
          limit: 'web:!web03',
          sshConfig: 'cfg',
          user: 'ops',
          identityFiles: ['k1', 'k2'],
          knownHosts: ['kh1', 'kh2'],
          hostKeyPolicy: 'accept-new',
          knownHostsOut: 'new_hosts',
          concurrency: 64,
          sshWorkers: 3,
          deadlineSeconds: 120,
          connectTimeoutSeconds: 2.5,
          hostTimeoutSeconds: 45,
          samples: 3,
          intervalSeconds: 0,
          holders: 'auto',
          holdersPeers: 'full',
          configFile: 'rules.yml',
          outDir: 'out',
          formats: ['json', 'junit', 'md'],
          failOn: 'warning',
          allowUnaudited: true,
          quiet: true,
          baseline: 'last.json',
          shard: { index: 2, count: 4, from: 'flag' },
          runId: { value: 'r1', from: '--run-id' },
          failOnWorse: true,
        },
      },
      { argv: ['-H', 'a', '--no-ssh-config'], expected: { ...AUDIT_DEFAULTS, hosts: ['a'], sshConfig: null } },
      { argv: ['--local', '--format', 'json', '-o', '-'], expected: { ...AUDIT_DEFAULTS, local: true, formats: ['json'], outDir: '-' } },
      { argv: ['--local', '-o', '-'], error: /-o - writes one report to stdout: give exactly one --format/ },
      { argv: ['--local', '--forks', '10'], error: /unknown option --forks: did you mean -c\/--concurrency\? \(ansible's --forks\)/ },
      { argv: ['--local', '-f', '10'], error: /did you mean -c\/--concurrency\?/ },
      { argv: ['--local', '--timeout', '10'], error: /unknown option --timeout: did you mean --host-timeout\?/ },
      { argv: ['--local', '-t', '10'], error: /unknown option -t: did you mean --host-timeout\?/ },
      { argv: ['--inventory-file', 'hosts'], error: /did you mean -i\/--inventory\?/ },
      { argv: ['-p', '8', '--local'], error: /unknown option -p: did you mean -c\/--concurrency\? \(pssh's -p\)/ },
      { argv: ['--par', '8', '--local'], error: /did you mean -c\/--concurrency\?/ },
      { argv: ['-w', 'web[01-03]'], error: /unknown option -w: did you mean -H\/--hosts\?/ },
      { argv: ['--local', '--formt', 'json'], error: /unknown option --formt: did you mean --format\?/ },
      { argv: ['--local', '--holders', 'always', '--holders-peers', 'prefix'], expected: { ...AUDIT_DEFAULTS, local: true, holders: 'always', holdersPeers: 'prefix' } },
      { argv: ['--local', '--holders', 'never', '--holders-peers', 'none'], expected: { ...AUDIT_DEFAULTS, local: true, holders: 'never', holdersPeers: 'none' } },
      { argv: ['--local', '--holders', 'sometimes'], error: /--holders must be auto, always or never \(got "sometimes"\)/ },
      { argv: ['--local', '--holders-peers', 'half'], error: /--holders-peers must be full, prefix or none \(got "half"\)/ },
      { argv: ['--local', '--concurency', '3'], error: /did you mean -c\/--concurrency\?/ },
      { argv: ['--local', '--conn', '3'], error: /did you mean --connect-timeout\?/ },
      { argv: ['--local', '--zzzzzzzz'], error: /^unknown option --zzzzzzzz$/ },
      { argv: ['--local', 'stray'], error: /unexpected argument "stray"/ },
      { argv: ['--local', '-c', '0'], error: /--concurrency must be a whole number from 1 to 4096 \(got "0"\)/ },
      { argv: ['--local', '-c', '2.5'], error: /--concurrency must be a whole number/ },
      { argv: ['--local', '--workers=-1'], error: /--workers must be a whole number from 0 to 64 \(got "-1"\)/ },
      { argv: ['--local', '--workers', '65'], error: /--workers must be a whole number from 0 to 64/ },
      { argv: ['--local', '--samples', ''], error: /--samples must be a whole number/ },
      { argv: ['--local', '--host-timeout', 'soon'], error: /--host-timeout must be a number of seconds >= 0.1/ },
      { argv: ['--local', '--host-key-policy', 'yolo'], error: /--host-key-policy must be strict, accept-new or off/ },
      { argv: ['--local', '--fail-on', 'ok'], error: /--fail-on must be one of notice, warning, critical, never/ },
      { argv: ['--local', '--format', 'pdf'], error: /--format: unknown format "pdf"/ },
      { argv: ['--local', '--shard', '5/4'], error: /shard/ },
      { argv: ['-F', 'x', '--no-ssh-config'], error: /--ssh-config and --no-ssh-config exclude each other/ },
      { argv: ['--local', '-o'], error: /argument missing/ },
      { argv: ['-h'], expected: 'help' },
      { argv: ['--local', '--help'], expected: 'help' },
      // Saved probe outputs: repeatable, globs and - kept as given.
      { argv: ['--probe-output', 'a.out', '--probe-output', 'runs/*.out', '--probe-output', '-'], expected: { ...AUDIT_DEFAULTS, probeOutputs: ['a.out', 'runs/*.out', '-'] } },
      { argv: ['--probe-output', '-', '--probe-output', '-'], error: /standard input can be read once/ },
      { argv: ['--probe-output', '-', '--format', 'json', '-o', '-'], expected: { ...AUDIT_DEFAULTS, probeOutputs: ['-'], formats: ['json'], outDir: '-' } },
      { argv: ['--probe-output', 'a.out', '--local'], error: /--probe-output judges saved outputs alone/ },
      { argv: ['--probe-output', 'a.out', '-i', 'hosts'], error: /--probe-output judges saved outputs alone/ },
      { argv: ['--probe-output', 'a.out', '--samples', '3'], error: /--samples has no effect on saved probe outputs/ },
      { argv: ['--probe-output', 'a.out', '--host-key-policy', 'off'], error: /--host-key-policy has no effect on saved probe outputs/ },
      // A command per host.
      { argv: ['-i', 'hosts', '--exec', 'ssh %h sh -s'], expected: { ...AUDIT_DEFAULTS, inventories: ['hosts'], exec: 'ssh %h sh -s' } },
      { argv: ['-H', 'a,b', '--exec=kubectl debug node/%h -q -i --image=busybox -- chroot /host sh -s'], expected: { ...AUDIT_DEFAULTS, hosts: ['a', 'b'], exec: 'kubectl debug node/%h -q -i --image=busybox -- chroot /host sh -s' } },
      { argv: ['--exec', 'ssh %h sh -s'], error: /--exec needs hosts: give -i INVENTORY or -H HOSTS/ },
      { argv: ['-H', 'a', '--exec', 'ssh %h sh -s', '--local'], error: /--exec reaches inventory hosts through a command/ },
      { argv: ['-H', 'a', '--exec', 'ssh %h sh -s', '--known-hosts', 'kh'], error: /--known-hosts is for sockaudit's own ssh client: with --exec the command decides it/ },
      { argv: ['-H', 'a', '--exec', 'ssh %h sh -s', '--identity', 'k'], error: /--identity is for sockaudit's own ssh client/ },
      // Inventory faces.
      { argv: ['-i', '-', '--list-hosts'], expected: { ...AUDIT_DEFAULTS, inventories: ['-'], listHosts: true } },
      { argv: ['-i', 'a', '-H', 'b', '-l', 'web', '--list-hosts', '--shard', '1/2'], expected: { ...AUDIT_DEFAULTS, inventories: ['a'], hosts: ['b'], limit: 'web', listHosts: true, shard: { index: 1, count: 2, from: 'flag' }, runId: null } },
      { argv: ['--local', '--list-hosts'], error: /--list-hosts lists inventory hosts/ },
      { argv: ['-i', '-', '-i', '-'], error: /standard input can be read once/ },
      { argv: ['--local', '--format', 'prom', '-o', '-'], expected: { ...AUDIT_DEFAULTS, local: true, formats: ['prom'], outDir: '-' } },
    ],
  ],
  [
    PROBE_SCRIPT as CommandArgs<unknown>,
    [
      { argv: [], expected: { samples: 1, intervalSeconds: 5 } },
      { argv: ['--samples', '6', '--interval', '10'], expected: { samples: 6, intervalSeconds: 10 } },
      { argv: ['--samples', '0'], error: /--samples must be a whole number from 1 to 100/ },
      { argv: ['--interval', '1.5'], error: /--interval must be a whole number from 0 to 3600/ },
      { argv: ['--sample', '2'], error: /did you mean --samples\?/ },
      { argv: ['extra'], error: /unexpected argument "extra"/ },
      { argv: ['-h'], expected: 'help' },
    ],
  ],
  [
    PROMETHEUS_RULES as CommandArgs<unknown>,
    [
      { argv: [], expected: {} },
      { argv: ['--config', 'c.yml'], expected: { configFile: 'c.yml' } },
      { argv: ['--conifg', 'c.yml'], error: /did you mean --config\?/ },
      { argv: ['--help'], expected: 'help' },
    ],
  ],
  [
    DEMO as CommandArgs<unknown>,
    [
      { argv: [], expected: { outDir: 'sockaudit-report', local: true, quiet: false } },
      { argv: ['-o', 'd', '--no-local', '-q'], expected: { outDir: 'd', local: false, quiet: true } },
      { argv: ['-o', '-'], error: /demo writes html, md and json to a folder/ },
      { argv: ['--local'], error: /unknown option --local: did you mean --no-local\?/ },
      { argv: ['--help'], expected: 'help' },
    ],
  ],
  [
    REPORT as CommandArgs<unknown>,
    [
      { argv: ['--from', 'r.json'], expected: { from: 'r.json', ...OUTPUT_DEFAULTS } },
      {
        argv: ['--from', 'r.json', '-o', 'o', '--format', 'junit', '--baseline', 'b.json', '--config', 'c.yml', '--fail-on', 'never', '--fail-on-worse', '--allow-unaudited'],
        expected: { from: 'r.json', outDir: 'o', formats: ['junit'], baseline: 'b.json', configFile: 'c.yml', failOn: 'never', failOnWorse: true, allowUnaudited: true },
      },
      { argv: ['--from', 'r.json', '--format', 'md', '-o', '-'], expected: { from: 'r.json', ...OUTPUT_DEFAULTS, formats: ['md'], outDir: '-' } },
      { argv: [], error: /report needs --from FILE/ },
      { argv: ['--from', 'r.json', '--fail-on-worse'], error: /--fail-on-worse needs --baseline/ },
      { argv: ['--from', 'r.json', '--fail-on', 'bad'], error: /--fail-on must be one of/ },
      { argv: ['--from', 'r.json', '--baseline-file', 'x'], error: /did you mean --baseline\?/ },
      { argv: ['--from', 'r.json', '-o', '-', '--format', 'json,md'], error: /exactly one --format/ },
    ],
  ],
  [
    MERGE as CommandArgs<unknown>,
    [
      { argv: ['a.json', 'b.json'], expected: { files: ['a.json', 'b.json'], ...OUTPUT_DEFAULTS } },
      { argv: ['a.json', '--fail-on', 'warning', 'b.json', '-o', 'm'], expected: { files: ['a.json', 'b.json'], ...OUTPUT_DEFAULTS, outDir: 'm', failOn: 'warning' } },
      { argv: [], error: /merge needs the report.json of each shard/ },
      { argv: ['a.json', '--from', 'x'], error: /unknown option --from/ },
    ],
  ],
  [
    DIFF as CommandArgs<unknown>,
    [
      { argv: ['old.json', 'new.json'], expected: { oldFile: 'old.json', newFile: 'new.json', json: false, formats: ['html', 'md', 'json'], failOnWorse: false } },
      {
        argv: ['old.json', 'new.json', '--json', '-o', 'd', '--format', 'md', '--config', 'c.yml', '--fail-on-worse'],
        expected: { oldFile: 'old.json', newFile: 'new.json', json: true, outDir: 'd', formats: ['md'], configFile: 'c.yml', failOnWorse: true },
      },
      { argv: ['old.json'], error: /diff needs exactly two saved runs/ },
      { argv: ['a', 'b', 'c'], error: /diff needs exactly two saved runs/ },
      { argv: ['a', 'b', '--format', 'md'], error: /--format goes with --out/ },
      { argv: ['a', 'b', '-o', '-'], error: /diff prints its comparison on stdout/ },
      { argv: ['a', 'b', '--jsno'], error: /did you mean --json\?/ },
    ],
  ],
  [
    WHATIF as CommandArgs<unknown>,
    [
      {
        argv: ['--from', 'runs/w1/report.json', '--set', 'a=1', '--set', 'b=2'],
        expected: { from: 'runs/w1/report.json', set: ['a=1', 'b=2'], setFor: [], outDir: 'runs/w1', formats: ['html', 'md', 'json'], quiet: false },
      },
      {
        argv: ['--from', 'r.json', '--sysctl-file', 'p.conf', '--set-for', 'web', 'a=1', '--set-for', 'db', 'b=2', '--config', 'c.yml', '-o', 'o', '--format', 'md', '-q'],
        expected: { from: 'r.json', sysctlFile: 'p.conf', set: [], setFor: [{ group: 'web', item: 'a=1' }, { group: 'db', item: 'b=2' }], configFile: 'c.yml', outDir: 'o', formats: ['md'], quiet: true },
      },
      { argv: ['--set', 'a=1'], error: /whatif: --from report.json is required/ },
      { argv: ['--from', 'r.json'], error: /--sysctl-file FILE, --set KEY=VALUE or --set-for/ },
      { argv: ['--from', 'r.json', '--sysctl-file', 'p', '--set', 'a=1'], error: /--sysctl-file and --set exclude each other/ },
      { argv: ['--from', 'r.json', '--set-for', 'web'], error: /--set-for takes a group and a key=value/ },
      { argv: ['--from', 'r.json', '--set-for=web', 'a=1'], expected: { from: 'r.json', set: [], setFor: [{ group: 'web', item: 'a=1' }], outDir: '.', formats: ['html', 'md', 'json'], quiet: false } },
      { argv: ['--from', 'r.json', '--set-for=', 'a=1'], error: /--set-for takes a group and a key=value/ },
      { argv: ['--from', 'r.json', '--set', 'a=1', '--format', 'junit'], error: /junit is not written here/ },
      { argv: ['--from', 'r.json', '--set-fro', 'web', 'a=1'], error: /did you mean --set-for\?/ },
    ],
  ],
  [
    COMPARE as CommandArgs<unknown>,
    [
      { argv: ['--from', 'x/report.json'], expected: { from: 'x/report.json', outDir: 'x', formats: ['html', 'md', 'json'], quiet: false } },
      { argv: ['--from', 'r.json', '--by', 'kernel', '--config', 'c', '-o', 'o', '--format', 'json', '-q'], expected: { from: 'r.json', by: 'kernel', configFile: 'c', outDir: 'o', formats: ['json'], quiet: true } },
      { argv: ['--from', 'r.json', '--by', 'rack'], error: /--by must be one of fleet, group, kernel/ },
      { argv: [], error: /compare: --from report.json is required/ },
    ],
  ],
];

describe.each(TABLE.map(([spec, cases]) => [spec.name, spec, cases] as const))('%s', (_name, spec, cases) => {
  it.each(cases.map((c) => [c.argv.join(' ') || '(no arguments)', c] as const))('%s', (_argv, c) => {
    if (c.error) {
      let thrown: unknown;
      try {
        spec.parse(c.argv);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(UsageError);
      expect((thrown as Error).message).toMatch(c.error);
    } else {
      expect(spec.parse(c.argv)).toEqual(c.expected);
    }
  });

  it('has help that starts with its usage line and lists every flag', () => {
    expect(spec.help.startsWith(spec.usage)).toBe(true);
    for (const [long, o] of Object.entries(spec.options)) {
      if (long === 'help') continue;
      expect(spec.help, `--${long}`).toContain(`--${long}`);
      if (o.short !== undefined) expect(spec.help, `-${o.short}`).toContain(`-${o.short}, --${long}`);
    }
  });
});

describe('suggestions', () => {
  it('edit distance counts a swap of neighbours as one edit', () => {
    expect(editDistance('fromat', 'format')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('a peer name only points at a flag the command has', () => {
    const options = { out: { type: 'string', short: 'o' }, from: { type: 'string' } } as const;
    expect(suggestFlag('--forks', options)).toBe('');
    expect(suggestFlag('--output', options)).toBe('did you mean -o/--out?');
    expect(suggestFlag('--frm=x', options)).toBe('did you mean --from?');
  });
});

describe('defaultSshWorkers', () => {
  it('is one per core beyond the first, at most 4', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map((n) => defaultSshWorkers(n))).toEqual([0, 1, 2, 3, 4, 4, 4]);
  });
});
