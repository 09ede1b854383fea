// What-if wording: only a change of verdict is better or worse; a score nudged within one verdict
// has moved; findings resolved and introduced are counted in the headline; words, not arrows.
import { describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/evaluate/index.js';
import { assembleWhatIf, parseProposalFile } from '../../src/evaluate/whatif.js';
import type { WhatIfHostInput } from '../../src/evaluate/whatif.js';
import { buildWhatIfView } from '../../src/report/whatif-view.js';
import { renderWhatIfHtml, renderWhatIfJson, renderWhatIfMarkdown, renderWhatIfSummary } from '../../src/report/whatif-render.js';
import { logLine, snapshot } from '../support/snapshot.js';

const meta = { tool: { name: 'sockaudit', version: 't' }, from: 'r.json', auditedAt: '2026-01-01T00:00:00Z', sources: ['proposal.conf'], reportHref: null, warnings: [], notAudited: [] };
const host = (name: string, spec: Parameters<typeof snapshot>[0]): WhatIfHostInput => ({ name, groups: [], snapshot: snapshot(spec) });

// Raising tcp_max_orphans from 65536 to 262144:
// - past-kills: orphans at 32.9 % (critical) and kills logged 10 minutes ago (critical): the orphans
//   finding is resolved but the verdict stays critical, from the log;
// - busy: orphans at 30 %: critical -> ok, better;
// - idle: a few orphans; its score moves within ok.
const hosts = [
  host('past-kills', { uptime: 100_000, sockstat: { orphan: 21_564 }, netstat: { TcpExt: { TCPAbortOnMemory: 151 } }, kernelLog: [logLine('tcp-orphans', 100_000 - 600)] }),
  host('busy', { sockstat: { orphan: Math.round(0.3 * 65536) } }),
  host('idle', { sockstat: { orphan: 4000 } }),
];
const parsed = parseProposalFile('net.ipv4.tcp_max_orphans = 262144\n', 'proposal.conf');
const outcome = assembleWhatIf(hosts, { settings: parsed.value, groups: [], flags: parsed.flags }, defaultConfig);
const view = buildWhatIfView(outcome, parsed.value, [], meta);
const byName = (n: string) => view.hosts.find((h) => h.name === n)!;

describe('what-if counts', () => {
  test('the inputs are as described', () => {
    const raw = (n: string) => outcome.hosts.find((h) => h.name === n)!;
    expect([raw('past-kills').before.verdict, raw('past-kills').after.verdict]).toEqual(['critical', 'critical']);
    expect([raw('busy').before.verdict, raw('busy').after.verdict]).toEqual(['critical', 'ok']);
    expect(raw('idle').before.verdict).toBe(raw('idle').after.verdict);
    expect(raw('idle').before.score).not.toBe(raw('idle').after.score);
  });

  test('better or worse only by verdict; a score change within a verdict is "moved"', () => {
    expect(byName('busy').change).toBe('better');
    expect(byName('idle').change).toBe('moved');
    expect(byName('idle').changeLabel).toBe('score moved');
    // The host that stays critical is not counted better even though its score fell.
    expect(['moved', 'same']).toContain(byName('past-kills').change);
    expect(view.counts).toMatchObject({ better: 1, worse: 0 });
    expect(view.counts.moved + view.counts.same).toBe(2);
  });

  test('counts the findings resolved and introduced, and says so in the headline', () => {
    // busy's and past-kills' orphans findings go from critical to ok; idle's was ok already.
    expect(view.counts.findingsResolved).toBe(2);
    expect(view.counts.findingsIntroduced).toBe(0);
    expect(view.headline).toContain('2 findings resolved, 0 introduced');
    expect(view.headline).toMatch(/^1 better, /);
  });

  test('words instead of bare arrows in every format', () => {
    const html = renderWhatIfHtml(view);
    const md = renderWhatIfMarkdown(view);
    const text = renderWhatIfSummary(view, { color: false });
    for (const out of [html, md, text]) expect(out).not.toMatch(/[↑↓]/);
    expect(html).toMatch(/class="change change-moved"[^>]*>score moved</);
    expect(md).toContain('Score moved: same verdict, another score.');
    const json = JSON.parse(renderWhatIfJson(outcome, { settings: parsed.value, groups: [] }, meta, view));
    expect(json.summary).toMatchObject({ better: 1, worse: 0, findingsResolved: 2, findingsIntroduced: 0 });
    expect(json.hosts.find((h: { name: string }) => h.name === 'idle').change).toBe('moved');
  });
});
