// Keys and agent for ssh2: each key file is read and decrypted once per run, before the
// fan-out (ssh2's connect() would otherwise throw per host on an encrypted key).
import { readFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, NextAuthHandler, ParsedKey } from 'ssh2';
import { fingerprint } from './known-hosts.js';

// ssh2 is CommonJS and its `utils` is not visible to Node's named-export detection.
const { utils } = ssh2;

export const PASSPHRASE_ENV = 'SOCKAUDIT_KEY_PASSPHRASE';

/**
 * A private key ready for ssh2. The key lives in a private field, so JSON, inspect and
 * string forms show only where it came from, its type and its public fingerprint.
 */
export class Identity {
  readonly type: string;
  readonly fingerprint: string;
  readonly #key: ParsedKey;

  constructor(
    readonly file: string,
    key: ParsedKey,
  ) {
    this.type = key.type;
    this.fingerprint = fingerprint(key.getPublicSSH());
    this.#key = key;
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
  opts: { passphrase?: PassphraseSource },
): Promise<{ keys: Identity[]; problems: string[] }> {
  const explicit = files.length > 0;
  const keys: Identity[] = [];
  const problems: string[] = [];
  let passphrase: Promise<string | undefined> | undefined;
  for (const file of [...new Set(explicit ? files : defaultIdentityFiles())]) {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !explicit) continue;
      problems.push(`${file}: ${code === 'ENOENT' ? 'key file not found' : `cannot read key file (${code ?? 'error'})`}`);
      continue;
    }
    let parsed = utils.parseKey(data);
    if (parsed instanceof Error && /no passphrase given/.test(parsed.message)) {
      passphrase ??= opts.passphrase ? opts.passphrase() : Promise.resolve(undefined);
      const secret = await passphrase;
      if (secret === undefined) {
        problems.push(
          `${file}: key is encrypted and no passphrase is available; set ${PASSPHRASE_ENV}, run from a terminal to be asked, or add the key to ssh-agent`,
        );
        continue;
      }
      parsed = utils.parseKey(data, secret);
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
    keys.push(new Identity(file, parsed));
  }
  return { keys, problems };
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

/** Read one line from a terminal in raw mode, so nothing typed is echoed. */
export function promptHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string | undefined> {
  return new Promise((resolve) => {
    let typed = '';
    const wasRaw = input.isRaw;
    const finish = (value: string | undefined): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(typed);
        // Ctrl-C or Ctrl-D: no passphrase; the keys are skipped with a problem message.
        if (ch === '\u0003' || ch === '\u0004') return finish(undefined);
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
      }
    };
    output.write(prompt);
    input.setRawMode(true);
    input.on('data', onData);
    input.resume();
  });
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
}): AuthPlan {
  const { username } = opts;
  const offers: { method: AnyAuthMethod; label: string }[] = [];
  if (opts.agent !== undefined && !opts.identitiesOnly)
    offers.push({ method: { type: 'agent', username, agent: opts.agent }, label: 'agent (SSH_AUTH_SOCK)' });
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
