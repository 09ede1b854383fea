// A host's holders in the Markdown report: the one line, and a small table of the biggest orphan
// groups. Every string is escaped for Markdown here; the template adds nothing but layout.
import { cut, escapeMarkdown } from './escape.js';
import type { HoldersView } from './holders-view.js';

/** Groups shown in Markdown; the HTML report has them all. */
const MD_GROUPS = 5;
const TEXT_CHARS = 400;

export interface MdHolders {
  sentence: string;
  rows: Array<{ state: string; local: string; count: string; share: string; queued: string; peers: string }>;
  remediation: string[];
}

export function assembleMdHolders(h: HoldersView | null): MdHolders | null {
  if (h === null) return null;
  const md = (s: string) => escapeMarkdown(cut(s, TEXT_CHARS));
  return {
    sentence: md(h.partial ? `${h.sentence} (${h.partial})` : h.sentence),
    rows: h.groups.slice(0, MD_GROUPS).map((g) => ({
      state: md(g.state),
      local: md(g.local),
      count: md(g.count),
      share: md(g.share),
      queued: md(g.queued),
      peers: md(g.peers === '' ? '—' : g.peers),
    })),
    remediation: h.remediation.map((r) => md(r)),
  };
}
