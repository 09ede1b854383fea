// What-if for a sysctl rollout (RISK-MODEL.md section 5): proposed values are checked against the
// sysctls sockaudit knows, applied to each host's snapshot, and the host is evaluated again with the
// shared evaluator. Flags say what one fixed value does to a mixed fleet. Pure: no I/O, no clock.
import { InputError } from '../errors.js';
import type { Result } from '../errors.js';
import { SYSCTLS } from '../procfs/sections.js';
import type { Int, Reading, Snapshot, SysctlValue } from '../procfs/types.js';
import { defaultConfig, nearest } from './config.js';
import type { EvalConfig } from './config.js';
import { evaluateHost } from './evaluate.js';
import { bytes, pct } from './format.js';
import { gaugePeak, memTotalBytes } from './inputs.js';
import { ORPHAN_DOC_BYTES } from './rules.js';
import { parseSysctlConf, parseSysctlLine } from './sysctl-conf.js';
import type { SysctlAssignment } from './sysctl-conf.js';
import { VERDICT_ORDER } from './types.js';
import type { Finding, HostVerdict, Verdict } from './types.js';

// ---- Known keys, as data ----------------------------------------------------------------------

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
const KNOWN_FAMILIES = ['net.ipv4.', 'net.core.', 'net.netfilter.', 'fs.'];

/** Keys whose three values are low, pressure (or default), high: they should not decrease. */
const TRIPLES = ['net.ipv4.tcp_mem', 'net.ipv4.udp_mem', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

const KEY_NAMES: readonly string[] = [...new Set([...SYSCTLS, ...KNOWN_KEYS.map((k) => k.name)])];

/** The spec for a dotted key (split into components), or undefined when sockaudit does not know it. */
export function knownKey(segments: readonly string[]): KeySpec | undefined {
  return KNOWN_KEYS.find((k) => {
    const parts = k.name.split('.');
    return parts.length === segments.length && parts.every((p, i) => p === '*' || p === segments[i]);
  });
}

// ---- Proposals --------------------------------------------------------------------------------

export interface ProposedSetting {
  /** Dotted name. */
  key: string;
  /** Integers, or the word for text keys. */
  values: Int[] | string;
  /** The value as written. */
  text: string;
  file: string;
  line: number;
  /** `file:line`. */
  origin: string;
  scope: KeyScope;
  /** The evaluator reads it (or it moves a figure the evaluator reads). */
  evaluated: boolean;
}

export interface GroupProposal {
  group: string;
  settings: ProposedSetting[];
}

export interface Proposal {
  /** For every host. */
  settings: ProposedSetting[];
  /** `--set-for GROUP`, in the order given: for a host in several groups the last one given wins. */
  groups: GroupProposal[];
  /** Proposal-level flags: not applied keys, values that do not increase. */
  flags: WhatIfFlag[];
}

/** Keys the evaluator reads, directly or (fs.file-max) through another figure. */
const EVALUATED = new Set<string>([...SYSCTLS, 'fs.file-max']);

/** A sysctl.conf fragment as proposed settings. Errors name the file and line and suggest the nearest key. */
export function parseProposalFile(text: string, file: string): Result<ProposedSetting[]> & { flags: WhatIfFlag[] } {
  const conf = parseSysctlConf(text, file);
  const checked = validateAssignments(conf.value);
  return { value: checked.value, warnings: [...conf.warnings, ...checked.warnings], errors: [...conf.errors, ...checked.errors], flags: checked.flags };
}

/** `--set key=value` items as proposed settings; each is named `LABEL:N` (N from firstLine) in errors. */
export function parseSetItems(items: readonly string[], label: string, firstLine = 1): Result<ProposedSetting[]> & { flags: WhatIfFlag[] } {
  const assignments: SysctlAssignment[] = [];
  const errors: InputError[] = [];
  const warnings: string[] = [];
  items.forEach((item, i) => {
    const line = firstLine + i;
    const parsed = parseSysctlLine(item, label, line);
    if (parsed === undefined) errors.push(new InputError(label, line, `expected key=value, found ${JSON.stringify(item)}`));
    else if ('error' in parsed) errors.push(parsed.error);
    else if ('warning' in parsed) warnings.push(parsed.warning);
    else assignments.push(parsed.assignment);
  });
  const checked = validateAssignments(assignments);
  return { value: checked.value, warnings: [...warnings, ...checked.warnings], errors: [...errors, ...checked.errors], flags: checked.flags };
}

/**
 * Known key, integer values of the right count, not read-only. A `-` key's errors are ignored, as
 * sysctl ignores them: it becomes a warning and is left out. A later line for the same key wins, as
 * in sysctl.conf.
 */
export function validateAssignments(assignments: readonly SysctlAssignment[]): Result<ProposedSetting[]> & { flags: WhatIfFlag[] } {
  const byKey = new Map<string, ProposedSetting>();
  const warnings: string[] = [];
  const errors: InputError[] = [];
  const flags: WhatIfFlag[] = [];
  for (const a of assignments) {
    const origin = `${a.file}:${a.line}`;
    const problem = (text: string): void => {
      if (a.ignoreErrors) warnings.push(`${origin}: ${text} (ignored: the key is written with "-")`);
      else errors.push(new InputError(a.file, a.line, text));
    };
    const found = knownKey(a.segments);
    if (found === undefined) {
      const family = KNOWN_FAMILIES.some((f) => a.key.startsWith(f));
      const leaf = a.segments[a.segments.length - 1] ?? '';
      // Outside the families sockaudit knows, only a known leaf name (net.ipv5.tcp_mem) reads as a typo.
      const candidates = family ? KEY_NAMES : KEY_NAMES.filter((n) => n.endsWith(`.${leaf}`));
      const near = nearest(a.key, candidates);
      if (family || near !== undefined) {
        problem(`unknown sysctl ${JSON.stringify(a.written)}${near === undefined ? '' : `; did you mean ${JSON.stringify(near)}?`}`);
      } else {
        flags.push({
          id: 'not-modelled',
          level: 'notice',
          key: a.key,
          origin,
          message: `${a.key} is outside what sockaudit models (net.ipv4, net.core, net.netfilter, fs): not applied`,
          figures: {},
        });
      }
      continue;
    }
    if (found.readOnly === true) {
      problem(`${a.key} is read-only: the kernel refuses to set it`);
      continue;
    }
    let values: Int[] | string;
    if (found.count === 'text') {
      values = a.value.replace(/\s+/g, ' ');
    } else {
      const tokens = a.value.split(/\s+/);
      const bad = tokens.find((t) => !(found.signed === true ? /^-?\d+$/ : /^\d+$/).test(t));
      if (bad !== undefined) {
        problem(`${a.key}: ${JSON.stringify(bad)} is not ${found.signed === true ? 'an integer' : 'a whole number >= 0'}`);
        continue;
      }
      if (tokens.length !== found.count) {
        problem(`${a.key} takes ${found.count === 1 ? 'one value' : `${found.count} values`}, found ${tokens.length}: ${JSON.stringify(a.value)}`);
        continue;
      }
      values = tokens.map(toInt);
      if (a.key === 'net.ipv4.ip_local_port_range' && num(values[0]) > num(values[1])) {
        problem(`${a.key}: the low port ${String(values[0])} is above the high port ${String(values[1])}; the kernel refuses it`);
        continue;
      }
    }
    const setting: ProposedSetting = {
      key: a.key,
      values,
      text: typeof values === 'string' ? values : values.map(String).join(' '),
      file: a.file,
      line: a.line,
      origin,
      scope: found.scope,
      evaluated: EVALUATED.has(a.key),
    };
    // sysctl applies lines in order: a later line for the same key wins.
    byKey.delete(a.key);
    byKey.set(a.key, setting);
  }
  const value = [...byKey.values()];
  for (const s of value) {
    if (TRIPLES.includes(s.key) && Array.isArray(s.values)) {
      const [a, b, c] = s.values.map(num) as [number, number, number];
      if (!(a <= b && b <= c)) {
        flags.push({
          id: 'not-increasing',
          level: 'warning',
          key: s.key,
          origin: s.origin,
          message: `${s.key} = ${s.text}: the three values do not increase; the kernel applies them as given`,
          figures: { first: a, second: b, third: c },
        });
      }
    }
  }
  return { value, warnings, errors, flags };
}

function toInt(token: string): Int {
  const n = Number(token);
  return Number.isSafeInteger(n) ? n : BigInt(token);
}

function num(x: Int | undefined): number {
  return typeof x === 'bigint' ? Number(x) : (x ?? Number.NaN);
}

// ---- Applying and judging ---------------------------------------------------------------------

export type WhatIfFlagId =
  | 'tcp-mem-above-ram'
  | 'udp-mem-above-ram'
  | 'orphans-below-4x-peak'
  | 'global-in-netns'
  | 'not-increasing'
  | 'not-modelled'
  | 'group-without-hosts'
  | 'groups-conflict';

export interface WhatIfFlag {
  id: WhatIfFlagId;
  /** warning: the value does harm on this host (or everywhere); notice: worth knowing. */
  level: 'warning' | 'notice';
  key: string;
  /** Where the value was written (`file:line`), or the group flag for group-level flags. */
  origin: string;
  message: string;
  figures: Record<string, number | string | null>;
}

export interface WhatIfHostInput {
  name: string;
  groups: readonly string[];
  snapshot: Snapshot;
}

export interface AppliedSetting {
  key: string;
  text: string;
  origin: string;
  /** `all hosts` or `group NAME`. */
  from: string;
  /** The host's value before, as read (`missing`, `unreadable` when not a value). */
  was: string;
  /** false when the key cannot be set on this host (a global key in a child network namespace). */
  applied: boolean;
}

export interface MovedFigure {
  /** Finding key, `id` or `id.item`. */
  finding: string;
  figure: string;
  before: number | string | null;
  after: number | string | null;
}

export interface FindingChange {
  finding: string;
  before: Verdict | null;
  after: Verdict | null;
  beforeSummary: string | null;
  afterSummary: string | null;
}

export type Change = 'better' | 'worse' | 'same';

export interface WhatIfHost {
  name: string;
  groups: string[];
  before: HostVerdict;
  after: HostVerdict;
  change: Change;
  settings: AppliedSetting[];
  flags: WhatIfFlag[];
  /** Findings whose level or summary changed. */
  findings: FindingChange[];
  moved: MovedFigure[];
}

export interface WhatIfOutcome {
  hosts: WhatIfHost[];
  /** Proposal-level flags (values that do not increase, unmodelled keys, groups without hosts). */
  flags: WhatIfFlag[];
}

/**
 * Applies the proposal to every host and evaluates before and after with the same config, so the
 * difference is the proposal's alone.
 */
export function assembleWhatIf(hosts: readonly WhatIfHostInput[], proposal: Proposal, config: EvalConfig = defaultConfig): WhatIfOutcome {
  const flags = [...proposal.flags];
  for (const group of new Set(proposal.groups.map((g) => g.group))) {
    if (!hosts.some((h) => h.groups.includes(group))) {
      const keys = proposal.groups.filter((g) => g.group === group).flatMap((g) => g.settings.map((s) => s.key));
      flags.push({
        id: 'group-without-hosts',
        level: 'notice',
        key: keys.join(', '),
        origin: `--set-for ${group}`,
        message: `no audited host is in group ${group}: its values apply nowhere`,
        figures: {},
      });
    }
  }
  return { hosts: hosts.map((h) => assembleHost(h, proposal, config)), flags };
}

interface Resolved {
  setting: ProposedSetting;
  from: string;
  /** Other groups of this host that set the key, overridden by a later one. */
  overridden: string[];
}

/** The settings for one host: the fleet's, then each of its groups' in the order given. */
export function resolveSettings(groups: readonly string[], proposal: Proposal): Resolved[] {
  const byKey = new Map<string, Resolved>();
  for (const s of proposal.settings) byKey.set(s.key, { setting: s, from: 'all hosts', overridden: [] });
  for (const g of proposal.groups) {
    if (!groups.includes(g.group)) continue;
    for (const s of g.settings) {
      const prior = byKey.get(s.key);
      const overridden = prior !== undefined && prior.from !== 'all hosts' ? [...prior.overridden, prior.from] : [];
      byKey.set(s.key, { setting: s, from: `group ${g.group}`, overridden });
    }
  }
  return [...byKey.values()];
}

function assembleHost(host: WhatIfHostInput, proposal: Proposal, config: EvalConfig): WhatIfHost {
  const inChildNetns = host.snapshot.initNetns === false;
  const sysctl: Record<string, Reading<SysctlValue>> = { ...host.snapshot.sysctl };
  const settings: AppliedSetting[] = [];
  const flags: WhatIfFlag[] = [];

  for (const { setting: s, from, overridden } of resolveSettings(host.groups, proposal)) {
    const applied = !(s.scope === 'global' && inChildNetns);
    settings.push({ key: s.key, text: s.text, origin: s.origin, from, was: describeValue(host.snapshot.sysctl[s.key]), applied });
    if (overridden.length > 0) {
      flags.push({
        id: 'groups-conflict',
        level: 'notice',
        key: s.key,
        origin: s.origin,
        message: `${s.key}: ${overridden.join(' and ')} also set it; ${from} wins, given last`,
        figures: {},
      });
    }
    if (!applied) {
      flags.push({
        id: 'global-in-netns',
        level: 'warning',
        key: s.key,
        origin: s.origin,
        message: `${s.key} is global to the host and cannot be set inside this host's network namespace (audited in a container): not applied; set it on the host itself`,
        figures: {},
      });
      continue;
    }
    if (!Array.isArray(s.values)) continue;
    sysctl[s.key] = { state: 'ok', value: [...s.values] };
    // fs.file-nr's third value is fs.file-max: the evaluator reads the limit there.
    const fileNr = sysctl['fs.file-nr'];
    if (s.key === 'fs.file-max' && fileNr?.state === 'ok' && fileNr.value.length >= 3 && s.values[0] !== undefined) {
      sysctl['fs.file-nr'] = { state: 'ok', value: [fileNr.value[0] as Int, fileNr.value[1] as Int, s.values[0]] };
    }
  }

  const after: Snapshot = { ...host.snapshot, sysctl };
  flags.push(...hostFlags(host.snapshot, proposalValues(settings, sysctl)));
  const before = evaluateHost(host.snapshot, config);
  const afterVerdict = evaluateHost(after, config);
  return {
    name: host.name,
    groups: [...host.groups],
    before,
    after: afterVerdict,
    change: compareVerdicts(before, afterVerdict),
    settings,
    flags,
    findings: findingChanges(before.findings, afterVerdict.findings),
    moved: movedFigures(before.findings, afterVerdict.findings),
  };
}

/** The applied values by key, as numbers. */
function proposalValues(settings: AppliedSetting[], sysctl: Record<string, Reading<SysctlValue>>): Map<string, { values: number[]; origin: string }> {
  const out = new Map<string, { values: number[]; origin: string }>();
  for (const s of settings) {
    const r = sysctl[s.key];
    if (s.applied && r?.state === 'ok') out.set(s.key, { values: r.value.map((v) => num(v)), origin: s.origin });
  }
  return out;
}

function hostFlags(snapshot: Snapshot, proposed: Map<string, { values: number[]; origin: string }>): WhatIfFlag[] {
  const flags: WhatIfFlag[] = [];
  const total = memTotalBytes(snapshot);
  const page = snapshot.pageSize !== undefined && snapshot.pageSize > 0 ? snapshot.pageSize : undefined;
  for (const [key, id] of [
    ['net.ipv4.tcp_mem', 'tcp-mem-above-ram'],
    ['net.ipv4.udp_mem', 'udp-mem-above-ram'],
  ] as const) {
    const p = proposed.get(key);
    const high = p?.values[2];
    if (p === undefined || high === undefined || !total.ok) continue;
    // Unknown page size: 4096 bytes, the smallest, so a flag raised is certain.
    const highBytes = high * (page ?? 4096);
    if (highBytes > total.value) {
      flags.push({
        id,
        level: 'warning',
        key,
        origin: p.origin,
        message:
          `${key} high ${high} pages is ${bytes(highBytes)}, ${pct((100 * highBytes) / total.value)} of this host's RAM ` +
          `(${bytes(total.value)}): no ${key === 'net.ipv4.tcp_mem' ? 'TCP' : 'UDP'} limit would protect it from running out of memory`,
        figures: { high, pageSize: page ?? null, highBytes, memTotalBytes: total.value },
      });
    }
  }
  const orphans = proposed.get('net.ipv4.tcp_max_orphans');
  const limit = orphans?.values[0];
  const peak = gaugePeak(snapshot, 'orphan');
  if (orphans !== undefined && limit !== undefined && peak.ok && limit < 4 * peak.value.peak) {
    flags.push({
      id: 'orphans-below-4x-peak',
      level: 'warning',
      key: 'net.ipv4.tcp_max_orphans',
      origin: orphans.origin,
      message:
        `tcp_max_orphans ${limit} is below 4 x the ${peak.value.peak} orphans seen on this host (${4 * peak.value.peak}): ` +
        'past a quarter of the limit the kernel already kills penalised orphans',
      figures: { tcpMaxOrphans: limit, peakOrphans: peak.value.peak, fourTimesPeak: 4 * peak.value.peak, orphanDocBytes: limit * ORPHAN_DOC_BYTES },
    });
  }
  return flags;
}

function describeValue(r: Reading<SysctlValue> | undefined): string {
  if (r === undefined) return 'not read';
  return r.state === 'ok' ? r.value.map(String).join(' ') : r.state;
}

function compareVerdicts(before: HostVerdict, after: HostVerdict): Change {
  const a = VERDICT_ORDER.indexOf(before.verdict);
  const b = VERDICT_ORDER.indexOf(after.verdict);
  if (a !== b) return b < a ? 'better' : 'worse';
  if (after.score !== before.score) return after.score < before.score ? 'better' : 'worse';
  return 'same';
}

function findingKey(f: Finding): string {
  return f.item === undefined ? f.id : `${f.id}.${f.item}`;
}

function findingChanges(before: Finding[], after: Finding[]): FindingChange[] {
  const keys = [...new Set([...before.map(findingKey), ...after.map(findingKey)])].sort();
  const changes: FindingChange[] = [];
  for (const key of keys) {
    const b = before.find((f) => findingKey(f) === key);
    const a = after.find((f) => findingKey(f) === key);
    if (b?.level === a?.level && b?.summary === a?.summary) continue;
    changes.push({ finding: key, before: b?.level ?? null, after: a?.level ?? null, beforeSummary: b?.summary ?? null, afterSummary: a?.summary ?? null });
  }
  return changes;
}

function movedFigures(before: Finding[], after: Finding[]): MovedFigure[] {
  const moved: MovedFigure[] = [];
  for (const a of after) {
    const key = findingKey(a);
    const b = before.find((f) => findingKey(f) === key);
    const names = [...new Set([...Object.keys(b?.figures ?? {}), ...Object.keys(a.figures)])];
    for (const figure of names) {
      const was = b?.figures[figure] ?? null;
      const now = a.figures[figure] ?? null;
      if (was !== now) moved.push({ finding: key, figure, before: was, after: now });
    }
  }
  return moved;
}

/** Harm, as a CI gate on a rollout asks: a host whose verdict gets worse and reaches warning, or a warning flag. */
export function judgeWhatIf(outcome: WhatIfOutcome): { harmful: boolean; reason: string } {
  const warnings = outcome.flags.filter((f) => f.level === 'warning').length + outcome.hosts.reduce((n, h) => n + h.flags.filter((f) => f.level === 'warning').length, 0);
  // A score moving within a verdict, or a new notice, is worth reading but is not harm.
  const rank = (v: Verdict): number => VERDICT_ORDER.indexOf(v);
  const worse = outcome.hosts.filter((h) => rank(h.after.verdict) > rank(h.before.verdict) && rank(h.after.verdict) >= rank('warning')).length;
  const parts: string[] = [];
  if (worse > 0) parts.push(`${worse} host(s) worse after the change, at warning or above`);
  if (warnings > 0) parts.push(`${warnings} warning flag(s)`);
  return { harmful: parts.length > 0, reason: parts.length > 0 ? parts.join(', ') : 'no host worse at warning or above, no warning flag' };
}
