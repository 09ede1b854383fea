// The probe: one POSIX sh script that prints every input of sections.ts in the probe frame.
// It is sent as a single command (`/bin/sh -s`, script on stdin) over SSH and locally, so it
// must run on any Linux from 2.6.32 with only a POSIX sh and coreutils or busybox.
import { randomBytes } from 'node:crypto';
import {
  COMMAND_SECTIONS,
  ONCE_FILES,
  PROBE_SECTION_MAX_BYTES,
  PROBE_VERSION,
  SAMPLED_FILES,
  SYSCTLS,
  sysctlPath,
} from '../procfs/sections.js';

export interface ProbeOptions {
  /** Frame boundary; use newBoundary() for a run against a real host. */
  boundary: string;
  /** How many times SAMPLED_FILES are read (default 1). */
  samples?: number;
  /** Whole seconds between samples (default 5). */
  intervalSeconds?: number;
  /** Bound on each section's content in bytes (default PROBE_SECTION_MAX_BYTES). */
  maxSectionBytes?: number;
  /**
   * Directory prefix for every file read, e.g. a captured /proc tree. Commands (uname, getconf,
   * dmesg, readlink of the netns links) still run on the machine executing the script.
   */
  root?: string;
}

const DEFAULT_INTERVAL_SECONDS = 5;
const MAX_SAMPLES = 100;
const MAX_INTERVAL_SECONDS = 3600;
// Far above any /proc file; keeps a caller's typo from lifting the output bound.
const MAX_SECTION_BYTES_LIMIT = 64 * 1024 * 1024;
const BOUNDARY_RE = /^[A-Za-z0-9_-]{8,100}$/;
const SECTION_NAME_RE = /^[A-Za-z0-9._/-]+$/;
// Bytes of framing around one section's content: begin and end lines plus the content's newline.
const FRAME_OVERHEAD_BYTES = 256;

/** Kernel log lines worth keeping (RISK-MODEL.md section 2, kernel-model.md section 7), for grep -E -i. */
const KERNEL_LOG_PATTERN = [
  'too many (of )?orphaned sockets',
  'out of memory -- consider tuning tcp_mem',
  'out of socket memory',
  'mptcp: out of memory',
  'time wait bucket table overflow',
  'nf_conntrack: table full',
  'vfs: file-max limit',
  'possible syn flooding on port',
  'net_ratelimit: [0-9]+ callbacks suppressed',
].join('|');

const KERNEL_LOG_MAX_LINES = 500;

/** A per-run random boundary, so no file's content can forge a frame line. */
export function newBoundary(): string {
  return `sockaudit-${randomBytes(12).toString('hex')}`;
}

/** An upper bound on the probe's whole output for these options, for a transport's output cap. */
export function probeOutputLimit(opts: Pick<ProbeOptions, 'samples' | 'maxSectionBytes'>): number {
  const sections = ONCE_FILES.length + SYSCTLS.length + COMMAND_SECTIONS.length + SAMPLED_FILES.length * (opts.samples ?? 1);
  return (sections + 1) * ((opts.maxSectionBytes ?? PROBE_SECTION_MAX_BYTES) + FRAME_OVERHEAD_BYTES);
}

/**
 * The probe script. Every value placed in it is validated here (integers, boundary charset,
 * section names) or single-quoted (root), so no option can inject shell code.
 */
export function buildProbeScript(opts: ProbeOptions): string {
  const boundary = opts.boundary;
  if (!BOUNDARY_RE.test(boundary)) throw new RangeError('probe boundary must be 8-100 characters of [A-Za-z0-9_-]');
  const samples = checkInt('samples', opts.samples ?? 1, 1, MAX_SAMPLES);
  const interval = checkInt('intervalSeconds', opts.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS, 0, MAX_INTERVAL_SECONDS);
  const max = checkInt('maxSectionBytes', opts.maxSectionBytes ?? PROBE_SECTION_MAX_BYTES, 1, MAX_SECTION_BYTES_LIMIT);
  const root = normalizeRoot(opts.root);

  const file = (name: string, path: string) => `  section ${word(name)} '' readfile ${word(path)}`;
  const onceFiles = ONCE_FILES.map((f) => file(f, `/${f}`));
  const sysctls = SYSCTLS.map((s) => file(`sysctl/${s}`, sysctlPath(s)));
  const sampled = SAMPLED_FILES.map((f) => `    section ${word(f)} "$k" readfile ${word(`/${f}`)}`);
  const commands: Record<(typeof COMMAND_SECTIONS)[number], string> = {
    'uname-r': "section uname-r '' runcmd uname -r",
    'uname-m': "section uname-m '' runcmd uname -m",
    hostname: "section hostname '' runcmd uname -n",
    pagesize: "section pagesize '' runcmd getconf PAGESIZE",
    ncpu: "section ncpu '' bounded ncpu",
    'boot-id': "section boot-id '' readfile /proc/sys/kernel/random/boot_id",
    netns: "section netns '' bounded netns",
    'kernel-log': "section kernel-log '' bounded klog",
  };

  return `# sockaudit probe, frame version ${PROBE_VERSION}: prints each input between "$B begin NAME"
# and "$B end NAME status=N" lines (status 0 read, 2 missing, 127 no such command, other:
# failed, with the error as content). POSIX sh only; never aborts on a failed read.
# Files are read under $R; commands run on this machine whatever $R is.
B='${boundary}'
R=${shellQuote(root)}
MAX=${max}
N=${samples}
I=${interval}
PAT='${KERNEL_LOG_PATTERN}'
LC_ALL=C
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\${PATH:+:$PATH}
export LC_ALL PATH

# clip: first $MAX bytes of stdin, then the rest drained so the writer never dies of SIGPIPE.
# head1 FILE: the first $MAX bytes of a file, in one process (files are most of the sections, and
# forks are most of what the probe costs a host); dd's fallback keeps no error text.
if [ "$(printf abc | head -c 2 2>/dev/null)" = ab ]; then
  clip() { head -c "$MAX"; cat >/dev/null; }
  head1() { head -c "$MAX" -- "$1"; }
else
  clip() { dd bs=1 count="$MAX" 2>/dev/null; cat >/dev/null; }
  head1() { dd if="$1" bs=1 count="$MAX" 2>/dev/null; }
fi

# bounded CMD...: CMD's output and errors, clipped, to fd 4; its exit status in $st.
bounded() {
  st=$({ { "$@" 2>&1 3>&- 4>&-; echo $? >&3; } | clip >&4; } 3>&1)
  [ -n "$st" ] || st=1
}

# readfile PATH: the file under $R, or the error reading it; one that does not exist is status 2.
readfile() {
  if [ -e "$R$1" ]; then head1 "$R$1" >&4 2>&1; st=$?; else st=2; fi
}

# runcmd CMD...: status 127 when CMD is not installed.
runcmd() {
  if command -v "$1" >/dev/null 2>&1; then bounded "$@"; else echo "$1: command not found"; st=127; fi
}

# section NAME SAMPLE FUNC ARGS...: frames what FUNC prints (SAMPLE may be empty).
section() {
  sn=$1 sk=$2
  shift 2
  if [ -n "$sk" ]; then printf '%s begin %s sample=%s\\n' "$B" "$sn" "$sk"; else printf '%s begin %s\\n' "$B" "$sn"; fi
  "$@"
  printf '\\n%s end %s status=%s\\n' "$B" "$sn" "$st"
}

ncpu() {
  if command -v getconf >/dev/null 2>&1; then getconf _NPROCESSORS_ONLN
  elif command -v nproc >/dev/null 2>&1; then nproc
  else echo 'getconf, nproc: command not found'; return 127; fi
}

# Lines only for the links that can be read (reading pid 1's needs privilege).
netns() {
  command -v readlink >/dev/null 2>&1 || { echo 'readlink: command not found'; return 127; }
  if l=$(readlink /proc/self/ns/net 2>/dev/null); then printf 'self %s\\n' "$l"; fi
  if l=$(readlink /proc/1/ns/net 2>/dev/null); then printf 'init %s\\n' "$l"; fi
  return 0
}

# dmesg, or the journal when dmesg is refused (kernel.dmesg_restrict); the journal is taken
# only when it shows a kernel line at all, since an unprivileged reader gets an empty one.
klog() {
  if command -v dmesg >/dev/null 2>&1; then
    if e=$(dmesg 2>&1 >/dev/null); then
      echo 'source dmesg'
      dmesg 2>/dev/null | grep -E -i -e "$PAT" | tail -n ${KERNEL_LOG_MAX_LINES}
      return 0
    fi
    de=\${e:-dmesg failed}
  else
    de='dmesg: command not found'
  fi
  if command -v journalctl >/dev/null 2>&1; then
    if e=$(journalctl -k -q --no-pager -n 1 2>&1) && [ -n "$e" ]; then
      echo 'source journalctl'
      journalctl -k -o short-monotonic --no-pager -q 2>/dev/null | grep -E -i -e "$PAT" | tail -n ${KERNEL_LOG_MAX_LINES}
      return 0
    fi
    je="journalctl: \${e:-no kernel messages readable}"
  else
    je='journalctl: command not found'
  fi
  printf '%s\\n%s\\n' "$de" "$je"
  return 1
}

main() {
  exec 4>&1
  printf '%s sockaudit-probe ${PROBE_VERSION}\\n' "$B"
  ${Object.values(commands).join('\n  ')}
${onceFiles.join('\n')}
${sysctls.join('\n')}
  k=0
  while [ "$k" -lt "$N" ]; do
    [ "$k" -eq 0 ] || sleep "$I"
${sampled.join('\n')}
    k=$((k + 1))
  done
  printf '%s done\\n' "$B"
}

# Commands must not read the rest of this script from stdin, and the shell must have read all
# of it before anything runs: so everything is in main, called last, with stdin closed off.
main </dev/null
`;
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`probe ${name} must be an integer from ${min} to ${max}`);
  return value;
}

/** '' for none or `/`; otherwise an absolute path without trailing slashes. */
function normalizeRoot(root: string | undefined): string {
  if (root === undefined) return '';
  if (!root.startsWith('/')) throw new RangeError('probe root must be an absolute path');
  if (/[\0\n\r]/.test(root)) throw new RangeError('probe root must not contain NUL or line breaks');
  return root.replace(/\/+$/, '');
}

/** Names and paths from sections.ts; checked so the script never depends on their spelling being safe. */
function word(text: string): string {
  if (!SECTION_NAME_RE.test(text)) throw new RangeError(`unsafe probe section name ${JSON.stringify(text)}`);
  return text;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
