// The sysctls sockaudit knows, as data: how many values each takes, whether it can be set inside a
// container's network namespace, and which are read-only. What-if checks proposals against it.
import { SYSCTLS } from '../procfs/sections.js';

/**
 * `global`: exists only in the initial network namespace or is not namespaced at all (ipv4_table and
 * net_core_table in net/ipv4/sysctl_net_ipv4.c and net/core/sysctl_net_core.c, fs.*, kernel.*): it
 * cannot be set from inside a container's network namespace. `netns`: each namespace has its own.
 * Scopes are those of 6.x kernels; older kernels had more of them global.
 */
export type KeyScope = 'global' | 'netns';

export interface KeySpec {
  /** Dotted name; `*` stands for one component (an interface, `default`, `all`). */
  name: string;
  scope: KeyScope;
  /** How many integers it takes; `text` for keys whose value is a word (a qdisc, an algorithm). */
  count: number | 'text';
  /** Values may be negative. */
  signed?: boolean;
  /** The kernel refuses writes (a count, a hash size). */
  readOnly?: boolean;
}

const spec = (scope: KeyScope, count: KeySpec['count'], names: string, extra: Partial<KeySpec> = {}): KeySpec[] =>
  names
    .trim()
    .split(/\s+/)
    .map((name) => ({ name, scope, count, ...extra }));

const IPV4 = (names: string): string =>
  names
    .trim()
    .split(/\s+/)
    .map((n) => `net.ipv4.${n}`)
    .join(' ');
const CORE = (names: string): string =>
  names
    .trim()
    .split(/\s+/)
    .map((n) => `net.core.${n}`)
    .join(' ');
const CT = (names: string): string =>
  names
    .trim()
    .split(/\s+/)
    .map((n) => `net.netfilter.nf_conntrack_${n}`)
    .join(' ');

/** Real net.ipv4, net.core, net.netfilter and fs sysctls (Documentation/networking/ip-sysctl.rst, admin-guide/sysctl). */
export const KNOWN_KEYS: readonly KeySpec[] = [
  ...spec('global', 3, IPV4('tcp_mem udp_mem')),
  ...spec('global', 1, IPV4('tcp_max_orphans inet_peer_threshold inet_peer_minttl inet_peer_maxttl fib_sync_mem tcp_low_latency')),
  ...spec('netns', 3, IPV4('tcp_rmem tcp_wmem')),
  ...spec('netns', 2, IPV4('ip_local_port_range ping_group_range')),
  ...spec('netns', 1, IPV4(`
    tcp_max_tw_buckets tcp_orphan_retries tcp_fin_timeout tcp_max_syn_backlog tcp_syncookies tcp_syn_retries
    tcp_synack_retries tcp_retries1 tcp_retries2 tcp_keepalive_time tcp_keepalive_intvl tcp_keepalive_probes
    tcp_tw_reuse tcp_timestamps tcp_sack tcp_dsack tcp_window_scaling tcp_app_win tcp_moderate_rcvbuf
    tcp_no_metrics_save tcp_mtu_probing tcp_base_mss tcp_min_snd_mss tcp_mtu_probe_floor tcp_probe_threshold
    tcp_probe_interval tcp_slow_start_after_idle tcp_notsent_lowat tcp_limit_output_bytes tcp_autocorking
    tcp_ecn tcp_ecn_fallback tcp_fastopen tcp_fastopen_blackhole_timeout_sec tcp_frto tcp_rfc1337
    tcp_abort_on_overflow tcp_reordering tcp_max_reordering tcp_min_rtt_wlen tcp_invalid_ratelimit
    tcp_challenge_ack_limit tcp_workaround_signed_windows tcp_thin_linear_timeouts tcp_early_retrans
    tcp_recovery tcp_pacing_ss_ratio tcp_pacing_ca_ratio tcp_tso_win_divisor tcp_tso_rtt_log tcp_comp_sack_nr
    tcp_comp_sack_delay_ns tcp_comp_sack_slack_ns tcp_fwmark_accept tcp_l3mdev_accept tcp_migrate_req
    tcp_reflect_tos tcp_shrink_window tcp_backlog_ack_defer tcp_pingpong_thresh tcp_child_ehash_entries
    tcp_early_demux tcp_syn_linear_timeouts tcp_rto_min_us tcp_plb_enabled tcp_plb_idle_rehash_rounds
    tcp_plb_rehash_rounds tcp_plb_suspend_rto_sec tcp_plb_cong_thresh
    udp_rmem_min udp_wmem_min udp_early_demux udp_l3mdev_accept udp_child_hash_entries
    ip_forward ip_default_ttl ip_no_pmtu_disc ip_nonlocal_bind ip_autobind_reuse ip_early_demux ip_dynaddr
    ip_unprivileged_port_start ip_forward_use_pmtu ip_forward_update_priority fwmark_reflect
    ipfrag_high_thresh ipfrag_low_thresh ipfrag_time ipfrag_max_dist
    icmp_echo_ignore_all icmp_echo_ignore_broadcasts icmp_ratelimit icmp_ratemask icmp_msgs_per_sec
    icmp_msgs_burst icmp_ignore_bogus_error_responses icmp_errors_use_inbound_ifaddr icmp_echo_enable_probe
    igmp_max_memberships igmp_max_msf igmp_qrv
    route.min_pmtu route.mtu_expires route.min_adv_mss route.gc_timeout route.gc_thresh route.gc_interval
    route.gc_min_interval_ms route.gc_elasticity route.redirect_load route.redirect_number
    route.redirect_silence route.error_cost route.error_burst
    neigh.*.gc_thresh1 neigh.*.gc_thresh2 neigh.*.gc_thresh3 neigh.*.gc_stale_time neigh.*.base_reachable_time_ms
    neigh.*.retrans_time_ms neigh.*.unres_qlen neigh.*.unres_qlen_bytes neigh.*.mcast_solicit neigh.*.ucast_solicit
    conf.*.forwarding conf.*.rp_filter conf.*.accept_redirects conf.*.secure_redirects conf.*.send_redirects
    conf.*.accept_source_route conf.*.log_martians conf.*.arp_ignore conf.*.arp_announce conf.*.arp_filter
    conf.*.arp_accept conf.*.arp_notify conf.*.proxy_arp conf.*.accept_local conf.*.route_localnet
    conf.*.promote_secondaries conf.*.src_valid_mark conf.*.bootp_relay conf.*.shared_media
    conf.*.disable_policy conf.*.disable_xfrm conf.*.ignore_routes_with_linkdown conf.*.bc_forwarding
  `)),
  ...spec('netns', 1, IPV4('tcp_adv_win_scale'), { signed: true }),
  ...spec('netns', 'text', IPV4('tcp_congestion_control tcp_allowed_congestion_control ip_local_reserved_ports tcp_fastopen_key')),
  ...spec('global', 'text', IPV4('tcp_available_congestion_control tcp_available_ulp'), { readOnly: true }),
  ...spec('netns', 1, IPV4('tcp_ehash_entries conf.*.mc_forwarding'), { readOnly: true, signed: true }),
  ...spec('global', 1, CORE(`
    rmem_max wmem_max rmem_default wmem_default netdev_max_backlog netdev_budget netdev_budget_usecs
    optmem_max busy_poll busy_read dev_weight dev_weight_rx_bias dev_weight_tx_bias message_cost message_burst
    rps_sock_flow_entries bpf_jit_enable bpf_jit_harden bpf_jit_kallsyms bpf_jit_limit netdev_tstamp_prequeue
    tstamp_allow_data max_skb_frags gro_normal_batch high_order_alloc_disable netdev_unregister_timeout_secs
    skb_defer_max fb_tunnels_only_for_init_net devconf_inherit_init_net flow_limit_table_len warnings
  `)),
  ...spec('global', 'text', CORE('default_qdisc flow_limit_cpu_bitmap rps_default_mask')),
  ...spec('netns', 1, CORE('somaxconn txrehash xfrm_aevent_etime xfrm_aevent_rseqth xfrm_larval_drop xfrm_acq_expires')),
  ...spec('global', 1, `${CT('max buckets expect_max')} net.nf_conntrack_max`),
  ...spec('global', 1, CT('count'), { readOnly: true }),
  ...spec('netns', 1, CT(`
    tcp_timeout_established tcp_timeout_time_wait tcp_timeout_close_wait tcp_timeout_fin_wait
    tcp_timeout_syn_sent tcp_timeout_syn_recv tcp_timeout_last_ack tcp_timeout_close tcp_timeout_max_retrans
    tcp_timeout_unacknowledged udp_timeout udp_timeout_stream icmp_timeout generic_timeout tcp_loose
    tcp_be_liberal tcp_max_retrans tcp_ignore_invalid_rst checksum log_invalid acct timestamp events helper
  `)),
  ...spec('global', 1, `
    fs.file-max fs.nr_open fs.aio-max-nr fs.pipe-max-size fs.pipe-user-pages-soft fs.pipe-user-pages-hard
    fs.inotify.max_user_watches fs.inotify.max_user_instances fs.inotify.max_queued_events
    fs.epoll.max_user_watches fs.protected_hardlinks fs.protected_symlinks fs.protected_fifos
    fs.protected_regular fs.suid_dumpable fs.mqueue.msg_max fs.mqueue.msgsize_max fs.mqueue.queues_max
    fs.lease-break-time fs.leases-enable fs.dir-notify-enable kernel.dmesg_restrict
  `),
  ...spec('global', 3, 'fs.file-nr', { readOnly: true }),
  ...spec('global', 1, 'fs.aio-nr', { readOnly: true }),
];

/** Families sockaudit claims to know fully: an unknown key there is a typo, not an unmodelled sysctl. */
export const KNOWN_FAMILIES = ['net.ipv4.', 'net.core.', 'net.netfilter.', 'fs.'];

/** Keys whose three values are low, pressure (or default), high: they should not decrease. */
export const TRIPLES = ['net.ipv4.tcp_mem', 'net.ipv4.udp_mem', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

export const KEY_NAMES: readonly string[] = [...new Set([...SYSCTLS, ...KNOWN_KEYS.map((k) => k.name)])];

/** The spec for a dotted key (split into components), or undefined when sockaudit does not know it. */
export function knownKey(segments: readonly string[]): KeySpec | undefined {
  return KNOWN_KEYS.find((k) => {
    const parts = k.name.split('.');
    return parts.length === segments.length && parts.every((p, i) => p === '*' || p === segments[i]);
  });
}
