// Which hosts an audit reaches and through what: inventory and -H hosts over ssh2 (or this
// machine for `ansible_connection=local`), the same hosts through a command (`--exec`), or saved
// probe outputs (`--probe-output`). Shared by the audit and by `--list-hosts`, which stops here.
import { Readable } from 'node:stream';
import { userInfo } from 'node:os';
import { checkExecTemplate, createExecTransport } from '../collect/exec.js';
import { readProbeOutputs } from '../collect/saved-output.js';
import { localTransport } from '../collect/spawn.js';
import type { Transport } from '../collect/transport.js';
import { loadTargets } from '../inventory/index.js';
import { inventoryCoverage, selectShard, type InventoryCoverage, type Shard } from '../inventory/shard.js';
import type { Target } from '../inventory/types.js';
import { UsageError } from '../errors.js';

/** What decides the hosts of a run and how they are reached: a part of the audit's options. */
export interface TargetOptions {
  local: boolean;
  inventories: string[];
  hosts: string[];
  limit?: string;
  /** null: --no-ssh-config; undefined: ~/.ssh/config. */
  sshConfig?: string | null;
  user?: string;
  identityFiles: string[];
  /** Extra targets supplied by the caller (the demo's recorded fleet). */
  extraTargets?: Target[];
  /** Audit only this part of the targets (`--shard I/N`). */
  shard?: Shard;
  /** `--probe-output`: saved probe outputs (paths, globs, `-`) judged instead of reaching hosts. */
  probeOutputs?: string[];
  /** `--exec`: a command template that reaches each inventory host and runs the probe from its stdin. */
  exec?: string;
  /** The standard input's text, read by the caller, for an inventory or a probe output given as `-`. */
  stdinText?: string;
}

export interface AuditTargets {
  targets: Target[];
  /** One transport for every target; absent: ssh2, or this machine for `connection: local`. */
  transport?: Transport;
  /** With a shard: the whole inventory it was cut from (names and digest), taken before the split. */
  coverage?: InventoryCoverage;
}

/**
 * The targets of a run, limited and sharded, with the transport that reaches them. Inventory
 * warnings go to `warn`; inventory errors are thrown (InventoryErrors, InputError: exit 2).
 */
export async function resolveAuditTargets(opts: TargetOptions, warn: (message: string) => void): Promise<AuditTargets> {
  checkTargetOptions(opts);
  const probeOutputs = opts.probeOutputs ?? [];
  if (probeOutputs.length > 0) {
    const saved = await readProbeOutputs(probeOutputs, opts.stdinText === undefined ? {} : { stdin: Readable.from([opts.stdinText]) });
    if (!opts.shard) return { targets: saved.targets, transport: saved.transport };
    return { targets: selectShard(saved.targets, opts.shard), transport: saved.transport, coverage: inventoryCoverage(saved.targets) };
  }

  let targets: Target[] = [...(opts.extraTargets ?? [])];
  if (opts.inventories.length > 0 || opts.hosts.length > 0) {
    const loaded = await loadTargets({
      inventories: opts.inventories,
      hosts: opts.hosts,
      ...(opts.stdinText === undefined ? {} : { stdin: opts.stdinText }),
      ...(opts.limit === undefined ? {} : { limit: opts.limit }),
      ...(opts.sshConfig === undefined ? {} : { sshConfigFile: opts.sshConfig }),
      defaultUser: opts.user ?? safeUserName(),
    });
    for (const w of loaded.warnings) warn(w);
    targets = targets.concat(loaded.targets);
  }
  const coverage = opts.shard ? inventoryCoverage(targets) : undefined;
  if (opts.shard) targets = selectShard(targets, opts.shard);
  if (opts.identityFiles.length > 0) targets = targets.map((t) => ({ ...t, identityFiles: [...opts.identityFiles, ...t.identityFiles] }));
  return { targets, ...(opts.exec === undefined ? {} : { transport: execOrLocal(opts.exec) }), ...(coverage ? { coverage } : {}) };
}

/** What the flags cannot mean together, for callers that skip the CLI's parser. */
export function checkTargetOptions(opts: TargetOptions): void {
  const saved = (opts.probeOutputs ?? []).length > 0;
  if (saved && (opts.local || opts.inventories.length > 0 || opts.hosts.length > 0 || opts.exec !== undefined)) {
    throw new UsageError('--probe-output judges saved outputs alone: leave out --local, -i, -H and --exec');
  }
  if (opts.exec !== undefined) {
    if (opts.local) throw new UsageError('--exec reaches inventory hosts through a command; --local audits this machine without one: run them apart');
    const problem = checkExecTemplate(opts.exec);
    if (problem) throw new UsageError(`--exec: ${problem}`);
  }
  const fromStdin = opts.inventories.filter((i) => i === '-').length + (opts.probeOutputs ?? []).filter((p) => p === '-').length;
  if (fromStdin > 1) throw new UsageError('standard input can be read once: give - to one -i or one --probe-output');
}

/**
 * The command for inventory hosts; hosts the inventory marks `ansible_connection=local` stay on
 * this machine, as without --exec (a command that reaches other hosts is no way to reach this one).
 */
function execOrLocal(template: string): Transport {
  const exec = createExecTransport(template);
  const local = localTransport();
  const pick = (t: Target): Transport => (t.connection === 'local' ? local : exec);
  return {
    kind: exec.kind,
    run: (target, script, bounds) => pick(target).run(target, script, bounds),
    hostKey: (target) => pick(target).hostKey(target),
  };
}

function safeUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
