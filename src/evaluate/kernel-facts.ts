// Kernel constants the rules and what-if share (RISK-MODEL.md sections 1 and 3).

/** Orphan-count fractions of tcp_max_orphans at which the penalty shifts 2, 1, 0 start killing. */
export const ORPHAN_STAGES = [
  // The timer path re-checks an orphan only when its retransmit or probe timer fires, and the count
  // the kernel reads may lag (orphanCountReading): say "can be killed", not "are being reset".
  { fraction: 0.25, says: 'orphans penalised twice (idle over 240 s and a soft ICMP error) can be killed when their timers fire' },
  { fraction: 0.5, says: 'orphans with one penalty (idle over 240 s or a soft ICMP error) can be killed when their timers fire' },
  { fraction: 1, says: 'every socket is reset at close' },
] as const;

/** The documented unswappable cost of one orphan (ip-sysctl.rst, tcp_max_orphans). */
export const ORPHAN_DOC_BYTES = 64 * 1024;
