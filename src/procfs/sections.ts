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
  return `/proc/sys/${name.replaceAll('.', '/')}`;
}

/** Files read once per run. Section name = path without the leading slash. */
export const ONCE_FILES = ['proc/meminfo', 'proc/loadavg', 'proc/net/sockstat6', 'proc/net/snmp'] as const;

/** Files read once per sample (section `sample` = 0..N-1). */
export const SAMPLED_FILES = ['proc/uptime', 'proc/net/sockstat', 'proc/net/netstat'] as const;

/**
 * Facts from commands, read once:
 * - `uname-r`, `uname-m`, `hostname`, `pagesize` (getconf PAGESIZE), `ncpu`, `boot-id`;
 * - `netns`: lines `self <link>` and `init <link>` (readlink of /proc/self/ns/net and
 *   /proc/1/ns/net); either may be absent when not readable;
 * - `kernel-log`: first line `source dmesg` or `source journalctl`, then the matching lines.
 */
export const COMMAND_SECTIONS = ['uname-r', 'uname-m', 'hostname', 'pagesize', 'ncpu', 'boot-id', 'netns', 'kernel-log'] as const;

/** Section status: 0 read, 2 does not exist; anything else failed (content holds the error). */
export const STATUS_OK = 0;
export const STATUS_MISSING = 2;
