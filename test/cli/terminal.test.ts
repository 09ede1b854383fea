// What reaches the terminal: one sanitiser for every line, colour by NO_COLOR / FORCE_COLOR,
// the summary at the terminal's width, errors that say the next step and never an errno code,
// help per command, and `-o -`. The process-level checks run the built binary.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { colorWanted, guardedStream } from '../../src/cli/process-io.js';
import { plainMessage } from '../../src/cli/messages.js';
import { hostKeyAdvice, printAuditSummary } from '../../src/cli/summary.js';
import { guardTerminal, visibleText } from '../../src/cli/terminal-text.js';
import { rankRun } from '../../src/run/rank.js';
import { encodeSavedRunText } from '../../src/run/saved-run.js';
import { failedHost, recordedHost, recording, runOf } from '../support/runs.js';
import { runBinary, tempDir } from '../e2e/helpers.js';
import { captureIo } from '../support/io.js';

/** Every character the terminal would act on instead of showing, but tab and newline. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = 'x\u001b]52;c;ZXZpbA==\u0007\u001b[2J\u0085y\u009b31mz\u202eevil\u2066\u0000';

describe('the sanitiser', () => {
  it('makes every control visible and keeps tab and newline', () => {
    expect(visibleText(HOSTILE)).toBe('x\\u001b]52;c;ZXZpbA==\\u0007\\u001b[2J\\u0085y\\u009b31mz\\u202eevil\\u2066\\u0000');
    expect(visibleText('a\tb\nc')).toBe('a\tb\nc');
    expect(visibleText('web-1.example.org ünïcode 日本')).toBe('web-1.example.org ünïcode 日本');
  });

  it('the stream guard lets only our own colour, erase-line and carriage return through', () => {
    expect(guardTerminal('\r\u001b[1;31mcritical\u001b[0m\u001b[K\n')).toBe('\r\u001b[1;31mcritical\u001b[0m\u001b[K\n');
    expect(guardTerminal('\u001b[2J\u001b]0;t\u0007\u009b1m')).toBe('\\u001b[2J\\u001b]0;t\\u0007\\u009b1m');
    expect(guardTerminal('plain text\n')).toBe('plain text\n');
  });

  it('leaves JSON the same JSON: what it escapes inside a string decodes to the same text', () => {
    const doc = { name: HOSTILE, note: 'tab\tnewline\n' };
    const text = JSON.stringify(doc);
    const guarded = guardTerminal(text);
    expect(guarded).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(guarded)).toEqual(doc);
  });

  it('guards whatever is written through the process streams', async () => {
    let seen = '';
    const target = { write: (s: string, cb: () => void) => ((seen += s), cb(), true) } as unknown as NodeJS.WritableStream;
    const stream = guardedStream(target);
    await new Promise<void>((resolve) => stream.write(`warning: ${HOSTILE}\n`, () => resolve()));
    expect(seen).not.toMatch(RAW_CONTROL);
    expect(seen).toContain('\\u202eevil');
  });
});

describe('colour', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [false, { FORCE_COLOR: '1' }, true],
    [false, { FORCE_COLOR: '' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { FORCE_COLOR: 'false' }, false],
    [true, { TERM: 'dumb' }, false],
  ] as const)('a TTY %s with %j: %s', (isTTY, env, expected) => {
    expect(colorWanted(isTTY, env)).toBe(expected);
  });
});

describe('error messages', () => {
  it.each([
    ['runs/r.json: cannot read: ENOENT', 'cannot read runs/r.json: no such file'],
    ['runs: cannot read: EISDIR', 'cannot read runs: is a folder, not a file'],
    ['hosts.ini: cannot read the inventory: EACCES', 'cannot read the inventory hosts.ini: permission denied'],
    ["cannot create the output folder out: EEXIST: file already exists, mkdir 'out'", 'cannot create the output folder out: already exists (and is not a folder)'],
    ["EACCES: permission denied, open '/srv/r.json'", 'cannot open /srv/r.json: permission denied'],
    ['cannot read known_hosts file (ENOENT)', 'cannot read known_hosts file (no such file)'],
    ['x.json: cannot read: EWEIRD', 'x.json: cannot read: EWEIRD'],
  ])('%s', (raw, plain) => {
    expect(plainMessage(raw)).toBe(plain);
  });
});

describe('the summary', () => {
  const hosts = [
    recordedHost('web-with-a-rather-long-name-that-would-wrap.eu-west-1.compute.internal', recording('web-healthy-618')),
    failedHost('db-17.eu-west-1.compute.internal', 'host-key', 'host [127.0.0.1]:2201 is not in known_hosts: seen ssh-ed25519 SHA256:abc'),
    failedHost('db-18', 'auth', 'authentication failed: authentication as root refused by the server after publickey ' + 'x'.repeat(80)),
  ];
  const run = runOf(hosts);
  const ranked = rankRun(run);
  const result = { run, ranked, judgement: ranked.judgement, files: ['out/report.html'], unwritten: [] };

  for (const columns of [80, 100]) {
    it(`fits ${columns} columns`, () => {
      const io = captureIo({ columns });
      printAuditSummary(result, { stream: io.stdout, color: true, columns });
      const lines = io.out().split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(5);
      for (const l of lines) expect([...l.replace(/\u001b\[[0-9;]*m/g, '')].length).toBeLessThanOrEqual(columns - 1);
    });
  }

  it('says the next step for an unknown host key: ssh-keyscan after checking, or accept-new', () => {
    const advice = hostKeyAdvice(hosts).join('\n');
    expect(advice).toContain('1 host is not in known_hosts');
    expect(advice).toContain('ssh-keyscan -p 2201 127.0.0.1 >> ~/.ssh/known_hosts');
    expect(advice).toContain('--host-key-policy accept-new');
    expect(advice).toMatch(/[Cc]heck each fingerprint/);
    expect(hostKeyAdvice([hosts[0]!, hosts[2]!])).toEqual([]);
  });

  it('paints "not audited" in a colour readable on light and dark themes, never white or grey', () => {
    const io = captureIo();
    printAuditSummary(result, { stream: io.stdout, color: true, columns: 120 });
    const notAudited = io.out().split('\n').find((l) => l.includes('db-18')) ?? '';
    expect(notAudited).toMatch(/\u001b\[/);
    // 37/97 white, 90 bright black (grey), 2 faint: invisible on one theme or the other.
    expect(notAudited).not.toMatch(/\u001b\[(?:[0-9;]*;)?(?:37|97|90|2)(?:;[0-9;]*)?m/);
  });
});

describe('help and usage', () => {
  it('`help audit`, `audit --help` and `audit -h` print the same text, on stdout, exit 0', async () => {
    const texts: string[] = [];
    for (const argv of [['help', 'audit'], ['audit', '--help'], ['audit', '-h']]) {
      const io = captureIo();
      expect(await main(argv, io)).toBe(0);
      texts.push(io.out());
    }
    expect(texts[0]).toMatch(/^usage: sockaudit audit /);
    expect(texts[0]).toContain('--host-timeout');
    expect(new Set(texts).size).toBe(1);
  });

  it.each(['demo', 'report', 'diff', 'merge', 'whatif', 'compare'])('`help %s` is that command\'s own help', async (name) => {
    const io = captureIo();
    expect(await main(['help', name], io)).toBe(0);
    expect(io.out()).toMatch(new RegExp(`^usage: sockaudit ${name} `));
  });

  it('a usage error prints the command\'s usage line and the hint, not the global command list', async () => {
    const io = captureIo();
    expect(await main(['audit', '--forks', '20', '-H', 'a'], io)).toBe(2);
    expect(io.err()).toBe(
      "sockaudit audit: unknown option --forks: did you mean -c/--concurrency? (ansible's --forks)\n" +
        'usage: sockaudit audit [--local] [-i INVENTORY]... [-H HOST,...] [--exec COMMAND] [--probe-output FILE]... [options]\n' +
        "run 'sockaudit audit --help' for every option.\n",
    );
    expect(io.out()).toBe('');
  });

  it('an unknown command names the nearest one', async () => {
    const io = captureIo();
    expect(await main(['audti'], io)).toBe(2);
    expect(io.err()).toMatch(/^sockaudit: unknown command "audti": did you mean audit\?\n/);
    const help = captureIo();
    expect(await main(['help', 'mrege'], help)).toBe(2);
    expect(help.err()).toContain('did you mean merge?');
    const flagFirst = captureIo();
    expect(await main(['--local'], flagFirst)).toBe(2);
    expect(flagFirst.err()).toMatch(/^sockaudit: unknown command "--local": a command comes first, as in sockaudit audit --local\n/);
  });

  it('-V, --version and version print the version', async () => {
    const version = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    for (const v of ['-V', '--version', 'version']) {
      const io = captureIo();
      expect(await main([v], io)).toBe(0);
      expect(io.out()).toBe(`${version}\n`);
    }
  });
});

describe('the built binary', () => {
  const dir = tempDir('cli-terminal');
  let saved: string;
  let hostile: string;

  beforeAll(() => {
    const run = runOf([recordedHost('web-1', recording('web-healthy-618')), failedHost('db-1', 'connect', 'connection refused')]);
    saved = join(dir.path, 'saved.json');
    writeFileSync(saved, encodeSavedRunText(rankRun(run)));
    // A report.json written by someone else: its saved verdict carries escape sequences, which
    // come back in the warning that the verdict changed.
    const doc = JSON.parse(readFileSync(saved, 'utf8')) as { hosts: { verdict?: string; name: string }[]; run: { warnings: string[] } };
    const web = doc.hosts.find((h) => h.name === 'web-1')!;
    web.verdict = `critical${HOSTILE}`;
    web.name = `web-1${HOSTILE}`;
    doc.run.warnings = [`saved ${HOSTILE}`];
    hostile = join(dir.path, 'hostile.json');
    writeFileSync(hostile, JSON.stringify(doc));
  });
  afterAll(() => dir.cleanup());

  it('a saved run\'s hostile warning reaches the terminal with every control made visible', async () => {
    const r = await runBinary(['report', '--from', hostile, '-o', join(dir.path, 'hostile-out'), '--format', 'json', '--fail-on', 'never', '--allow-unaudited'], { env: { FORCE_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: ');
    expect(r.stderr).toContain('as saved');
    expect(r.stderr).toContain('\\u202e');
    for (const text of [r.stderr, r.stdout.replace(/\u001b\[[0-9;]*m/g, '')]) expect(text).not.toMatch(RAW_CONTROL);
  });

  it('--format json -o - writes the report to stdout and the summary to stderr', async () => {
    const r = await runBinary(['report', '--from', saved, '--format', 'json', '-o', '-', '--fail-on', 'never', '--allow-unaudited']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { hosts: { name: string }[] };
    expect(doc.hosts.map((h) => h.name).sort()).toEqual(['db-1', 'web-1']);
    expect(r.stderr).toContain('wrote report.json to stdout');
    expect(r.stderr).toMatch(/exit 0: /);
  });

  it('-o - with more than one format is a usage error naming the fix', async () => {
    const r = await runBinary(['report', '--from', saved, '-o', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give exactly one --format');
    expect(r.stdout).toBe('');
  });

  it('a missing file or a folder is named in words, never as ENOENT or EISDIR', async () => {
    const missing = await runBinary(['report', '--from', join(dir.path, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`sockaudit: cannot read ${join(dir.path, 'nope.json')}: no such file\n`);
    mkdirSync(join(dir.path, 'folder.json'));
    const folder = await runBinary(['report', '--from', join(dir.path, 'folder.json')]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('is a folder, not a file');
    for (const r of [missing, folder]) expect(r.stderr).not.toMatch(/\bE[A-Z]{3,}\b/);
  });

  it('NO_COLOR keeps escape codes out, FORCE_COLOR puts them in a pipe', async () => {
    const plain = await runBinary(['report', '--from', saved, '-o', join(dir.path, 'c1'), '--format', 'json'], { env: { NO_COLOR: '1', FORCE_COLOR: undefined } });
    expect(plain.stdout).toContain('sockaudit:');
    expect(plain.stdout).not.toContain('\u001b[');
    const forced = await runBinary(['report', '--from', saved, '-o', join(dir.path, 'c2'), '--format', 'json'], { env: { FORCE_COLOR: '1', NO_COLOR: undefined } });
    expect(forced.stdout).toContain('\u001b[');
  });
});
