// The Snapshot builder other parts' tests reuse: what it promises in its header.
import { describe, expect, it } from 'vitest';
import { GiB, invalid, logLine, missing, snapshot, unreadable } from '../support/snapshot.js';

describe('snapshot builder', () => {
  it('builds a complete, healthy host by default', () => {
    const s = snapshot();
    expect(s.kernelRelease).toBe('6.1.0-18-amd64');
    expect(s.pageSize).toBe(4096);
    expect(s.initNetns).toBe(true);
    expect(s.sockstat.state).toBe('ok');
    expect(s.samples).toHaveLength(1);
    expect(s.samples[0]?.sockstat).toBe(s.sockstat);
    expect(s.sysctl['net.ipv4.tcp_mem']).toEqual({ state: 'ok', value: [185565, 247423, 371130] });
    expect(s.sysctl['net.netfilter.nf_conntrack_max']).toEqual({ state: 'missing' });
    expect(s.meminfo.state === 'ok' && s.meminfo.value.memTotalBytes).toBe(16 * GiB);
  });

  it('overrides only what is given', () => {
    const s = snapshot({ kernel: '5.15.0', pageSize: 65536, sockstat: { orphan: 100, mem: 2000 }, sysctl: { 'net.ipv4.tcp_mem': [1, 2, 3] } });
    expect(s.sockstat).toEqual({
      state: 'ok',
      value: {
        socketsUsed: 400,
        tcp: { inuse: 200, orphan: 100, tw: 50, alloc: 210, mem: 2000 },
        protocols: { TCP: { inuse: 200, orphan: 100, tw: 50, alloc: 210, mem: 2000 }, sockets: { used: 400 } },
      },
    });
    expect(s.sysctl['net.ipv4.tcp_mem']).toEqual({ state: 'ok', value: [1, 2, 3] });
    expect(s.sysctl['net.ipv4.tcp_max_orphans']).toEqual({ state: 'ok', value: [65536] });
  });

  it('leaves out what is null or undefined', () => {
    const s = snapshot({ kernel: null, pageSize: null, initNetns: null, sockstat: { mem: undefined } });
    expect('kernelRelease' in s).toBe(false);
    expect('pageSize' in s).toBe(false);
    expect('initNetns' in s).toBe(false);
    expect(s.sockstat.state === 'ok' && 'mem' in (s.sockstat.value.tcp ?? {})).toBe(false);
  });

  it('takes readings for absent, refused and broken inputs', () => {
    const s = snapshot({ sockstat: invalid('line 1: bad'), kernelLog: unreadable('Operation not permitted'), sysctl: { 'fs.file-nr': missing() } });
    expect(s.sockstat).toEqual({ state: 'invalid', detail: 'line 1: bad' });
    expect(s.samples[0]?.sockstat).toEqual({ state: 'invalid', detail: 'line 1: bad' });
    expect(s.kernelLog).toEqual({ state: 'unreadable', detail: 'Operation not permitted' });
    expect(s.sysctl['fs.file-nr']).toEqual({ state: 'missing' });
  });

  it('merges each sample over the top level, and spaces uptimes 5 s apart', () => {
    const s = snapshot({
      uptime: 1000,
      sockstat: { orphan: 10, tw: 7 },
      netstat: { TcpExt: { ListenOverflows: 3 } },
      samples: [{}, { sockstat: { orphan: 20 }, netstat: { TcpExt: { TCPAbortOnMemory: 2 } } }],
    });
    expect(s.samples.map((x) => x.uptimeSeconds)).toEqual([1000, 1005]);
    const second = s.samples[1];
    expect(second?.sockstat.state === 'ok' && second.sockstat.value.tcp).toMatchObject({ orphan: 20, tw: 7 });
    expect(second?.netstat.state === 'ok' && second.netstat.value.groups.TcpExt).toMatchObject({ ListenOverflows: 3, TCPAbortOnMemory: 2 });
    expect(s.uptime).toEqual({ state: 'ok', value: { uptimeSeconds: 1000, idleSeconds: 1000 } });
  });

  it('a container has no init-netns sysctls', () => {
    const s = snapshot({ container: true });
    expect(s.initNetns).toBe(false);
    expect(s.sysctl['net.ipv4.tcp_mem']?.state).toBe('missing');
    expect(s.sysctl['net.ipv4.tcp_max_orphans']?.state).toBe('missing');
    expect(s.sysctl['net.ipv4.tcp_max_tw_buckets']?.state).toBe('ok');
  });

  it('log lines carry their kind, time and a realistic text', () => {
    expect(logLine('tcp-orphans', 12.5)).toEqual({ kind: 'tcp-orphans', secondsSinceBoot: 12.5, text: 'TCP: too many orphaned sockets' });
    expect(logLine('socket-memory')).toEqual({ kind: 'socket-memory', text: 'Out of socket memory' });
  });
});
