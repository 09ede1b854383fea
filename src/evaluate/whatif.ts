// What-if for a sysctl rollout (RISK-MODEL.md section 5): proposed values are checked against the
// sysctls sockaudit knows, applied to each host's snapshot, and the host is evaluated again with the
// shared evaluator. Flags say what one fixed value does to a mixed fleet. Pure: no I/O, no clock.
import { InputError } from '../errors.js';
import type { Result } from '../errors.js';
import { SYSCTLS } from '../procfs/sections.js';
import { KEY_NAMES, KNOWN_FAMILIES, knownKey, TRIPLES, type KeyScope, type KeySpec } from './sysctl-keys.js';
import type { Int, Reading, Snapshot, SysctlValue } from '../procfs/types.js';
import { nearest } from './config.js';
import type { EvalConfig } from './config.js';
import { evaluateHost } from './evaluate.js';
import { bytes, pct } from './format.js';
import { gaugePeak, looksLikeContainer, memTotalBytes } from './inputs.js';
import { tcpMemScope } from './netns.js';
import { ORPHAN_DOC_BYTES } from './kernel-facts.js';
import { parseSysctlConf, parseSysctlLine } from './sysctl-conf.js';
import type { SysctlAssignment } from './sysctl-conf.js';
import { VERDICT_ORDER } from './types.js';
import type { Finding, HostVerdict, Verdict } from './types.js';
import { appendAll } from '../arrays.js';

export { KNOWN_KEYS, knownKey, type KeyScope, type KeySpec } from './sysctl-keys.js';

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
export function assembleWhatIf(hosts: readonly WhatIfHostInput[], proposal: Proposal, config: EvalConfig): WhatIfOutcome {
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
  const inChildNetns = looksLikeContainer(host.snapshot);
  // 3.3 - 3.12: a child namespace accepts tcp_mem into its own copy, which the kernel never enforces.
  const tcpMemCopy = !tcpMemScope(host.snapshot).use;
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
        message:
          s.key === 'net.ipv4.tcp_mem' && tcpMemCopy
            ? `${s.key} would be accepted inside this host's network namespace (audited in a container, kernel 3.3 to 3.12) ` +
              "but only into the namespace's own copy, which the kernel does not enforce: not applied; set it on the host itself"
            : `${s.key} is global to the host and cannot be set inside this host's network namespace (audited in a container): not applied; set it on the host itself`,
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
  appendAll(flags, hostFlags(host.snapshot, proposalValues(settings, sysctl)));
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
