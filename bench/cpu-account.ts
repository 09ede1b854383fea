// CPU of a group of processes and everything they start, short-lived children included: a
// cgroup of its own (v1 cpuacct, or v2). sshd's wait accounting cannot stand in for it: a
// session's shell does not end up in the listener's cutime.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Hierarchy {
  root: string;
  /** CPU seconds of a group, from its own files. */
  seconds(dir: string): number;
}

const HIERARCHIES: Hierarchy[] = [
  { root: '/sys/fs/cgroup/cpuacct', seconds: (dir) => Number(readFileSync(join(dir, 'cpuacct.usage'), 'utf8').trim()) / 1e9 },
  {
    root: '/sys/fs/cgroup',
    seconds: (dir) => Number(/^usage_usec (\d+)$/m.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'))?.[1] ?? Number.NaN) / 1e6,
  },
];

export interface CpuAccount {
  /** CPU seconds used so far by the processes and their descendants. */
  seconds(): number;
  /**
   * Removes the group, once its processes are gone: sessions of an interrupted run may still be
   * closing, and after a grace period they are ended (they are the caller's own descendants).
   */
  close(): Promise<void>;
}

let groups = 0;

/** A cgroup holding these processes, or why there cannot be one (not root, no usable hierarchy). */
export function accountCpu(name: string, pids: number[]): CpuAccount | { unavailable: string } {
  const hierarchy = HIERARCHIES.find((h) => existsSync(join(h.root, 'cpuacct.usage')) || existsSync(join(h.root, 'cgroup.controllers')));
  if (!hierarchy) return { unavailable: 'no cgroup cpuacct (v1) or cgroup v2 hierarchy under /sys/fs/cgroup' };
  const dir = join(hierarchy.root, `${name}-${process.pid}-${++groups}`);
  try {
    mkdirSync(dir);
    for (const pid of pids) writeFileSync(join(dir, 'cgroup.procs'), `${pid}\n`);
    if (!Number.isFinite(hierarchy.seconds(dir))) throw new Error('the group shows no CPU usage figure');
  } catch (err) {
    removeGroup(dir);
    return { unavailable: `cannot use ${dir}: ${err instanceof Error ? err.message : String(err)}` };
  }
  return {
    seconds: () => hierarchy.seconds(dir),
    close: async () => {
      const deadline = Date.now() + 5000;
      while (members(dir).length > 0 && Date.now() < deadline) await sleep(50);
      for (const pid of members(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
      while (members(dir).length > 0 && Date.now() < deadline + 2000) await sleep(50);
      removeGroup(dir);
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function members(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter((line) => line !== '').map(Number);
  } catch {
    return [];
  }
}

function removeGroup(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Never created, or a process still in it: an empty group left behind costs nothing.
  }
}
