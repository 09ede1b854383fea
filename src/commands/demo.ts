// `sockaudit demo`: the real pipeline on a recorded fleet served on loopback, plus this machine.
import { startDemoFleet, type ServedFleet } from '../demo/hosts.js';
import { audit, type AuditOptions, type AuditResult } from './audit.js';
import type { Io } from './io.js';

export interface DemoOptions {
  outDir: string;
  local: boolean;
  quiet: boolean;
}

/** Audit options for a served recorded fleet: its own key and known_hosts, strict host keys, no ssh config. */
export function servedFleetAudit(served: ServedFleet, opts: Pick<AuditOptions, 'outDir'> & Partial<AuditOptions>): AuditOptions {
  return {
    local: false,
    inventories: [],
    hosts: [],
    extraTargets: served.targets,
    sshConfig: null,
    identityFiles: [],
    knownHosts: [served.knownHostsFile],
    hostKeyPolicy: 'strict',
    concurrency: 16,
    connectTimeoutSeconds: 10,
    hostTimeoutSeconds: 30,
    samples: 1,
    intervalSeconds: 0,
    formats: ['html', 'md', 'json'],
    failOn: 'critical',
    allowUnaudited: false,
    quiet: true,
    ...opts,
  };
}

export async function demo(opts: DemoOptions, io: Io): Promise<AuditResult> {
  const fleet = await startDemoFleet();
  io.stderr.write(
    `demo: ${fleet.targets.length} recorded hosts served over SSH on 127.0.0.1 (their /proc data is recorded, not live)` +
      `${opts.local ? ', plus this machine' : ''}\n`,
  );
  try {
    // Its recorded hosts are risky on purpose: a demo has no gate.
    return await audit(servedFleetAudit(fleet, { outDir: opts.outDir, local: opts.local, quiet: opts.quiet, failOn: 'never', allowUnaudited: true }), io);
  } finally {
    await fleet.stop();
  }
}
