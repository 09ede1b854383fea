// The inputs a probe collects, named once here so that the probe that writes the sections
// and the assembler that reads them cannot drift apart.

/** Sysctls read from /proc/sys, by dotted name (the path is the name with dots as slashes). */
export const SYSCTLS = [
  'net.ipv4.tcp_mem',
  'net.ipv4.tcp_max_orphans',
  'net.ipv4.tcp_max_tw_buckets',
  'net.ipv4.tcp_orphan_retries',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.udp_mem',
  'net.ipv4.tcp_max_syn_backlog',
  'net.ipv4.tcp_ehash_entries',
  'net.core.somaxconn',
  'fs.file-nr',
  'fs.file-max',
  'net.netfilter.nf_conntrack_count',
  'net.netfilter.nf_conntrack_max',
  'kernel.dmesg_restrict',
] as const;

export type SysctlName = (typeof SYSCTLS)[number];

/** `/proc/sys/net/ipv4/tcp_mem` for `net.ipv4.tcp_mem`. */
export function sysctlPath(name: string): string {
  return SYSCTL_PATHS.get(name) ?? `/proc/sys/${name.replaceAll('.', '/')}`;
}

// Asked for every sysctl of every host a saved run holds: the probe's own are worked out once.
const SYSCTL_PATHS = new Map<string, string>(SYSCTLS.map((name) => [name, `/proc/sys/${name.replaceAll('.', '/')}`]));

/** Files read once per run. Section name = path without the leading slash. */
export const ONCE_FILES = ['proc/meminfo', 'proc/loadavg', 'proc/net/sockstat6', 'proc/net/snmp'] as const;

/** Files read once per sample (section `sample` = 0..N-1). */
export const SAMPLED_FILES = ['proc/uptime', 'proc/net/sockstat', 'proc/net/netstat'] as const;

/**
 * Facts about the machine, read once, from /proc where the kernel offers them and from a command
 * where it does not (the section holds what either printed):
 * - `uname-r` (/proc/sys/kernel/osrelease, else `uname -r`), `uname-m` (/proc/sys/kernel/arch,
 *   else `uname -m`), `hostname` (/proc/sys/kernel/hostname, else `uname -n`), `pagesize`
 *   (KernelPageSize of /proc/self/smaps, else `getconf PAGESIZE`), `ncpu` (online CPUs:
 *   /sys/devices/system/cpu/online or /proc/stat, else getconf or nproc), `boot-id`;
 * - `netns`: lines `self <link>` and `init <link>` (the targets of /proc/<probe>/ns/net and
 *   /proc/1/ns/net); either may be absent when not readable;
 * - `kernel-log`: first line `source dmesg` or `source journalctl`, then at most
 *   KERNEL_LOG_MAX_LINES matching lines (the last ones).
 */
export const COMMAND_SECTIONS = ['uname-r', 'uname-m', 'hostname', 'pagesize', 'ncpu', 'boot-id', 'netns', 'kernel-log'] as const;

/**
 * Sections a newer probe prints that older recordings lack, so their absence from an output is
 * not a problem:
 * - `netns-count`: one line, the number of distinct network namespaces the probe could see (the
 *   targets of the /proc/<pid>/ns/net links it may read, at most NETNS_MAX_PIDS of them, and the
 *   entries of /run/netns); status 2 when it could see none (kernels before 3.8 have no such links).
 * - `holders`: who holds the sockets, the output of src/collect/holders.ts (parsed by
 *   net-tcp-holders.ts), or, when the probe's gate found the host healthy, that output's short
 *   form `gate run=0`; absent when the audit asked for no holders.
 */
export const OPTIONAL_SECTIONS = ['netns-count', 'holders'] as const;

/** The most /proc/<pid>/ns/net links the probe reads, so a host with a huge process table costs a bounded argument list. */
export const NETNS_MAX_PIDS = 16_384;

/** The most kernel log lines the probe keeps (the last ones), and a reader accepts. */
export const KERNEL_LOG_MAX_LINES = 500;

/**
 * The most kernel messages the probe has journalctl print (the last ones of this boot): some ten
 * times what the kernel's own buffer holds by default, while a journal that a chatty kernel (a
 * netfilter LOG rule) filled with millions of lines costs the host no more than this many.
 */
export const JOURNAL_MAX_ENTRIES = 20_000;

/** The most samples a probe takes; sample indexes run from 0 to PROBE_MAX_SAMPLES - 1. */
export const PROBE_MAX_SAMPLES = 100;

/**
 * The most sections a reader accepts in one output: every section once, the sampled ones
 * PROBE_MAX_SAMPLES times, and room for 64 sections a newer probe may add.
 */
export const PROBE_MAX_SECTIONS =
  COMMAND_SECTIONS.length + OPTIONAL_SECTIONS.length + ONCE_FILES.length + SYSCTLS.length + SAMPLED_FILES.length * PROBE_MAX_SAMPLES + 64;

/** Section status: 0 read, 2 does not exist; anything else failed (content holds the error). */
export const STATUS_OK = 0;
export const STATUS_MISSING = 2;

/** One section of probe output: a file or command, with its exit status. */
export interface RawSection {
  /** Stable name, e.g. `proc/net/sockstat`, `sysctl/net.ipv4.tcp_mem`, `uname-r`, `kernel-log`. */
  name: string;
  /** 0-based sample index for sections read once per sample; absent for sections read once. */
  sample?: number;
  /** Exit status of the read; 0 is success. */
  status: number;
  /** What the read printed (stdout), cut at the probe's size bound. */
  content: string;
  /** Set when the probe cut the content at its bound. */
  truncated?: boolean;
}

/** The parsed frame of one probe run, before any /proc file is interpreted. */
export interface ProbeRecord {
  /** Version of the probe script that produced it. */
  probeVersion: number;
  sections: RawSection[];
}

/**
 * The probe's output frame, version 1. B is a boundary chosen per run (so no file's content
 * can forge a section line); every section is
 *
 *     <B> begin NAME[ sample=K]\n
 *     CONTENT\n
 *     <B> end NAME status=N\n
 *
 * where the probe always prints one newline after CONTENT (a parser strips exactly that one),
 * and the whole output starts with `<B> sockaudit-probe 1\n` and ends with `<B> done\n`.
 * Content is cut at PROBE_SECTION_MAX_BYTES; a section whose content reaches it is `truncated`.
 * A recording (a probe output kept on disk for tests and the demo) uses RECORDED_BOUNDARY as B.
 */
export const PROBE_VERSION = 1;
export const PROBE_SECTION_MAX_BYTES = 262_144;
export const RECORDED_BOUNDARY = 'SOCKAUDIT-RECORDED';
