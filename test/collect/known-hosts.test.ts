import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { AuthContext, ServerHostKeyAlgorithm } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  checkHostKey,
  hostKeyLookup,
  fingerprint,
  makeHostVerifier,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
  readKnownHosts,
} from '../../src/collect/known-hosts.js';
import type { HostVerifier, KnownHosts } from '../../src/collect/known-hosts.js';
import { InputError } from '../../src/inventory/types.js';

let dir: string;
interface TestKey {
  /** `type base64` as in a .pub file. */
  pub: string;
  blob: Buffer;
  privatePath: string;
  pubPath: string;
}
let keys: Record<'ed' | 'ed2' | 'ecdsa' | 'ecdsa384' | 'rsa', TestKey>;

function makeKey(name: string, args: string[]): TestKey {
  const privatePath = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-N', '', '-C', '', '-f', privatePath, ...args]);
  const pub = readFileSync(`${privatePath}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  return { pub, blob: Buffer.from(pub.split(' ')[1]!, 'base64'), privatePath, pubPath: `${privatePath}.pub` };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sockaudit-kh-'));
  keys = {
    ed: makeKey('ed', ['-t', 'ed25519']),
    ed2: makeKey('ed2', ['-t', 'ed25519']),
    ecdsa: makeKey('ecdsa', ['-t', 'ecdsa', '-b', '256']),
    ecdsa384: makeKey('ecdsa384', ['-t', 'ecdsa', '-b', '384']),
    rsa: makeKey('rsa', ['-t', 'rsa', '-b', '2048']),
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const db = (text: string): KnownHosts => parseKnownHosts(text, 'kh');

describe('fingerprint', () => {
  it('equals ssh-keygen -lf for every key type', () => {
    for (const k of Object.values(keys)) {
      const fromKeygen = execFileSync('ssh-keygen', ['-lf', k.pubPath], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprint(k.blob)).toBe(fromKeygen);
    }
  });
});

describe('parseKnownHosts and checkHostKey', () => {
  it('matches plain names and tells other hosts apart as unknown', () => {
    const kh = db(`# a comment\n\nweb1,10.0.0.5 ${keys.ed.pub} root@web1\n`);
    expect(kh.warnings).toEqual([]);
    expect(checkHostKey(kh, hostKeyLookup('web1', 22), keys.ed.blob)).toEqual({ result: 'match' });
    expect(checkHostKey(kh, hostKeyLookup('10.0.0.5', 22), keys.ed.blob)).toEqual({ result: 'match' });
    expect(checkHostKey(kh, hostKeyLookup('WEB1', 22), keys.ed.blob)).toEqual({ result: 'match' });
    expect(checkHostKey(kh, hostKeyLookup('web2', 22), keys.ed.blob)).toEqual({ result: 'unknown' });
  });

  it('keeps [host]:port apart from the same host on port 22', () => {
    const kh = db(`[web1]:2222 ${keys.ed.pub}\nweb2 ${keys.ed.pub}\n`);
    expect(checkHostKey(kh, hostKeyLookup('web1', 2222), keys.ed.blob).result).toBe('match');
    expect(checkHostKey(kh, hostKeyLookup('web1', 22), keys.ed.blob).result).toBe('unknown');
    expect(checkHostKey(kh, hostKeyLookup('web2', 22), keys.ed.blob).result).toBe('match');
    expect(checkHostKey(kh, hostKeyLookup('web2', 2222), keys.ed.blob).result).toBe('unknown');
  });

  it('matches entries hashed by ssh-keygen -H, with and without a port', () => {
    const file = join(dir, 'hashed_known_hosts');
    writeFileSync(file, `db1.example.com ${keys.ed.pub}\n[db2.example.com]:2200 ${keys.rsa.pub}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('example.com');
    const kh = parseKnownHosts(text, file);
    expect(kh.warnings).toEqual([]);
    expect(kh.entries.map((e) => e.hosts.kind)).toEqual(['hashed', 'hashed']);
    expect(checkHostKey(kh, hostKeyLookup('db1.example.com', 22), keys.ed.blob).result).toBe('match');
    expect(checkHostKey(kh, hostKeyLookup('DB1.example.com', 22), keys.ed.blob).result).toBe('match');
    expect(checkHostKey(kh, hostKeyLookup('db2.example.com', 2200), keys.rsa.blob).result).toBe('match');
    expect(checkHostKey(kh, hostKeyLookup('db2.example.com', 22), keys.rsa.blob).result).toBe('unknown');
    expect(checkHostKey(kh, hostKeyLookup('db3.example.com', 22), keys.ed.blob).result).toBe('unknown');
  });

  it('applies * and ? wildcards, and a matching negation excludes the line', () => {
    const kh = db(`*.example.com,!bad.example.com ${keys.ed.pub}\nnode? ${keys.ecdsa.pub}\n[10.1.*]:2222 ${keys.rsa.pub}\n`);
    expect(checkHostKey(kh, hostKeyLookup('web.example.com', 22), keys.ed.blob).result).toBe('match');
    expect(checkHostKey(kh, hostKeyLookup('bad.example.com', 22), keys.ed.blob).result).toBe('unknown');
    expect(checkHostKey(kh, hostKeyLookup('example.com', 22), keys.ed.blob).result).toBe('unknown');
    expect(checkHostKey(kh, hostKeyLookup('node1', 22), keys.ecdsa.blob).result).toBe('match');
    expect(checkHostKey(kh, hostKeyLookup('node12', 22), keys.ecdsa.blob).result).toBe('unknown');
    expect(checkHostKey(kh, hostKeyLookup('10.1.2.3', 2222), keys.rsa.blob).result).toBe('match');
    expect(checkHostKey(kh, hostKeyLookup('10.2.2.3', 2222), keys.rsa.blob).result).toBe('unknown');
  });

  it('finds the same lines, in file order, whether a line names hosts literally or by pattern, as lines are appended', () => {
    // Literal lines are looked up by name and the others tried one by one: the mix, in any order,
    // must give what trying every line gives (the expected keys listed in file order).
    const names = ['web1', 'web2', '[web1]:2222', 'db.example.com', 'WEB3'];
    const lines = [
      `web1 ${keys.rsa.pub}`,
      `web*,!web2 ${keys.ed.pub}`,
      `web2,web1 ${keys.ecdsa.pub}`,
      `[web1]:2222 ${keys.ed2.pub}`,
      `*.example.com ${keys.rsa.pub}`,
      `web3 ${keys.ecdsa384.pub}`,
      `db.example.com,!db.example.com ${keys.ed.pub}`,
      `web? ${keys.ed2.pub}`,
    ];
    const kh = db(lines.join('\n'));
    const expected = (lookup: string): string[] =>
      lines.flatMap((l, i) => {
        const hit = l.split(' ')[0]!.split(',').reduce<boolean | null>((acc, p) => {
          if (acc === false) return false;
          const neg = p.startsWith('!');
          const re = new RegExp(`^${(neg ? p.slice(1) : p).replace(/[.[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
          if (!re.test(lookup)) return acc;
          return neg ? false : true;
        }, null);
        return hit === true ? [`kh:${i + 1}`] : [];
      });
    const listed = (lookup: string): string[] => {
      const r = checkHostKey(kh, lookup, Buffer.from('not a key the file holds'));
      return r.result === 'mismatch' ? r.expected.map((e) => /\((kh:\d+)\)$/.exec(e)![1]!) : [];
    };
    for (const name of names) expect(listed(name), name).toEqual(expected(name));
    // A line appended after the first lookups (accept-new does this) is found too, in its place.
    kh.entries.push({ ...kh.entries[0]!, line: 9, hosts: db(`web2 ${keys.rsa.pub}`).entries[0]!.hosts });
    lines.push(`web2 ${keys.rsa.pub}`);
    for (const name of names) expect(listed(name), `${name} after the append`).toEqual(expected(name));
  });

  it('checks every line of a host: the ed25519 key matches although an RSA line comes first', () => {
    const kh = db(`web1 ${keys.rsa.pub}\nweb1 ${keys.ed.pub}\n`);
    expect(checkHostKey(kh, hostKeyLookup('web1', 22), keys.ed.blob)).toEqual({ result: 'match' });
    expect(checkHostKey(kh, hostKeyLookup('web1', 22), keys.rsa.blob)).toEqual({ result: 'match' });
  });

  it('reports a changed key with the fingerprint seen and every one expected', () => {
    const kh = db(`web1 ${keys.rsa.pub}\nweb1 ${keys.ed.pub}\n`);
    expect(checkHostKey(kh, hostKeyLookup('web1', 22), keys.ed2.blob)).toEqual({
      result: 'mismatch',
      seen: `ssh-ed25519 ${fingerprint(keys.ed2.blob)}`,
      expected: [`ssh-rsa ${fingerprint(keys.rsa.blob)} (kh:1)`, `ssh-ed25519 ${fingerprint(keys.ed.blob)} (kh:2)`],
    });
  });

  it('looks a host up under the one name OpenSSH uses (HostKeyAlias, else HostName as [host]:port), so a negation holds', () => {
    const kh = db(`*,![10.0.0.5]:2222,!10.0.0.5 ${keys.ed.pub}\nprod-alias ${keys.rsa.pub}\n`);
    // Whatever the inventory calls 10.0.0.5, it is looked up as 10.0.0.5: the negated line never vouches for it.
    expect(checkHostKey(kh, hostKeyLookup('10.0.0.5', 22), keys.ed.blob).result).toBe('unknown');
    expect(checkHostKey(kh, hostKeyLookup('10.0.0.5', 2222), keys.ed.blob).result).toBe('unknown');
    expect(checkHostKey(kh, hostKeyLookup('10.0.0.6', 22), keys.ed.blob).result).toBe('match');
    // HostKeyAlias replaces the name and port alike (sshconnect.c get_hostfile_hostname_ipaddr).
    expect(hostKeyLookup('10.0.0.5', 2222, 'prod-alias')).toBe('prod-alias');
    expect(checkHostKey(kh, hostKeyLookup('10.0.0.5', 2222, 'prod-alias'), keys.rsa.blob).result).toBe('match');
  });

  it('lets @revoked win over a plain line with the same key', () => {
    const kh = db(`web1 ${keys.ed.pub}\n@revoked * ${keys.ed.pub}\n`);
    expect(checkHostKey(kh, hostKeyLookup('web1', 22), keys.ed.blob)).toEqual({ result: 'revoked', fingerprint: fingerprint(keys.ed.blob) });
    expect(checkHostKey(kh, hostKeyLookup('other', 2222), keys.ed2.blob).result).toBe('unknown');
  });

  it('keeps @cert-authority lines but calls such hosts unverifiable', () => {
    const kh = db(`@cert-authority *.example.com ${keys.ed.pub}\n`);
    expect(kh.entries[0]?.marker).toBe('cert-authority');
    const check = checkHostKey(kh, hostKeyLookup('web.example.com', 22), keys.ed2.blob);
    expect(check.result).toBe('unknown');
    expect(check.result === 'unknown' && check.note).toMatch(/@cert-authority.*cannot be verified/);
  });

  it('skips malformed lines with a warning naming file:line, and keeps the good ones', () => {
    const b64 = keys.ed.pub.split(' ')[1]!;
    const text = [
      `good ${keys.ed.pub}`,
      'onlyahost',
      `@bogus host ${keys.ed.pub}`,
      'host ssh-ed25519 !!!notbase64!!!',
      `host ssh-rsa ${b64}`,
      `|1|c2hvcnQ=|c2hvcnQ= ssh-ed25519 ${b64}`,
      '   # indented comment',
      `good2 ${keys.ecdsa.pub} trailing comment`,
    ].join('\n');
    const kh = parseKnownHosts(text, '/x/known_hosts');
    expect(kh.entries.map((e) => e.line)).toEqual([1, 8]);
    expect(kh.warnings).toHaveLength(5);
    expect(kh.warnings.map((w) => w.split(': ')[0])).toEqual(['/x/known_hosts:2', '/x/known_hosts:3', '/x/known_hosts:4', '/x/known_hosts:5', '/x/known_hosts:6']);
    expect(kh.warnings.every((w) => w.endsWith('line skipped'))).toBe(true);
  });
});

describe('preferredHostKeyAlgorithms', () => {
  const ssh2Defaults = (createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as { DEFAULT_SERVER_HOST_KEY: ServerHostKeyAlgorithm[] })
    .DEFAULT_SERVER_HOST_KEY;

  it('puts the recorded types first, then the rest of ssh2 defaults', () => {
    const kh = db(`rsaonly ${keys.rsa.pub}\nmixed ${keys.ecdsa384.pub}\nmixed ${keys.ed.pub}\n@revoked mixed ${keys.rsa.pub}\n`);
    const rsa = preferredHostKeyAlgorithms(kh, hostKeyLookup('rsaonly', 22));
    expect(rsa?.slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect([...(rsa ?? [])].sort()).toEqual([...ssh2Defaults].sort());
    const mixed = preferredHostKeyAlgorithms(kh, hostKeyLookup('mixed', 22));
    expect(mixed?.slice(0, 2)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp384']);
    expect(mixed?.slice(2)).toEqual(ssh2Defaults.filter((a) => a !== 'ssh-ed25519' && a !== 'ecdsa-sha2-nistp384'));
    expect(preferredHostKeyAlgorithms(kh, hostKeyLookup('nobody', 22))).toBeUndefined();
  });
});

describe('readKnownHosts and appendKnownHost', () => {
  it('appends [host]:port to a new 0600 file, hashed or not, and reads it back as a match', async () => {
    const file = join(dir, 'new', 'sub', 'known_hosts');
    await appendKnownHost(file, hostKeyLookup('Web9', 2222), keys.ed.blob, { hash: false });
    await appendKnownHost(file, hostKeyLookup('web10', 22), keys.rsa.blob, { hash: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'new', 'sub')).mode & 0o777).toBe(0o700);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe(`[web9]:2222 ${keys.ed.pub}`);
    expect(lines[1]).toMatch(/^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-rsa /);
    // OpenSSH itself finds the hashed entry.
    expect(execFileSync('ssh-keygen', ['-F', 'web10', '-f', file], { encoding: 'utf8' })).toContain('found: line 2');
    const kh = await readKnownHosts([file], { defaults: [] });
    expect(kh.warnings).toEqual([]);
    expect(checkHostKey(kh, hostKeyLookup('web9', 2222), keys.ed.blob).result).toBe('match');
    expect(checkHostKey(kh, hostKeyLookup('web10', 22), keys.rsa.blob).result).toBe('match');
  });

  it('adds a newline before appending to a file that lacks one', async () => {
    const file = join(dir, 'no_newline');
    writeFileSync(file, `web1 ${keys.ed.pub}`);
    await appendKnownHost(file, hostKeyLookup('web2', 22), keys.ecdsa.blob, { hash: false });
    const kh = await readKnownHosts([file], { defaults: [] });
    expect(kh.entries.map((e) => e.line)).toEqual([1, 2]);
  });

  it('skips missing files, notes a missing named one, and fails on an unreadable named one', async () => {
    const file = join(dir, 'reread');
    writeFileSync(file, `web1 ${keys.ed.pub}\n`);
    const kh = await readKnownHosts([file, join(dir, 'absent')], { defaults: [join(dir, 'absent-default'), dir] });
    expect(kh.entries).toHaveLength(1);
    expect(kh.warnings).toEqual([`${dir}: cannot read known_hosts file (EISDIR)`, `${join(dir, 'absent')}: known_hosts file not found`]);
    await expect(readKnownHosts([dir], { defaults: [] })).rejects.toBeInstanceOf(InputError);
  });
});

describe('makeHostVerifier', () => {
  const run = (v: HostVerifier, key: Buffer): Promise<boolean> => new Promise((resolve) => v.verify(key, resolve));

  it('strict: accepts a known key and refuses an unknown host and a changed key, with both fingerprints', async () => {
    const kh = db(`web1 ${keys.ed.pub}\n`);
    const known = makeHostVerifier(kh, 'strict', hostKeyLookup('web1', 22));
    expect(await run(known, keys.ed.blob)).toBe(true);
    expect(known.decision()).toMatchObject({ accepted: true, how: 'known' });
    // Worded when read, and the same each time.
    expect(known.decision()?.seen).toBe(`ssh-ed25519 ${fingerprint(keys.ed.blob)}`);
    expect(known.decision()?.message).toBe(`host key verified (ssh-ed25519 ${fingerprint(keys.ed.blob)})`);

    const unknown = makeHostVerifier(kh, 'strict', hostKeyLookup('web2', 22));
    expect(await run(unknown, keys.ed.blob)).toBe(false);
    expect(unknown.decision()).toMatchObject({ accepted: false, why: 'unknown' });

    const changed = makeHostVerifier(kh, 'strict', hostKeyLookup('web1', 22));
    expect(await run(changed, keys.ed2.blob)).toBe(false);
    const d = changed.decision();
    expect(d).toMatchObject({ accepted: false, why: 'mismatch' });
    expect(d?.message).toContain(fingerprint(keys.ed2.blob));
    expect(d?.message).toContain(fingerprint(keys.ed.blob));
    expect(d && !d.accepted && d.detail).toEqual({
      seen: `ssh-ed25519 ${fingerprint(keys.ed2.blob)}`,
      expected: `ssh-ed25519 ${fingerprint(keys.ed.blob)} (kh:1)`,
    });
  });

  it('off: accepts any key and says checking is off, but still refuses a revoked key', async () => {
    const kh = db(`@revoked * ${keys.ed2.pub}\n`);
    const off = makeHostVerifier(kh, 'off', hostKeyLookup('web1', 22));
    expect(await run(off, keys.ed.blob)).toBe(true);
    expect(off.decision()).toMatchObject({ accepted: true, how: 'unchecked' });
    expect(off.decision()?.message).toContain('host key checking off');
    const revoked = makeHostVerifier(kh, 'off', hostKeyLookup('web1', 22));
    expect(await run(revoked, keys.ed2.blob)).toBe(false);
    expect(revoked.decision()).toMatchObject({ accepted: false, why: 'revoked' });
  });

  it('accept-new: records an unknown host in the file and in memory, refuses a changed key', async () => {
    const file = join(dir, 'tofu', 'known_hosts');
    const kh = db(`web1 ${keys.ed.pub}\n`);
    expect(checkHostKey(kh, hostKeyLookup('127.0.0.9', 2222), keys.ecdsa.blob).result).toBe('unknown');
    const first = makeHostVerifier(kh, 'accept-new', hostKeyLookup('127.0.0.9', 2222), file);
    expect(await run(first, keys.ecdsa.blob)).toBe(true);
    expect(first.decision()).toMatchObject({ accepted: true, how: 'added' });
    expect(first.decision()?.message).toBe(`new host key added to ${file}: ${first.decision()?.seen}`);
    expect(first.decision()?.seen).toMatch(/^ecdsa-sha2-nistp256 SHA256:/);
    expect(readFileSync(file, 'utf8')).toBe(`[127.0.0.9]:2222 ${keys.ecdsa.pub}\n`);
    expect(checkHostKey(kh, hostKeyLookup('127.0.0.9', 2222), keys.ecdsa.blob).result).toBe('match');

    const again = makeHostVerifier(kh, 'accept-new', hostKeyLookup('127.0.0.9', 2222), file);
    expect(await run(again, keys.ed.blob)).toBe(false);
    expect(again.decision()).toMatchObject({ accepted: false, why: 'mismatch' });
    const changed = makeHostVerifier(kh, 'accept-new', hostKeyLookup('web1', 22), file);
    expect(await run(changed, keys.ed2.blob)).toBe(false);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(1);
  });

  describe('with ssh2 against a server holding RSA and Ed25519 host keys', () => {
    let server: InstanceType<typeof ssh2.Server>;
    let port: number;
    beforeAll(async () => {
      server = new ssh2.Server({ hostKeys: [readFileSync(keys.rsa.privatePath), readFileSync(keys.ed.privatePath)] }, (conn) => {
        conn.on('authentication', (ctx: AuthContext) => ctx.accept());
        conn.on('ready', () => conn.end());
        conn.on('error', () => {});
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const connect = (kh: KnownHosts, serverHostKey?: ServerHostKeyAlgorithm[]) =>
      new Promise<{ ok: boolean; verifier: HostVerifier }>((resolve) => {
        const verifier = makeHostVerifier(kh, 'strict', hostKeyLookup('127.0.0.1', port));
        const client = new ssh2.Client();
        client.on('ready', () => {
          client.end();
          resolve({ ok: true, verifier });
        });
        client.on('error', () => resolve({ ok: false, verifier }));
        client.connect({
          host: '127.0.0.1',
          port,
          username: 'u',
          hostVerifier: verifier.verify,
          readyTimeout: 5000,
          ...(serverHostKey ? { algorithms: { serverHostKey } } : {}),
        });
      });

    it('verifies a host recorded only with RSA once RSA is proposed first, and reports a mismatch otherwise', async () => {
      const kh = db(`[127.0.0.1]:${port} ${keys.rsa.pub}\n`);
      const ordered = await connect(kh, preferredHostKeyAlgorithms(kh, hostKeyLookup('127.0.0.1', port)));
      expect(ordered.ok).toBe(true);
      expect(ordered.verifier.decision()).toMatchObject({ accepted: true, how: 'known', seen: `ssh-rsa ${fingerprint(keys.rsa.blob)}` });
      const unordered = await connect(kh);
      expect(unordered.ok).toBe(false);
      expect(unordered.verifier.decision()).toMatchObject({ accepted: false, why: 'mismatch', seen: `ssh-ed25519 ${fingerprint(keys.ed.blob)}` });
    });
  });
});
