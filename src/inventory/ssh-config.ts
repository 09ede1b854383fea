// The OpenSSH client config (ssh_config(5), readconf.c): parsed once, then evaluated per host the
// way ssh does it: options before any Host/Match apply to all; a Host or Match line switches the
// following options on or off; the first value obtained wins (IdentityFile accumulates); an
// Include splices its files in place, and inside an inactive block their Host lines never match.
import { Issues } from './issues.js';
import { splitShellWords } from './shell-words.js';
import { applySshOption, type SshSettings } from './ssh-options.js';
import type { Result, SettingSources, TracedSetting } from './types.js';

export interface MatchCriterion {
  /** Lower case: all, host, originalhost, user, localuser, or one sockaudit does not evaluate. */
  name: string;
  negate: boolean;
  arg?: string;
}

export type SshConfigItem =
  | { kind: 'host'; line: number; patterns: string[] }
  | { kind: 'match'; line: number; criteria: MatchCriterion[] }
  | { kind: 'option'; line: number; keyword: string; args: string[] }
  | { kind: 'include'; line: number; patterns: string[]; files: SshConfig[] };

export interface SshConfig {
  file: string;
  items: SshConfigItem[];
}

/** Who is asking: the values `Match user`/`localuser` and the `%` tokens need. */
export interface SshLookup {
  /** The host name as given to ssh (`Host` and `Match originalhost` match it). */
  host: string;
  /** A user given as if on the command line (it beats the config, and `Match user` sees it). */
  user?: string;
  localUser: string;
  home: string;
}

const EVALUATED_CRITERIA = new Set(['all', 'host', 'originalhost', 'user', 'localuser']);
const CRITERIA_WITHOUT_ARGUMENT = new Set(['all', 'canonical', 'final']);
/** OpenSSH's READCONF_MAX_DEPTH. */
export const MAX_INCLUDE_DEPTH = 16;

export function parseSshConfig(text: string, file: string): Result<SshConfig> {
  const issues = new Issues(file);
  const items: SshConfigItem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const head = /^([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+|$)(.*)$/.exec(trimmed);
    if (!head) return issues.error(line, `cannot read "${trimmed}": expected Keyword value`);
    const keyword = (head[1] as string).toLowerCase();
    const split = splitShellWords(head[2] as string, { comments: 'word-start' });
    if ('problem' in split) return issues.error(line, split.problem);
    const args = split.words;
    if (args.length === 0) return issues.error(line, `${head[1]} needs a value`);

    if (keyword === 'host') {
      items.push({ kind: 'host', line, patterns: args });
    } else if (keyword === 'match') {
      const criteria = parseMatch(args, issues, line);
      if (criteria) items.push({ kind: 'match', line, criteria });
    } else if (keyword === 'include') {
      items.push({ kind: 'include', line, patterns: args, files: [] });
    } else {
      const check = applySshOption({ identityFiles: [] }, keyword, args);
      if (check.kind === 'problem') return issues.error(line, check.problem);
      items.push({ kind: 'option', line, keyword, args });
    }
  });
  return issues.result({ file, items });
}

function parseMatch(args: string[], issues: Issues, line: number): MatchCriterion[] | undefined {
  const criteria: MatchCriterion[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    const negate = word.startsWith('!');
    const name = (negate ? word.slice(1) : word).toLowerCase();
    if (CRITERIA_WITHOUT_ARGUMENT.has(name)) {
      criteria.push({ name, negate });
      continue;
    }
    const arg = args[++i];
    if (arg === undefined) {
      issues.error(line, `Match ${name} needs an argument`);
      return undefined;
    }
    criteria.push({ name, negate, arg });
  }
  if (criteria.some((c) => c.name === 'all') && criteria.some((c) => !CRITERIA_WITHOUT_ARGUMENT.has(c.name))) {
    issues.error(line, 'Match all cannot be combined with other criteria');
    return undefined;
  }
  return criteria;
}

/**
 * Evaluates the config for one host, as `ssh -G host` would, for the keywords sockaudit uses.
 * Several files are read in turn, each starting outside any Host block, the first value winning
 * across all of them: the user's file, then the system's.
 */
/** The keywords whose origin is kept, and the setting each gives. */
const TRACED_KEYWORDS: Record<string, TracedSetting> = { hostname: 'address', port: 'port', user: 'user', proxyjump: 'proxyJump', proxycommand: 'proxyJump' };

/** `sources`, when given, receives the file and line of the address, port, user and jump hosts. */
export function computeSshConfig(config: SshConfig | readonly SshConfig[], lookup: SshLookup, warnings: Set<string>, sources?: SettingSources): SshSettings {
  const settings: SshSettings = { identityFiles: [] };
  if (lookup.user !== undefined) settings.user = lookup.user;
  const walk = (file: SshConfig, startActive: boolean, neverMatch: boolean): void => {
    let active = startActive;
    for (const item of file.items) {
      if (item.kind === 'host') {
        active = !neverMatch && hostLineMatches(item.patterns, lookup.host);
      } else if (item.kind === 'match') {
        active = !neverMatch && matchLineMatches(item.criteria, lookup, settings, () => {
          warnings.add(`${file.file}:${item.line}: Match ${item.criteria.filter((c) => !EVALUATED_CRITERIA.has(c.name)).map((c) => c.name).join(', ')} is not evaluated by sockaudit; the block is treated as not matching`);
        });
      } else if (item.kind === 'include') {
        for (const included of item.files) walk(included, active, neverMatch || !active);
      } else if (active) {
        const outcome = applySshOption(settings, item.keyword, item.args, `ssh config ${file.file} line ${item.line}`);
        const traced = TRACED_KEYWORDS[item.keyword];
        if (sources !== undefined && outcome.kind === 'set' && traced !== undefined) sources[traced] = `ssh config ${file.file} line ${item.line}`;
      }
    }
  };
  for (const file of Array.isArray(config) ? config : [config]) walk(file, true, false);
  return settings;
}

function hostLineMatches(patterns: string[], host: string): boolean {
  let positive = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!matchPattern(host, pattern)) continue;
    // A negated match cancels the whole line (readconf.c).
    if (negated) return false;
    positive = true;
  }
  return positive;
}

function matchLineMatches(criteria: MatchCriterion[], lookup: SshLookup, settings: SshSettings, unsupported: () => void): boolean {
  if (criteria.some((c) => !EVALUATED_CRITERIA.has(c.name))) {
    unsupported();
    return false;
  }
  const finalHost = settings.hostName === undefined ? lookup.host : expandHostName(settings.hostName, lookup.host);
  for (const criterion of criteria) {
    let result: boolean;
    switch (criterion.name) {
      case 'all':
        result = true;
        break;
      case 'host':
        result = matchPatternList(finalHost, criterion.arg ?? '');
        break;
      case 'originalhost':
        result = matchPatternList(lookup.host, criterion.arg ?? '');
        break;
      case 'user':
        result = matchPatternList(settings.user ?? lookup.localUser, criterion.arg ?? '', true);
        break;
      default:
        result = matchPatternList(lookup.localUser, criterion.arg ?? '', true);
    }
    if (result === criterion.negate) return false;
  }
  return true;
}

/** `HostName` with `%h` (the name given) and `%%`. */
export function expandHostName(value: string, host: string): string {
  return value.replace(/%([h%])/g, (_, token: string) => (token === 'h' ? host : '%'));
}

/** A comma-separated list of patterns, some negated (match.c match_pattern_list). */
function matchPatternList(value: string, list: string, caseSensitive = false): boolean {
  let positive = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!matchPattern(value, pattern, caseSensitive)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** OpenSSH wildcards: `*` any run of characters, `?` exactly one. */
export function matchPattern(value: string, pattern: string, caseSensitive = false): boolean {
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, caseSensitive ? 's' : 'si').test(value);
}
