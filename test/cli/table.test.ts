// The --list-hosts table: columns as wide as their cells, the widest narrowed first to fit, host
// text made visible on one line.
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/cli/table.js';

const header = ['host', 'address', 'port'];
const rows = [
  ['web-1', '127.0.0.11 (inventory/prod/hosts.ini:12 (ansible_host))', '22 (default)'],
  ['db', '127.0.0.21 (command line (-H))', '2222 (inventory/prod/hosts.ini:14 (ansible_port))'],
];

describe('renderTable', () => {
  it('aligns whole cells when there is room', () => {
    const lines = renderTable(header, rows, Number.POSITIVE_INFINITY).trimEnd().split('\n');
    expect(lines[0]).toBe(`host   ${'address'.padEnd(rows[0]![1]!.length)}  port`);
    expect(lines[1]).toBe(`web-1  ${rows[0]![1]}  22 (default)`);
    expect(lines[2]).toBe(`db     ${rows[1]![1]!.padEnd(rows[0]![1]!.length)}  ${rows[1]![2]}`);
  });

  it('fits the width by narrowing the widest columns, keeping the narrow ones whole', () => {
    const text = renderTable(header, rows, 60);
    for (const line of text.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(60);
    expect(text).toMatch(/^web-1  /m);
    expect(text).toMatch(/^db     /m);
    expect(text).toContain('…');
  });

  it('shows control characters and newlines in host text as visible escapes', () => {
    const text = renderTable(['host'], [['evil\u001b[2J\nname']], 80);
    expect(text).toBe('host\nevil\\u001b[2J\\nname\n');
  });
});
