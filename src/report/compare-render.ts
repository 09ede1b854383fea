// The compare outputs: a view (cleaned, worded), HTML (template), Markdown, JSON (schemaVersion 1)
// and the terminal summary.
import { bytes, plural } from '../evaluate/format.js';
import { renderTemplate } from './handlebars.js';
import { perDistinctText, sanitizeForTerminal as clean } from '../text.js';
import type { CompareBy, CompareModel } from '../run/compare.js';
import { cut, escapeInvisible, escapeMarkdown } from './escape.js';
import { formatNumber } from './format.js';
import { mdCode } from './markdown-text.js';

export const COMPARE_SCHEMA_VERSION = 1;

export interface CompareMeta {
  tool: { name: string; version: string };
  /** The saved run compared, or null when written by the audit itself. */
  from: string | null;
  auditedAt: string;
  /** Relative link to report.html; null when none was found. */
  reportHref: string | null;
  warnings: string[];
}

export interface CompareCell {
  value: string;
  drift: boolean;
  /** No value on this host (missing, unreadable, not read): shown muted, never drift. */
  absent: boolean;
  /** Shown in a tooltip: the group's common value. */
  title: string;
}

export interface CompareHostRow {
  name: string;
  audited: boolean;
  reason: string;
  facts: string;
  cells: CompareCell[];
  /** Relative limits, with the level their check gives them (null: no value). */
  limits: { value: string; title: string; level: string | null }[];
  driftCount: number;
}

export interface CompareGroupView {
  name: string;
  anchor: string;
  /** "6 hosts, 1 drifting on 1 key". */
  line: string;
  rows: {
    key: string;
    common: string;
    split: boolean;
    drift: { host: string; value: string }[];
    absent: { host: string; value: string }[];
    /** Some hosts have a value and some have none: worth saying (a key no host has is not). */
    partial: boolean;
  }[];
  differingRows: number;
  /** Rows where some hosts have no value while others do. */
  absentRows: number;
  columns: { key: string; short: string }[];
  limitColumns: { label: string; title: string }[];
  hosts: CompareHostRow[];
}

export interface CompareView {
  tool: { name: string; version: string };
  from: string | null;
  auditedAt: string;
  by: CompareBy;
  byLabel: string;
  reportHref: string | null;
  warnings: string[];
  headline: string;
  volatile: string;
  groups: CompareGroupView[];
}

const BY_LABEL: Record<CompareBy, string> = {
  fleet: 'the whole fleet as one group',
  group: "each host's first inventory group",
  kernel: 'kernel major.minor',
  holder: 'the biggest orphan holder (STATE address:port)',
};

export function buildCompareView(model: CompareModel, meta: CompareMeta, volatileKeys: readonly string[]): CompareView {
  const driftRows = model.groups.reduce((n, g) => n + g.keys.filter((k) => k.drift.length > 0).length, 0);
  const headline =
    model.audited === 0
      ? 'no audited host to compare'
      : model.driftingHosts === 0
        ? `no drift: ${plural(model.audited, 'audited host')} agree${model.audited === 1 ? 's' : ''} within ${plural(model.groups.length, 'group')}`
        : `${plural(model.driftingHosts, 'host')} drift${model.driftingHosts === 1 ? 's' : ''} from ${model.groups.length === 1 ? 'the group' : 'their group'} on ${plural(driftRows, 'key')}`;
  const columns = model.keys.map((k) => ({ key: clean(k), short: clean(k.replace(/^net\.(ipv4|core|netfilter)\./, '')) }));
  const limitColumns = model.limitColumns.map((l) => ({ label: l.label, title: l.judgedBy }));
  const cleanValue = perDistinctText(clean);
  return {
    tool: meta.tool,
    from: meta.from === null ? null : clean(meta.from),
    auditedAt: meta.auditedAt,
    by: model.by,
    byLabel: BY_LABEL[model.by],
    reportHref: meta.reportHref,
    warnings: meta.warnings.map(clean),
    headline,
    volatile: ['hostname', 'boot id', ...volatileKeys].join(', '),
    groups: model.groups.map((g, i) => {
      const driftBy = new Map<string, Set<string>>();
      for (const k of g.keys) for (const d of k.drift) (driftBy.get(d.host) ?? driftBy.set(d.host, new Set()).get(d.host))?.add(k.key);
      const audited = g.hosts.filter((h) => h.audited).length;
      const drifting = driftBy.size;
      // What a cell needs from its key's row, found once per row: a fleet has hosts x keys cells.
      const rowOf = new Map(
        g.keys.map((r) => [r.key, { absent: new Set(r.absent.map((a) => a.host)), title: r.common === null ? 'no common value' : `common: ${clean(r.common)}` }]),
      );
      return {
        name: clean(g.name),
        anchor: `group-${i + 1}`,
        line: `${plural(audited, 'audited host')}${g.hosts.length > audited ? `, ${g.hosts.length - audited} not audited` : ''}; ${drifting === 0 ? 'no drift' : `${drifting} drifting`}`,
        rows: g.keys.map((k) => ({
          key: clean(k.key),
          common: k.common === null ? (k.distinct > 1 ? 'no majority' : '—') : clean(k.common),
          split: k.common === null && k.distinct > 1,
          drift: k.drift.map((d) => ({ host: clean(d.host), value: clean(d.value) })),
          absent: k.absent.map((d) => ({ host: clean(d.host), value: clean(d.value) })),
          partial: k.absent.length > 0 && k.distinct > 0,
        })),
        differingRows: g.differing,
        absentRows: g.keys.filter((k) => k.absent.length > 0 && k.distinct > 0).length,
        columns,
        limitColumns,
        hosts: g.hosts.map((h) => {
          const drifts = driftBy.get(h.name) ?? new Set<string>();
          return {
            name: clean(h.name),
            audited: h.audited,
            reason: clean(h.reason ?? ''),
            facts: [
              h.kernel === null ? 'kernel unknown' : `kernel ${clean(h.kernel)}`,
              h.pageSize === null ? null : `${formatNumber(h.pageSize)}-byte pages`,
              h.memTotalBytes === null ? null : `RAM ${bytes(h.memTotalBytes)}`,
              h.initNetns === false ? 'in a container netns' : null,
            ]
              .filter((x): x is string => x !== null)
              .join(', '),
            cells: model.keys.map((k) => {
              const row = rowOf.get(k);
              return {
                value: cleanValue(h.values[k] ?? 'not read'),
                drift: drifts.has(k),
                absent: row?.absent.has(h.name) === true,
                title: row?.title ?? 'no common value',
              };
            }),
            limits: model.limitColumns.map((l) => {
              const v = h.limits[l.id];
              return {
                value: v.value === null ? '—' : `${formatNumber(v.value)}${l.unit === '%' ? ' %' : ' x'}`,
                title: clean(v.basis === null ? 'an input is missing' : `${v.basis}; ${v.level ?? 'not judged'} by ${l.judgedBy}`),
                level: v.level,
              };
            }),
            driftCount: drifts.size,
          };
        }),
      };
    }),
  };
}

export function renderCompareHtml(view: CompareView): string {
  return renderTemplate('compare.html', view);
}

export function renderCompareMarkdown(view: CompareView): string {
  const md = escapeMarkdown;
  const out: string[] = [`# sockaudit compare: ${md(view.headline)}`, ''];
  out.push(`Grouped by ${md(view.byLabel)}. Left out, as they differ by nature: ${md(view.volatile)}.`, '');
  for (const w of view.warnings) out.push(`> **Warning:** ${md(w)}`, '');
  for (const g of view.groups) {
    out.push(`## ${md(g.name)}: ${md(g.line)}`, '');
    const differing = g.rows.filter((r) => r.drift.length > 0 || r.split);
    if (differing.length === 0) out.push('Every key agrees.', '');
    else {
      out.push('| key | most common | hosts that differ |', '|---|---|---|');
      for (const r of differing) {
        out.push(`| ${md(r.key)} | ${md(r.common)} | ${r.drift.map((d) => `${mdCode(d.host, { table: true })} (${md(d.value)})`).join(', ') || 'no majority: see compare.html'} |`);
      }
      out.push('');
    }
    const absent = g.rows.filter((r) => r.partial);
    if (absent.length > 0) {
      out.push('Keys some hosts do not have (not counted as a value):', '');
      for (const r of absent) out.push(`- ${md(r.key)}: ${r.absent.map((a) => `${mdCode(a.host)} (${md(a.value)})`).join(', ')}`);
      out.push('');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export function renderCompareJson(model: CompareModel, meta: CompareMeta, volatileKeys: readonly string[]): string {
  const doc = {
    schemaVersion: COMPARE_SCHEMA_VERSION,
    kind: 'compare',
    tool: meta.tool,
    from: meta.from,
    auditedAt: meta.auditedAt,
    by: model.by,
    leftOut: ['hostname', 'bootId', ...volatileKeys],
    summary: { audited: model.audited, notAudited: model.notAudited, driftingHosts: model.driftingHosts },
    keys: model.keys,
    groups: model.groups.map((g) => ({
      name: g.name,
      keys: g.keys,
      hosts: g.hosts.map((h) => ({
        name: h.name,
        audited: h.audited,
        reason: h.reason,
        kernel: h.kernel,
        pageSize: h.pageSize,
        memTotalBytes: h.memTotalBytes,
        initNetns: h.initNetns,
        values: Object.fromEntries(model.keys.map((k) => [k, h.values[k] ?? null])),
        limits: h.limits,
      })),
    })),
    warnings: meta.warnings,
  };
  return `${escapeInvisible(JSON.stringify(doc, null, 2))}\n`;
}

export function renderCompareSummary(view: CompareView, opts: { width?: number; top?: number }): string {
  const width = Math.max(40, opts.width ?? 100);
  const top = Math.max(0, opts.top ?? 20);
  const lines = [cut(`sockaudit compare: ${view.headline}`, width), cut(`grouped by ${view.byLabel}`, width)];
  const drift = view.groups.flatMap((g) => g.rows.flatMap((r) => r.drift.map((d) => `${g.name}: ${d.host} ${r.key} = ${d.value} (most common: ${r.common})`)));
  for (const l of drift.slice(0, top)) lines.push(cut(`  ${clean(l)}`, width));
  if (drift.length > top) lines.push(`${drift.length - top} more differences in compare.html`);
  return `${lines.join('\n')}\n`;
}
