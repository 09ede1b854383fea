// Compare: the sysctl values and limits of a run's hosts side by side, by group, marking drift (a
// host that differs from its group's most common value). Pure: the run in, the model out. Values are
// raw here; the renderers clean and escape them.
import { holderKey } from './trend.js';
import { parseKernelRelease } from '../evaluate/units.js';
import { levelAbove } from '../evaluate/comparators.js';
import { defaultConfig, thresholdsFor, type EvalConfig } from '../evaluate/config.js';
import type { Level, Thresholds } from '../evaluate/index.js';
import { gaugePeak, memTotalBytes } from '../evaluate/inputs.js';
import { ORPHAN_DOC_BYTES } from '../evaluate/kernel-facts.js';
import { SYSCTLS } from '../procfs/sections.js';
import type { Reading, Snapshot, SysctlValue } from '../procfs/types.js';
import type { AuditRun } from './types.js';

export type CompareBy = 'fleet' | 'group' | 'kernel' | 'holder';
export const COMPARE_BY: readonly CompareBy[] = ['fleet', 'group', 'kernel', 'holder'];

/**
 * Keys left out because they differ on every host by nature: gauges and counters (open files,
 * conntrack entries). Hostname and boot id are facts, never compared.
 */
export const VOLATILE_KEYS: readonly string[] = ['fs.file-nr', 'net.netfilter.nf_conntrack_count'];

export interface CompareHost {
  name: string;
  /** Audited: values read; not audited: listed with its reason, no values. */
  audited: boolean;
  reason: string | null;
  kernel: string | null;
  pageSize: number | null;
  memTotalBytes: number | null;
  /** true: initial netns; false: container; null: unknown. */
  initNetns: boolean | null;
  /** Value per key as shown: `185565 247423 371130`, or `missing`, `unreadable`, `invalid`, `not read`. */
  values: Record<string, string>;
  limits: Record<LimitId, RelativeLimit>;
}

export type LimitId = 'tcpMemHighOfRam' | 'udpMemHighOfRam' | 'orphansOfLimit' | 'maxOrphansOfPeak' | 'orphanMemoryOfRam';

export interface RelativeLimit {
  /** The figure, null when an input is missing. */
  value: number | null;
  /** The level the check behind this figure gives it (limits-vs-ram, orphans); null without a value. */
  level: Level | null;
  /** What it is made of, e.g. "371,130 pages x 4096 of 16 GiB". */
  basis: string | null;
}

export interface LimitColumn {
  id: LimitId;
  label: string;
  unit: '%' | 'x';
  /** The check whose lines colour the column, and those lines. */
  judgedBy: string;
}

/** The relative limits, each with the check whose lines colour it (the config's lines, else the rules'). */
export function limitColumns(config: EvalConfig = defaultConfig): LimitColumn[] {
  const ram = thresholdsFor('limits-vs-ram', config);
  const orphans = thresholdsFor('orphans', config);
  const orphanLines = (['notice', 'warning', 'critical'] as const).flatMap((l) => (orphans[l] === undefined ? [] : [`${l} above ${orphans[l]} %`])).join(', ');
  return [
    { id: 'tcpMemHighOfRam', label: 'tcp_mem high, % of RAM', unit: '%', judgedBy: `limits-vs-ram: warning above ${ram.warning} % of RAM` },
    { id: 'udpMemHighOfRam', label: 'udp_mem high, % of RAM', unit: '%', judgedBy: `limits-vs-ram: warning above ${ram.warning} % of RAM` },
    { id: 'orphansOfLimit', label: 'peak orphans, % of tcp_max_orphans', unit: '%', judgedBy: `orphans: ${orphanLines}` },
    { id: 'maxOrphansOfPeak', label: 'tcp_max_orphans, times the peak orphans', unit: 'x', judgedBy: `orphans, the same lines turned round: ${orphanLines} of the limit` },
    { id: 'orphanMemoryOfRam', label: 'tcp_max_orphans x 64 KiB, % of RAM', unit: '%', judgedBy: `limits-vs-ram: notice above ${ram.notice} % of RAM` },
  ];
}

/** The columns with the rules' own lines. */
export const LIMITS: readonly LimitColumn[] = limitColumns();

export interface KeyRow {
  key: string;
  /** The group's most common value; null when no value is more common than every other. */
  common: string | null;
  /** How many hosts hold the common value. */
  commonCount: number;
  /** Hosts that differ from the common value, with theirs. */
  drift: { host: string; value: string }[];
  /**
   * Hosts with no value for the key (`missing` on an older kernel or without the module,
   * `unreadable`, `invalid`, `not read`): not a value, so neither counted for the majority nor drift.
   */
  absent: { host: string; value: string }[];
  /** Distinct values seen, not counting the absent. */
  distinct: number;
}

export interface CompareGroup {
  name: string;
  /** Audited hosts first, by name; then the not audited. */
  hosts: CompareHost[];
  keys: KeyRow[];
  /** Keys where some host drifts, or no value is most common. */
  differing: number;
}

export interface CompareModel {
  by: CompareBy;
  /** The relative limits shown, with the lines that colour them. */
  limitColumns: LimitColumn[];
  keys: string[];
  groups: CompareGroup[];
  /** Hosts that drift on at least one key, over every group. */
  driftingHosts: number;
  audited: number;
  notAudited: number;
}

/**
 * `--by` when none is given: each host's inventory group when the inventory has groups (hosts of one
 * role are compared with each other, not with the whole fleet), else the fleet as one group.
 */
export function defaultCompareBy(run: AuditRun): CompareBy {
  return run.hosts.some((h) => h.outcome.target.groups.length > 0) ? 'group' : 'fleet';
}

/** `config`: the evaluator's thresholds, which colour the relative limits as the checks judge them. */
export function assembleCompare(run: AuditRun, by: CompareBy = defaultCompareBy(run), config: EvalConfig = defaultConfig): CompareModel {
  const lines = { ram: thresholdsFor('limits-vs-ram', config), orphans: thresholdsFor('orphans', config) };
  const hosts = run.hosts.map((h) => ({
    group: groupOf(h.outcome.target.groups, h.outcome.status === 'failed' ? undefined : h.outcome.snapshot, by),
    host: h.outcome.status === 'failed' ? notAudited(h.outcome.target.name, `${h.outcome.stage}: ${h.outcome.message}`) : audited(h.outcome.target.name, h.outcome.snapshot, lines),
  }));
  const keys = compareKeys(run);
  const names = [...new Set(hosts.map((h) => h.group))].sort(groupOrder);
  const groups = names.map((name) => {
    const members = hosts
      .filter((h) => h.group === name)
      .map((h) => h.host)
      .sort((a, b) => Number(b.audited) - Number(a.audited) || cmp(a.name, b.name));
    const rows = keys.map((key) => assembleRow(key, members.filter((m) => m.audited)));
    return { name, hosts: members, keys: rows, differing: rows.filter((r) => r.drift.length > 0 || (r.common === null && r.distinct > 1)).length };
  });
  const drifting = new Set(groups.flatMap((g) => g.keys.flatMap((k) => k.drift.map((d) => `${g.name}\u0000${d.host}`))));
  return {
    by,
    limitColumns: limitColumns(config),
    keys,
    groups,
    driftingHosts: drifting.size,
    audited: hosts.filter((h) => h.host.audited).length,
    notAudited: hosts.filter((h) => !h.host.audited).length,
  };
}

/** SYSCTLS in their order, then any other key a snapshot holds, sorted; volatile keys left out. */
function compareKeys(run: AuditRun): string[] {
  const seen = new Set<string>();
  for (const h of run.hosts) if (h.outcome.status !== 'failed') for (const k of Object.keys(h.outcome.snapshot.sysctl)) seen.add(k);
  const known = (SYSCTLS as readonly string[]).filter((k) => seen.has(k));
  const others = [...seen].filter((k) => !(SYSCTLS as readonly string[]).includes(k)).sort(cmp);
  return [...known, ...others].filter((k) => !VOLATILE_KEYS.includes(k));
}

const NO_GROUP = '(no group)';
const NO_KERNEL = '(kernel unknown)';
const NO_HOLDER = '(no orphan holder)';
const HOLDERS_NOT_READ = '(holders not read)';

function groupOf(groups: readonly string[], snapshot: Snapshot | undefined, by: CompareBy): string {
  if (by === 'fleet') return 'fleet';
  if (by === 'group') return groups[0] ?? NO_GROUP;
  // The biggest orphan group, `STATE address:port`: hosts held by the same service fall together.
  if (by === 'holder') {
    const h = snapshot?.holders;
    if (h?.state !== 'ok') return HOLDERS_NOT_READ;
    const top = h.value.groups[0];
    return top ? holderKey(top) : NO_HOLDER;
  }
  const v = parseKernelRelease(snapshot?.kernelRelease);
  return v === undefined ? NO_KERNEL : `${v.major}.${v.minor}`;
}

/** Named groups first, then the catch-alls; kernels by version. */
function groupOrder(a: string, b: string): number {
  const catchAll = (s: string): number => (s === NO_GROUP || s === NO_KERNEL || s === NO_HOLDER || s === HOLDERS_NOT_READ ? 1 : 0);
  const va = parseKernelRelease(a);
  const vb = parseKernelRelease(b);
  if (va && vb) return va.major - vb.major || va.minor - vb.minor;
  return catchAll(a) - catchAll(b) || cmp(a, b);
}

/** Readings that are not values: the key is absent, or could not be read. */
const NOT_VALUES: ReadonlySet<string> = new Set(['missing', 'unreadable', 'invalid', 'not read']);

function assembleRow(key: string, members: CompareHost[]): KeyRow {
  const counts = new Map<string, number>();
  const absent: { host: string; value: string }[] = [];
  for (const m of members) {
    const v = m.values[key] ?? 'not read';
    if (NOT_VALUES.has(v)) absent.push({ host: m.name, value: v });
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]));
  const [top, second] = ranked;
  // A tie has no majority: no host is singled out, the row is marked as split.
  const common = top !== undefined && (second === undefined || top[1] > second[1]) ? top[0] : null;
  const drift =
    common === null
      ? []
      : members.flatMap((m) => {
          const v = m.values[key] ?? 'not read';
          return NOT_VALUES.has(v) || v === common ? [] : [{ host: m.name, value: v }];
        });
  return { key, common, commonCount: common === null ? 0 : (top?.[1] ?? 0), drift, absent, distinct: ranked.length };
}

function notAudited(name: string, reason: string): CompareHost {
  const limits = Object.fromEntries(LIMITS.map((l) => [l.id, { value: null, level: null, basis: null }])) as Record<LimitId, RelativeLimit>;
  return { name, audited: false, reason, kernel: null, pageSize: null, memTotalBytes: null, initNetns: null, values: {}, limits };
}

interface Lines {
  ram: Thresholds;
  orphans: Thresholds;
}

function audited(name: string, s: Snapshot, lines: Lines): CompareHost {
  const values: Record<string, string> = {};
  for (const [key, r] of Object.entries(s.sysctl)) values[key] = show(r);
  const total = memTotalBytes(s);
  return {
    name,
    audited: true,
    reason: null,
    kernel: s.kernelRelease ?? null,
    pageSize: s.pageSize ?? null,
    memTotalBytes: total.ok ? total.value : null,
    initNetns: s.initNetns ?? null,
    values,
    limits: assembleLimits(s, total.ok ? total.value : undefined, lines),
  };
}

function show(r: Reading<SysctlValue>): string {
  return r.state === 'ok' ? r.value.map(String).join(' ') : r.state;
}

/**
 * Limits relative to the host, so hosts of different sizes compare fairly, each with the level its
 * check gives it: tcp_mem and udp_mem high and tcp_max_orphans x 64 KiB against RAM by limits-vs-ram
 * (warning, notice), the peak orphans against tcp_max_orphans by orphans, and the limit as a multiple
 * of the peak by the same lines turned round (4 x the peak is the quarter rule).
 */
function assembleLimits(s: Snapshot, ram: number | undefined, lines: Lines): Record<LimitId, RelativeLimit> {
  const values = (key: string): number[] | undefined => {
    const r = s.sysctl[key];
    return r?.state === 'ok' ? r.value.map(Number) : undefined;
  };
  const none: RelativeLimit = { value: null, level: null, basis: null };
  const ramRule = lines.ram;
  const orphanRule = lines.orphans;
  const page = s.pageSize !== undefined && s.pageSize > 0 ? s.pageSize : undefined;
  const ofRam = (key: string): RelativeLimit => {
    const high = values(key)?.[2];
    if (high === undefined || ram === undefined || page === undefined) return none;
    const value = round((100 * high * page) / ram);
    return { value, level: judged(value, pick(ramRule, 'warning')), basis: `${high} pages x ${page} bytes of MemTotal ${ram} bytes` };
  };
  const limit = values('net.ipv4.tcp_max_orphans')?.[0];
  const peak = gaugePeak(s, 'orphan');
  const peakValue = peak.ok ? peak.value.peak : undefined;
  const orphans = (share: number): Level => levelAbove(share, orphanRule);
  return {
    tcpMemHighOfRam: ofRam('net.ipv4.tcp_mem'),
    udpMemHighOfRam: ofRam('net.ipv4.udp_mem'),
    orphansOfLimit:
      limit !== undefined && peakValue !== undefined && limit > 0
        ? { value: round((100 * peakValue) / limit), level: orphans((100 * peakValue) / limit), basis: `${peakValue} of ${limit}` }
        : none,
    maxOrphansOfPeak:
      limit !== undefined && peakValue !== undefined && peakValue > 0
        ? { value: round(limit / peakValue), level: limit > 0 ? orphans((100 * peakValue) / limit) : 'critical', basis: `${limit} / ${peakValue} orphans at peak` }
        : none,
    orphanMemoryOfRam:
      limit !== undefined && ram !== undefined
        ? {
            value: round((100 * limit * ORPHAN_DOC_BYTES) / ram),
            level: judged((100 * limit * ORPHAN_DOC_BYTES) / ram, pick(ramRule, 'notice')),
            basis: `${limit} x 64 KiB of MemTotal ${ram} bytes`,
          }
        : none,
  };
}

/** One level's line of a rule: limits-vs-ram judges each figure by its own level. */
function pick(t: Thresholds, level: Level): Thresholds {
  const line = t[level];
  return line === undefined ? {} : { [level]: line };
}

function judged(value: number, thresholds: Thresholds): Level {
  return levelAbove(value, thresholds);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
