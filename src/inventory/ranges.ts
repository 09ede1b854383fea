// Host ranges as Ansible expands them (lib/ansible/plugins/inventory/__init__.py,
// expand_hostname_range): `[beg:end]` or `[beg:end:step]`, inclusive; numeric or single
// letters; an empty beg is 0; a beg with a leading zero is a width hint and end must be
// as wide; several ranges in one name expand left to right.

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const INTEGER = /^\d+$/;
/** Far more names than any one range needs: `[0:99999999]` is refused before anything is allocated. */
export const MAX_HOSTS_PER_RANGE = 100_000;
/** Far more hosts than any fleet has, for one inventory file in all. */
export const MAX_HOSTS_PER_INVENTORY = 1_000_000;

export type Expansion = { hosts: string[] } | { problem: string };

/** Expands every `[x:y]` / `[x:y:s]` range in a host name; a name without `[` is returned as is. */
export function expandHostPattern(pattern: string): Expansion {
  // Every range is read first, so their product is checked before any name is built.
  const parts: string[][] = [];
  let rest = pattern;
  let count = 1;
  for (let open = rest.indexOf('['); open >= 0; open = rest.indexOf('[')) {
    const close = rest.indexOf(']', open);
    if (close < 0) return { problem: `host range in "${pattern}" has no closing "]"` };
    const items = rangeItems(rest.slice(open + 1, close), pattern);
    if ('problem' in items) return items;
    count *= items.items.length;
    if (count > MAX_HOSTS_PER_RANGE) return { problem: `host range in "${pattern}" gives more than ${MAX_HOSTS_PER_RANGE} names` };
    parts.push([rest.slice(0, open)], items.items);
    rest = rest.slice(close + 1);
  }
  parts.push([rest]);
  let hosts = [''];
  for (const choices of parts) hosts = choices.length === 1 ? hosts.map((h) => h + choices[0]) : hosts.flatMap((h) => choices.map((c) => h + c));
  return { hosts };
}

function rangeItems(body: string, pattern: string): { items: string[] } | { problem: string } {
  const bounds = body.split(':');
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
  const items: string[] = [];
  const a = LETTERS.indexOf(beg);
  const b = LETTERS.indexOf(end);
  if (beg.length === 1 && end.length === 1 && a >= 0 && b >= 0) {
    if (a > b) return { problem: `host range in "${pattern}" must have begin <= end` };
    for (let i = a; i <= b; i += step) items.push(LETTERS[i] as string);
  } else if (INTEGER.test(beg) && INTEGER.test(end)) {
    const from = Number(beg);
    const to = Number(end);
    if (from > to) return { problem: `host range in "${pattern}" must have begin <= end` };
    if ((to - from) / step >= MAX_HOSTS_PER_RANGE) return { problem: `host range in "${pattern}" gives more than ${MAX_HOSTS_PER_RANGE} names` };
    for (let i = from; i <= to; i += step) items.push(String(i).padStart(width, '0'));
  } else {
    return { problem: `host range in "${pattern}" must be numeric ([01:20]) or single letters ([a:f])` };
  }
  return { items };
}
