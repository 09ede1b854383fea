import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { count, holdersUnavailableReason, size, summariseHolders } from '../../src/evaluate/holders.js';
import { parseHolders, type Holders } from '../../src/procfs/net-tcp-holders.js';
import { procNetTcp, type SocketSpec } from '../support/proc-net-tcp.js';
import { runHolders, writeTree } from '../support/run-holders.js';

const tmp = mkdtempSync(join(tmpdir(), 'sockaudit-holders-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function read(text: string): Holders {
  const r = parseHolders(text);
  if (!r.ok || r.value.state !== 'read') throw new Error(r.ok ? 'skipped' : r.error);
  return r.value.holders;
}

/** The aggregator run for real (system awk) over a generated table. */
function holdersOf(v4: SocketSpec[], v6: SocketSpec[] = [], options = {}): Holders {
  const root = writeTree(mkdtempSync(join(tmp, 'root-')), { 'proc/net/tcp': procNetTcp(v4, 4), 'proc/net/tcp6': procNetTcp(v6, 6) });
  const out = runHolders(root, options);
  expect(out.stderr).toBe('');
  return read(out.stdout);
}

const fin = (remote: string, n: number, local = '10.20.0.5', port = 443): SocketSpec => ({
  state: 'FIN_WAIT1',
  local,
  localPort: port,
  remote,
  remotePort: 40000,
  txQueue: 16000,
  rxQueue: 359,
  count: n,
});

describe('summariseHolders', () => {
  it('says in one line who holds the orphans, from a real table', () => {
    const h = holdersOf([
      fin('198.51.100.7', 9000),
      fin('198.51.100.8', 7000),
      fin('203.0.113.9', 5600),
      { state: 'LAST_ACK', local: '10.20.0.5', localPort: 80, remote: '192.0.2.1', remotePort: 1, count: 2400 },
    ]);
    const s = summariseHolders(h);
    expect(s.sentence).toBe('21,600 of 24,000 orphans (90 %) are FIN_WAIT1 on 10.20.0.5:443, 337 MiB queued; top peer 198.51.100.7 with 9,000');
    expect(s.remediation).toHaveLength(2);
    expect(s.remediation[0]).toMatch(/^FIN_WAIT1 with data queued: peers that stopped reading\..*timeouts.*tcp_orphan_retries/);
    expect(s.remediation[1]).toMatch(/^LAST_ACK: the peers closed first and never acknowledged/);
    expect(s.partial).toBeUndefined();
  });

  it('speaks of networks in prefix mode, and of IPv6 endpoints in brackets', () => {
    const h = holdersOf([], [fin('2001:db8:aa:1::10', 30, '2001:db8::5'), fin('2001:db8:aa:1::11', 20, '2001:db8::5')], { peers: 'prefix' });
    expect(summariseHolders(h).sentence).toBe('50 of 50 orphans (100 %) are FIN_WAIT1 on [2001:db8::5]:443, 799 KiB queued; top network 2001:db8:aa:1::/64 with 50');
  });

  it('follows the state: FIN_WAIT1 without data is not the peers that stopped reading', () => {
    const h = holdersOf([{ state: 'FIN_WAIT1', local: '10.0.0.1', localPort: 25, remote: '192.0.2.9', remotePort: 1, count: 12 }], [], { peers: 'none' });
    const s = summariseHolders(h);
    expect(s.sentence).toBe('12 of 12 orphans (100 %) are FIN_WAIT1 on 10.0.0.1:25');
    expect(s.remediation).toEqual([expect.stringMatching(/^FIN_WAIT1 without data: our FIN is not acknowledged/)]);
  });

  it('speaks of TIME_WAIT by port when asked, or when it is all there is', () => {
    const tw = (port: number, n: number): SocketSpec => ({ state: 'TIME_WAIT', local: '10.0.0.1', localPort: port, remote: '10.0.0.2', remotePort: 5, count: n });
    const only = holdersOf([tw(8080, 600), tw(9090, 400)]);
    const s = summariseHolders(only);
    expect(s.sentence).toBe('600 of 1,000 TIME_WAIT sockets (60 %) are on local port 8080');
    expect(s.remediation).toEqual([expect.stringMatching(/^TIME_WAIT on one port means many short connections to one service \(port 8080\): .*pooling.*keep-alive/)]);

    const both = holdersOf([fin('198.51.100.7', 5), tw(8080, 600)]);
    expect(summariseHolders(both).sentence).not.toContain('TIME_WAIT');
    expect(summariseHolders(both, { timeWait: true }).sentence).toBe(
      '5 of 5 orphans (100 %) are FIN_WAIT1 on 10.20.0.5:443, 80 KiB queued; top peer 198.51.100.7 with 5; 600 of 600 TIME_WAIT sockets (100 %) are on local port 8080',
    );
  });

  it('says when nothing is held, and what a bound left out', () => {
    const h = read('holders 1 order=little peers=full\npartial reason=time read=491519 of=unknown\norphans count=0 queued=0 groups=0 untracked-groups=0 untracked-peers=0\nport-queued 01BB 2048\nend\n');
    const s = summariseHolders(h);
    expect(s.sentence).toBe('no orphans; the most queued is 2 KiB on local port 443');
    expect(s.remediation).toEqual([]);
    expect(s.partial).toBe('partial: 491,519 of an unknown number of lines read (time bound)');
    expect(summariseHolders(h, { estimatedLines: 1_000_200 }).partial).toBe('partial: 491,519 of about 1,000,200 lines read (time bound)');
    // An estimate below what was read (the table grew meanwhile) is no estimate.
    expect(summariseHolders(h, { estimatedLines: 1000 }).partial).toBe('partial: 491,519 of an unknown number of lines read (time bound)');
    const empty = read('holders 1 order=little peers=full\norphans count=0 queued=0 groups=0 untracked-groups=0 untracked-peers=0\nend\n');
    expect(summariseHolders(empty).sentence).toBe('no orphans and nothing queued in the socket table');
  });

  it('names why holders are unavailable when neither table could be read', () => {
    const h = read('holders 1 order=little peers=full\nfile tcp status=unreadable lines=0\nfile tcp6 status=missing lines=0\norphans count=0 queued=0 groups=0 untracked-groups=0 untracked-peers=0\nend\n');
    expect(holdersUnavailableReason(h)).toBe('/proc/net/tcp not readable, /proc/net/tcp6 missing');
    expect(holdersUnavailableReason(holdersOf([]))).toBeUndefined();
  });
});

describe('number words', () => {
  it('are fixed whatever the locale', () => {
    expect(count(0)).toBe('0');
    expect(count(999)).toBe('999');
    expect(count(21600)).toBe('21,600');
    expect(count(1234567)).toBe('1,234,567');
    expect(size(512)).toBe('512 bytes');
    expect(size(1536)).toBe('1.5 KiB');
    expect(size(353354400)).toBe('337 MiB');
    expect(size(5 * 1024 ** 3)).toBe('5 GiB');
  });
});
