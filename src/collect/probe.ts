// The probe: one POSIX sh script that prints every input of sections.ts in the probe frame.
// It is sent as a single command (`/bin/sh -s`, script on stdin) over SSH and locally, so it
// must run on any Linux from 2.6.32 with only a POSIX sh and coreutils or busybox.
import { randomBytes } from 'node:crypto';
import {
  COMMAND_SECTIONS,
  JOURNAL_MAX_ENTRIES,
  KERNEL_LOG_MAX_LINES,
  NETNS_MAX_PIDS,
  ONCE_FILES,
  OPTIONAL_SECTIONS,
  PROBE_MAX_SAMPLES,
  PROBE_SECTION_MAX_BYTES,
  PROBE_VERSION,
  SAMPLED_FILES,
  SYSCTLS,
  sysctlPath,
} from '../procfs/sections.js';
import { BIG_ENDIAN_MACHINES, DEFAULT_HOLDERS_GATE, HOLDERS_FORMAT_VERSION, HOLDERS_SECTION, holdersShellFunction, resolveHoldersOptions, type HoldersOptions } from './holders.js';

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
   * Directory prefix for every file read, e.g. a captured /proc tree. Facts about the machine
   * (kernel release, machine, hostname, page size, CPUs, namespaces, kernel log) are still read
   * from the /proc of, or commands on, the machine executing the script.
   */
  root?: string;
  /**
   * Who holds the sockets (section `holders`, src/collect/holders.ts): absent, the table is never
   * read; mode `auto` (default) reads it only when the first sample's sockstat and the limits read
   * beside it put orphans, TCP memory or TIME_WAIT at notice or beyond, `always` on every host.
   * The root is the probe's; the byte order is the host's, learnt as the probe runs.
   */
  holders?: Omit<HoldersOptions, 'root' | 'byteOrder'>;
}

const DEFAULT_INTERVAL_SECONDS = 5;
const MAX_INTERVAL_SECONDS = 3600;
// Far above any /proc file; keeps a caller's typo from lifting the output bound.
const MAX_SECTION_BYTES_LIMIT = 64 * 1024 * 1024;
const BOUNDARY_RE = /^[A-Za-z0-9_-]{8,100}$/;
const SECTION_NAME_RE = /^[A-Za-z0-9._/-]+$/;
// Bytes of framing around one section's content: begin and end lines plus the content's newline.
const FRAME_OVERHEAD_BYTES = 256;

/**
 * Kernel log lines worth keeping (RISK-MODEL.md section 2, kernel-model.md section 7): an ERE in
 * lower case, matched against the lowered line. It is a literal in the awk program, since busybox
 * awk compiles a regex held in a variable again for every line (40 ms for a 336-line log).
 */
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

/** A per-run random boundary, so no file's content can forge a frame line. */
export function newBoundary(): string {
  return `sockaudit-${randomBytes(12).toString('hex')}`;
}

/** The boundary a probe script frames its output with (its `B='...'` line), or undefined. */
export function probeScriptBoundary(script: string): string | undefined {
  const found = /^B='([^'\n]+)'$/m.exec(script)?.[1];
  return found !== undefined && BOUNDARY_RE.test(found) ? found : undefined;
}

export interface PrintableProbe {
  /** The script: run it with `sh -s` on its stdin, or `sh FILE`; it reads nothing else from stdin. */
  script: string;
  /** The boundary its output is framed with, to give parseProbeFrame (the output's first line names it too). */
  boundary: string;
}

/**
 * A probe script for any transport (ansible, pssh, a config manager, a copy and paste): the same
 * script sockaudit sends, with a fresh boundary. Its output is read with parseProbeFrame and the
 * returned boundary, or with probeOutputBoundary when only the output was kept.
 */
export function printableProbeScript(opts: Omit<ProbeOptions, 'boundary'> = {}): PrintableProbe {
  const boundary = newBoundary();
  return { script: buildProbeScript({ ...opts, boundary }), boundary };
}

/** An upper bound on the probe's whole output for these options, for a transport's output cap. */
export function probeOutputLimit(opts: Pick<ProbeOptions, 'samples' | 'maxSectionBytes'>): number {
  const sections = ONCE_FILES.length + SYSCTLS.length + COMMAND_SECTIONS.length + OPTIONAL_SECTIONS.length + SAMPLED_FILES.length * (opts.samples ?? 1);
  return (sections + 1) * ((opts.maxSectionBytes ?? PROBE_SECTION_MAX_BYTES) + FRAME_OVERHEAD_BYTES);
}

/**
 * The probe script: stdin-free (it is itself read from stdin by `sh -s`) and printable, for any
 * transport that can run `/bin/sh -s` or a saved file. Every value placed in it is validated here
 * (integers, boundary charset, section names) or single-quoted (root), so no option can inject
 * shell code.
 *
 * What it costs the host: one awk reads every file and frames every section; the other commands
 * are stat (the namespace links) and dmesg (journalctl when dmesg is refused), and only where
 * /proc lacks the fact does a uname, getconf or nproc run too. Under bash reading it from stdin, a
 * cat reads the script, which bash would otherwise read a byte at a time. Each further sample is
 * one sleep and one awk. Forks are most of what a shell script costs, so this is the budget
 * `bench/probe-cost.ts` measures.
 */
export function buildProbeScript(opts: ProbeOptions): string {
  const boundary = opts.boundary;
  if (!BOUNDARY_RE.test(boundary)) throw new RangeError('probe boundary must be 8-100 characters of [A-Za-z0-9_-]');
  const samples = checkInt('samples', opts.samples ?? 1, 1, PROBE_MAX_SAMPLES);
  const interval = checkInt('intervalSeconds', opts.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS, 0, MAX_INTERVAL_SECONDS);
  const max = checkInt('maxSectionBytes', opts.maxSectionBytes ?? PROBE_SECTION_MAX_BYTES, 1, MAX_SECTION_BYTES_LIMIT);
  const root = normalizeRoot(opts.root);
  const holders = holdersSettings(opts.holders);

  // name=path words, read under $R; names and paths are checked to hold no space, quote or `=`.
  const entry = (name: string, path: string) => `${word(name)}=${word(path)}`;
  const once = [
    entry('boot-id', '/proc/sys/kernel/random/boot_id'),
    ...ONCE_FILES.map((f) => entry(f, `/${f}`)),
    ...SYSCTLS.map((s) => entry(`sysctl/${s}`, sysctlPath(s))),
  ];
  const sampled = SAMPLED_FILES.map((f) => entry(f, `/${f}`));

  return `if [ -n "\${BASH_VERSION-}" ]; then case $- in *s*) if command -v cat >/dev/null 2>&1; then eval "$(cat)"; exit; fi ;; esac; fi
# sockaudit probe, frame version ${PROBE_VERSION}: prints each input between "$B begin NAME"
# and "$B end NAME status=N" lines (status 0 read, 2 missing, 127 no such command, other:
# failed, with the error as content). POSIX sh and awk only; never aborts on a failed read.
# Files are read under $R; facts about the machine are read from its own /proc or commands.
# The first line: bash reads a script on its stdin a byte at a time, so as not to take input meant
# for the commands it runs (a read call for each byte). Under bash -s, one cat reads the rest and
# bash runs it from memory; other shells read their stdin in blocks and go on as they are.
B='${boundary}'
R=${shellQuote(root)}
MAX=${max}
N=${samples}
I=${interval}
ONCE='${once.join(' ')}'
SAMPLED='${sampled.join(' ')}'
LC_ALL=C
PATH=\${PATH:+$PATH:}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HM=${holders.mode}
HP=${holders.peers}
HG='${holders.gate}'
HF=${shellQuote(holders.fn)}
export LC_ALL PATH B R MAX

# flags NAME=PATH...: F gets one letter per file, for awk, which cannot tell why a read failed:
# r readable, d directory, u refused, m missing. Builtins only.
flags() {
  F=
  for w; do
    p=$R\${w#*=}
    if [ -d "$p" ]; then F=\${F}d; elif [ -r "$p" ]; then F=\${F}r; elif [ -e "$p" ]; then F=\${F}u; else F=\${F}m; fi
  done
}

# run NAME CMD...: CMD's output and errors for awk, between "$B run NAME" and "$B status N".
run() {
  n=$1
  shift
  printf '%s run %s\\n' "$B" "$n"
  if command -v "$1" >/dev/null 2>&1; then "$@" 2>&1; s=$?; else echo "$1: command not found"; s=127; fi
  printf '\\n%s status %s\\n' "$B" "$s"
}

ncpu() {
  if command -v getconf >/dev/null 2>&1; then getconf _NPROCESSORS_ONLN
  elif command -v nproc >/dev/null 2>&1; then nproc
  else echo 'getconf, nproc: command not found'; return 127; fi
}

# The namespace links, in one stat whatever the number of processes: the shell expands the glob
# and keeps the last ${NETNS_MAX_PIDS} so the argument list stays bounded. Links of processes this
# user may not inspect are unreadable and left out; /run/netns holds \`ip netns\` bind mounts.
nslinks() {
  command -v stat >/dev/null 2>&1 || { echo 'stat: command not found'; return 127; }
  set -- /proc/[0-9]*/ns/net
  [ "$#" -le ${NETNS_MAX_PIDS} ] || shift "$(($# - ${NETNS_MAX_PIDS}))"
  stat -c '%i %N' "/proc/$$/ns/net" /proc/1/ns/net "$@" /run/netns/* 2>/dev/null
  return 0
}

# What awk cannot read from a file: run only where /proc lacks the fact (old kernels, a chroot).
# The journal is read only when dmesg is refused (kernel.dmesg_restrict).
facts() {
  [ -r /proc/sys/kernel/osrelease ] || run uname-r uname -r
  [ -r /proc/sys/kernel/hostname ] || run hostname uname -n
  [ -r /proc/sys/kernel/arch ] || run uname-m uname -m
  [ -r /proc/self/smaps ] || run pagesize getconf PAGESIZE
  [ -r /sys/devices/system/cpu/online ] || [ -r /proc/stat ] || run ncpu ncpu
  run netns nslinks
  run dmesg dmesg
  [ "$s" -eq 0 ] || run journalctl journalctl -k -n ${JOURNAL_MAX_ENTRIES} -o short-monotonic --no-pager -q
}

AWK='${awkProgram()}'

main() {
  # Without awk no section can be read: say so and fail, rather than print an empty frame.
  command -v awk >/dev/null 2>&1 || { echo 'sockaudit probe: awk: command not found' >&2; exit 127; }
  printf '%s sockaudit-probe ${PROBE_VERSION}\\n' "$B"
  flags $ONCE $SAMPLED
  facts | O=$ONCE L=$SAMPLED F=$F K=0 S=$$ HM=$HM HP=$HP HG=$HG HF=$HF awk "$AWK"
  k=1
  while [ "$k" -lt "$N" ]; do
    [ "$I" -eq 0 ] || sleep "$I"
    flags $SAMPLED
    O= L=$SAMPLED F=$F K=$k S=$$ awk "$AWK"
    k=$((k + 1))
  done
  printf '%s done\\n' "$B"
}

# Commands must not read the rest of this script from stdin, and the shell must have read all
# of it before anything runs: so everything is in main, called last, with stdin closed off.
main </dev/null
`;
}

/**
 * The awk that reads and frames every section: POSIX awk, so mawk, busybox awk and gawk alike,
 * with LC_ALL=C so lengths are bytes. Its input is what `facts` printed; its settings come from
 * the environment, since `awk -v` would interpret backslashes in a root path.
 * - A file is read with RS set to a byte /proc never holds (octal 036), so the whole file is one
 *   record and its final newline, or the lack of one, is kept as it was.
 * - Kernel log lines are matched as they stream past and only the last KERNEL_LOG_MAX_LINES
 *   matches kept (a ring), so a long log costs no memory.
 * - A namespace is counted by the target of a /proc link (`net:[N]`), or by the inode of a
 *   /run/netns entry, which is the same number.
 */
function awkProgram(): string {
  const program = String.raw`
function begin(n, k) {
  if (k == "") printf "%s begin %s\n", B, n; else printf "%s begin %s sample=%s\n", B, n, k
}
function put(n, k, s, t) {
  begin(n, k)
  printf "%s", (length(t) > MAX ? substr(t, 1, MAX) : t)
  printf "\n%s end %s status=%s\n", B, n, s
}
function slurp(p,   r, x, t, c) {
  RS = "\036"; t = ""; c = 0; err = ""
  while ((r = (getline x < p)) > 0) {
    t = t (c++ ? "\036" : "") x
    if (length(t) >= MAX) break
  }
  if (r < 0) err = p ": read failed"
  close(p); RS = "\n"
  return t
}
function file(w, k,   n, p, f, t) {
  n = substr(w, 1, index(w, "=") - 1); p = R substr(w, index(w, "=") + 1); f = substr(F, ++fi, 1)
  if (f == "m") put(n, k, 2, "")
  else if (f == "d") put(n, k, 1, p ": Is a directory\n")
  else if (f == "u") put(n, k, 1, p ": Permission denied\n")
  else { t = slurp(p); if (err == "") { put(n, k, 0, t); if (n in gv) gv[n] = t } else put(n, k, 1, err "\n") }
}
function fact(n, p,   t) {
  if (n in st) put(n, "", st[n], out[n])
  else { t = slurp(p); if (err == "") { put(n, "", 0, t); fv[n] = t } else put(n, "", 1, err "\n") }
}
function ncpu(   t, a, b, i, c, x) {
  if ("ncpu" in st) { put("ncpu", "", st["ncpu"], out["ncpu"]); return }
  t = slurp("/sys/devices/system/cpu/online")
  if (err == "" && t ~ /^[0-9][-0-9,]*\n$/) {
    x = split(substr(t, 1, length(t) - 1), a, ",")
    for (i = 1; i <= x; i++) c += (split(a[i], b, "-") == 2 ? b[2] - b[1] + 1 : 1)
  } else {
    while ((getline x < "/proc/stat") > 0) if (x ~ /^cpu[0-9]/) c++
    close("/proc/stat")
  }
  if (c > 0) put("ncpu", "", 0, c "\n"); else put("ncpu", "", 1, "no online CPU in /sys/devices/system/cpu/online or /proc/stat\n")
}
function pagesize(   x, a, z) {
  if ("pagesize" in st) { put("pagesize", "", st["pagesize"], out["pagesize"]); return }
  while ((getline x < "/proc/self/smaps") > 0) if (x ~ /^KernelPageSize:/) { if (split(x, a, " ") == 3 && a[3] == "kB") z = a[2] * 1024; break }
  close("/proc/self/smaps")
  if (z > 0) put("pagesize", "", 0, z "\n"); else put("pagesize", "", 1, "no KernelPageSize in /proc/self/smaps\n")
}
function nslink(   p, l) {
  if ($0 ~ /->/ && match($0, /net:\[[0-9]+\]/)) {
    l = substr($0, RSTART, RLENGTH); ns[l] = 1
    if (match($0, /\/proc\/[0-9]+\//)) {
      p = substr($0, RSTART + 6, RLENGTH - 7)
      if (p == S && self == "") self = l
      if (p == "1") init = l
    }
  } else if ($0 ~ /\/run\/netns\// && $1 ~ /^[0-9]+$/) ns["net:[" $1 "]"] = 1
  else if ($0 != "" && length(out[g]) < MAX) out[g] = out[g] $0 "\n"
}
function klog() {
  if ($0 ~ /^\[ *[0-9]+\.[0-9]+\]/) dated[g] = 1
  if (tolower($0) ~ /${KERNEL_LOG_PATTERN}/) ring[nk++ % ${KERNEL_LOG_MAX_LINES}] = $0
  else if ($0 != "" && c[g] < 5) out[g] = out[g] (c[g]++ ? "\n" : "") substr($0, 1, 500)
}
function netns(   t, l, z) {
  if (st["netns"] != 0) { put("netns", "", st["netns"], out["netns"]); put("netns-count", "", st["netns"], out["netns"]); return }
  if (self != "") t = "self " self "\n"
  if (init != "") t = t "init " init "\n"
  put("netns", "", 0, t)
  for (l in ns) z++
  if (z > 0) put("netns-count", "", 0, z "\n"); else put("netns-count", "", 2, "")
}
function kernellog(   s, t, i, j) {
  if (("dmesg" in st) && st["dmesg"] == 0) s = "dmesg"
  else if (("journalctl" in st) && st["journalctl"] == 0 && dated["journalctl"]) s = "journalctl"
  if (s != "") {
    t = "source " s "\n"
    for (i = (nk > ${KERNEL_LOG_MAX_LINES} ? nk - ${KERNEL_LOG_MAX_LINES} : 0); i < nk; i++) t = t ring[i % ${KERNEL_LOG_MAX_LINES}] "\n"
    put("kernel-log", "", 0, t)
    return
  }
  t = out["dmesg"] != "" ? out["dmesg"] : "dmesg failed"
  if (st["journalctl"] == 127) j = out["journalctl"]
  else j = "journalctl: " (st["journalctl"] != 0 && out["journalctl"] != "" ? out["journalctl"] : "no kernel messages readable")
  put("kernel-log", "", 1, t "\n" j "\n")
}
function holders(   x, a, g, n, i, l, orph, mem, tw, tm, why, ord, s) {
  x = ("uname-m" in st) ? (st["uname-m"] == 0 ? out["uname-m"] : "") : fv["uname-m"]
  sub(/[ \t\n]+$/, "", x)
  ord = x ~ /${BIG_ENDIAN_MACHINES.source}/ ? "big" : "little"
  if (HM == "auto") {
    split(HG, g, " ")
    n = split(gv["proc/net/sockstat"], a, "\n")
    for (i = 1; i <= n; i++) if (substr(a[i], 1, 4) == "TCP:") { l = a[i]; break }
    if (l == "") why = "no-sockstat"
    else {
      n = split(l, a, " ")
      for (i = 2; i < n; i += 2) { if (a[i] == "orphan") orph = a[i + 1]; if (a[i] == "mem") mem = a[i + 1]; if (a[i] == "tw") tw = a[i + 1] }
      split(gv["sysctl/net.ipv4.tcp_mem"], tm, " ")
      x = gv["sysctl/net.ipv4.tcp_max_orphans"] + 0
      if (x > 0 && orph + 0 > x * g[1]) why = why ",orphans"
      if (tm[2] + 0 > 0 && mem + 0 > (tm[2] + 0) * g[2]) why = why ",tcp-memory"
      x = gv["sysctl/net.ipv4.tcp_max_tw_buckets"] + 0
      if (x > 0 && tw + 0 > x * g[3]) why = why ",time-wait"
      if (why == "") why = "healthy"
    }
    if (substr(why, 1, 1) != ",") {
      put("${HOLDERS_SECTION}", "", 0, "holders ${HOLDERS_FORMAT_VERSION} order=" ord " peers=" HP "\ngate run=0 reason=" why "\nend\n")
      return
    }
  }
  begin("${HOLDERS_SECTION}", "")
  fflush()
  s = system("SOCKAUDIT_HOLDERS_ORDER=" ord "; eval \"$HF\" && holders 2>&1")
  printf "\n%s end ${HOLDERS_SECTION} status=%s\n", B, s
}
BEGIN {
  B = ENVIRON["B"]; R = ENVIRON["R"]; MAX = ENVIRON["MAX"] + 0
  F = ENVIRON["F"]; K = ENVIRON["K"] + 0; S = ENVIRON["S"]; M = B " "
  HM = ENVIRON["HM"]; HP = ENVIRON["HP"]; HG = ENVIRON["HG"]
  gv["proc/net/sockstat"] = gv["sysctl/net.ipv4.tcp_mem"] = gv["sysctl/net.ipv4.tcp_max_orphans"] = gv["sysctl/net.ipv4.tcp_max_tw_buckets"] = ""
  x = split(ENVIRON["O"], w, " "); for (i = 1; i <= x; i++) file(w[i], "")
  x = split(ENVIRON["L"], w, " "); for (i = 1; i <= x; i++) file(w[i], K)
}
index($0, M) == 1 {
  x = substr($0, length(M) + 1)
  if (x ~ /^run /) { g = substr(x, 5); out[g] = ""; c[g] = 0; if (g == "journalctl") nk = 0; next }
  if (x ~ /^status [0-9]+$/ && g != "") { st[g] = substr(x, 8) + 0; g = ""; next }
}
g == "netns" { nslink(); next }
g == "dmesg" || g == "journalctl" { klog(); next }
g != "" { if (length(out[g]) < MAX) out[g] = out[g] (c[g]++ ? "\n" : "") $0 }
END {
  if (K > 0) exit
  fact("uname-r", "/proc/sys/kernel/osrelease")
  fact("uname-m", "/proc/sys/kernel/arch")
  fact("hostname", "/proc/sys/kernel/hostname")
  pagesize()
  ncpu()
  netns()
  kernellog()
  if (HM != "") holders()
}
`;
  if (program.includes("'") || KERNEL_LOG_PATTERN.includes('/') || KERNEL_LOG_PATTERN !== KERNEL_LOG_PATTERN.toLowerCase()) throw new Error('the awk program must hold no single quote, its regex no slash nor capital');
  return program.trim();
}

interface HoldersSettings {
  mode: '' | 'auto' | 'always';
  peers: string;
  gate: string;
  fn: string;
}

/** The holders options as the script's variables: all empty when the table is never read. */
function holdersSettings(opts: ProbeOptions['holders']): HoldersSettings {
  if (opts === undefined) return { mode: '', peers: '', gate: '', fn: '' };
  // Resolving checks every value; the function embeds only checked integers, ratios and words.
  const o = resolveHoldersOptions(opts);
  const gate = o.gate ?? DEFAULT_HOLDERS_GATE;
  return { mode: o.mode, peers: o.peers, gate: `${gate.orphans} ${gate.tcpMemOfPressure} ${gate.timeWait}`, fn: holdersShellFunction(opts) };
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
