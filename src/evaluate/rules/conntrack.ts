// The connection tracking table against its maximum (RISK-MODEL.md section 4, neighbours).
import { defineRule } from '../rule.js';
import { checkShare } from './share.js';

export const conntrackRule = defineRule({
  id: 'neighbours.conntrack',
  group: 'neighbours',
  item: 'conntrack',
  title: 'Connection tracking table',
  figure: 'net.netfilter.nf_conntrack_count / nf_conntrack_max',
  unit: '% of nf_conntrack_max',
  thresholds: { notice: 50, warning: 80, critical: 95 },
  order: 'ascending',
  comparator: { kind: 'above' },
  share: {
    used: { sysctl: 'net.netfilter.nf_conntrack_count' },
    limit: { sysctl: 'net.netfilter.nf_conntrack_max' },
    what: 'conntrack table',
    limitName: 'nf_conntrack_max',
    figures: ['conntrackCount', 'conntrackMax'],
  },
  core: false,
  rationale:
    'When the conntrack table is full, new connections are dropped before TCP sees them ("nf_conntrack: table ' +
    'full, dropping packet"), which looks like packet loss to clients.',
  remediation:
    'Raise net.netfilter.nf_conntrack_max (and the hash size, nf_conntrack_buckets, about max/4) if RAM allows; ' +
    'shorten nf_conntrack_tcp_timeout_time_wait and _established for busy servers; or exempt high-volume ' +
    'traffic from tracking with a raw-table NOTRACK rule when no stateful firewall needs it.',
  check: (ctx) =>
    checkShare(ctx, (count, max) =>
      // Without the nf_conntrack module neither key exists: nothing is tracked, nothing can fill.
      !count.ok && !max.ok && count.absent && max.absent
        ? 'nf_conntrack is not loaded (no nf_conntrack_count or nf_conntrack_max)'
        : undefined,
    ),
});
