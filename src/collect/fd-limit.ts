// How many hosts can be audited at once before this process runs out of file descriptors:
// each host holds a socket while it runs, and the soft `ulimit -n` is often 256 or 1024.
import { readFileSync } from 'node:fs';

/** Descriptors kept free for Node itself, stdio, known_hosts and report files, and jump-host sessions. */
export const FD_RESERVE = 64;
/** A host's socket, plus room for a tunnel's or an accept-new file's while it runs. */
export const FDS_PER_HOST = 2;

/** The soft limit on open files, from /proc/self/limits (Linux); undefined when unknown or unlimited. */
export function openFilesSoftLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const line = /^Max open files\s+(\S+)/m.exec(text);
  const soft = line?.[1];
  if (soft === undefined || !/^\d+$/.test(soft)) return undefined;
  return Number(soft);
}

/**
 * The concurrency to use under `softLimit`, with a warning when the one asked for does not fit.
 * Hosts past the cap wait their turn instead of failing with EMFILE.
 */
export function capConcurrencyForOpenFiles(asked: number, softLimit: number | undefined): { concurrency: number; warning?: string } {
  if (softLimit === undefined) return { concurrency: asked };
  const fits = Math.max(1, Math.floor((softLimit - FD_RESERVE) / FDS_PER_HOST));
  if (asked <= fits) return { concurrency: asked };
  return {
    concurrency: fits,
    warning: `concurrency ${asked} lowered to ${fits}: the open-file limit (ulimit -n) is ${softLimit}; raise it to audit more hosts at once`,
  };
}
