// `--limit`, in Ansible's host-pattern language (intro_patterns.rst; inventory/manager.py):
// terms separated by `,` (or `:` when there is no comma); `!term` excludes, `&term` intersects,
// both applied after the unions; a term is a group or host name, an fnmatch glob (`web*`),
// `~regex` (matched from the start), or `all` / `*`, optionally followed by a position subscript
// over the hosts it matches, in inventory order: `[i]`, `[-i]`, `[a:b]` (inclusive), `[a:]`.
// `[v6]:port` alone is one host name.
// Unlike Ansible, which warns and goes on, a term that matches no host, an invalid regex or a
// malformed subscript is an error: a typo must not audit the wrong hosts, or none with exit 0.
import { isIPv6 } from 'node:net';
import { globToRegExp } from './glob.js';
import { InputError, type InventoryHost, type Result } from './types.js';

type Member = Pick<InventoryHost, 'name' | 'groups'>;

/** inventory/manager.py PATTERN_WITH_SUBSCRIPT: an index, or a range whose start is not negative. */
const SUBSCRIPT = /^(.+)\[(?:(-?\d+)|(\d+)([:-])(\d*))\]$/s;

export function applyLimit<T extends Member>(hosts: T[], pattern: string): Result<T[]> {
  const warnings: string[] = [];
  const errors: InputError[] = [];
  const fail = (problem: string): void => void errors.push(new InputError('--limit', undefined, problem));
  const unclosed = unclosedTerm(pattern);
  if (unclosed !== undefined) {
    fail(`"${unclosed}" has a "[" without its "]"`);
    return { value: [], warnings, errors };
  }
  const terms = splitPattern(pattern);
  if (terms.length === 0) return { value: hosts, warnings: [`--limit "${pattern}" is empty; it limits nothing`], errors: [] };

  const unions: string[] = [];
  const intersections: string[] = [];
  const exclusions: string[] = [];
  for (const term of terms) {
    if (term.startsWith('!')) exclusions.push(term.slice(1));
    else if (term.startsWith('&')) intersections.push(term.slice(1));
    else unions.push(term);
  }
  const match = (term: string): Set<string> => {
    const { expr, pick, problem } = splitSubscript(term, warnings);
    if (problem !== undefined) {
      fail(`"${term}": ${problem}`);
      return new Set();
    }
    const matched = matchTerm(hosts, expr, fail);
    if (matched === undefined) return new Set();
    if (matched.size === 0) {
      const near = closest(expr, hosts);
      fail(`"${expr}" matches no host or group${near === undefined ? '' : `; did you mean "${near}"?`}`);
      return matched;
    }
    if (pick === undefined) return matched;
    const picked = new Set(pick(hosts.filter((h) => matched.has(h.name)).map((h) => h.name)));
    if (picked.size === 0) fail(`"${term}" is out of range: "${expr}" matches ${matched.size} host${matched.size === 1 ? '' : 's'}`);
    return picked;
  };
  let selected = new Set<string>(unions.length === 0 ? hosts.map((h) => h.name) : []);
  for (const term of unions) for (const name of match(term)) selected.add(name);
  for (const term of intersections) {
    const matched = match(term);
    selected = new Set([...selected].filter((name) => matched.has(name)));
  }
  for (const term of exclusions) for (const name of match(term)) selected.delete(name);
  if (errors.length > 0) return { value: [], warnings, errors };
  return { value: hosts.filter((h) => selected.has(h.name)), warnings, errors };
}

/** The term without its subscript, and what the subscript picks; a `~regex` keeps its brackets. */
function splitSubscript(term: string, warnings: string[]): { expr: string; pick?: (names: string[]) => string[]; problem?: string } {
  const found = term.startsWith('~') ? null : SUBSCRIPT.exec(term);
  if (!found) return { expr: term };
  const [, expr = term, index, start, separator, end] = found;
  if (index !== undefined) {
    // As a Python list index: -1 is the last.
    return {
      expr,
      pick: (names) => {
        const name = names.at(Number(index));
        return name === undefined ? [] : [name];
      },
    };
  }
  if (end !== '' && Number(end) < Number(start)) return { expr, problem: 'the range ends before it starts' };
  if (separator === '-') warnings.push(`--limit: "${term}": [x-y] is the old form of [x:y]; write [x:y]`);
  return { expr, pick: (names) => names.slice(Number(start), end === '' ? undefined : Number(end) + 1) };
}

function splitPattern(pattern: string): string[] {
  const trimmed = pattern.trim();
  let parts: string[];
  if (trimmed.includes(',')) parts = trimmed.split(',');
  else if (isIPv6(trimmed) || /^\[[^\]]*:[^\]]*\]:\d+$/.test(trimmed)) parts = [trimmed];
  // A lone regex keeps its brackets, balanced or not (an unbalanced one is then reported as invalid).
  else if (/^[!&]?~[^:]*$/.test(trimmed)) parts = [trimmed];
  // Colons inside [ranges] or [v6]:port do not separate terms.
  else parts = trimmed.match(/(?:[^:[\]\s]|\[[^\]]*\])+/g) ?? [];
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The first term (of a comma-separated pattern, or the whole) with a `[` and no `]` after it; a ~regex is left to the regex check. */
function unclosedTerm(pattern: string): string | undefined {
  const terms = pattern.includes(',') ? pattern.split(',') : [pattern];
  return terms.map((t) => t.trim()).find((t) => !/^[!&]?~/.test(t) && /\[[^\]]*$/.test(t));
}

/** The group or host name nearest to `term` by edit distance, when near enough to be a typo. */
function closest(term: string, hosts: Member[]): string | undefined {
  const limit = Math.max(1, Math.floor(term.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  const seen = new Set<string>();
  const consider = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    if (Math.abs(name.length - term.length) >= bestDistance) return;
    const distance = editDistance(term, name, bestDistance);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  };
  for (const host of hosts) for (const group of host.groups) consider(group);
  for (const host of hosts) consider(host.name);
  return best;
}

/** Levenshtein distance, giving up (returning `cap`) once every path costs `cap` or more. */
function editDistance(a: string, b: string, cap: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= cap) return cap;
    previous = current;
  }
  return previous[b.length] as number;
}

/** The names a term matches; undefined (after `fail`) when the term itself is invalid. */
function matchTerm(hosts: Member[], term: string, fail: (problem: string) => void): Set<string> | undefined {
  if (term === 'all' || term === '*') return new Set(hosts.map((h) => h.name));
  let test: (name: string) => boolean;
  if (term.startsWith('~')) {
    let regex: RegExp;
    try {
      regex = new RegExp(`^(?:${term.slice(1)})`);
    } catch (error) {
      fail(`"${term}" is not a valid regular expression: ${(error as Error).message}`);
      return undefined;
    }
    test = (name) => regex.test(name);
  } else if (/[*?[]/.test(term)) {
    const regex = globToRegExp(term);
    // `[::1]:2201` is a name before it is a glob.
    test = (name) => name === term || regex.test(name);
  } else {
    test = (name) => name === term;
  }
  const special = term.startsWith('~') || /[*?[.]/.test(term);
  const matched = new Set<string>();
  const groupOf = (host: Member): string[] => (host.groups.length === 0 ? ['ungrouped'] : host.groups);
  for (const host of hosts) if (groupOf(host).some(test)) matched.add(host.name);
  // As Ansible does: a plain word that names a group is not also tried as a host name.
  if (matched.size === 0 || special) for (const host of hosts) if (test(host.name)) matched.add(host.name);
  return matched;
}
