// Host ranges as Ansible expands them (lib/ansible/plugins/inventory/__init__.py,
// expand_hostname_range): `[beg:end]` or `[beg:end:step]`, inclusive; numeric or single
// letters; an empty beg is 0; a beg with a leading zero is a width hint and end must be
// as wide; several ranges in one name expand left to right.

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const INTEGER = /^\d+$/;
/** Far more names than any fleet has: guards against `[0:99999999]` eating memory. */
const MAX_HOSTS = 100_000;

export type Expansion = { hosts: string[] } | { problem: string };

/** Expands every `[x:y]` / `[x:y:s]` range in a host name; a name without `[` is returned as is. */
export function expandHostPattern(pattern: string): Expansion {
  const open = pattern.indexOf('[');
  if (open < 0) return { hosts: [pattern] };
  const close = pattern.indexOf(']', open);
  if (close < 0) return { problem: `host range in "${pattern}" has no closing "]"` };
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const bounds = pattern.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) {
    return { problem: `host range in "${pattern}" must be [begin:end] or [begin:end:step]` };
  }
  const beg = bounds[0] || '0';
  const end = bounds[1] ?? '';
  const stepText = bounds[2] ?? '1';
  if (end === '') return { problem: `host range in "${pattern}" must give an end value` };
  if (!INTEGER.test(stepText) || Number(stepText) === 0) {
    return { problem: `host range in "${pattern}" has step "${stepText}": it must be a positive integer` };
  }
  const step = Number(stepText);
  const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
  if (width > 0 && end.length !== width) {
    return { problem: `host range in "${pattern}" must give begin and end of equal width ("${beg}" and "${end}")` };
  }

  let items: string[];
  const a = LETTERS.indexOf(beg);
  const b = LETTERS.indexOf(end);
  if (beg.length === 1 && end.length === 1 && a >= 0 && b >= 0) {
    if (a > b) return { problem: `host range in "${pattern}" must have begin <= end` };
    items = [];
    for (let i = a; i <= b; i += step) items.push(LETTERS[i] as string);
  } else if (INTEGER.test(beg) && INTEGER.test(end)) {
    const from = Number(beg);
    const to = Number(end);
    if ((to - from) / step >= MAX_HOSTS) return { problem: `host range in "${pattern}" gives more than ${MAX_HOSTS} names` };
    items = [];
    for (let i = from; i <= to; i += step) items.push(String(i).padStart(width, '0'));
  } else {
    return { problem: `host range in "${pattern}" must be numeric ([01:20]) or single letters ([a:f])` };
  }

  const hosts: string[] = [];
  for (const item of items) {
    const rest = expandHostPattern(head + item + tail);
    if ('problem' in rest) return rest;
    hosts.push(...rest.hosts);
    if (hosts.length > MAX_HOSTS) return { problem: `host range in "${pattern}" gives more than ${MAX_HOSTS} names` };
  }
  return { hosts };
}
