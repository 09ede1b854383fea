// The holders aggregator: who holds the orphans, the queued bytes and the TIME_WAIT sockets.
// /proc/net/tcp can hold millions of lines, so it is aggregated on the host by one POSIX awk
// process (busybox awk, mawk and gawk alike) and only the top groups leave it, bounded in lines
// read, seconds spent and bytes printed. Addresses stay as the kernel's raw hex; the client
// decodes them (src/procfs/net-tcp-holders.ts parses what this prints).

/** The section name the probe frames this output under. */
export const HOLDERS_SECTION = 'holders';

/** Version of the output format (first line `holders 1 ...`). */
export const HOLDERS_FORMAT_VERSION = 1;

/** The hard ceiling on the aggregator's output, whatever the options say. */
export const HOLDERS_MAX_OUTPUT_BYTES = 65_536;

export type PeersMode = 'full' | 'prefix' | 'none';
export type ByteOrder = 'little' | 'big';

/**
 * When the aggregator reads the socket table: `always`, or `auto`: only when sockstat and the
 * limits it reads itself put orphans, TCP memory or TIME_WAIT at notice or beyond (raw units,
 * which can only over-trigger: in the 4.10-5.19 quanta era `mem` is never below its page count).
 */
export type HoldersMode = 'always' | 'auto';

/** The notice lines the `auto` gate compares with (RISK-MODEL.md section 4). */
export interface HoldersGate {
  /** orphan / tcp_max_orphans above this (default 0.125). */
  orphans: number;
  /** sockstat mem / tcp_mem[1] (pressure) above this (default 0.75). */
  tcpMemOfPressure: number;
  /** tw / tcp_max_tw_buckets above this (default 0.5). */
  timeWait: number;
}

export const DEFAULT_HOLDERS_GATE: HoldersGate = { orphans: 0.125, tcpMemOfPressure: 0.75, timeWait: 0.5 };

export interface HoldersOptions {
  /** Directory prefix for every file read (a captured tree); '' or `/` for the host itself. */
  root?: string;
  /** Orphan groups (state, local address and port) reported, biggest first (default 10). */
  topGroups?: number;
  /** Remote peers reported under each group (default 5; 0 with peers `none`). */
  topPeers?: number;
  /**
   * `full` addresses, `prefix` (/24 for IPv4, /64 for IPv6, computed on the host so full
   * addresses never leave it), or `none` (no peers at all). Default `full`.
   */
  peers?: PeersMode;
  /**
   * How the host prints its 32-bit address words: `little` (x86, arm64, ppc64le, riscv) or `big`
   * (s390x, ppc64, sparc64, mips). Only prefix masking on the host depends on it; see
   * byteOrderOfMachine. Default `little`.
   */
  byteOrder?: ByteOrder;
  /** Ports reported for queued bytes and for TIME_WAIT (default 10 each). */
  topPorts?: number;
  /** Leaf cgroups reported by `sock` bytes (default 10). */
  topCgroups?: number;
  /** Table lines read at most, both files together (default 2,000,000). */
  maxLines?: number;
  /**
   * Wall seconds the reading may take (default 2; 0: no clock bound). POSIX awk has no clock but
   * `srand()` returns the previous seed, which `srand()` with no argument sets to the time of day
   * in whole seconds: so the bound is checked every 4096 lines with one-second resolution, and a
   * run stops after between MAXSEC - 1 and MAXSEC seconds (plus one check interval).
   */
  maxSeconds?: number;
  /** Output bytes at most (default and ceiling HOLDERS_MAX_OUTPUT_BYTES). */
  maxBytes?: number;
  /** Distinct groups, and distinct (group, peer) pairs, tracked at most: bounds awk's memory (default 65,536). */
  maxKeys?: number;
  /**
   * memory.stat files read at most (default 5,000), found at most this deep (default 6: deep
   * enough for Kubernetes containers under either cgroup driver). Only leaves are ranked, so a
   * shallower walk attributes the memory to the deepest groups it saw (slices rather than units).
   */
  maxCgroupFiles?: number;
  cgroupDepth?: number;
  mode?: HoldersMode;
  gate?: HoldersGate;
  /**
   * The awk to run, as words (default `awk`): e.g. `busybox awk`, or `gawk --posix` in a test.
   * Only [A-Za-z0-9_./-] words, so it cannot inject shell code.
   */
  awk?: string;
}

/** Machines (uname -m) whose kernels print address words big-endian. */
export const BIG_ENDIAN_MACHINES = /^(s390x?|ppc|ppc64|sparc|sparc64|mips|mips64|m68k|parisc|parisc64|armeb|aarch64_be|sh4eb|or1k|hppa|microblaze)$/;

/** The byte order of a machine from `uname -m`; little when unknown (nearly every server). */
export function byteOrderOfMachine(machine: string | undefined): ByteOrder {
  return machine !== undefined && BIG_ENDIAN_MACHINES.test(machine.trim()) ? 'big' : 'little';
}

/**
 * The aggregator. Parameters come as -v assignments (integers and fixed words only) and the root
 * prefix through ENVIRON, since -v would interpret backslashes in a path. Input operands: the
 * readable ones of tcp and tcp6. When CG is 1 (cgroup v2 and find are there), the END runs find
 * itself, after the gate and the tables, so a healthy host never walks its cgroup tree; the
 * root reaches find's shell through the environment, never through quoting.
 *
 * Lines are read by position from the first ": " (every kernel from 2.6.32 prints
 * `%4d: %08X:%04X %08X:%04X %02X %08X:%08X`: net/ipv4/tcp_ipv4.c get_tcp4_sock; tcp6 prints four
 * words per address), not split into fields: substr is two to three times cheaper than field
 * splitting in mawk and gawk. busybox awk is the other way round (its substr walks the line, ten
 * times slower than its field splitting), so with FIELDS=1, which the shell sets when awk is
 * busybox, the fields are used instead.
 * Numbers are printed with %.0f: mawk prints large integers in %.6g otherwise.
 */
export const HOLDERS_AWK = String.raw`
function clock() { srand(); return srand() }
function hx8(s) { return ((H[substr(s, 1, 2)] * 256 + H[substr(s, 3, 2)]) * 256 + H[substr(s, 5, 2)]) * 256 + H[substr(s, 7, 2)] }
function num(x) { return sprintf("%.0f", x) }
function emit(s) {
  if (cut) return
  if (outb + length(s) + 1 > MAXBYTES - 200) { cut = 1; return }
  print s
  outb += length(s) + 1
}
function better(v, k, v2, k2) { return v > v2 || (v == v2 && (k "") < (k2 "")) }
function topadd(k, v, lim,    i) {
  if (lim < 1 || (tn >= lim && !better(v, k, tv[tn], tk[tn]))) return
  if (tn < lim) tn++
  for (i = tn; i > 1 && better(v, k, tv[i - 1], tk[i - 1]); i--) { tk[i] = tk[i - 1]; tv[i] = tv[i - 1] }
  tk[i] = k
  tv[i] = v
}
function peeradd(r, k, v,    i, n) {
  n = pn[r] + 0
  if (TOPM < 1 || (n >= TOPM && !better(v, k, pv[r, n], pk[r, n]))) return
  if (n < TOPM) pn[r] = ++n
  for (i = n; i > 1 && better(v, k, pv[r, i - 1], pk[r, i - 1]); i--) { pk[r, i] = pk[r, i - 1]; pv[r, i] = pv[r, i - 1] }
  pk[r, i] = k
  pv[r, i] = v
}
function v4mask(a) { return ORDER == "big" ? substr(a, 1, 6) "00" : "00" substr(a, 3, 6) }
function peerof(a, w) {
  if (PEERS != "prefix") return a
  if (w == 8) return v4mask(a)
  if (substr(a, 1, 16) == "0000000000000000" && substr(a, 17, 8) == MAPPED) return substr(a, 1, 24) v4mask(substr(a, 25, 8))
  return substr(a, 1, 16) "0000000000000000"
}
function firstline(p,    l) { l = ""; if ((getline l < p) <= 0) l = ""; close(p); return l }
function gate(    p, l, n, a, i, orph, mem, tw, mo, mtw, tm) {
  p = ROOT "/proc/net/sockstat"
  while ((getline l < p) > 0 && substr(l, 1, 4) != "TCP:") l = ""
  close(p)
  if (substr(l, 1, 4) != "TCP:") { why = "no-sockstat"; return 0 }
  n = split(l, a, " ")
  for (i = 2; i < n; i += 2) { if (a[i] == "orphan") orph = a[i + 1]; if (a[i] == "mem") mem = a[i + 1]; if (a[i] == "tw") tw = a[i + 1] }
  mo = firstline(ROOT "/proc/sys/net/ipv4/tcp_max_orphans") + 0
  mtw = firstline(ROOT "/proc/sys/net/ipv4/tcp_max_tw_buckets") + 0
  split(firstline(ROOT "/proc/sys/net/ipv4/tcp_mem"), tm, " ")
  why = ""
  if (mo > 0 && orph + 0 > mo * GORPH) why = why ",orphans"
  if (tm[2] + 0 > 0 && mem + 0 > (tm[2] + 0) * GMEM) why = why ",tcp-memory"
  if (mtw > 0 && tw + 0 > mtw * GTW) why = why ",time-wait"
  if (why == "") { why = "healthy"; return 0 }
  why = substr(why, 2)
  return 1
}
function table(w,    c, l, st, q, qs, loc, port, key, k) {
  if (lines >= MAXLINES) { stop = "lines"; exit }
  if (MAXSEC > 0 && lines % 4096 == 4095 && clock() - t0 >= MAXSEC) { stop = "time"; exit }
  lines++
  fl[FILENAME]++
  if (FIELDS) {
    if (NF < 10 || length($2) != w + 5 || length($3) != w + 5 || length($5) != 17) { bad++; return }
    st = $4
    qs = $5
  } else {
    c = index($0, ": ")
    l = c + 2 * w + 14
    if (c == 0 || substr($0, c + w + 2, 1) != ":" || substr($0, l + 11, 1) != ":" || length($0) < l + 19) { bad++; return }
    st = substr($0, l, 2)
    qs = substr($0, l + 3, 17)
  }
  ns[st]++
  q = 0
  if (st != "0A" && qs != ZQ) {
    if (substr(qs, 1, 8) != "00000000") q = hx8(substr(qs, 1, 8))
    if (substr(qs, 10, 8) != "00000000") q += hx8(substr(qs, 10, 8))
  }
  if (q == 0 && st != "06" && st != "04" && st != "09" && st != "0B") return
  loc = FIELDS ? $2 : substr($0, c + 2, w + 5)
  port = substr(loc, w + 2, 4)
  if (q > 0) { pq[port] += q; tq += q }
  if (st == "06") { twl[port]++; return }
  if (st != "04" && st != "09" && st != "0B") return
  if (FIELDS) {
    if ($10 != "0") return
  } else if (substr($0, l + 47, 1) == " " && substr($0, l + 56, 1) == " ") {
    # The inode is field 10: with the usual widths (%5u uid, %8d timeout) it starts at l + 57.
    if (substr($0, l + 57, 2) != "0 ") return
  } else {
    # Wider fields: split the tail (into a global array: a local one costs busybox an allocation a call).
    if (split(substr($0, l + 20), T, " ") < 5) { bad++; return }
    if (T[5] != "0") return
  }
  oc++
  oq += q
  key = st " " loc
  if (!(key in gc)) {
    if (ng >= MAXKEYS) { gdrop++; return }
    ng++
  }
  gc[key]++
  gq[key] += q
  if (PEERS == "none") return
  k = key SUBSEP peerof(FIELDS ? substr($3, 1, w) : substr($0, c + w + 8, w), w)
  if (k in rc) rc[k]++
  else if (np < MAXKEYS) { rc[k] = 1; np++ }
  else pdrop++
}
function cgroup(p,    rel, par, l, s) {
  if (substr(p, 1, length(CGBASE)) != CGBASE || substr(p, length(p) - 11) != "/memory.stat") return
  rel = substr(p, length(CGBASE) + 1, length(p) - length(CGBASE) - 12)
  if (rel == "") return
  # Every ancestor holds the sum of its children (memory.stat is hierarchical): only leaves are ranked.
  par = rel
  while (sub(/\/[^\/]*$/, "", par) && par != "" && !(par in kid)) kid[par] = 1
  s = ""
  while ((getline l < p) > 0) if (substr(l, 1, 5) == "sock ") { s = substr(l, 6); break }
  close(p)
  if (s ~ /^[0-9]+$/) cs[rel] = s + 0
}
function cgroups(    cmd, p) {
  cmd = "find \"$SOCKAUDIT_ROOT/sys/fs/cgroup\" -maxdepth " CGDEPTH " -name memory.stat 2>/dev/null"
  while ((cmd | getline p) > 0) {
    if (ncg >= MAXCG) { cgstop = "files"; break }
    if (MAXSEC > 0 && ncg % 64 == 63 && clock() - t0 >= MAXSEC) { cgstop = "time"; break }
    ncg++
    cgroup(p)
  }
  close(cmd)
}
BEGIN {
  ROOT = ENVIRON["SOCKAUDIT_ROOT"]
  T4P = ROOT "/proc/net/tcp"
  T6P = ROOT "/proc/net/tcp6"
  CGBASE = ROOT "/sys/fs/cgroup"
  ZQ = "00000000:00000000"
  MAPPED = ORDER == "big" ? "0000FFFF" : "FFFF0000"
  d = "0123456789ABCDEF"
  for (i = 0; i < 16; i++) for (j = 0; j < 16; j++) H[substr(d, i + 1, 1) substr(d, j + 1, 1)] = i * 16 + j
  t0 = clock()
  if (MODE == "auto" && !gate()) { skipped = 1; exit }
}
FNR == 1 && (FILENAME == T4P || FILENAME == T6P) {
  if ($1 != "sl") { hdr[FILENAME] = "bad-header"; skipfile = FILENAME }
  next
}
FILENAME == skipfile { next }
FILENAME == T4P { table(8); next }
FILENAME == T6P { table(32); next }
END {
  emit("holders 1 order=" ORDER " peers=" PEERS)
  if (skipped) { emit("gate run=0 reason=" why); print "end"; exit }
  if (MODE == "auto") emit("gate run=1 reason=" why)
  emit("file tcp status=" (hdr[T4P] != "" ? hdr[T4P] : T4) " lines=" num(fl[T4P]))
  emit("file tcp6 status=" (hdr[T6P] != "" ? hdr[T6P] : T6) " lines=" num(fl[T6P]))
  emit("read lines=" num(lines) " malformed=" num(bad) " queued=" num(tq))
  if (stop != "") emit("partial reason=" stop " read=" num(lines) " of=unknown")
  for (i = 1; i < 256; i++) { st = substr(d, int(i / 16) + 1, 1) substr(d, i % 16 + 1, 1); if (st in ns) emit("state " st " " num(ns[st])) }
  emit("orphans count=" num(oc) " queued=" num(oq) " groups=" num(ng) " untracked-groups=" num(gdrop) " untracked-peers=" num(pdrop))
  tn = 0
  for (k in gc) topadd(k, gc[k], TOPN)
  gn = tn
  for (i = 1; i <= gn; i++) { gk[i] = tk[i]; rank[tk[i]] = i }
  for (k in rc) { split(k, parts, SUBSEP); if (parts[1] in rank) peeradd(rank[parts[1]], parts[2], rc[k]) }
  for (i = 1; i <= gn; i++) {
    emit("group " gk[i] " count=" num(gc[gk[i]]) " queued=" num(gq[gk[i]]))
    for (j = 1; j <= pn[i]; j++) emit("peer " pk[i, j] " " num(pv[i, j]))
  }
  tn = 0
  for (k in pq) topadd(k, pq[k], TOPP)
  for (i = 1; i <= tn; i++) emit("port-queued " tk[i] " " num(tv[i]))
  tn = 0
  for (k in twl) topadd(k, twl[k], TOPP)
  for (i = 1; i <= tn; i++) emit("time-wait " tk[i] " " num(tv[i]))
  if (CG == 0) emit("cgroups status=absent")
  else if (CG == 2) emit("cgroups status=unavailable reason=no-find")
  else if (stop != "") emit("cgroups status=unavailable reason=" stop)
  else {
    cgroups()
    tn = 0
    for (k in cs) if (!(k in kid)) topadd(k, cs[k], TOPCG)
    emit("cgroups status=" (cgstop != "" ? "partial reason=" cgstop : "ok") " files=" num(ncg))
    for (i = 1; i <= tn; i++) emit("cgroup " num(tv[i]) " " tk[i])
  }
  if (cut) print "cut bytes=" num(outb)
  print "end"
}
`;

const LIMITS = {
  topGroups: [1, 50, 10],
  topPeers: [0, 50, 5],
  topPorts: [0, 100, 10],
  topCgroups: [0, 100, 10],
  maxLines: [1, 100_000_000, 2_000_000],
  maxSeconds: [0, 3600, 2],
  maxBytes: [1024, HOLDERS_MAX_OUTPUT_BYTES, HOLDERS_MAX_OUTPUT_BYTES],
  maxKeys: [16, 10_000_000, 65_536],
  maxCgroupFiles: [0, 1_000_000, 5_000],
  cgroupDepth: [1, 32, 6],
} as const satisfies Record<string, readonly [number, number, number]>;

type Limited = keyof typeof LIMITS;

/** The options with every default filled in and every value checked. */
export type ResolvedHoldersOptions = Required<Omit<HoldersOptions, 'root'>> & { root: string };

export function resolveHoldersOptions(opts: HoldersOptions = {}): ResolvedHoldersOptions {
  const int = (name: Limited): number => {
    const [min, max, fallback] = LIMITS[name];
    const value = opts[name] ?? fallback;
    if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`holders ${name} must be an integer from ${min} to ${max}`);
    return value;
  };
  const peers = opts.peers ?? 'full';
  if (!['full', 'prefix', 'none'].includes(peers)) throw new RangeError('holders peers must be full, prefix or none');
  const byteOrder = opts.byteOrder ?? 'little';
  if (!['little', 'big'].includes(byteOrder)) throw new RangeError('holders byteOrder must be little or big');
  const awk = opts.awk ?? 'awk';
  if (!/^[A-Za-z0-9_./-]+( [A-Za-z0-9_./=-]+)*$/.test(awk)) throw new RangeError('holders awk must be plain words');
  const mode = opts.mode ?? 'always';
  if (!['always', 'auto'].includes(mode)) throw new RangeError('holders mode must be always or auto');
  const gate = opts.gate ?? DEFAULT_HOLDERS_GATE;
  for (const [key, value] of Object.entries(gate)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 10) throw new RangeError(`holders gate ${key} must be a ratio from 0 to 10`);
  }
  return {
    root: normalizeRoot(opts.root),
    topGroups: int('topGroups'),
    topPeers: peers === 'none' ? 0 : int('topPeers'),
    peers,
    byteOrder,
    topPorts: int('topPorts'),
    topCgroups: int('topCgroups'),
    maxLines: int('maxLines'),
    maxSeconds: int('maxSeconds'),
    maxBytes: int('maxBytes'),
    maxKeys: int('maxKeys'),
    maxCgroupFiles: int('maxCgroupFiles'),
    cgroupDepth: int('cgroupDepth'),
    mode,
    gate,
    awk,
  };
}

/**
 * The sh function `holders` that prints the aggregator's output on stdout, and always exits 0
 * when awk ran (its verdicts are in the output). It expects $R, the root prefix, to be set, as
 * the probe sets it. Values placed in it are checked integers, ratios and fixed words only.
 */
export function holdersShellFunction(options: HoldersOptions = {}): string {
  const o = resolveHoldersOptions(options);
  const vars = [
    `-v MODE=${o.mode}`,
    // The probe learns the machine only as it runs, so it may set the order in the environment.
    `-v "ORDER=\${SOCKAUDIT_HOLDERS_ORDER:-${o.byteOrder}}"`,
    `-v PEERS=${o.peers}`,
    `-v TOPN=${o.topGroups}`,
    `-v TOPM=${o.topPeers}`,
    `-v TOPP=${o.topPorts}`,
    `-v TOPCG=${o.topCgroups}`,
    `-v MAXLINES=${o.maxLines}`,
    `-v MAXSEC=${o.maxSeconds}`,
    `-v MAXBYTES=${o.maxBytes}`,
    `-v MAXKEYS=${o.maxKeys}`,
    `-v MAXCG=${o.maxCgroupFiles}`,
    `-v CGDEPTH=${o.cgroupDepth}`,
    `-v GORPH=${o.gate.orphans}`,
    `-v GMEM=${o.gate.tcpMemOfPressure}`,
    `-v GTW=${o.gate.timeWait}`,
  ].join(' ');
  if (HOLDERS_AWK.includes("'")) throw new Error('the holders awk program must not contain a single quote');
  // A file that exists but cannot be read would stop some awks with an error, so only readable
  // ones become operands; the others are named in T4/T6. `find -maxdepth` is in GNU findutils
  // and busybox; cgroup v2 is recognised by cgroup.controllers at the mount's root. Whether awk
  // is busybox (FIELDS=1) is found with builtins only (the first awk on PATH, test -ef), so a
  // healthy host pays no extra process for it.
  return `holders() {
  command -v ${o.awk.split(' ')[0]} >/dev/null 2>&1 || { echo '${o.awk.split(' ')[0]}: command not found'; return 127; }
  hc=0 h4=missing h6=missing hf=${o.awk.split(' ')[0] === 'busybox' ? 1 : 0}
  if [ "$hf" = 0 ] && [ "${o.awk}" = awk ]; then
    ho=$IFS IFS=:
    for hd in $PATH; do
      if [ -x "$hd/awk" ]; then
        if [ "$hd/awk" -ef /bin/busybox ] || [ "$hd/awk" -ef /usr/bin/busybox ]; then hf=1; fi
        break
      fi
    done
    IFS=$ho
  fi
  set --
  if [ -r "$R/proc/net/tcp" ]; then h4=ok; set -- "$@" "$R/proc/net/tcp"; elif [ -e "$R/proc/net/tcp" ]; then h4=unreadable; fi
  if [ -r "$R/proc/net/tcp6" ]; then h6=ok; set -- "$@" "$R/proc/net/tcp6"; elif [ -e "$R/proc/net/tcp6" ]; then h6=unreadable; fi
  if [ -e "$R/sys/fs/cgroup/cgroup.controllers" ]; then
    if command -v find >/dev/null 2>&1; then hc=1; else hc=2; fi
  fi
  SOCKAUDIT_ROOT=$R ${o.awk} ${vars} -v FIELDS=$hf -v T4=$h4 -v T6=$h6 -v CG=$hc '${HOLDERS_AWK}' "$@" </dev/null
}
`;
}

/** A whole sh script (for `sh -s` over a connection, or a test): sets R, defines and runs `holders`. */
export function buildHoldersScript(options: HoldersOptions = {}): string {
  const o = resolveHoldersOptions(options);
  return `# sockaudit holders, format ${HOLDERS_FORMAT_VERSION}: aggregates /proc/net/tcp and tcp6 on the host.
R=${shellQuote(o.root)}
LC_ALL=C
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\${PATH:+:$PATH}
export LC_ALL PATH
${holdersShellFunction(options)}holders </dev/null
`;
}

/** '' for none or `/`; otherwise an absolute path without trailing slashes. */
function normalizeRoot(root: string | undefined): string {
  if (root === undefined) return '';
  if (!root.startsWith('/')) throw new RangeError('holders root must be an absolute path');
  if (/[\0\n\r]/.test(root)) throw new RangeError('holders root must not contain NUL or line breaks');
  return root.replace(/\/+$/, '');
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
