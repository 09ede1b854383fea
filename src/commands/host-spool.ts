// report.json's hosts, encoded as each host finishes instead of all at once after the last: while
// the fleet answers, the main thread mostly waits, and a host's text (tens of KB) written then costs
// nothing later. The texts go to a file in the output folder, not to memory, and the final report
// copies them back in rank order (saved-run.ts, encodeSavedRunWith).
//
// The file is unlinked as soon as it is open: only the descriptor reaches it, so nothing is left
// behind whatever happens to the process. A write that fails (a full disk) stops the spool, and
// the hosts it does not hold are encoded when the report is written, as without it: the run
// never depends on it.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { packageVersion } from '../paths.js';
import type { Format, ReadyParts } from '../report/formats.js';
import type { RankedHost } from '../run/rank.js';
import { encodeSavedHost, RECORD_WRITTEN_AWAY } from '../run/saved-run.js';
import type { HostResult } from '../run/types.js';

export interface HostSpool {
  /**
   * Encodes the host's saved text now and writes it away; whether it did. Never throws. With
   * `letRecordGo`, a host written away then holds RECORD_WRITTEN_AWAY instead of its raw record,
   * which nothing else needs (9 KB a host).
   */
  add(result: HostResult, opts?: { letRecordGo?: boolean }): boolean;
  /** The host's saved text as UTF-8 bytes, when the spool holds it. */
  savedHost(host: RankedHost): Uint8Array | undefined;
  close(): void;
}

/** How the spool writes a text as UTF-8 at a position, giving the bytes written; a test can give a failing one. */
export interface SpoolIo {
  write(fd: number, text: string, position: number): number;
}

// The text goes to the kernel without a Buffer made for it: fewer large allocations while hosts
// are still being collected.
const fileIo: SpoolIo = { write: (fd, text, position) => writeSync(fd, text, position, 'utf8') };

/**
 * A spool in `dir` (the output folder, checked writable before the run), or undefined when no file
 * can be made there: the run then goes on without one.
 */
export function openHostSpool(dir: string, toolVersion: string, io: SpoolIo = fileIo): HostSpool | undefined {
  const path = join(dir, `.report.json.${randomBytes(8).toString('hex')}.spool`);
  let fd: number;
  try {
    // 'wx+': read and write, O_CREAT|O_EXCL, so an existing entry (a symlink too) is refused, never followed.
    fd = openSync(path, 'wx+', 0o600);
    unlinkSync(path);
  } catch {
    return undefined;
  }
  const at = new Map<HostResult, { offset: number; length: number }>();
  let end = 0;
  let stopped = false;
  let open = true;
  return {
    add(result, opts) {
      if (stopped || !open) return false;
      let text: string;
      try {
        text = encodeSavedHost(result, toolVersion);
      } catch {
        // Not spooled: the report encodes this host at the end, as without a spool.
        return false;
      }
      const length = Buffer.byteLength(text, 'utf8');
      try {
        // A short write (the disk filling up) ends the spool like a failed one: this host's text is
        // then encoded at the end with the others the spool lacks.
        if (io.write(fd, text, end) !== length) stopped = true;
      } catch {
        stopped = true;
      }
      if (stopped) return false;
      at.set(result, { offset: end, length });
      end += length;
      if (opts?.letRecordGo === true && result.outcome.status !== 'failed') result.outcome.record = RECORD_WRITTEN_AWAY;
      return true;
    },
    savedHost({ result }) {
      const place = at.get(result);
      if (place === undefined || !open) return undefined;
      const data = Buffer.allocUnsafe(place.length);
      for (let done = 0; done < data.length; ) {
        const n = readSync(fd, data, done, data.length - done, place.offset + done);
        // The file is ours alone and was written whole: a short file is a broken disk.
        if (n === 0) throw Object.assign(new Error('the host spool ended early'), { code: 'EIO' });
        done += n;
      }
      return data;
    },
    close() {
      if (!open) return;
      open = false;
      at.clear();
      closeSync(fd);
    },
  };
}

/** The spool of a command that writes report.json: what it hands each host to, and what the reports read back. */
export interface ReportSpool {
  /** Writes the host's text away; from the CLI (`keepRecords: false`), its raw record is let go then. */
  take(result: HostResult): void;
  /** For the reports: the texts written away. */
  ready: ReadyParts;
  close(): void;
}

/** A spool in the output folder; one that takes nothing when report.json is not written or no file can be made there. */
export function openReportSpool(opts: { outDir: string; formats: readonly Format[]; keepRecords?: boolean }): ReportSpool {
  const spool = opts.formats.includes('json') ? openHostSpool(opts.outDir, packageVersion()) : undefined;
  if (spool === undefined) return { take: () => {}, ready: {}, close: () => {} };
  const letRecordGo = opts.keepRecords === false;
  return { take: (result) => void spool.add(result, { letRecordGo }), ready: { savedHost: (h) => spool.savedHost(h) }, close: () => spool.close() };
}
