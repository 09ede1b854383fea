// `sockaudit demo`: the real pipeline on a recorded fleet served on loopback, plus this machine.
import { startDemoFleet } from '../collect/demo-fleet.js';
import { audit, type AuditResult } from './audit.js';
import type { Io } from './io.js';

export interface DemoOptions {
  outDir: string;
  local: boolean;
  quiet: boolean;
}

export async function demo(opts: DemoOptions, io: Io): Promise<AuditResult> {
  const fleet = await startDemoFleet();
  io.stderr.write(
    `demo: ${fleet.targets.length} recorded hosts served over SSH on 127.0.0.1 (their /proc data is recorded, not live)` +
      `${opts.local ? ', plus this machine' : ''}\n`,
  );
  try {
    return await audit(
      {
        local: opts.local,
        inventories: [],
        hosts: [],
        extraTargets: fleet.targets,
        sshConfig: null,
        identityFiles: [],
        knownHosts: [fleet.knownHostsFile],
        hostKeyPolicy: 'strict',
        concurrency: 16,
        connectTimeoutSeconds: 5,
        hostTimeoutSeconds: 15,
        samples: 1,
        intervalSeconds: 0,
        outDir: opts.outDir,
        formats: ['html', 'md', 'json'],
        // Its recorded hosts are risky on purpose: a demo has no gate.
        failOn: 'never',
        allowUnaudited: true,
        quiet: opts.quiet,
      },
      io,
    );
  } finally {
    await fleet.stop();
  }
}
