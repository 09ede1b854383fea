// What the commands print when they finish: the audit's ranked summary with the next step for
// hosts refused for an unknown host key, the files written, the verdict line; diff's comparison.
import type { AuditResult } from '../commands/audit.js';
import type { DiffResult, DiffOptions } from '../commands/diff.js';
import type { Io } from '../commands/io.js';
import { buildView, renderSummary } from '../report/index.js';
import { wrapLine } from '../report/terminal.js';
import type { HostView } from '../report/view-model.js';
import { assembleTrendView } from '../report/trend-view.js';
import type { HostResult, Trend } from '../run/types.js';
import { describeShardLine } from '../inventory/shard.js';
import { cut, visibleLine } from './terminal-text.js';

const DEFAULT_COLUMNS = 80;
/** Hosts whose ssh-keyscan line is printed; the rest are counted. */
const KEYSCAN_LINES = 3;

/** Where the summary goes and how it looks there. */
export interface SummaryTarget {
  stream: NodeJS.WritableStream;
  color: boolean;
  columns: number;
}

export function summaryTarget(io: Io): SummaryTarget {
  return { stream: io.stdout, color: io.color, columns: io.columns ?? DEFAULT_COLUMNS };
}

export function printAuditSummary(result: AuditResult, to: SummaryTarget): void {
  const view = buildView(result.ranked);
  // The last column is left empty: some terminals wrap as soon as it is written.
  to.stream.write(renderSummary(view, { color: to.color, width: to.columns - 1 }));
  if (result.run.shard) to.stream.write(`${visibleLine(describeShardLine(result.run.shard))}\n`);
  // Wrapped, not cut: the reason is the point of these lines.
  for (const line of hostKeyNotes(view.hosts)) for (const l of wrapLine(line, Math.max(40, to.columns - 1))) to.stream.write(`${l}\n`);
  for (const line of hostKeyAdvice(result.run.hosts)) to.stream.write(`${cut(line, Math.max(40, to.columns - 1))}\n`);
  for (const f of result.files) to.stream.write(`wrote ${visibleLine(f)}\n`);
  for (const u of result.unwritten) to.stream.write(`could not write ${visibleLine(u.path)}: ${visibleLine(u.reason)}\n`);
  to.stream.write(`exit ${result.judgement.exitCode}: ${result.judgement.reason}\n`);
}

/**
 * The next step for hosts refused because their key is not in known_hosts (a first audit from a
 * new laptop fails this way for every host): said once, with the ssh-keyscan line of a few.
 */
export function hostKeyAdvice(hosts: readonly HostResult[]): string[] {
  const unknown = hosts.flatMap((h) => {
    const o = h.outcome;
    return o.status === 'failed' && o.stage === 'host-key' && /is not in known_hosts/.test(o.message) ? [o.target] : [];
  });
  if (unknown.length === 0) return [];
  const lines = [
    `${unknown.length} host${unknown.length === 1 ? ' is' : 's are'} not in known_hosts. Check each fingerprint shown in the report against the host's own`,
    `(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on it), then add the keys:`,
  ];
  for (const t of unknown.slice(0, KEYSCAN_LINES)) {
    const address = visibleLine(t.address ?? t.name);
    lines.push(`  ssh-keyscan -p ${t.port ?? 22} ${shellWord(address)} >> ~/.ssh/known_hosts`);
  }
  if (unknown.length > KEYSCAN_LINES) lines.push(`  (and ${unknown.length - KEYSCAN_LINES} more)`);
  lines.push('or trust each key on first sight with --host-key-policy accept-new.');
  return lines;
}

/** Hosts whose key line is printed; the rest are counted. */
const KEY_NOTE_LINES = 5;

/**
 * Hosts whose key was newly accepted or not verified at all, each with the policy it got and
 * why: the identity of those hosts rests on that reason.
 */
export function hostKeyNotes(hosts: readonly HostView[]): string[] {
  const marked = hosts.filter((h) => h.hostKey?.mark);
  const lines = marked.slice(0, KEY_NOTE_LINES).map((h) => `${visibleLine(h.name)}: ${h.hostKey?.mark ?? ''} (${visibleLine(h.hostKey?.text ?? '')})`);
  if (marked.length > KEY_NOTE_LINES) lines.push(`(and ${marked.length - KEY_NOTE_LINES} more hosts whose key was newly accepted or not verified)`);
  return lines;
}

/** A word as it can be pasted into a shell. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_.:@%+=,\/\[\]-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function printDiff(result: DiffResult, opts: Pick<DiffOptions, 'json'>, io: Io): void {
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(result.trend, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  } else {
    io.stdout.write(renderTrendText(result.trend));
  }
  for (const f of result.files) io.stdout.write(`wrote ${visibleLine(f)}\n`);
  for (const u of result.unwritten) io.stdout.write(`could not write ${visibleLine(u.path)}: ${visibleLine(u.reason)}\n`);
}

/** The comparison for a terminal: one line per changed host, then its changes indented. */
export function renderTrendText(trend: Trend): string {
  const view = assembleTrendView(trend, () => null);
  const lines = [`sockaudit diff: ${view.line}`, visibleLine(view.since), `current: ${visibleLine(trend.current.startedAt)}, ${trend.current.hosts} hosts`];
  const names = view.hosts.map((h) => cut(visibleLine(h.name), 40));
  // A loop, not a spread: the list is as long as the fleet.
  const width = Math.min(40, names.reduce((w, n) => Math.max(w, [...n].length), 4));
  view.hosts.forEach((h, i) => {
    const delta = h.scoreDelta === '' ? '' : ` (${h.scoreDelta})`;
    lines.push(`  ${h.changeSymbol} ${h.changeLabel.padEnd(17)} ${(names[i] ?? '').padEnd(width)}  ${h.before} → ${h.after}${delta}`);
    for (const n of h.notes) lines.push(`      ${cut(visibleLine(n), 160)}`);
  });
  return `${lines.join('\n')}\n`;
}
