// The what-if core: proposals checked against known keys, applied to snapshots, evaluated again.
import { defaultConfig } from '../../src/evaluate/index.js';
import { describe, expect, test } from 'vitest';
import { assembleWhatIf, judgeWhatIf, parseProposalFile, parseSetItems } from '../../src/evaluate/whatif.js';
import type { Proposal, WhatIfHostInput } from '../../src/evaluate/whatif.js';
import { GiB, snapshot } from '../support/snapshot.js';

function proposal(text: string, groups: Proposal['groups'] = []): Proposal {
  const r = parseProposalFile(text, 'proposal.conf');
  expect(r.errors).toEqual([]);
  return { settings: r.value, groups, flags: r.flags };
}

function host(name: string, spec: Parameters<typeof snapshot>[0] = {}, groups: string[] = []): WhatIfHostInput {
  return { name, groups, snapshot: snapshot(spec) };
}

describe('applying a proposal', () => {
  test('raising tcp_max_orphans on a host at 30 % of its limit turns it from critical to ok', () => {
    const orphans = Math.round(0.3 * 65536);
    const out = assembleWhatIf([host('web-1', { sockstat: { orphan: orphans } })], proposal('net.ipv4.tcp_max_orphans = 262144\n'), defaultConfig);
    const h = out.hosts[0];
    expect(h?.before.verdict).toBe('critical');
    expect(h?.after.verdict).toBe('ok');
    expect(h?.change).toBe('better');
    expect(h?.flags).toEqual([]);
    expect(h?.settings).toEqual([
      { key: 'net.ipv4.tcp_max_orphans', text: '262144', origin: 'proposal.conf:1', from: 'all hosts', was: '65536', applied: true },
    ]);
    const moved = h?.moved.find((m) => m.finding === 'orphans' && m.figure === 'tcpMaxOrphans');
    expect(moved).toEqual({ finding: 'orphans', figure: 'tcpMaxOrphans', before: 65536, after: 262144 });
    expect(h?.findings.find((f) => f.finding === 'orphans')).toMatchObject({ before: 'critical', after: 'ok' });
    expect(judgeWhatIf(out).harmful).toBe(false);
  });

  test('a fixed tcp_mem sized for a 64 GiB host flags the 8 GiB hosts, not the big one', () => {
    // High at 24 GiB of 4 KiB pages: 37.5 % of the big host, three times the small ones.
    const p = proposal('net.ipv4.tcp_mem = 3145728 4194304 6291456\n');
    const out = assembleWhatIf([host('big', { meminfo: 64 * GiB }), host('small-1', { meminfo: 8 * GiB }), host('small-2', { meminfo: 8 * GiB })], p, defaultConfig);
    const flagged = out.hosts.filter((h) => h.flags.some((f) => f.id === 'tcp-mem-above-ram')).map((h) => h.name);
    expect(flagged).toEqual(['small-1', 'small-2']);
    const flag = out.hosts[1]?.flags[0];
    expect(flag?.figures).toMatchObject({ high: 6291456, highBytes: 6291456 * 4096, memTotalBytes: 8 * GiB });
    expect(flag?.origin).toBe('proposal.conf:1');
    // The evaluator agrees: limits-vs-ram warns after, not before.
    expect(out.hosts[1]?.after.verdict).toBe('warning');
    expect(out.hosts[1]?.change).toBe('worse');
    expect(out.hosts[0]?.after.verdict).toBe('ok');
    expect(judgeWhatIf(out)).toEqual({ harmful: true, reason: '2 host(s) worse after the change, at warning or above, 2 warning flag(s)' });
  });

  test('tcp_max_orphans below four times the peak over samples is flagged', () => {
    // Peak 3000 is in the second sample; 10000 < 4 x 3000.
    const h = host('bursty', { samples: [{ sockstat: { orphan: 100 } }, { sockstat: { orphan: 3000 } }, { sockstat: { orphan: 200 } }] });
    const out = assembleWhatIf([h, host('quiet', { sockstat: { orphan: 10 } })], proposal('net.ipv4.tcp_max_orphans = 10000\n'), defaultConfig);
    expect(out.hosts[0]?.flags.map((f) => [f.id, f.figures.peakOrphans, f.figures.fourTimesPeak])).toEqual([['orphans-below-4x-peak', 3000, 12000]]);
    expect(out.hosts[1]?.flags).toEqual([]);
  });

  test('a global key is not applied on a host audited in a child network namespace; a per-netns key is', () => {
    const out = assembleWhatIf([host('pod', { container: true })], proposal('net.ipv4.tcp_mem = 1000 2000 3000\nnet.ipv4.tcp_max_tw_buckets = 100000\n'), defaultConfig);
    const h = out.hosts[0];
    expect(h?.settings.map((s) => [s.key, s.applied])).toEqual([
      ['net.ipv4.tcp_mem', false],
      ['net.ipv4.tcp_max_tw_buckets', true],
    ]);
    expect(h?.flags.map((f) => [f.id, f.key])).toEqual([['global-in-netns', 'net.ipv4.tcp_mem']]);
    expect(h?.moved.find((m) => m.finding === 'time-wait' && m.figure === 'tcpMaxTwBuckets')).toEqual({
      finding: 'time-wait',
      figure: 'tcpMaxTwBuckets',
      before: 65536,
      after: 100000,
    });
  });

  test('fs.file-max moves the limit the file-nr check reads', () => {
    const out = assembleWhatIf([host('files', { sysctl: { 'fs.file-nr': [9500, 0, 10000], 'fs.file-max': 10000 } })], proposal('fs.file-max = 1000000\n'), defaultConfig);
    const h = out.hosts[0];
    expect(h?.before.findings.find((f) => f.id === 'neighbours.file-nr')?.level).toBe('critical');
    expect(h?.after.findings.find((f) => f.id === 'neighbours.file-nr')?.level).toBe('ok');
  });

  test('--set-for: a host in several groups takes the value given last, and says so', () => {
    const groups = [
      { group: 'web', settings: parseSetItems(['net.ipv4.tcp_max_orphans=100000'], '--set-for web', 1).value },
      { group: 'db', settings: parseSetItems(['net.ipv4.tcp_max_orphans=200000'], '--set-for db', 2).value },
    ];
    const p: Proposal = { settings: parseSetItems(['net.ipv4.tcp_max_orphans=50000'], '--set').value, groups, flags: [] };
    const out = assembleWhatIf([host('both', {}, ['db', 'web']), host('web-only', {}, ['web']), host('none')], p, defaultConfig);
    const byName = Object.fromEntries(out.hosts.map((h) => [h.name, h]));
    expect(byName.both?.settings[0]).toMatchObject({ text: '200000', from: 'group db', origin: '--set-for db:2' });
    expect(byName.both?.flags.map((f) => f.message)).toEqual(['net.ipv4.tcp_max_orphans: group web also set it; group db wins, given last']);
    expect(byName['web-only']?.settings[0]).toMatchObject({ text: '100000', from: 'group web' });
    expect(byName.none?.settings[0]).toMatchObject({ text: '50000', from: 'all hosts' });
  });

  test('a group no host is in is flagged once', () => {
    const groups = [1, 2].map((line) => ({ group: 'ghost', settings: parseSetItems(['net.core.somaxconn=1024'], '--set-for ghost', line).value }));
    const out = assembleWhatIf([host('a', {}, ['web'])], { settings: [], groups, flags: [] }, defaultConfig);
    expect(out.flags.filter((f) => f.id === 'group-without-hosts')).toHaveLength(1);
  });
});

describe('checking a proposal', () => {
  test('a misspelt key is an error naming its file, line and the nearest key', () => {
    const r = parseProposalFile('# rollout\nnet.core.somaxconn = 4096\nnet.ipv4.tcp_max_orphan = 262144\n', 'proposal.conf');
    expect(r.errors.map((e) => e.message)).toEqual(['proposal.conf:3: unknown sysctl "net.ipv4.tcp_max_orphan"; did you mean "net.ipv4.tcp_max_orphans"?']);
    expect(r.value.map((s) => s.key)).toEqual(['net.core.somaxconn']);
  });

  test('a typo in the family is caught through a known leaf name', () => {
    const r = parseProposalFile('net.ipv5.tcp_mem = 1 2 3\n', 'p.conf');
    expect(r.errors[0]?.message).toContain('did you mean "net.ipv4.tcp_mem"?');
  });

  test('keys outside the modelled families are a notice, not an error', () => {
    const r = parseProposalFile('vm.swappiness = 10\n', 'p.conf');
    expect(r.errors).toEqual([]);
    expect(r.flags.map((f) => [f.id, f.level, f.origin])).toEqual([['not-modelled', 'notice', 'p.conf:1']]);
  });

  test('values that are not numbers or of the wrong count are errors; tcp_mem needs three', () => {
    const r = parseProposalFile('net.ipv4.tcp_mem = 1 2\nnet.ipv4.tcp_max_orphans = lots\nnet.ipv4.tcp_fin_timeout = 30 40\nfs.file-nr = 1 0 5\n', 'p.conf');
    expect(r.errors.map((e) => e.message)).toEqual([
      'p.conf:1: net.ipv4.tcp_mem takes 3 values, found 2: "1 2"',
      'p.conf:2: net.ipv4.tcp_max_orphans: "lots" is not a whole number >= 0',
      'p.conf:3: net.ipv4.tcp_fin_timeout takes one value, found 2: "30 40"',
      'p.conf:4: fs.file-nr is read-only: the kernel refuses to set it',
    ]);
  });

  test('a "-" key\'s errors are ignored, as sysctl ignores them', () => {
    const r = parseProposalFile('-net.ipv4.tcp_max_orphan = 5\n-net.ipv4.tcp_mem = 1\n', 'p.conf');
    expect(r.errors).toEqual([]);
    expect(r.value).toEqual([]);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/^p\.conf:1: unknown sysctl .*ignored/);
  });

  test('tcp_mem values that do not increase are flagged with their line', () => {
    const r = parseProposalFile('net.ipv4.tcp_mem = 300 200 100\nnet.ipv4.tcp_wmem = 4096 16384 4194304\n', 'p.conf');
    expect(r.flags.map((f) => [f.id, f.key, f.origin])).toEqual([['not-increasing', 'net.ipv4.tcp_mem', 'p.conf:1']]);
  });

  test('the slash form and a later line for the same key: the last one wins', () => {
    const r = parseProposalFile('net/ipv4/tcp_max_orphans = 1000\nnet.ipv4.tcp_max_orphans = 2000\n', 'p.conf');
    expect(r.value.map((s) => [s.key, s.text, s.line])).toEqual([['net.ipv4.tcp_max_orphans', '2000', 2]]);
  });

  test('--set items are named by their position', () => {
    const r = parseSetItems(['net.core.somaxconn=1024', 'net.ipv4.tcp_max_orphanz=1'], '--set');
    expect(r.errors.map((e) => e.message)).toEqual(['--set:2: unknown sysctl "net.ipv4.tcp_max_orphanz"; did you mean "net.ipv4.tcp_max_orphans"?']);
  });

  test('a port range whose low end is above its high end is refused', () => {
    const r = parseProposalFile('net.ipv4.ip_local_port_range = 60000 1024\n', 'p.conf');
    expect(r.errors[0]?.message).toContain('the kernel refuses it');
  });
});
