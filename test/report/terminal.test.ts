import { rankRun } from '../../src/run/rank.js';
import { describe, expect, test } from 'vitest';
import { buildView, renderSummary, sanitizeForTerminal } from '../../src/report/index.js';
import { auditRun, TERMINAL_NAME } from '../support/fleet.js';

const ANY_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('sanitizeForTerminal', () => {
  test('strips escape sequences and C0/C1 controls', () => {
    expect(sanitizeForTerminal(TERMINAL_NAME)).toBe('evilredend ');
    expect(sanitizeForTerminal('a\u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\b')).toBe('alinkb');
    expect(sanitizeForTerminal('x\u0000\u0007\u0008\u007f\u0085y')).toBe('xy');
    expect(sanitizeForTerminal('tab\tnew\nline')).toBe('tab new line');
    expect(sanitizeForTerminal('left\u202eright')).toBe('leftright');
    expect(sanitizeForTerminal('plain host-1.example')).toBe('plain host-1.example');
  });
});

describe('renderSummary', () => {
  const view = buildView(rankRun(auditRun({ hostKeyPolicy: 'off' })));

  test('strips control sequences from host names', () => {
    const text = renderSummary(view, { color: false });
    expect(text).not.toMatch(ANY_CONTROL);
    expect(text).toContain('evilredend');
  });

  test('colours only the level labels it prints itself', () => {
    const text = renderSummary(view, { color: true });
    const withoutColour = text.replace(/\u001b\[[0-9;]*m/g, '');
    expect(withoutColour).not.toMatch(ANY_CONTROL);
    expect(withoutColour).toBe(renderSummary(view, { color: false }));
    expect(text).toContain('\u001b[1;31mcritical');
  });

  test('starts with the verdict, warns when host keys were not checked, lists the top hosts in rank order', () => {
    const lines = renderSummary(view, { color: false, top: 3 }).trimEnd().split('\n');
    expect(lines[0]).toBe(`sockaudit: ${view.verdictLine}`);
    expect(lines.some((l) => l.startsWith('WARNING: Host key checking was OFF'))).toBe(true);
    const hostLines = lines.filter((l) => /^\s*\d+ {2}/.test(l));
    expect(hostLines).toHaveLength(3);
    expect(hostLines.map((l) => Number(l.trim().split(' ')[0]))).toEqual([1, 2, 3]);
    expect(lines.at(-1)).toBe(`${view.hosts.length - 3} more hosts in the report`);
  });

  test('fits the width', () => {
    for (const line of renderSummary(view, { color: false, width: 60 }).split('\n')) expect([...line].length).toBeLessThanOrEqual(60);
  });
});
