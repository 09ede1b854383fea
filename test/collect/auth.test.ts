import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthContext, ParsedKey } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_KEY_FILE_BYTES, PASSPHRASE_ENV, agentSocket, buildAuthHandler, loadIdentities, passphraseFromEnvOrTty } from '../../src/collect/auth.js';
import type { Identity } from '../../src/collect/auth.js';

const PASSPHRASE = 'correct horse battery staple';
let dir: string;

function keygen(name: string, args: string[], passphrase = ''): string {
  const path = join(dir, name);
  // Few KDF rounds keep the encrypted OpenSSH key quick to open.
  execFileSync('ssh-keygen', ['-q', '-N', passphrase, '-C', `${name}@test`, '-a', '4', '-f', path, ...args]);
  return path;
}

const keygenFingerprint = (path: string): string => execFileSync('ssh-keygen', ['-lf', `${path}.pub`], { encoding: 'utf8' }).split(' ')[1]!;

/** A non-terminal stdin, watched for any attempt to prompt. */
/** Every 16-character run of the key file's secret part, to prove none of it leaks. */
function secretChunks(path: string): string[] {
  const body = readFileSync(path, 'utf8').split('\n').filter((l) => !l.startsWith('-----') && !l.includes(':')).join('');
  const chunks: string[] = [];
  for (let i = 0; i + 16 <= body.length; i += 16) chunks.push(body.slice(i, i + 16));
  return chunks;
}

const keys: Record<string, string> = {};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sockaudit-auth-'));
  keys.ed25519 = keygen('id_ed25519', ['-t', 'ed25519']);
  keys.ecdsa = keygen('id_ecdsa', ['-t', 'ecdsa', '-b', '256']);
  keys.ecdsaPem = keygen('id_ecdsa_pem', ['-t', 'ecdsa', '-b', '384', '-m', 'PEM']);
  keys.rsaPem = keygen('id_rsa_pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM']);
  keys.rsa = keygen('id_rsa', ['-t', 'rsa', '-b', '2048']);
  keys.encEd25519 = keygen('enc_ed25519', ['-t', 'ed25519'], PASSPHRASE);
  keys.encRsaPem = keygen('enc_rsa_pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM'], PASSPHRASE);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

describe('loadIdentities', () => {
  it('loads ed25519, ecdsa and rsa keys in OpenSSH and PEM formats, with ssh-keygen fingerprints', async () => {
    const files = [keys.ed25519!, keys.ecdsa!, keys.ecdsaPem!, keys.rsaPem!, keys.rsa!];
    const { keys: ids, problems } = await loadIdentities(files, {});
    expect(problems).toEqual([]);
    expect(ids.map((i) => [i.file, i.type])).toEqual([
      [keys.ed25519, 'ssh-ed25519'],
      [keys.ecdsa, 'ecdsa-sha2-nistp256'],
      [keys.ecdsaPem, 'ecdsa-sha2-nistp384'],
      [keys.rsaPem, 'ssh-rsa'],
      [keys.rsa, 'ssh-rsa'],
    ]);
    expect(ids.map((i) => i.fingerprint)).toEqual(files.map(keygenFingerprint));
    expect(ids.every((i) => i.key.isPrivateKey())).toBe(true);
  });

  it('reads a file named twice once', async () => {
    const { keys: ids } = await loadIdentities([keys.ed25519!, keys.ed25519!], {});
    expect(ids).toHaveLength(1);
  });

  it('decrypts encrypted keys with the passphrase from the environment, asking for it once', async () => {
    const source = passphraseFromEnvOrTty({ [PASSPHRASE_ENV]: PASSPHRASE });
    const passphrase = vi.fn(source);
    const { keys: ids, problems } = await loadIdentities([keys.encEd25519!, keys.encRsaPem!, keys.ed25519!], { passphrase });
    expect(problems).toEqual([]);
    expect(ids.map((i) => i.type)).toEqual(['ssh-ed25519', 'ssh-rsa', 'ssh-ed25519']);
    expect(ids[0]!.fingerprint).toBe(keygenFingerprint(keys.encEd25519!));
    expect(ids[1]!.fingerprint).toBe(keygenFingerprint(keys.encRsaPem!));
    expect(passphrase).toHaveBeenCalledTimes(1);
  });

  it('with a wrong passphrase, names the file in a problem holding neither passphrase nor key bytes', async () => {
    const wrong = 'not-the-passphrase-42';
    const source = passphraseFromEnvOrTty({ [PASSPHRASE_ENV]: wrong });
    const { keys: ids, problems } = await loadIdentities([keys.encEd25519!, keys.encRsaPem!], { passphrase: source });
    expect(ids).toEqual([]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain(keys.encEd25519);
    expect(problems[1]).toContain(keys.encRsaPem);
    for (const p of problems) {
      expect(p).toMatch(/passphrase given does not decrypt/);
      expect(p).not.toContain(wrong);
      for (const chunk of [...secretChunks(keys.encEd25519!), ...secretChunks(keys.encRsaPem!)]) expect(p).not.toContain(chunk);
    }
  });

  it('with nobody to ask and no variable, skips the key and says how to give the passphrase', async () => {
    // No terminal: the CLI hands collect no way to ask.
    const source = passphraseFromEnvOrTty({}, undefined);
    const { keys: ids, problems } = await loadIdentities([keys.encEd25519!, keys.ed25519!], { passphrase: source });
    expect(ids.map((i) => i.file)).toEqual([keys.ed25519]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(keys.encEd25519);
    expect(problems[0]).toContain(PASSPHRASE_ENV);
    expect(problems[0]).toMatch(/terminal/);
  });

  it('reports missing named files, public keys and unusable files, and no key bytes', async () => {
    const junk = join(dir, 'junk');
    writeFileSync(junk, 'this is not a key\n');
    const { keys: ids, problems } = await loadIdentities([join(dir, 'absent'), `${keys.ed25519}.pub`, junk], {});
    expect(ids).toEqual([]);
    expect(problems).toEqual([
      `${join(dir, 'absent')}: key file not found`,
      `${keys.ed25519}.pub: is a public key; give the private key file`,
      `${junk}: not a private key sockaudit can use (Unsupported key format)`,
    ]);
  });

  it('reads only regular files of at most 1 MiB: no /dev/zero, FIFO, directory or symlink to a device, and never hangs', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const toZero = join(dir, 'link-to-zero');
    symlinkSync('/dev/zero', toZero);
    const toKey = join(dir, 'link-to-key');
    symlinkSync(keys.ed25519!, toKey);
    const huge = join(dir, 'huge');
    writeFileSync(huge, Buffer.alloc(MAX_KEY_FILE_BYTES + 1, 0x41));
    const started = Date.now();
    const { keys: ids, problems } = await loadIdentities(['/dev/zero', fifo, toZero, dir, huge, toKey], {});
    expect(Date.now() - started).toBeLessThan(2000);
    expect(problems).toEqual([
      '/dev/zero: is a character device, not a key file; skipped',
      `${fifo}: is a named pipe, not a key file; skipped`,
      `${toZero}: is a character device, not a key file; skipped`,
      `${dir}: is a directory, not a key file; skipped`,
      `${huge}: is ${MAX_KEY_FILE_BYTES + 1} bytes, too large for a key file (at most ${MAX_KEY_FILE_BYTES}); skipped`,
    ]);
    // A symlink to a regular key file is fine, as for ssh.
    expect(ids.map((i) => i.fingerprint)).toEqual([keygenFingerprint(keys.ed25519!)]);
  });

  it('with an agent, an IdentityFile with only its .pub beside it (private key absent or encrypted) is a key for the agent', async () => {
    const only = join(dir, 'pub-only');
    copyFileSync(`${keys.ed25519}.pub`, `${only}.pub`);
    const without = await loadIdentities([only], {});
    expect(without.problems).toEqual([`${only}: key file not found (only ${only}.pub is here), and no ssh-agent (SSH_AUTH_SOCK) to sign with it`]);
    expect(without.agentKeys).toEqual([]);
    const { keys: ids, problems, agentKeys } = await loadIdentities([only, keys.encEd25519!], { agent: true });
    expect(ids).toEqual([]);
    expect(problems).toEqual([]);
    expect(agentKeys).toEqual([
      { file: only, fingerprint: keygenFingerprint(keys.ed25519!) },
      { file: keys.encEd25519, fingerprint: keygenFingerprint(keys.encEd25519!) },
    ]);
  });

  it('tries ~/.ssh/id_ed25519, id_ecdsa and id_rsa when none is configured, silently skipping absent ones', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    copyFileSync(keys.ecdsa!, join(home, '.ssh', 'id_ecdsa'));
    copyFileSync(keys.rsa!, join(home, '.ssh', 'id_rsa'));
    vi.stubEnv('HOME', home);
    const { keys: ids, problems } = await loadIdentities([], {});
    expect(problems).toEqual([]);
    expect(ids.map((i) => i.file)).toEqual([join(home, '.ssh', 'id_ecdsa'), join(home, '.ssh', 'id_rsa')]);
  });
});

describe('Identity', () => {
  it('never shows key bytes or the passphrase in JSON, string or inspect forms', async () => {
    const source = passphraseFromEnvOrTty({ [PASSPHRASE_ENV]: PASSPHRASE });
    const { keys: ids } = await loadIdentities([keys.encEd25519!, keys.rsaPem!], { passphrase: source });
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const pem = id.key.getPrivatePEM();
      const pemChunks = pem.split('\n').filter((l) => !l.startsWith('-----') && l.length >= 16);
      const forms = [JSON.stringify(id), JSON.stringify({ ids }), String(id), `${id}`, inspect(id, { showHidden: true, depth: 5 })];
      for (const form of forms) {
        expect(form).toContain(id.fingerprint);
        expect(form).not.toContain(PASSPHRASE);
        for (const chunk of [...pemChunks, ...secretChunks(id.file)]) expect(form).not.toContain(chunk);
      }
      expect(JSON.parse(JSON.stringify(id))).toEqual({ file: id.file, type: id.type, fingerprint: id.fingerprint });
    }
  });
});

describe('Identity signing', () => {
  it('signs as ssh2 would for every key type and digest: the public key verifies each signature', async () => {
    const files = [keys.ed25519!, keys.ecdsa!, keys.ecdsaPem!, keys.rsaPem!, keys.rsa!, keys.encEd25519!];
    const { keys: ids, problems } = await loadIdentities(files, { passphrase: passphraseFromEnvOrTty({ [PASSPHRASE_ENV]: PASSPHRASE }) });
    expect(problems).toEqual([]);
    const data = Buffer.from('session id and userauth request, as ssh2 would sign them');
    for (const id of ids) {
      const pub = ssh2.utils.parseKey(readFileSync(`${id.file}.pub`)) as ParsedKey;
      const digests = id.type === 'ssh-rsa' ? [undefined, 'sha256', 'sha512'] : [undefined];
      for (const digest of digests) {
        const signature = id.key.sign(data, digest);
        expect(signature, `${id.type} ${digest ?? 'default'}`).toBeInstanceOf(Buffer);
        expect(pub.verify(data, signature as Buffer, digest), `${id.type} ${digest ?? 'default'}`).toBe(true);
        expect(pub.verify(Buffer.from('other data'), signature as Buffer, digest)).toBe(false);
      }
    }
    // Ed25519 is deterministic: the very bytes ssh2's own signing gives.
    const ed = ids.find((i) => i.file === keys.ed25519)!;
    const viaPem = Object.getPrototypeOf(ed.key).sign.call(ed.key, data) as Buffer;
    expect((ed.key.sign(data) as Buffer).equals(viaPem)).toBe(true);
  });

  it('returns an Error, as ssh2 expects, for a digest the key cannot use', async () => {
    const { keys: ids } = await loadIdentities([keys.rsa!], {});
    expect(ids[0]!.key.sign(Buffer.from('x'), 'no-such-digest')).toBeInstanceOf(Error);
  });
});

describe('passphraseFromEnvOrTty', () => {
  // The terminal prompt itself (raw mode, no echo, Ctrl-C) is the CLI's: test/cli/passphrase.test.ts.
  function asker(answer: string | undefined) {
    const asked: string[] = [];
    return { asked, ask: async (prompt: string) => (asked.push(prompt), answer) };
  }

  it('prefers the environment variable over asking', async () => {
    const { asked, ask } = asker('typed');
    const source = passphraseFromEnvOrTty({ [PASSPHRASE_ENV]: 'from-env' }, ask);
    expect(await source()).toBe('from-env');
    expect(asked).toEqual([]);
  });

  it('asks once per run and keeps the answer', async () => {
    const { asked, ask } = asker('s3cr3t!');
    const source = passphraseFromEnvOrTty({}, ask);
    expect(await source()).toBe('s3cr3t!');
    expect(await source()).toBe('s3cr3t!');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/^Passphrase for SSH keys/);
  });

  it('gives no passphrase when the question is cancelled', async () => {
    const { ask } = asker(undefined);
    expect(await passphraseFromEnvOrTty({}, ask)()).toBeUndefined();
  });
});

describe('agentSocket', () => {
  let server: NetServer;
  let socketPath: string;
  beforeAll(async () => {
    socketPath = join(dir, 'agent.sock');
    server = createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('returns SSH_AUTH_SOCK only when it names a socket', () => {
    expect(agentSocket({ SSH_AUTH_SOCK: socketPath })).toBe(socketPath);
    expect(agentSocket({})).toBeUndefined();
    expect(agentSocket({ SSH_AUTH_SOCK: '' })).toBeUndefined();
    expect(agentSocket({ SSH_AUTH_SOCK: keys.ed25519! })).toBeUndefined();
    expect(agentSocket({ SSH_AUTH_SOCK: join(dir, 'gone.sock') })).toBeUndefined();
  });
});

describe('buildAuthHandler', () => {
  let ids: Identity[];
  beforeAll(async () => {
    ids = (await loadIdentities([keys.ed25519!, keys.rsa!], {})).keys;
  });

  /** Drive the handler as ssh2 does: null on the first call, then the server's remaining methods. */
  function offers(plan: ReturnType<typeof buildAuthHandler>, methodsLeft: string[][]): (AnyAuthMethod | false)[] {
    const out: (AnyAuthMethod | false)[] = [];
    const rounds = [null, ...methodsLeft];
    for (const left of rounds) plan.handler(left as never, left === null ? null : false, (m) => out.push(m as AnyAuthMethod | false));
    return out;
  }

  it('offers the agent, then each key in order, then stops; never a password or keyboard-interactive', () => {
    const plan = buildAuthHandler({ username: 'audit', identities: ids, agent: '/run/agent.sock' });
    const got = offers(plan, [['publickey', 'password'], ['publickey', 'password'], ['publickey', 'password', 'keyboard-interactive']]);
    expect(got.map((m) => (m === false ? false : m.type))).toEqual(['agent', 'publickey', 'publickey', false]);
    expect(got[0]).toMatchObject({ type: 'agent', username: 'audit', agent: '/run/agent.sock' });
    expect(got[1]).toMatchObject({ type: 'publickey', username: 'audit' });
    expect((got[1] as { key: ParsedKey }).key).toBe(ids[0]!.key);
    expect((got[2] as { key: ParsedKey }).key).toBe(ids[1]!.key);
    expect(plan.tried).toEqual(['agent (SSH_AUTH_SOCK)', `publickey ${ids[0]}`, `publickey ${ids[1]}`]);
  });

  it('leaves the agent out with identitiesOnly, and stops when the server no longer takes public keys', () => {
    const plan = buildAuthHandler({ username: 'audit', identities: ids, agent: '/run/agent.sock', identitiesOnly: true });
    const got = offers(plan, [['password']]);
    expect(got.map((m) => (m === false ? false : m.type))).toEqual(['publickey', false]);
    expect(plan.tried).toEqual([`publickey ${ids[0]}`]);
  });

  describe('with ssh2 against a server that takes one key', () => {
    let server: InstanceType<typeof ssh2.Server>;
    let port: number;
    const attempts: string[] = [];
    beforeAll(async () => {
      const allowed = ssh2.utils.parseKey(readFileSync(`${keys.rsa}.pub`));
      if (allowed instanceof Error) throw allowed;
      server = new ssh2.Server({ hostKeys: [readFileSync(keys.ecdsa!)] }, (conn) => {
        conn.on('authentication', (ctx: AuthContext) => {
          attempts.push(ctx.method);
          if (ctx.method === 'publickey' && ctx.key.data.equals(allowed.getPublicSSH())) {
            if (!ctx.signature) return ctx.accept();
            if (allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo)) return ctx.accept();
          }
          ctx.reject(['publickey', 'password', 'keyboard-interactive']);
        });
        conn.on('ready', () => conn.end());
        conn.on('error', () => {});
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const login = (identities: Identity[]) =>
      new Promise<{ ok: boolean; level?: string; tried: string[] }>((resolve) => {
        const plan = buildAuthHandler({ username: 'audit', identities });
        const client = new ssh2.Client();
        client.on('ready', () => {
          client.end();
          resolve({ ok: true, tried: plan.tried });
        });
        client.on('error', (err: Error & { level?: string }) => resolve({ ok: false, ...(err.level ? { level: err.level } : {}), tried: plan.tried }));
        client.connect({ host: '127.0.0.1', port, username: 'audit', authHandler: plan.handler, hostVerifier: () => true, readyTimeout: 5000 });
      });

    it('logs in with the second key after the first is refused', async () => {
      attempts.length = 0;
      const result = await login(ids);
      expect(result.ok).toBe(true);
      expect(result.tried).toHaveLength(2);
      expect(attempts.every((m) => m === 'publickey')).toBe(true);
    });

    it('ends with a client-authentication error when every key is refused, offering nothing else', async () => {
      attempts.length = 0;
      const result = await login([ids[0]!]);
      expect(result).toEqual({ ok: false, level: 'client-authentication', tried: [`publickey ${ids[0]}`] });
      expect(attempts).toEqual(['publickey']);
    });
  });
});
