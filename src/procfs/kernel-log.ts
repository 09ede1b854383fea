// The kernel-log section: first line `source dmesg` or `source journalctl`, then the log lines the
// probe kept. Patterns are those of RISK-MODEL.md section 2 (strings from net/ipv4/tcp.c,
// tcp_timer.c, tcp_minisocks.c, tcp_input.c, net/mptcp, nf_conntrack_core.c, fs/file_table.c).
import { hostText, parseError, parsed, splitLines, type ParseResult } from './parse-result.js';
import { KERNEL_LOG_MAX_LINES } from './sections.js';
import type { IncidentKind, KernelLog, KernelLogLine } from './types.js';

/** First match wins, so the more specific strings come first. */
const PATTERNS: ReadonlyArray<readonly [IncidentKind, RegExp]> = [
  ['mptcp-memory', /MPTCP: out of memory/i],
  // >= 3.x tcp_check_oom(); pr_fmt adds the `TCP: ` prefix.
  ['tcp-memory', /out of memory -- consider tuning tcp_mem/i],
  // `too many of orphaned sockets` is the <= 3.1 close-path wording.
  ['tcp-orphans', /too many (?:of )?orphaned sockets/i],
  // <= ~3.1 tcp_out_of_resources(): orphans or memory, the log cannot tell which.
  ['socket-memory', /Out of socket memory/i],
  // Printed by old kernels only (e.g. 2.6.32); newer ones only count TCPTimeWaitOverflow.
  ['tw-overflow', /time wait bucket table overflow/i],
  ['conntrack-full', /nf_conntrack: table full/i],
  ['file-max', /VFS: file-max limit/i],
  // `possible SYN flooding` on very old kernels, `Possible SYN flooding` since.
  ['syn-flood', /possible SYN flooding on port/i],
  ['ratelimit-suppressed', /net_ratelimit: \d+ callbacks suppressed/i],
];

/** dmesg and `journalctl -k -o short-monotonic` both print `[  123.456789]`. */
const MONOTONIC = /\[\s*(\d+\.\d+)\]/;
const SUPPRESSED = /net_ratelimit: (\d+) callbacks suppressed/i;

export function classifyKernelLogLine(line: string): KernelLogLine | undefined {
  const match = PATTERNS.find(([, pattern]) => pattern.test(line));
  if (!match) return undefined;
  const entry: KernelLogLine = { kind: match[0], text: hostText(line, 500) };
  const stamp = MONOTONIC.exec(line);
  if (stamp) entry.secondsSinceBoot = Number(stamp[1]);
  const suppressed = SUPPRESSED.exec(line);
  if (suppressed) entry.suppressed = Number(suppressed[1]);
  return entry;
}

export function parseKernelLog(text: string, file = 'kernel-log'): ParseResult<KernelLog> {
  const lines = splitLines(text);
  const first = lines[0]?.trim();
  if (first === undefined || first === '') return parseError(file, undefined, 'no `source` line');
  const source = /^source (dmesg|journalctl)$/.exec(first)?.[1] as KernelLog['source'] | undefined;
  if (!source) return parseError(file, 1, `expected "source dmesg" or "source journalctl", found "${hostText(first, 60)}"`);
  // The probe keeps the last KERNEL_LOG_MAX_LINES lines; a host that sends more is not running it.
  if (lines.length - 1 > KERNEL_LOG_MAX_LINES) {
    return parseError(file, undefined, `${lines.length - 1} lines, more than the ${KERNEL_LOG_MAX_LINES} the probe keeps`);
  }
  const kept: KernelLogLine[] = [];
  // Lines matching no pattern are skipped: the probe filters, but a wider filter must not break parsing.
  for (let i = 1; i < lines.length; i++) {
    const entry = classifyKernelLogLine(lines[i]!);
    if (entry) kept.push(entry);
  }
  return parsed({ source, lines: kept });
}
