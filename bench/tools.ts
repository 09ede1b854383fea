// The tools under comparison, and the one command line each runs for a fleet of n hosts.
// Every tool logs in as the same user with the same key, checks host keys strictly against the
// same known_hosts file, reads no ssh client config, and runs the same probe script that
// sockaudit sends, so the servers do the same work whichever tool asks.
import { accessSync, constants, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchFleet } from './fleet-setup.js';
import { ansibleDoneHosts, clushDoneHosts, hasDoneLine, sockauditAuditedHosts } from './outputs.js';

/**
 * What the `curve25519` variants force on OpenSSH's client: the algorithm ssh2 (sockaudit)
 * negotiates by default, there under its older name curve25519-sha256@libssh.org.
 */
export const CURVE25519 = 'curve25519-sha256';

export interface RunContext {
  fleet: BenchFleet;
  n: number;
  concurrency: number;
  /** An empty folder for this run's outputs. */
  workDir: string;
  /** The probe script the peers send as their remote command. */
  script: string;
  boundary: string;
}

export interface Invocation {
  argv: string[];
  env: NodeJS.ProcessEnv;
}

export interface BenchTool {
  /** Stable id, e.g. `pssh-curve25519`. */
  id: string;
  /** The program's name as people know it. */
  name: string;
  /** `default`, or the one key exchange the tool is told to use. */
  kexSetting: 'default' | typeof CURVE25519;
  /**
   * The SSH client inside: `openssh` peers run twice (as installed, and told to use curve25519);
   * `ssh2` tools negotiate curve25519 by default, so they run once in every case.
   */
  client: 'ssh2' | 'openssh';
  /** Why the tool cannot run here (with how to install it); undefined when it can. */
  missing(): string | undefined;
  invocation(ctx: RunContext): Invocation;
  /** Hosts the tool really collected from, read from what the run left in workDir / stdout. */
  collectedHosts(ctx: RunContext, stdout: string): Set<string>;
}

const SOCKAUDIT_BIN = fileURLToPath(new URL('../src/bin.js', import.meta.url));
const BARE_SSH2_BIN = fileURLToPath(new URL('./bare-ssh2.js', import.meta.url));

/** The environment every tool runs in: no agent (keys come from the key file only); ansible needs UTF-8. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' };
  delete env.SSH_AUTH_SOCK;
  delete env.SSH_AGENT_PID;
  return env;
}

/** The OpenSSH client options shared by the peers, as `-o`-style words. */
function sshOptions(ctx: RunContext, kex: BenchTool['kexSetting']): string[] {
  return [
    `UserKnownHostsFile=${ctx.fleet.knownHostsPath}`,
    'StrictHostKeyChecking=yes',
    'IdentitiesOnly=yes',
    'BatchMode=yes',
    ...(kex === CURVE25519 ? [`KexAlgorithms=${CURVE25519}`] : []),
  ];
}

const sockaudit: BenchTool = {
  id: 'sockaudit',
  name: 'sockaudit',
  kexSetting: 'default',
  client: 'ssh2',
  missing: () => (existsSync(SOCKAUDIT_BIN) ? undefined : `${SOCKAUDIT_BIN} is missing: run npm run build`),
  invocation: (ctx) => ({
    argv: [
      process.execPath,
      SOCKAUDIT_BIN,
      'audit',
      '-i',
      ctx.fleet.hostListFile(ctx.n),
      '--known-hosts',
      ctx.fleet.knownHostsPath,
      '--identity',
      ctx.fleet.keyPath,
      '--no-ssh-config',
      '-c',
      String(ctx.concurrency),
      '-q',
      '--format',
      'json',
      '--fail-on',
      'never',
      '-o',
      join(ctx.workDir, 'report'),
    ],
    env: baseEnv(),
  }),
  collectedHosts: (ctx) => sockauditAuditedHosts(readFileSync(join(ctx.workDir, 'report', 'report.json'), 'utf8')),
};

/** `-o DIR` outputs, one file per host holding its stdout (parallel-ssh's and bare-ssh2's). */
function hostsWithDoneFile(ctx: RunContext): Set<string> {
  const dir = join(ctx.workDir, 'out');
  const done = new Set<string>();
  for (const name of readdirSync(dir)) if (hasDoneLine(readFileSync(join(dir, name), 'utf8'), ctx.boundary)) done.add(name);
  return done;
}

/** The floor: bench/bare-ssh2.ts, ssh2 with nothing of sockaudit around it. */
const bareSsh2: BenchTool = {
  id: 'bare-ssh2',
  name: 'bare ssh2',
  kexSetting: 'default',
  client: 'ssh2',
  missing: () => (existsSync(BARE_SSH2_BIN) ? undefined : `${BARE_SSH2_BIN} is missing: run npx tsc -p tsconfig.json`),
  invocation: (ctx) => {
    const script = join(ctx.workDir, 'probe.sh');
    writeFileSync(script, ctx.script);
    return {
      argv: [
        process.execPath,
        BARE_SSH2_BIN,
        '--hosts',
        ctx.fleet.hostListFile(ctx.n),
        '--key',
        ctx.fleet.keyPath,
        '--known-hosts',
        ctx.fleet.knownHostsPath,
        '-c',
        String(ctx.concurrency),
        '--script',
        script,
        '--out',
        join(ctx.workDir, 'out'),
      ],
      env: baseEnv(),
    };
  },
  collectedHosts: hostsWithDoneFile,
};

function pssh(kex: BenchTool['kexSetting']): BenchTool {
  return {
    id: kex === 'default' ? 'pssh' : 'pssh-curve25519',
    name: 'parallel-ssh',
    kexSetting: kex,
    client: 'openssh',
    missing: () => missingProgram('parallel-ssh', 'pssh'),
    invocation: (ctx) => ({
      argv: [
        'parallel-ssh',
        '-h',
        ctx.fleet.hostListFile(ctx.n),
        '-p',
        String(ctx.concurrency),
        '-t',
        '120',
        '-o',
        join(ctx.workDir, 'out'),
        ...['-F', '/dev/null', '-i', ctx.fleet.keyPath].flatMap((word) => ['-X', word]),
        ...sshOptions(ctx, kex).flatMap((option) => ['-O', option]),
        ctx.script,
      ],
      env: baseEnv(),
    }),
    collectedHosts: hostsWithDoneFile,
  };
}

function clush(kex: BenchTool['kexSetting']): BenchTool {
  return {
    id: kex === 'default' ? 'clush' : 'clush-curve25519',
    name: 'clush',
    kexSetting: kex,
    client: 'openssh',
    missing: () => missingProgram('clush', 'clustershell'),
    invocation: (ctx) => ({
      argv: [
        'clush',
        '-w',
        ctx.fleet.addresses.slice(0, ctx.n).join(','),
        '-f',
        String(ctx.concurrency),
        '-l',
        ctx.fleet.user,
        // clush splits this with shlex: the paths are made by mkdtemp, without spaces or quotes.
        '-o',
        ['-F', '/dev/null', '-p', String(ctx.fleet.port), '-i', ctx.fleet.keyPath, ...sshOptions(ctx, kex).map((o) => `-o${o}`)].join(' '),
        '-t',
        '30',
        '-u',
        '120',
        '--nostdin',
        ctx.script,
      ],
      env: baseEnv(),
    }),
    collectedHosts: (ctx, stdout) => clushDoneHosts(stdout, ctx.boundary),
  };
}

function ansible(kex: BenchTool['kexSetting']): BenchTool {
  return {
    id: kex === 'default' ? 'ansible' : 'ansible-curve25519',
    name: 'ansible -m raw',
    kexSetting: kex,
    client: 'openssh',
    missing: () => missingProgram('ansible', 'ansible-core'),
    invocation: (ctx) => ({
      argv: [
        'ansible',
        'all',
        '-i',
        ctx.fleet.ansibleInventoryFile(ctx.n),
        '-m',
        'raw',
        '-a',
        ctx.script,
        '-f',
        String(ctx.concurrency),
        '--private-key',
        ctx.fleet.keyPath,
        '-T',
        '30',
        '--ssh-common-args',
        ['-F /dev/null', ...sshOptions(ctx, kex).map((o) => `-o ${o}`)].join(' '),
      ],
      env: {
        ...baseEnv(),
        ANSIBLE_HOME: join(ctx.workDir, 'ansible-home'),
        ANSIBLE_LOCAL_TEMP: join(ctx.workDir, 'ansible-tmp'),
        ANSIBLE_HOST_KEY_CHECKING: 'True',
        // Instead of the default `-C -o ControlMaster=auto -o ControlPersist=60s`: a persistent
        // master outlives the measured process (its CPU and memory would go uncounted) and would
        // serve the next repeat without a handshake; compression is off like every other tool's.
        ANSIBLE_SSH_ARGS: '-o ControlMaster=no',
        ANSIBLE_NOCOLOR: '1',
        ANSIBLE_DEPRECATION_WARNINGS: 'False',
        ANSIBLE_RETRY_FILES_ENABLED: 'False',
      },
    }),
    collectedHosts: (ctx, stdout) => ansibleDoneHosts(stdout, ctx.boundary),
  };
}

/** Every tool, sockaudit first (the ratios are peer / sockaudit). */
export const TOOLS: BenchTool[] = [sockaudit, bareSsh2, pssh('default'), pssh(CURVE25519), clush('default'), clush(CURVE25519), ansible('default'), ansible(CURVE25519)];

function missingProgram(program: string, debianPackage: string): string | undefined {
  const found = (process.env.PATH ?? '').split(delimiter).some((dir) => {
    const path = join(dir, program);
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return found ? undefined : `${program} is not installed (apt-get install -y ${debianPackage})`;
}
