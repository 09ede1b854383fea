// Keys and agent for ssh2: each key file is read and decrypted once per run, before the
// fan-out (ssh2's connect() would otherwise throw per host on an encrypted key).
import { createPrivateKey, sign as signWith, type KeyObject } from 'node:crypto';
import { open } from 'node:fs/promises';
import { constants, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, IdentityCallback, NextAuthHandler, ParsedKey, SignCallback, SigningRequestOptions } from 'ssh2';
import { fingerprint } from './known-hosts.js';

// ssh2 is CommonJS and its `utils` is not visible to Node's named-export detection.
const { utils, OpenSSHAgent, BaseAgent } = ssh2;

/**
 * The digest each key type signs with when the protocol names none (ssh2 passes one for RSA's
 * rsa-sha2-256/512; for the others the key type fixes it). Types not listed keep ssh2's signing.
 */
const DEFAULT_DIGEST: Readonly<Record<string, string | null>> = {
  'ssh-ed25519': null,
  'ecdsa-sha2-nistp256': 'sha256',
  'ecdsa-sha2-nistp384': 'sha384',
  'ecdsa-sha2-nistp521': 'sha512',
  'ssh-rsa': 'sha1',
};

/**
 * The key, signing through a KeyObject made once. ssh2's ParsedKey.sign hands OpenSSL the PEM
 * text on every call, so each connection pays for decoding the key again: about 0.7 ms of the
 * client's CPU per host, most of its authentication cost. Same contract as ParsedKey.sign:
 * `sign(data, digest?)` returns the raw signature (DER for ECDSA, as ssh2 expects) or an Error.
 */
function withPreparedSigning(key: ParsedKey): ParsedKey {
  const digest = DEFAULT_DIGEST[key.type];
  if (digest === undefined) return key;
  let prepared: KeyObject;
  try {
    prepared = createPrivateKey(key.getPrivatePEM());
  } catch {
    return key;
  }
  const sign = (data: Buffer, algo?: string): Buffer | Error => {
    try {
      return signWith(algo ?? digest, data, prepared);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };
  // An own property in front of the prototype's: the parsed key is ours, made for this run.
  return Object.assign(key, { sign });
}

/** Far above any private key (an RSA 16384 key is ~13 KB): more is not a key file. */
export const MAX_KEY_FILE_BYTES = 1 << 20;

/** A key file that cannot be read as one; the message names what it is instead. */
class KeyFileProblem extends Error {}

function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a key file only if it is a regular file of at most MAX_KEY_FILE_BYTES. It is opened
 * non-blocking (a FIFO must not hang the run) and checked with fstat on the opened descriptor,
 * so a symlink is followed only to a regular file, and /dev/zero is never read.
 */
async function readKeyFile(file: string): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new KeyFileProblem(`is ${fileKind(st)}, not a key file`);
    if (st.size > MAX_KEY_FILE_BYTES) throw new KeyFileProblem(`is ${st.size} bytes, too large for a key file (at most ${MAX_KEY_FILE_BYTES})`);
    // The size may change under us: read at most one byte past the limit and check again.
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_KEY_FILE_BYTES) throw new KeyFileProblem(`grew past ${MAX_KEY_FILE_BYTES} bytes while read, too large for a key file`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** A key named by IdentityFile whose private half is not here (absent, or encrypted) but whose `.pub` is: ssh-agent may hold it. */
export interface AgentKeyRef {
  file: string;
  fingerprint: string;
}

export const PASSPHRASE_ENV = 'SOCKAUDIT_KEY_PASSPHRASE';

/**
 * A private key ready for ssh2. The key lives in a private field, so JSON, inspect and
 * string forms show only where it came from, its type and its public fingerprint.
 */
export class Identity {
  readonly type: string;
  readonly fingerprint: string;
  readonly #key: ParsedKey;
  readonly #source: KeySource | undefined;

  constructor(
    readonly file: string,
    key: ParsedKey,
    /** The file's bytes and the passphrase that opened them, so a worker thread can open it too. */
    source?: KeySource,
  ) {
    this.type = key.type;
    this.fingerprint = fingerprint(key.getPublicSSH());
    this.#key = withPreparedSigning(key);
    this.#source = source;
  }

  /**
   * What a worker thread needs to open the same key: the file's bytes as read (not read again,
   * so the worker signs with the key this thread checked) and the passphrase, if one was asked.
   * Structured-cloned to the worker; never logged or written anywhere.
   */
  portable(): PortableIdentity | undefined {
    return this.#source === undefined ? undefined : { file: this.file, ...this.#source };
  }

  /** The key a worker thread was handed; undefined when it no longer parses the same. */
  static fromPortable(p: PortableIdentity): Identity | undefined {
    // Structured cloning hands a Buffer over as a plain Uint8Array, which ssh2 does not parse.
    const data = Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength);
    const parsed = utils.parseKey(data, p.passphrase);
    if (parsed instanceof Error || !parsed.isPrivateKey()) return undefined;
    return new Identity(p.file, parsed, { data, ...(p.passphrase === undefined ? {} : { passphrase: p.passphrase }) });
  }

  /** The parsed (decrypted) key, for ssh2's `publickey` method only. */
  get key(): ParsedKey {
    return this.#key;
  }

  toString(): string {
    return `${this.type} ${this.fingerprint} (${this.file})`;
  }

  [inspect.custom](): string {
    return `Identity ${this.toString()}`;
  }
}

export type PassphraseSource = () => Promise<string | undefined>;

interface KeySource {
  data: Buffer;
  passphrase?: string;
}

/** A loaded key as it crosses to a worker thread (see Identity.portable). */
export interface PortableIdentity extends KeySource {
  file: string;
}

/** The keys OpenSSH tries when none is configured (ssh_config.5 IdentityFile), in its order. */
function defaultIdentityFiles(): string[] {
  const ssh = join(homedir(), '.ssh');
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(ssh, f));
}

/** ssh2's reason, kept short and printable: it names formats and ciphers, never key bytes. */
function reason(err: Error): string {
  return err.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

/**
 * Read and parse each key file once (`files`, or OpenSSH's defaults when empty, skipped
 * silently when absent). An encrypted key asks `opts.passphrase` (at most once per call);
 * a key that cannot be used is left out with a problem naming the file and what to do.
 */
export async function loadIdentities(
  files: string[],
  opts: { passphrase?: PassphraseSource; agent?: boolean },
): Promise<{ keys: Identity[]; problems: string[]; agentKeys: AgentKeyRef[] }> {
  const explicit = files.length > 0;
  const keys: Identity[] = [];
  const problems: string[] = [];
  const agentKeys: AgentKeyRef[] = [];
  let passphrase: Promise<string | undefined> | undefined;
  /** The `.pub` beside a key file, as OpenSSH reads it when the private key is not usable here. */
  const publicBeside = async (file: string): Promise<AgentKeyRef | undefined> => {
    try {
      const parsed = utils.parseKey(await readKeyFile(`${file}.pub`));
      return parsed instanceof Error ? undefined : { file, fingerprint: fingerprint(parsed.getPublicSSH()) };
    } catch {
      return undefined;
    }
  };
  for (const file of [...new Set(explicit ? files : defaultIdentityFiles())]) {
    let data: Buffer;
    try {
      data = await readKeyFile(file);
    } catch (err) {
      if (err instanceof KeyFileProblem) {
        problems.push(`${file}: ${err.message}; skipped`);
        continue;
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        // Only the public half here: OpenSSH then signs with ssh-agent's matching key.
        const pub = await publicBeside(file);
        if (pub && opts.agent) agentKeys.push(pub);
        else if (pub) problems.push(`${file}: key file not found (only ${file}.pub is here), and no ssh-agent (SSH_AUTH_SOCK) to sign with it`);
        else if (explicit) problems.push(`${file}: key file not found`);
        continue;
      }
      problems.push(`${file}: cannot read key file (${code ?? 'error'})`);
      continue;
    }
    let parsed = utils.parseKey(data);
    let opened: string | undefined;
    if (parsed instanceof Error && /no passphrase given/.test(parsed.message)) {
      passphrase ??= opts.passphrase ? opts.passphrase() : Promise.resolve(undefined);
      const secret = await passphrase;
      if (secret === undefined) {
        const pub = opts.agent ? await publicBeside(file) : undefined;
        if (pub) {
          agentKeys.push(pub);
          continue;
        }
        problems.push(
          `${file}: key is encrypted and no passphrase is available; set ${PASSPHRASE_ENV}, run from a terminal to be asked, or add the key to ssh-agent`,
        );
        continue;
      }
      parsed = utils.parseKey(data, secret);
      opened = secret;
      if (parsed instanceof Error) {
        problems.push(`${file}: the passphrase given does not decrypt this key (set ${PASSPHRASE_ENV} to the right one)`);
        continue;
      }
    }
    if (parsed instanceof Error) {
      problems.push(`${file}: not a private key sockaudit can use (${reason(parsed)})`);
      continue;
    }
    if (!parsed.isPrivateKey()) {
      problems.push(`${file}: is a public key; give the private key file`);
      continue;
    }
    keys.push(new Identity(file, parsed, { data, ...(opened === undefined ? {} : { passphrase: opened }) }));
  }
  return { keys, problems, agentKeys };
}

/**
 * A passphrase source for a run: `SOCKAUDIT_KEY_PASSPHRASE` if set, else the answer of `ask`
 * (the CLI's prompt on a terminal), else nothing: with nobody to ask, as in CI, encrypted keys
 * are skipped. The answer is kept so the question is asked at most once per run.
 */
export function passphraseFromEnvOrTty(
  env: NodeJS.ProcessEnv,
  ask?: (prompt: string) => Promise<string | undefined>,
): PassphraseSource {
  let answer: Promise<string | undefined> | undefined;
  return () => {
    answer ??= (async () => {
      const fromEnv = env[PASSPHRASE_ENV];
      if (fromEnv) return fromEnv;
      return ask?.('Passphrase for SSH keys (asked once): ');
    })();
    return answer;
  };
}

/** The agent's socket from SSH_AUTH_SOCK, when it names an existing socket. */
export function agentSocket(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const path = env.SSH_AUTH_SOCK;
  if (!path) return undefined;
  try {
    return statSync(path).isSocket() ? path : undefined;
  } catch {
    return undefined;
  }
}

// ssh2 takes `false` to end authentication; @types/ssh2 leaves it out of NextAuthHandler.
const STOP = false as unknown as AnyAuthMethod;

export interface AuthPlan {
  /** Pass as ssh2's `authHandler`. */
  handler: (methodsLeft: AuthenticationType[] | null, partialSuccess: boolean | null, next: NextAuthHandler) => void;
  /** What has been offered so far, in order, for an `auth` failure message: no key material. */
  tried: string[];
}

/**
 * An ssh2 authHandler offering the agent (unless `identitiesOnly`), then each key in order,
 * and nothing else: never password or keyboard-interactive, so no run ever waits on a prompt.
 * When the server refuses them all, it tells ssh2 to stop ("All configured authentication
 * methods failed", level client-authentication).
 */
export function buildAuthHandler(opts: {
  username: string;
  identities: readonly Identity[];
  agent?: string;
  identitiesOnly?: boolean;
  /** Keys named by IdentityFile that only the agent can sign with; offered even with identitiesOnly. */
  agentKeys?: readonly AgentKeyRef[];
}): AuthPlan {
  const { username } = opts;
  const offers: { method: AnyAuthMethod; label: string }[] = [];
  if (opts.agent !== undefined && !opts.identitiesOnly)
    offers.push({ method: { type: 'agent', username, agent: opts.agent }, label: 'agent (SSH_AUTH_SOCK)' });
  else if (opts.agent !== undefined && opts.agentKeys && opts.agentKeys.length > 0) {
    const wanted = new Set(opts.agentKeys.map((k) => k.fingerprint));
    offers.push({
      method: { type: 'agent', username, agent: new AgentKeysOnly(opts.agent, wanted) },
      label: `agent (SSH_AUTH_SOCK) keys of ${opts.agentKeys.map((k) => `${k.file}.pub`).join(', ')}`,
    });
  }
  for (const id of opts.identities) offers.push({ method: { type: 'publickey', username, key: id.key }, label: `publickey ${id}` });
  const tried: string[] = [];
  let next = 0;
  const handler: AuthPlan['handler'] = (methodsLeft, _partialSuccess, done) => {
    // After the first refusal the server lists what it still accepts; without publickey, stop.
    const offer = methodsLeft !== null && !methodsLeft.includes('publickey') ? undefined : offers[next++];
    if (offer === undefined) return done(STOP);
    tried.push(offer.label);
    done(offer.method);
  };
  return { handler, tried };
}

/**
 * ssh-agent limited to some keys: IdentitiesOnly with an IdentityFile whose private key is
 * only in the agent, where OpenSSH offers that key and no other of the agent's.
 */
class AgentKeysOnly extends BaseAgent<ParsedKey> {
  readonly #agent: InstanceType<typeof OpenSSHAgent>;
  readonly #wanted: ReadonlySet<string>;

  constructor(socket: string, wanted: ReadonlySet<string>) {
    super();
    this.#agent = new OpenSSHAgent(socket);
    this.#wanted = wanted;
  }

  getIdentities(cb: IdentityCallback<ParsedKey>): void {
    this.#agent.getIdentities((err, keys) => {
      if (err) return cb(err);
      // OpenSSHAgent hands back parsed keys; anything else cannot be matched and is left out.
      cb(null, (keys ?? []).filter((k): k is ParsedKey => 'getPublicSSH' in k && this.#wanted.has(fingerprint(k.getPublicSSH()))));
    });
  }

  sign(pubKey: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    // ssh2's OpenSSHAgent takes either form at run time, as BaseAgent's two signatures say.
    if (typeof options === 'function') this.#agent.sign(pubKey, data, {}, options);
    else this.#agent.sign(pubKey, data, options, cb);
  }
}
