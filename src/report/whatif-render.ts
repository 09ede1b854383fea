// The what-if outputs: HTML (template), Markdown, JSON (schemaVersion 1) and the terminal summary.
import type { ProposedSetting, WhatIfOutcome } from '../evaluate/whatif.js';
import { renderTemplate } from './handlebars.js';
import { sanitizeForTerminal } from '../text.js';
import { cut, escapeInvisible } from './escape.js';
import { verdictChange, type WhatIfMeta, type WhatIfView } from './whatif-view.js';
import { mdCode, mdText } from './markdown-text.js';

export const WHATIF_SCHEMA_VERSION = 1;

/** Host strings reach the page only through Handlebars' escaping `{{ }}`; nothing is loaded. */
export function renderWhatIfHtml(view: WhatIfView): string {
  return renderTemplate('whatif.html', view);
}

const MD_HOSTS = 200;

/** Markdown for a review or a job summary: the headline first, then harm, then the rest. */
export function renderWhatIfMarkdown(view: WhatIfView): string {
  const out: string[] = [];
  out.push(`# sockaudit what-if: ${md(view.headline)}`, '');
  out.push('Better or worse: the host\'s verdict changed. Score moved: same verdict, another score.', '');
  out.push(`Saved run ${md(view.from)} (audited ${md(view.auditedAt)}); proposal: ${md(view.sources.join(', '))}. ${md(view.gate)}.`, '');
  for (const w of view.warnings) out.push(`> **Warning:** ${md(w)}`, '');
  out.push('## The proposal', '');
  const settingsTable = (settings: WhatIfView['settings']): void => {
    out.push('| key | proposed | scope | written at |', '|---|---|---|---|');
    const cell = (t: string): string => mdText(t, { table: true });
    for (const s of settings) out.push(`| ${cell(s.key)} | ${cell(s.text)} | ${cell(s.scope)} | ${cell(s.origin)} |`);
    out.push('');
  };
  if (view.settings.length > 0) {
    out.push('For every host:', '');
    settingsTable(view.settings);
  }
  for (const g of view.groups) {
    out.push(`For group ${md(g.group)}:`, '');
    settingsTable(g.settings);
  }
  for (const f of view.flags) out.push(`- ${f.symbol} **${f.level}** ${md(f.message)} (${md(f.origin)})`);
  if (view.flags.length > 0) out.push('');

  out.push('## Hosts, harm first', '');
  if (view.hosts.length === 0) out.push('No audited host to apply the proposal to.', '');
  else {
    out.push('| host | before | after | change | flags |', '|---|---|---|---|---:|');
    for (const h of view.hosts.slice(0, MD_HOSTS)) {
      out.push(
        `| ${mdCode(h.name, { table: true })} | ${h.before.symbol} ${h.before.label} ${h.before.score} | ${h.after.symbol} ${h.after.label} ${h.after.score} | ${h.changeLabel} | ${h.flags.length} |`,
      );
    }
    if (view.hosts.length > MD_HOSTS) out.push('', `${view.hosts.length - MD_HOSTS} more hosts in whatif.html`);
    out.push('');
  }
  for (const h of view.hosts.slice(0, MD_HOSTS).filter((x) => x.change !== 'same' || x.flags.length > 0)) {
    out.push(`### ${mdCode(h.name)}: ${h.before.label} → ${h.after.label}`, '');
    for (const f of h.flags) out.push(`- ${f.symbol} **${f.level}** ${md(f.message)} (${md(f.origin)})`);
    for (const f of h.findings) out.push(`- ${md(f.finding)}: ${md(f.before)} → ${md(f.after)}: ${md(f.afterSummary)}`);
    out.push('');
  }
  if (view.notAudited.length > 0) {
    out.push('## Not audited', '');
    for (const n of view.notAudited) out.push(`- ${mdCode(n.name)}: ${md(n.reason)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** Text escaped for Markdown; link-shaped words (user@host, URLs) as code spans, never links. */
function md(s: string): string {
  return mdText(s);
}

/** The JSON document: raw values (host strings unchanged), keys in a fixed order. */
export function renderWhatIfJson(
  outcome: WhatIfOutcome,
  proposal: { settings: readonly ProposedSetting[]; groups: readonly { group: string; settings: readonly ProposedSetting[] }[] },
  meta: WhatIfMeta,
  view: WhatIfView,
): string {
  const setting = (s: ProposedSetting) => ({ key: s.key, value: s.text, scope: s.scope, evaluated: s.evaluated, file: s.file, line: s.line });
  const doc = {
    schemaVersion: WHATIF_SCHEMA_VERSION,
    kind: 'whatif',
    tool: meta.tool,
    from: meta.from,
    auditedAt: meta.auditedAt,
    harmful: view.harmful,
    summary: view.counts,
    proposal: { settings: proposal.settings.map(setting), groups: proposal.groups.map((g) => ({ group: g.group, settings: g.settings.map(setting) })) },
    flags: outcome.flags,
    hosts: outcome.hosts.map((h) => ({
      name: h.name,
      groups: h.groups,
      before: { verdict: h.before.verdict, score: h.before.score, decidedBy: h.before.decidedBy ?? null },
      after: { verdict: h.after.verdict, score: h.after.score, decidedBy: h.after.decidedBy ?? null },
      // By verdict, as the summary counts it; the score's move is in before and after.
      change: verdictChange(h),
      settings: h.settings,
      flags: h.flags,
      findings: h.findings,
      moved: h.moved,
    })),
    notAudited: meta.notAudited,
    warnings: meta.warnings,
  };
  return `${escapeInvisible(JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2))}\n`;
}

/** The short summary the CLI prints: headline, gate, the hosts that changed or are flagged. */
export function renderWhatIfSummary(view: WhatIfView, opts: { color: boolean; width?: number; top?: number }): string {
  const width = Math.max(40, opts.width ?? 100);
  const top = Math.max(0, opts.top ?? 10);
  const paint = (code: string, s: string): string => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const lines = [cut(`sockaudit what-if: ${view.headline}`, width), cut(view.gate, width)];
  for (const w of view.warnings) lines.push(cut(`WARNING: ${sanitizeForTerminal(w)}`, width));
  for (const f of view.flags) lines.push(cut(`${f.level}: ${sanitizeForTerminal(f.message)} (${sanitizeForTerminal(f.origin)})`, width));
  const shown = view.hosts.filter((h) => h.change !== 'same' || h.flags.length > 0).slice(0, top);
  if (shown.length > 0) lines.push('');
  for (const h of shown) {
    const head = cut(`${h.changeLabel}: ${sanitizeForTerminal(h.name)}: ${h.before.label} ${h.before.score} -> ${h.after.label} ${h.after.score}`, width);
    lines.push(h.change === 'worse' ? paint('1;31', head) : h.change === 'better' ? paint('32', head) : head);
    for (const f of h.flags) lines.push(cut(`    ${f.level}: ${sanitizeForTerminal(f.message)}`, width));
  }
  const rest = view.hosts.filter((h) => h.change !== 'same' || h.flags.length > 0).length - shown.length;
  if (rest > 0) lines.push(`${rest} more changed or flagged hosts in the report`);
  return `${lines.join('\n')}\n`;
}
