// Accept queue overflows since boot (RISK-MODEL.md section 4, neighbours).
import { levelBy, saturating } from '../comparators.js';
import { absent, finding } from '../finding.js';
import { counterSeries } from '../inputs.js';
import { defineRule } from '../rule.js';
import type { CheckContext, CheckResult, Comparator } from '../rule.js';

export const listenOverflowsRule = defineRule({
  id: 'neighbours.listen-overflows',
  group: 'neighbours',
  item: 'listen-overflows',
  title: 'Accept queue overflows',
  figure: 'TcpExt ListenOverflows since boot',
  unit: 'overflows since boot',
  thresholds: { notice: 0 },
  order: 'ascending',
  comparator: { kind: 'above' },
  core: false,
  rationale:
    'ListenOverflows counts connections dropped because a listener accept queue was full: the application did ' +
    'not accept fast enough, or its backlog is small. Clients see SYN retries and connection delays of a second ' +
    'or more.',
  remediation:
    'Find the listener with ss -ltn (Recv-Q near Send-Q means a full queue); raise the listen() backlog in the ' +
    'application together with net.core.somaxconn (128 before 5.4) and tcp_max_syn_backlog; make the accept ' +
    'loop faster or add workers.',
  check: checkListenOverflows,
});

function checkListenOverflows({ snapshot, rule, thresholds }: CheckContext): CheckResult {
  const overflows = counterSeries(snapshot, 'TcpExt', 'ListenOverflows');
  if (!overflows.ok) {
    if (overflows.absent) return absent(rule, overflows.why);
    return finding(rule, { level: 'unknown', summary: `accept queue overflows unknown: ${overflows.why}`, thresholds });
  }
  const { last, growth } = overflows.value;
  const level = levelBy(rule.comparator as Comparator, last, thresholds) ?? 'ok';
  const grew = growth !== null && growth > 0 ? ` (+${growth} while sampling)` : '';
  return finding(rule, {
    level,
    summary: `${last} accept queue overflows since boot${grew}`,
    figures: { listenOverflows: last, listenOverflowsGrowth: growth, samples: overflows.value.of },
    thresholds,
    closeness: saturating(last, 1000),
  });
}
