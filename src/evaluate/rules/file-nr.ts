// System-wide file handles against fs.file-max (RISK-MODEL.md section 4, neighbours).
import { defineRule } from '../rule.js';
import { checkShare } from './share.js';

export const fileNrRule = defineRule({
  id: 'neighbours.file-nr',
  group: 'neighbours',
  item: 'file-nr',
  title: 'System-wide file handles',
  figure: 'fs.file-nr allocated / fs.file-nr maximum',
  unit: '% of fs.file-max',
  thresholds: { notice: 50, warning: 70, critical: 90 },
  order: 'ascending',
  comparator: { kind: 'above' },
  // fs.file-nr: allocated, free (always 0 since 2.6), maximum.
  share: {
    used: { sysctl: 'fs.file-nr', index: 0 },
    limit: { sysctl: 'fs.file-nr', index: 2 },
    what: 'file handles',
    limitName: 'fs.file-max',
    figures: ['fileHandles', 'fileMax'],
  },
  core: false,
  rationale:
    'Every socket is a file. At fs.file-max, socket() and accept() fail with ENFILE for unprivileged processes ' +
    '("VFS: file-max limit reached"), whatever the TCP limits say.',
  remediation:
    'Raise fs.file-max (memory cost is small), and check per-process limits (LimitNOFILE in systemd units, ' +
    'ulimit -n), which fail with EMFILE long before the system limit. A steady climb is often a descriptor leak.',
  check: (ctx) => checkShare(ctx, (allocated) => (!allocated.ok && allocated.absent ? allocated.why : undefined)),
});
