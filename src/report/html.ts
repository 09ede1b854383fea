// The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing loaded).
//
// Hosts that need attention (any verdict but ok, or not audited) get a full card each; healthy
// hosts follow a row each, in tables of 200. At 10,000 hosts the page must stay small enough to
// open quickly, so the card says each thing once:
// - a finding at notice or above keeps its figures, thresholds and assumptions; its rationale and
//   remediation, when they are the rule's own words, are printed once in the Rules section at the
//   end of the page and linked (text that differs, such as an old kernel's note before the
//   remediation, stays in the card);
// - a finding at ok is one line: its level, key and summary;
// - a healthy row holds its rank, name, score, deciding line, endpoint, groups, host key and
//   partial mark. The full figures of every host stay in report.json.
import { renderTemplate } from './handlebars.js';
import { isRuleId, RULE_IDS, ruleById } from '../evaluate/rules/index.js';
import type { RankedRun } from '../run/rank.js';
import type { ReportFormat } from './report-format.js';
import type { FindingView, HostView, ReportView } from './view-model.js';

/** The hosts as the page groups them, each group in ranking order. */
export interface HtmlHostGroups {
  /** Not ok, or not audited: a full card each, after the ranking. */
  attention: HostView[];
  /** ok: one row each in the compact table. */
  healthy: HostView[];
}

/** A healthy host is ok on every check (from complete data or not: its row says which). */
export function isHealthy(h: HostView): boolean {
  // A host whose key was newly accepted or not verified needs a look, whatever its verdict.
  return h.level === 'ok' && !h.hostKey?.mark;
}

export function groupHosts(hosts: readonly HostView[]): HtmlHostGroups {
  const groups: HtmlHostGroups = { attention: [], healthy: [] };
  for (const h of hosts) (isHealthy(h) ? groups.healthy : groups.attention).push(h);
  return groups;
}

/** A finding above ok as a card shows it: the texts that are the rule's own replaced by a link to the Rules section. */
export interface CardFinding {
  finding: FindingView;
  /** Shown in the card: the finding's text when it is not the rule's own, else null. */
  rationale: string | null;
  remediation: string | null;
  /** The Rules section's anchor (`rule-orphans`) when a text is linked, and what the link stands for. */
  ruleAnchor: string | null;
  ruleLinks: string | null;
  /** The link stands for the rationale, so it comes before a remediation kept in the card. */
  linkFirst: boolean;
}

/** One rule in the Rules section: its title and its own rationale and remediation. */
export interface RuleSection {
  id: string;
  anchor: string;
  title: string;
  rationale: string;
  remediation: string;
}

export interface HtmlCard {
  host: HostView;
  /** A guess of the card's height in CSS pixels, the size it holds until it is first shown. */
  height: number;
  /** At notice and above (and unknown), in the evaluator's order, with their details. */
  findings: CardFinding[];
  /** At ok, one line each, listed after the others. */
  okFindings: FindingView[];
}

export interface HtmlPage {
  cards: HtmlCard[];
  rules: RuleSection[];
}

/** The cards of the hosts that need attention, and the rules their findings link to, in evaluation order. */
export function assembleCards(attention: readonly HostView[]): HtmlPage {
  const linked = new Set<string>();
  const cards = attention.map((host): HtmlCard => ({
    host,
    findings: host.findings
      .filter((f) => f.level !== 'ok')
      .map((f) => {
        const card = assembleCardFinding(f);
        if (card.ruleAnchor !== null) linked.add(f.id);
        return card;
      }),
    okFindings: host.findings.filter((f) => f.level === 'ok'),
    height: cardHeight(host),
  }));
  const rules = RULE_IDS.filter((id) => linked.has(id)).map((id): RuleSection => {
    const r = ruleById(id);
    return { id, anchor: ruleAnchor(id), title: r.title, rationale: r.rationale, remediation: r.remediation };
  });
  return { cards, rules };
}

/**
 * Heights for the space a part holds off screen, before it was ever shown (then the browser keeps
 * its real size): close enough that the scroll bar does not jump much. From the page at 1,280
 * pixels wide; a wrong guess costs a jump of the scroll bar, never a wrong layout.
 */
const HEIGHTS = { card: 215, bar: 85, chart: 340, finding: 295, okLine: 40, attentionRow: 75, healthyRow: 68, tableHead: 45 } as const;

function cardHeight(h: HostView): number {
  if (h.failure) return HEIGHTS.card;
  const ok = h.findings.filter((f) => f.level === 'ok').length;
  return HEIGHTS.card + h.bars.length * HEIGHTS.bar + h.charts.length * HEIGHTS.chart + (h.findings.length - ok) * HEIGHTS.finding + ok * HEIGHTS.okLine;
}

/** Rule ids are the evaluator's own (`orphans`, `neighbours.conntrack`): safe in a fragment. */
function ruleAnchor(id: string): string {
  return `rule-${id}`;
}

export function assembleCardFinding(f: FindingView): CardFinding {
  // Compare the strings: a config or the evaluator may have changed a text for this host.
  const rule = isRuleId(f.id) ? ruleById(f.id) : undefined;
  const whyLinked = rule !== undefined && f.rationale !== '' && f.rationale === rule.rationale;
  const doLinked = rule !== undefined && f.remediation !== '' && f.remediation === rule.remediation;
  const ruleLinks = whyLinked && doLinked ? 'Why it matters and what to do' : whyLinked ? 'Why it matters' : doLinked ? 'What to do' : null;
  return {
    finding: f,
    rationale: whyLinked || f.rationale === '' ? null : f.rationale,
    remediation: doLinked || f.remediation === '' ? null : f.remediation,
    ruleAnchor: ruleLinks === null ? null : ruleAnchor(f.id),
    ruleLinks,
    linkFirst: whyLinked,
  };
}

/**
 * Rows per table, in the ranking and among the healthy hosts. The browser lays a table out as a
 * whole, so one table of 9,500 rows costs seconds the first time it is shown; tables of this size
 * are laid out (and skipped while off screen, `content-visibility: auto` in the style) one at a time.
 */
export const ROWS_PER_TABLE = 200;

/** A table's rows, and its guessed height (see HEIGHTS). */
export interface RowTable {
  rows: HostView[];
  height: number;
}

export function chunkRows(hosts: readonly HostView[], rowHeight: number): RowTable[] {
  const tables: RowTable[] = [];
  for (let i = 0; i < hosts.length; i += ROWS_PER_TABLE) {
    const rows = hosts.slice(i, i + ROWS_PER_TABLE);
    tables.push({ rows, height: HEIGHTS.tableHead + rows.length * rowHeight });
  }
  return tables;
}

/** Host strings reach the page only through Handlebars' escaping `{{ }}`. */
export function renderHtml(view: ReportView): string {
  const groups = groupHosts(view.hosts);
  return renderTemplate('report.html', {
    ...view,
    ...groups,
    attentionTables: chunkRows(groups.attention, HEIGHTS.attentionRow),
    healthyTables: chunkRows(groups.healthy, HEIGHTS.healthyRow),
    ...assembleCards(groups.attention),
  });
}

export const htmlFormat = { id: 'html', fileName: 'report.html', render: (_ranked: RankedRun, view: ReportView) => renderHtml(view) } as const satisfies ReportFormat;
