// known_hosts with OpenSSH's semantics (sshd.8 "SSH_KNOWN_HOSTS FILE FORMAT", hostfile.c,
// match.c): parse once, then check every host key ssh2 is shown against all matching lines.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import ssh2 from 'ssh2';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { InputError } from '../inventory/types.js';
import type { HostKeyPolicy } from '../inventory/types.js';

export type KnownHostMarker = 'revoked' | 'cert-authority';

/** One name field: patterns as written (lowercased), or one hashed name. */
export type HostField =
  | { kind: 'patterns'; patterns: { negated: boolean; glob: RegExp; literal?: string }[] }
  | { kind: 'hashed'; salt: Buffer; hash: Buffer };

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: KnownHostMarker;
  hosts: HostField;
  /** Key type as named by the key blob (`ssh-ed25519`, `ssh-rsa`, ...). */
  type: string;
  /** Public key in SSH wire format, the bytes ssh2 hands to `hostVerifier`. */
  key: Buffer;
}

export interface KnownHosts {
  entries: KnownHostEntry[];
  warnings: string[];
}

export type HostKeyCheck =
  | { result: 'match' }
  /** `note` says why a host listed only under @cert-authority cannot be verified. */
  | { result: 'unknown'; note?: string }
  | { result: 'revoked'; fingerprint: string }
  | { result: 'mismatch'; seen: string; expected: string[] };

// ssh2 is CommonJS and its `utils` is not visible to Node's named-export detection.
const { utils } = ssh2;
const HASH_MAGIC = '|1|';
const SHA1_BYTES = 20;

/** ssh2's own default order (lib/protocol/constants.js DEFAULT_SERVER_HOST_KEY, Node with Ed25519). */
const SSH2_DEFAULT_HOST_KEY_ALGORITHMS: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** The signature algorithms a key type is used with, as ssh2 names them. */
const ALGORITHMS_FOR_TYPE: Record<string, readonly ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ssh-dss': ['ssh-dss'],
};

/**
 * ssh2's key parser, for bytes from a known_hosts file or a host: an Error for a key it cannot
 * read. It mostly returns one, but throws for some blobs (an ECDSA key with an empty point fails
 * an assertion in its ASN.1 writer), and one bad line must not end the run.
 */
function parsePublicKey(blob: Buffer): ReturnType<typeof utils.parseKey> {
  try {
    return utils.parseKey(blob);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** `SHA256:<base64 without padding>`, as `ssh-keygen -l` prints it. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Key type and fingerprint for messages; the type comes from ssh2's parser, never raw host bytes. */
export function describeKey(key: Buffer): string {
  const parsed = parsePublicKey(key);
  const type = parsed instanceof Error ? 'unparseable key' : parsed.type;
  return `${type} ${fingerprint(key)}`;
}

/** The host as OpenSSH writes and looks it up (misc.c put_host_port): `[host]:port` off port 22. */
export function hostPortName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 || port === 0 ? name : `[${name}]:${port}`;
}

/**
 * The one name OpenSSH looks a host up under and records it as (sshconnect.c
 * get_hostfile_hostname_ipaddr): the HostKeyAlias as written, else the HostName it connects
 * to as `[host]:port` off port 22. Never the inventory's own name for the host, and no IP
 * address line: CheckHostIP is off by default since OpenSSH 8.5.
 */
export function hostKeyLookup(host: string, port: number, alias?: string): string {
  return alias ?? hostPortName(host, port);
}

export function parseKnownHosts(text: string, file: string): KnownHosts {
  const entries: KnownHostEntry[] = [];
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const parsed = parseLine(raw);
    if (typeof parsed === 'string') warnings.push(`${file}:${i + 1}: ${parsed}; line skipped`);
    else entries.push({ file, line: i + 1, ...parsed });
  }
  return { entries, warnings };
}

function parseLine(line: string): Omit<KnownHostEntry, 'file' | 'line'> | string {
  const fields = line.split(/[ \t]+/);
  let marker: KnownHostMarker | undefined;
  if (fields[0]?.startsWith('@')) {
    const word = fields.shift();
    if (word === '@revoked') marker = 'revoked';
    else if (word === '@cert-authority') marker = 'cert-authority';
    else return 'unknown marker (expected @revoked or @cert-authority)';
  }
  const [names, type, base64] = fields;
  if (names === undefined || type === undefined || base64 === undefined) return 'expected "hostnames keytype key"';
  const hosts = parseHostField(names);
  if (typeof hosts === 'string') return hosts;
  const blob = Buffer.from(base64, 'base64');
  const parsed = parsePublicKey(blob);
  if (parsed instanceof Error || blob.toString('base64').replace(/=+$/, '') !== base64.replace(/=+$/, ''))
    return 'key is not valid base64 SSH public key data';
  if (parsed.type !== type) return `key type field does not match the key (${parsed.type})`;
  return { ...(marker ? { marker } : {}), hosts, type, key: blob };
}

function parseHostField(names: string): HostField | string {
  if (names.startsWith(HASH_MAGIC)) {
    const [salt64, hash64, ...rest] = names.slice(HASH_MAGIC.length).split('|');
    const salt = Buffer.from(salt64 ?? '', 'base64');
    const hash = Buffer.from(hash64 ?? '', 'base64');
    if (rest.length > 0 || salt.length !== SHA1_BYTES || hash.length !== SHA1_BYTES) return 'malformed hashed hostname';
    return { kind: 'hashed', salt, hash };
  }
  const patterns = names
    .split(',')
    .filter((p) => p !== '')
    .map((p) => {
      const negated = p.startsWith('!');
      const name = (negated ? p.slice(1) : p).toLowerCase();
      return { negated, glob: globToRegExp(name), ...(/[*?]/.test(name) ? {} : { literal: name }) };
    });
  if (patterns.length === 0) return 'no hostnames';
  return { kind: 'patterns', patterns };
}

/** OpenSSH wildcards (match.c): `*` any run of characters, `?` exactly one; nothing else is special. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/** match_hostname: a negated pattern that matches excludes the line even if another pattern matches. */
function fieldMatches(hosts: HostField, lookup: string): boolean {
  if (hosts.kind === 'hashed') return createHmac('sha1', hosts.salt).update(lookup).digest().equals(hosts.hash);
  // Patterns were lowercased when read; OpenSSH compares them without regard to case.
  const name = lookup.toLowerCase();
  let positive = false;
  for (const { negated, glob } of hosts.patterns) {
    if (!glob.test(name)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

// Each host is looked up for its algorithms, its verification and any retry; a fleet's
// known_hosts has a line per host, so a scan of every line per host grows with the square of the
// fleet. Lines naming hosts literally are indexed by name; only wildcard, negated and hashed lines
// (a hashed line costs an HMAC per name looked up) are tried one by one. The index follows the
// lines appended by accept-new; what was found is remembered until a line is added.
interface EntryIndex {
  /** Entries indexed so far (the database only grows). */
  size: number;
  /** Lowercased literal name -> positions of the lines naming it. */
  literal: Map<string, number[]>;
  /** Positions of the lines that must be tried against each name. */
  others: number[];
  byLookup: Map<string, KnownHostEntry[]>;
}

const indexes = new WeakMap<KnownHosts, EntryIndex>();

/** The names of a line that only names hosts, no wildcard or negation; undefined otherwise. */
function literalNames(hosts: HostField): string[] | undefined {
  if (hosts.kind !== 'patterns') return undefined;
  const names: string[] = [];
  for (const p of hosts.patterns) {
    if (p.negated || p.literal === undefined) return undefined;
    names.push(p.literal);
  }
  return names;
}

function matchingEntries(db: KnownHosts, lookup: string): KnownHostEntry[] {
  let index = indexes.get(db);
  if (!index) indexes.set(db, (index = { size: 0, literal: new Map(), others: [], byLookup: new Map() }));
  if (index.size !== db.entries.length) {
    for (let i = index.size; i < db.entries.length; i++) {
      const names = literalNames(db.entries[i]!.hosts);
      if (names === undefined) index.others.push(i);
      else
        for (const name of new Set(names)) {
          const at = index.literal.get(name);
          if (at) at.push(i);
          else index.literal.set(name, [i]);
        }
    }
    index.size = db.entries.length;
    index.byLookup.clear();
  }
  let lines = index.byLookup.get(lookup);
  if (!lines) {
    const named = index.literal.get(lookup.toLowerCase()) ?? [];
    const tried = index.others.filter((i) => fieldMatches(db.entries[i]!.hosts, lookup));
    // In file order, as OpenSSH reads them (messages list the expected keys in that order).
    const positions = tried.length === 0 ? named : [...named, ...tried].sort((a, b) => a - b);
    lines = positions.map((i) => db.entries[i]!);
    index.byLookup.set(lookup, lines);
  }
  return lines;
}

/**
 * Check the key a host presented against every line matching `lookup` (see hostKeyLookup),
 * as OpenSSH's check_key_in_hostkeys
 * does: a revoked line wins, any plain line with this key is a match. Unlike OpenSSH, a host
 * known only with other key types is a mismatch rather than new: the algorithm order from
 * `preferredHostKeyAlgorithms` makes the server show a recorded type whenever it still has one.
 */
export function checkHostKey(db: KnownHosts, lookup: string, key: Buffer): HostKeyCheck {
  const lines = matchingEntries(db, lookup);
  if (lines.some((e) => e.marker === 'revoked' && e.key.equals(key))) return { result: 'revoked', fingerprint: fingerprint(key) };
  const plain = lines.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.key.equals(key))) return { result: 'match' };
  if (plain.length > 0)
    return { result: 'mismatch', seen: describeKey(key), expected: plain.map((e) => `${e.type} ${fingerprint(e.key)} (${e.file}${e.line > 0 ? `:${e.line}` : ''})`) };
  if (lines.some((e) => e.marker === 'cert-authority'))
    return { result: 'unknown', note: 'known only through @cert-authority, and host certificates cannot be verified here: add the host key itself' };
  return { result: 'unknown' };
}

/**
 * ssh2's `algorithms.serverHostKey` with the types recorded for this host first (in ssh2's
 * preference order, as OpenSSH's order_hostkeyalgs does), or undefined when none is recorded.
 */
export function preferredHostKeyAlgorithms(db: KnownHosts, lookup: string): ServerHostKeyAlgorithm[] | undefined {
  const known = new Set(
    matchingEntries(db, lookup)
      .filter((e) => e.marker === undefined)
      .flatMap((e) => ALGORITHMS_FOR_TYPE[e.type] ?? []),
  );
  if (known.size === 0) return undefined;
  const first = [...SSH2_DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => known.has(a)), ...[...known].filter((a) => !SSH2_DEFAULT_HOST_KEY_ALGORITHMS.includes(a))];
  return [...first, ...SSH2_DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !known.has(a))];
}

function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? join(homedir(), file.slice(1)) : file;
}

/** OpenSSH's UserKnownHostsFile default (ssh_config.5). */
export function defaultUserKnownHostsFiles(): string[] {
  const ssh = join(homedir(), '.ssh');
  return [join(ssh, 'known_hosts'), join(ssh, 'known_hosts2')];
}

/** OpenSSH's GlobalKnownHostsFile default (ssh_config.5). */
export const DEFAULT_GLOBAL_KNOWN_HOSTS_FILES: readonly string[] = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

/** Where OpenSSH looks by default (ssh_config.5 UserKnownHostsFile, GlobalKnownHostsFile). */
export function defaultKnownHostsFiles(): string[] {
  return [...defaultUserKnownHostsFiles(), ...DEFAULT_GLOBAL_KNOWN_HOSTS_FILES];
}

/** One host's known_hosts settings, as its ssh config or inventory gives them. */
export interface HostKnownHostsSettings {
  /** UserKnownHostsFile; absent: OpenSSH's default; empty: `none`. */
  knownHostsFiles?: readonly string[];
  /** GlobalKnownHostsFile; absent: OpenSSH's default. */
  globalKnownHostsFiles?: readonly string[];
}

/**
 * The files one host is checked against: its own UserKnownHostsFile list (default
 * ~/.ssh/known_hosts and known_hosts2), its GlobalKnownHostsFile list, then `extra`
 * (--known-hosts). Never another host's files: each host has its own trust, as in OpenSSH.
 */
export function knownHostsFilesFor(host: HostKnownHostsSettings, extra: readonly string[] = []): string[] {
  const user = host.knownHostsFiles ?? defaultUserKnownHostsFiles();
  const global = host.globalKnownHostsFiles ?? DEFAULT_GLOBAL_KNOWN_HOSTS_FILES;
  return [...new Set([...user, ...global, ...extra].map(expandHome))];
}

/**
 * Where accept-new records a host's key, as OpenSSH does: its first UserKnownHostsFile.
 * Undefined when it has none (`UserKnownHostsFile none`) or it is /dev/null: recorded nowhere.
 */
export function acceptNewFileFor(host: HostKnownHostsSettings): string | undefined {
  const first = host.knownHostsFiles === undefined ? defaultUserKnownHostsFiles()[0] : host.knownHostsFiles[0];
  return first === undefined || first === '/dev/null' ? undefined : expandHome(first);
}

interface FileRead {
  entries: KnownHostEntry[];
  warnings: string[];
}

/**
 * One known_hosts file. A missing file is fine unless `named` (then a warning); an unreadable
 * named file is an error, since checking without it could wrongly trust or refuse.
 */
async function readKnownHostsFile(file: string, named: boolean): Promise<FileRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { entries: [], warnings: named ? [`${file}: known_hosts file not found`] : [] };
    const problem = `cannot read known_hosts file (${code ?? 'error'})`;
    if (named) throw new InputError(file, undefined, problem);
    return { entries: [], warnings: [`${file}: ${problem}`] };
  }
  return parseKnownHosts(text, file);
}

/**
 * Read the default files and `files`. A missing file is fine (a named one is noted); an
 * unreadable named file is an error, since checking without it could wrongly trust or refuse.
 */
export async function readKnownHosts(files: string[], opts: { defaults?: string[] } = {}): Promise<KnownHosts> {
  const named = new Set(files.map(expandHome));
  const all = [...new Set([...(opts.defaults ?? defaultKnownHostsFiles()).map(expandHome), ...named])];
  const db: KnownHosts = { entries: [], warnings: [] };
  for (const file of all) {
    const read = await readKnownHostsFile(file, named.has(file));
    appendAll(db.entries, read.entries);
    appendAll(db.warnings, read.warnings);
  }
  return db;
}

/** Known hosts for a whole run: each file read once, one database per distinct list of files. */
export interface KnownHostsSets {
  /** The database for one list of files, as given to readKnownHostsSets. */
  get(files: readonly string[]): KnownHosts;
  /** Missing named files and malformed lines, each once, as `file: problem` / `file:line: problem`. */
  warnings: string[];
}

/**
 * Reads every file of every list once (`named` ones, i.e. --known-hosts, must be readable and
 * are noted when missing). Hosts with the same list share one database, so a key accepted for
 * one (accept-new) is known to the next; hosts with different lists never see each other's lines.
 */
export async function readKnownHostsSets(lists: readonly (readonly string[])[], opts: { named?: readonly string[] } = {}): Promise<KnownHostsSets> {
  const named = new Set((opts.named ?? []).map(expandHome));
  const files = new Map<string, FileRead>();
  const warnings: string[] = [];
  for (const file of new Set(lists.flat().map(expandHome))) {
    const read = await readKnownHostsFile(file, named.has(file));
    files.set(file, read);
    appendAll(warnings, read.warnings);
  }
  const dbs = new Map<string, KnownHosts>();
  return {
    warnings,
    get(list) {
      const paths = [...new Set(list.map(expandHome))];
      const key = paths.join('\0');
      let db = dbs.get(key);
      if (!db) {
        db = { entries: paths.flatMap((f) => files.get(f)?.entries ?? []), warnings: [] };
        dbs.set(key, db);
      }
      return db;
    },
  };
}

/**
 * Append a host key (trust on first use) under `lookup` (see hostKeyLookup), creating the file
 * 0600 and its folder 0700 when needed; the name is hashed if asked.
 */
export async function appendKnownHost(file: string, lookup: string, key: Buffer, opts: { hash: boolean }): Promise<void> {
  const path = expandHome(file);
  const parsed = parsePublicKey(key);
  if (parsed instanceof Error) throw new Error(`refusing to record an unparseable host key ${fingerprint(key)}`);
  let names = lookup;
  if (opts.hash) {
    const salt = randomBytes(SHA1_BYTES);
    names = `${HASH_MAGIC}${salt.toString('base64')}|${createHmac('sha1', salt).update(lookup).digest('base64')}`;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const handle = await open(path, 'a+', 0o600);
  try {
    const text = await handle.readFile('utf8');
    const separator = text !== '' && !text.endsWith('\n') ? '\n' : '';
    await handle.appendFile(`${separator}${names} ${parsed.type} ${key.toString('base64')}\n`);
  } finally {
    await handle.close();
  }
}

/** What a verifier decided, for the transport's outcome (`host-key` failure) and report. */
export type HostKeyDecision =
  | { accepted: true; how: 'known' | 'added' | 'unchecked'; seen: string; message: string }
  | { accepted: false; why: 'unknown' | 'mismatch' | 'revoked'; seen: string; message: string; detail: Record<string, string> };

/** How an accepted key was trusted, as an outcome records it. */
export type { HostKeyVerified } from './types.js';
import type { HostKeyVerified } from './types.js';
import { appendAll } from '../arrays.js';

export function verifiedFromDecision(decision: HostKeyDecision | undefined): HostKeyVerified | undefined {
  if (!decision?.accepted) return undefined;
  return decision.how === 'known' ? 'known' : decision.how === 'added' ? 'accepted-new' : 'unverified';
}

export interface HostVerifier {
  /** Pass as ssh2's `hostVerifier` (the two-argument, asynchronous form). */
  verify: (key: Buffer, callback: (accepted: boolean) => void) => void;
  /** The last decision, once ssh2 has shown the key. */
  decision: () => HostKeyDecision | undefined;
}

/**
 * A verifier for one connection to the host known as `lookup` (see hostKeyLookup). `strict`
 * refuses unknown hosts; `accept-new` records them in `onNew` (a known_hosts file, or a
 * function; undefined: nowhere, e.g. `UserKnownHostsFile /dev/null`) and in `db`, so later
 * connections in this run know them; `off` accepts any key but a revoked one, as OpenSSH
 * does. A changed key is always refused.
 */
export function makeHostVerifier(
  db: KnownHosts,
  policy: HostKeyPolicy,
  lookup: string,
  onNew?: string | ((key: Buffer) => Promise<void>),
): HostVerifier {
  let last: HostKeyDecision | undefined;
  const save = typeof onNew === 'string' ? (key: Buffer) => appendKnownHost(onNew, lookup, key, { hash: false }) : onNew;
  const savedIn = typeof onNew === 'string' ? expandHome(onNew) : 'known_hosts';
  const verify = (key: Buffer, callback: (accepted: boolean) => void): void => {
    // The key's type and fingerprint are worded only when read: a known host's, never, in most runs.
    let described: string | undefined;
    const seen = (): string => (described ??= describeKey(key));
    const check = checkHostKey(db, lookup, key);
    const refuse = (why: 'unknown' | 'mismatch' | 'revoked', message: string, expected?: string[]): void => {
      last = { accepted: false, why, seen: seen(), message, detail: { seen: seen(), ...(expected ? { expected: expected.join('; ') } : {}) } };
      callback(false);
    };
    const accept = (how: 'known' | 'added' | 'unchecked', message: () => string): void => {
      last = {
        accepted: true,
        how,
        get seen() {
          return seen();
        },
        get message() {
          return message();
        },
      };
      callback(true);
    };
    if (check.result === 'revoked') return refuse('revoked', `host key for ${lookup} is marked @revoked in known_hosts: ${seen()}`);
    if (policy === 'off') return accept('unchecked', () => `host key checking off (${seen()})`);
    if (check.result === 'match') return accept('known', () => `host key verified (${seen()})`);
    if (check.result === 'mismatch')
      return refuse('mismatch', `host key for ${lookup} does not match known_hosts: seen ${seen()}, expected ${check.expected.join('; ')}`, check.expected);
    const note = check.note ? ` (${check.note})` : '';
    if (policy === 'strict') return refuse('unknown', `host ${lookup} is not in known_hosts${note}: seen ${seen()}`);
    // Remembered in memory before saving, so a concurrent connection to the same host does not add it twice.
    const type = parsePublicKey(key);
    db.entries.push({
      file: 'accepted in this run',
      line: 0,
      hosts: { kind: 'patterns', patterns: [{ negated: false, glob: globToRegExp(lookup.toLowerCase()) }] },
      type: type instanceof Error ? 'unknown' : type.type,
      key,
    });
    if (!save) return accept('added', () => `new host key accepted for this run only (no known_hosts file to record it in)${note}: ${seen()}`);
    save(key).then(
      () => accept('added', () => `new host key added to ${savedIn}${note}: ${seen()}`),
      (err: unknown) => accept('added', () => `new host key accepted but not saved to ${savedIn} (${err instanceof Error ? err.message : String(err)}): ${seen()}`),
    );
  };
  return { verify, decision: () => last };
}
