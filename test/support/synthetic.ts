// Synthetic hosts of given kernel eras, built on the snapshot builder, for the era tests. Every
// figure here is made up to sit on one side of a line; none was captured from a real host.
import { parseSockstat } from '../../src/procfs/net-sockstat.js';
import type { Reading, Snapshot, Sockstat } from '../../src/procfs/types.js';
import { snapshot } from './snapshot.js';
import type { SnapshotSpec } from './snapshot.js';

/** A snapshot with the network namespaces the probe saw. */
export function syntheticHost(spec: SnapshotSpec & { netnsCount?: number } = {}): Snapshot {
  const { netnsCount, ...rest } = spec;
  const snap = snapshot(rest);
  if (netnsCount !== undefined) snap.netnsCount = netnsCount;
  return snap;
}

/** Sets sockstat's UDP line (`UDP: inuse N mem M`) in every sample, and the Udp: counters of /proc/net/snmp. */
export function withUdp(snap: Snapshot, mem: number | undefined, counters: Record<string, number> = {}): Snapshot {
  const setUdp = (r: Reading<Sockstat>): Reading<Sockstat> => {
    if (r.state !== 'ok') return r;
    const udp: Record<string, number> = mem === undefined ? { inuse: 4 } : { inuse: 4, mem };
    return { state: 'ok', value: { ...r.value, udp, protocols: { ...r.value.protocols, UDP: udp } } };
  };
  const samples = snap.samples.map((s) => ({ ...s, sockstat: setUdp(s.sockstat) }));
  const first = samples[0];
  const snmp = snap.snmp.state === 'ok' ? snap.snmp.value.groups : {};
  return {
    ...snap,
    samples,
    sockstat: first === undefined ? setUdp(snap.sockstat) : first.sockstat,
    snmp: { state: 'ok', value: { groups: { ...snmp, Udp: { InDatagrams: 1000, ...counters } } } },
  };
}

/** A sockstat reading parsed from text, as the probe would deliver it. */
export function sockstatFrom(text: string): Reading<Sockstat> {
  const r = parseSockstat(text);
  if (!r.ok) throw new Error(r.error);
  return { state: 'ok', value: r.value };
}
