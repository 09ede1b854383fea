// The properties every reader of host- or user-written text must keep, as fast-check properties
// over random text and mutated real inputs. The tests run each a few hundred times; bench/fuzz.ts
// runs the very same ones many more times. A property fails by throwing (node:assert), so it
// runs the same under vitest and under plain node.
//
// What is checked, for every reader:
// - it never throws: the procfs parsers return a ParseResult, parseProbeFrame a ProbeFrameResult,
//   parseKnownHosts warnings, parseSshConfig InputErrors; any exception is a failure;
// - an error names the file and a line inside the text (or none, for a whole-file problem);
// - a field the text does not give is absent, never a silent 0;
// - a name in the text becomes an own key, and nothing lands on Object.prototype.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import ssh2 from 'ssh2';
import { parseKnownHosts, checkHostKey } from '../../src/collect/known-hosts.js';
import { buildProbeScript, newBoundary } from '../../src/collect/probe.js';
import { computeSshConfig, parseSshConfig } from '../../src/inventory/ssh-config.js';
import { packageRoot } from '../../src/paths.js';
import { parseNetns, parsePositiveInteger, parseSingleLine } from '../../src/procfs/command-facts.js';
import { formatProbeFrame, parseProbeFrame } from '../../src/procfs/frame.js';
import { parseKernelLog } from '../../src/procfs/kernel-log.js';
import { parseLoadavg } from '../../src/procfs/loadavg.js';
import { parseMeminfo } from '../../src/procfs/meminfo.js';
import { parseCounterTable } from '../../src/procfs/net-netstat.js';
import { parseSockstat, parseSockstat6 } from '../../src/procfs/net-sockstat.js';
import { splitLines, tokens, type ParseResult } from '../../src/procfs/parse-result.js';
import {
  COMMAND_SECTIONS,
  ONCE_FILES,
  OPTIONAL_SECTIONS,
  PROBE_MAX_SAMPLES,
  RECORDED_BOUNDARY,
  SAMPLED_FILES,
  SYSCTLS,
  type ProbeRecord,
  type RawSection,
} from '../../src/procfs/sections.js';
import { assembleSnapshot } from '../../src/procfs/snapshot.js';
import { parseSysctl } from '../../src/procfs/sysctl.js';
import type { Reading } from '../../src/procfs/types.js';
import { parseUptime } from '../../src/procfs/uptime.js';
import { InputError } from '../../src/errors.js';

export interface FuzzTarget {
  name: string;
  /** A fresh property; fast-check counts its runs. */
  property: () => fc.IProperty<unknown>;
}

// ---------------------------------------------------------------------------------------------
// Real inputs: the recorded hosts shipped in inventory/recorded/, and the /proc fixtures.

const RECORDED_DIR = join(packageRoot(), 'inventory', 'recorded');
const FIXTURE_DIR = join(packageRoot(), 'test', 'fixtures', 'proc');

/** The recorded hosts' probe outputs (boundary RECORDED_BOUNDARY). */
export const RECORDED_FRAMES: readonly string[] = readdirSync(RECORDED_DIR)
  .filter((f) => f.endsWith('.probe'))
  .sort()
  .map((f) => readFileSync(join(RECORDED_DIR, f), 'utf8'));

/** Every section's content in the recordings, by section name. */
const REAL_SECTIONS: ReadonlyMap<string, string[]> = (() => {
  const byName = new Map<string, string[]>();
  for (const frame of RECORDED_FRAMES) {
    const parsed = parseProbeFrame(frame, RECORDED_BOUNDARY);
    if (!parsed.ok) throw new Error(`recorded frame does not parse: ${parsed.error}`);
    for (const s of parsed.record.sections) byName.set(s.name, [...(byName.get(s.name) ?? []), s.content]);
  }
  return byName;
})();

function fixtureFiles(relative: string): string[] {
  const out: string[] = [];
  for (const era of readdirSync(FIXTURE_DIR, { withFileTypes: true })) {
    if (!era.isDirectory()) continue;
    try {
      out.push(readFileSync(join(FIXTURE_DIR, era.name, relative), 'utf8'));
    } catch {
      // This era has no such file.
    }
  }
  return out;
}

/** Real texts of one kind: from the recordings and the fixtures; never empty. */
function realTexts(section: string, fixture?: string): string[] {
  const texts = [...(REAL_SECTIONS.get(section) ?? []), ...(fixture === undefined ? [] : fixtureFiles(fixture))];
  if (texts.length === 0) throw new Error(`no real ${section} to mutate`);
  return [...new Set(texts)];
}

let localFrame: { text: string; boundary: string } | undefined;

/** One probe output from this machine: the script sockaudit sends, run here with sh, once. */
export function localProbeFrame(): { text: string; boundary: string } {
  if (localFrame === undefined) {
    const boundary = newBoundary();
    const text = execFileSync('sh', ['-s'], { input: buildProbeScript({ boundary }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    localFrame = { text, boundary };
  }
  return localFrame;
}

// ---------------------------------------------------------------------------------------------
// Generators.

/** Pieces that matter to the /proc formats, so random text gets past the first check. */
const PROC_PIECES = [
  ...' \t\n\n\n:-.0123456789'.split(''),
  '\r\n',
  'TCP:',
  'UDP:',
  'sockets:',
  'TCP6:',
  'inuse',
  'orphan',
  'tw',
  'alloc',
  'mem',
  'used',
  'TcpExt:',
  'IpExt:',
  'Tcp:',
  'MaxConn',
  'ListenOverflows',
  'MemTotal:',
  'MemAvailable:',
  'kB',
  'source dmesg\n',
  'source journalctl\n',
  'TCP: out of memory -- consider tuning tcp_mem',
  'too many orphaned sockets',
  'net_ratelimit: 12 callbacks suppressed',
  '[ 12.5] ',
  'self net:[4026531840]',
  'init net:[4026531841]',
  '18446744073709551615',
  '9007199254740993',
  '-1',
  '0',
  '1.5',
  '__proto__:',
  '__proto__',
  'constructor:',
  'toString',
  'hasOwnProperty:',
  '\u001b[31m',
  '\u0000',
  '\uFFFD',
  'é',
];

const piecesText = (pieces: readonly string[], maxLength = 60) => fc.array(fc.constantFrom(...pieces), { maxLength }).map((p) => p.join(''));

/** Names a host could print where the parsers expect a label or a field name. */
const NAME_PIECES = ['TCP', 'UDP', 'sockets', 'TcpExt', 'Tcp', 'MemTotal', 'inuse', 'mem', 'used', 'x', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const VALUE_PIECES = ['0', '1', '-1', '42', '18446744073709551615', '9007199254740993', 'kB', 'x', '1.5', ''];

/** Line-shaped text: `Name: word word ...` lines, and label/value line pairs as the counter tables print. */
const structuredText = fc.oneof(
  fc
    .array(fc.tuple(fc.constantFrom(...NAME_PIECES), fc.array(fc.constantFrom(...NAME_PIECES, ...VALUE_PIECES), { maxLength: 6 })), { maxLength: 8 })
    .map((lines) => lines.map(([label, words]) => `${label}: ${words.join(' ')}\n`).join('')),
  fc
    .array(fc.tuple(fc.constantFrom(...NAME_PIECES), fc.array(fc.tuple(fc.constantFrom(...NAME_PIECES), fc.constantFrom(...VALUE_PIECES)), { maxLength: 5 })), { maxLength: 5 })
    .map((pairs) => pairs.map(([label, fields]) => `${label}: ${fields.map(([n]) => n).join(' ')}\n${label}: ${fields.map(([, v]) => v).join(' ')}\n`).join('')),
);

/** Random text: made of the format's pieces, or any string at all. */
const randomText = (pieces: readonly string[]) => fc.oneof(piecesText(pieces), structuredText, fc.string({ maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 60 }));

/** A real text with a few edits: characters replaced, removed or doubled, lines dropped, doubled or cut. */
export function mutated(texts: readonly string[], pieces: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.tuple(fc.nat(), fc.constantFrom('delete', 'double', 'replace', 'insert', 'drop-line', 'double-line', 'cut'), fc.constantFrom(...pieces));
  return fc.tuple(fc.constantFrom(...texts), fc.array(edit, { minLength: 1, maxLength: 6 })).map(([text, edits]) => {
    let out = text;
    for (const [at, kind, piece] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (kind === 'delete') out = out.slice(0, i) + out.slice(i + 1);
      else if (kind === 'double') out = out.slice(0, i + 1) + out.slice(i);
      else if (kind === 'replace') out = out.slice(0, i) + piece + out.slice(i + 1);
      else if (kind === 'insert') out = out.slice(0, i) + piece + out.slice(i);
      else if (kind === 'cut') out = out.slice(0, i);
      else {
        const lines = out.split('\n');
        const l = at % Math.max(1, lines.length);
        if (kind === 'drop-line') lines.splice(l, 1);
        else lines.splice(l, 0, lines[l] ?? '');
        out = lines.join('\n');
      }
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the procfs parsers.

const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Nothing the text said has landed on Object.prototype. */
function assertNoPollution(): void {
  const added = Object.getOwnPropertyNames(Object.prototype).filter((k) => !PROTOTYPE_KEYS.has(k));
  for (const k of added) delete (Object.prototype as Record<string, unknown>)[k];
  assert.deepEqual(added, [], 'the parser wrote onto Object.prototype');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An error names the file, and a line within the text when it names one. */
function assertErrorNamesFileAndLine(error: string, file: string, text: string): void {
  const m = new RegExp(`^${escapeRegExp(file)}(?: line (\\d+))?: \\S`).exec(error);
  assert.ok(m, `error does not start with the file: ${JSON.stringify(error.slice(0, 120))}`);
  if (m[1] !== undefined) {
    const line = Number(m[1]);
    assert.ok(line >= 1 && line <= Math.max(1, splitLines(text).length), `error line ${line} is outside the text (${splitLines(text).length} lines)`);
  }
}

/** Runs a parser: no throw, an error names the file and line, then the value's own checks. */
function checkParser<T>(parse: (text: string) => ParseResult<T>, file: string, checkValue: (value: T, text: string) => void): (text: string) => void {
  return (text) => {
    const result = parse(text);
    try {
      if (result.ok) checkValue(result.value, text);
      else assertErrorNamesFileAndLine(result.error, file, text);
    } finally {
      assertNoPollution();
    }
  };
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** The labels (`Name:` first tokens) of the non-empty lines. */
const labels = (text: string) =>
  splitLines(text)
    .map((l) => tokens(l)[0])
    .filter((t): t is string => t !== undefined)
    .map((t) => t.slice(0, -1));

/** A typed field is present exactly when the raw table has it as an exact number. */
function assertTyped(typed: Record<string, unknown> | undefined, raw: Record<string, unknown> | undefined, keys: readonly string[]): void {
  for (const key of keys) {
    const value = raw !== undefined && hasOwn(raw, key) ? raw[key] : undefined;
    if (typeof value === 'number') assert.equal(typed?.[key], value, `${key} differs from the table`);
    else assert.ok(typed === undefined || !hasOwn(typed, key), `${key} is set though the file does not give it as a number`);
  }
}

function assertInt(value: unknown, what: string): void {
  assert.ok((typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) || typeof value === 'bigint', `${what} is not an exact integer: ${String(value)}`);
  if (typeof value === 'bigint') assert.ok(value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER), `${what} is a bigint that fits a number`);
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

// ---------------------------------------------------------------------------------------------
// The targets.

/** One target per reader: random text, and mutated real text. */
function textTargets(name: string, real: readonly string[], pieces: readonly string[], check: (text: string) => void): FuzzTarget[] {
  return [
    { name: `${name}: random text`, property: () => fc.property(randomText(pieces), check) },
    { name: `${name}: mutated real text`, property: () => fc.property(mutated(real, pieces), check) },
  ];
}

const sockstatCheck = checkParser(parseSockstat, '/proc/net/sockstat', (value, text) => {
  for (const label of labels(text)) assert.ok(hasOwn(value.protocols, label), `protocol ${label} is not an own key`);
  for (const fields of Object.values(value.protocols)) for (const [k, v] of Object.entries(fields)) assertInt(v, k);
  assertTyped(value.tcp, value.protocols.TCP, ['inuse', 'orphan', 'tw', 'alloc', 'mem']);
  if (!hasOwn(value.protocols, 'TCP')) assert.equal(value.tcp, undefined, 'tcp without a TCP line');
  assertTyped(value.udp, value.protocols.UDP, ['inuse', 'mem']);
  assertTyped(value.socketsUsed === undefined ? {} : { used: value.socketsUsed }, value.protocols.sockets, ['used']);
});

const sockstat6Check = checkParser(parseSockstat6, '/proc/net/sockstat6', (value, text) => {
  for (const label of labels(text)) assert.ok(hasOwn(value.protocols, label), `protocol ${label} is not an own key`);
});

const counterCheck = (file: string) =>
  checkParser(
    (t) => parseCounterTable(t, file),
    file,
    (value, text) => {
      const lines = splitLines(text).map(tokens).filter((f) => f.length > 0);
      for (let i = 0; i < lines.length; i += 2) {
        const [label, ...names] = lines[i]!;
        const group = label!.slice(0, -1);
        assert.ok(hasOwn(value.groups, group), `group ${group} is not an own key`);
        for (const n of names) {
          assert.ok(hasOwn(value.groups[group]!, n), `${group}.${n} is not an own key`);
          assertInt(value.groups[group]![n], `${group}.${n}`);
        }
      }
    },
  );

const meminfoCheck = checkParser(parseMeminfo, '/proc/meminfo', (value, text) => {
  for (const label of labels(text)) assert.ok(hasOwn(value.raw, label), `${label} is not an own key`);
  const kB = (key: string) => {
    const line = splitLines(text).map(tokens).findLast((f) => f[0] === `${key}:`);
    const raw = hasOwn(value.raw, key) ? value.raw[key] : undefined;
    return line?.[2] === 'kB' && typeof raw === 'number' ? raw * 1024 : undefined;
  };
  assert.equal(value.memTotalBytes, kB('MemTotal'));
  assert.equal(value.memAvailableBytes, kB('MemAvailable'));
  assert.equal(value.memFreeBytes, kB('MemFree'));
  for (const k of ['memTotalBytes', 'memAvailableBytes', 'memFreeBytes'] as const) if (value[k] === undefined) assert.ok(!hasOwn(value, k), `${k} is present but undefined`);
});

const uptimeCheck = checkParser(parseUptime, '/proc/uptime', (value) => {
  assert.ok(Number.isFinite(value.uptimeSeconds) && value.uptimeSeconds >= 0, `uptime ${value.uptimeSeconds}`);
  if (hasOwn(value, 'idleSeconds')) assert.ok(Number.isFinite(value.idleSeconds) && value.idleSeconds! >= 0, `idle ${value.idleSeconds}`);
});

const loadavgCheck = checkParser(parseLoadavg, '/proc/loadavg', (value) => {
  for (const v of [value.one, value.five, value.fifteen]) assert.ok(Number.isFinite(v) && v >= 0, `load average ${v}`);
});

const sysctlCheck = checkParser(
  (t) => parseSysctl(t, '/proc/sys/net/ipv4/tcp_mem'),
  '/proc/sys/net/ipv4/tcp_mem',
  (value, text) => {
    assert.equal(value.length, splitLines(text).flatMap(tokens).length, 'one value per token');
    value.forEach((v, i) => assertInt(v, `value ${i}`));
  },
);

const KINDS = new Set(['mptcp-memory', 'tcp-memory', 'tcp-orphans', 'socket-memory', 'tw-overflow', 'conntrack-full', 'file-max', 'syn-flood', 'ratelimit-suppressed']);
const kernelLogCheck = checkParser(parseKernelLog, 'kernel-log', (value, text) => {
  assert.ok(value.lines.length <= Math.max(0, splitLines(text).length - 1), 'more incidents than lines');
  for (const line of value.lines) {
    assert.ok(KINDS.has(line.kind), `kind ${line.kind}`);
    assert.ok(!CONTROL.test(line.text) && !/[\t\r\n]/.test(line.text), `control characters kept: ${JSON.stringify(line.text)}`);
    if (line.secondsSinceBoot !== undefined) assert.ok(Number.isFinite(line.secondsSinceBoot));
    if (line.suppressed !== undefined) assert.ok(Number.isSafeInteger(line.suppressed) || Number.isFinite(line.suppressed));
  }
});

const singleLineCheck = checkParser(
  (t) => parseSingleLine(t, 'uname -r'),
  'uname -r',
  (value) => {
    assert.ok(value !== '' && value === value.trim(), `not one trimmed word: ${JSON.stringify(value)}`);
    assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(value), 'control characters kept');
  },
);

const positiveCheck = (file: string) =>
  checkParser(
    (t) => parsePositiveInteger(t, file),
    file,
    (value) => assert.ok(Number.isSafeInteger(value) && value > 0, `${value} is not a positive integer`),
  );

const netnsCheck = checkParser(parseNetns, 'netns', (value) => {
  for (const k of ['self', 'init'] as const) if (value[k] !== undefined) assert.match(value[k]!, /^net:\[\d+\]$/);
  assert.equal(value.initNetns, value.self !== undefined && value.init !== undefined ? value.self === value.init : undefined);
  if (value.initNetns === undefined) assert.ok(!hasOwn(value, 'initNetns'), 'initNetns present but undefined');
});

export const PROCFS_TARGETS: readonly FuzzTarget[] = [
  ...textTargets('sockstat', realTexts('proc/net/sockstat', 'proc/net/sockstat'), PROC_PIECES, sockstatCheck),
  ...textTargets('sockstat6', realTexts('proc/net/sockstat6', 'proc/net/sockstat6'), PROC_PIECES, sockstat6Check),
  ...textTargets('netstat', realTexts('proc/net/netstat', 'proc/net/netstat'), PROC_PIECES, counterCheck('/proc/net/netstat')),
  ...textTargets('snmp', realTexts('proc/net/snmp', 'proc/net/snmp'), PROC_PIECES, counterCheck('/proc/net/snmp')),
  ...textTargets('meminfo', realTexts('proc/meminfo', 'proc/meminfo'), PROC_PIECES, meminfoCheck),
  ...textTargets('uptime', realTexts('proc/uptime', 'proc/uptime'), PROC_PIECES, uptimeCheck),
  ...textTargets('loadavg', realTexts('proc/loadavg', 'proc/loadavg'), PROC_PIECES, loadavgCheck),
  ...textTargets('sysctl', realTexts('sysctl/net.ipv4.tcp_mem', 'proc/sys/net/ipv4/tcp_mem'), PROC_PIECES, sysctlCheck),
  ...textTargets('kernel log', realTexts('kernel-log'), PROC_PIECES, kernelLogCheck),
  ...textTargets('command facts (uname -r)', realTexts('uname-r', 'cmd/uname-r'), PROC_PIECES, singleLineCheck),
  ...textTargets('command facts (pagesize)', realTexts('pagesize', 'cmd/pagesize'), PROC_PIECES, positiveCheck('getconf PAGESIZE')),
  ...textTargets('command facts (netns)', realTexts('netns'), PROC_PIECES, netnsCheck),
  ...textTargets('netns-count', ['1\n', '3\n', '117\n'], PROC_PIECES, positiveCheck('netns-count')),
];

// ---------------------------------------------------------------------------------------------
// The probe frame.

function checkFrame(text: string, boundary: string): void {
  const result = parseProbeFrame(text, boundary);
  const lines = text.split('\n').length;
  if (!result.ok) {
    assert.ok(Number.isInteger(result.line) && result.line >= 1 && result.line <= lines + 1, `frame error line ${result.line} outside 1..${lines + 1}`);
    assert.ok(result.error.startsWith(`probe output line ${result.line}: `), `frame error does not name its line: ${result.error.slice(0, 100)}`);
    return;
  }
  for (const s of result.record.sections) {
    assert.match(s.name, /^\S+$/);
    assert.ok(Number.isSafeInteger(s.status) || Number.isFinite(s.status), `status ${s.status}`);
    if (s.sample !== undefined) assert.ok(Number.isInteger(s.sample) && s.sample >= 0 && s.sample < PROBE_MAX_SAMPLES, `sample ${s.sample}`);
  }
  // What was read writes back to a frame that reads the same.
  const again = parseProbeFrame(formatProbeFrame(result.record, boundary), boundary);
  assert.ok(again.ok, 'a parsed frame, written again, does not parse');
  assert.deepEqual(again.record, result.record);
}

/** Lines that mean something to the frame reader, under a given boundary. */
const frameLinePieces = (b: string) => [
  `\n${b} done\n`,
  `\n${b} begin proc/net/sockstat\n`,
  `\n${b} begin proc/net/sockstat sample=1\n`,
  `\n${b} begin proc/uptime sample=99999999999999999999999\n`,
  `\n${b} end proc/net/sockstat status=0\n`,
  `\n${b} end proc/net/sockstat status=2\n`,
  `\n${b} sockaudit-probe 1\n`,
  `${b} `,
  `\n${b}\n`,
  '\n',
  '\r\n',
  ' ',
  'x',
];

const RECORD_NAMES = [
  ...SYSCTLS.map((s) => `sysctl/${s}`),
  ...ONCE_FILES,
  ...SAMPLED_FILES,
  ...COMMAND_SECTIONS,
  ...OPTIONAL_SECTIONS,
  'sysctl/net.ipv4.new_one',
  'sysctl/__proto__',
  'sysctl/constructor',
  'extra',
];

/** A section drawn from the names the probe prints, with real or random content. */
const sectionArb: fc.Arbitrary<RawSection> = fc
  .record({
    name: fc.oneof(fc.constantFrom(...RECORD_NAMES), fc.stringMatching(/^[a-z_/.-]{1,12}$/)),
    status: fc.oneof(fc.constantFrom(0, 0, 0, 2, 1), fc.nat(300)),
    content: fc.oneof(mutated([...REAL_SECTIONS.values()].flat(), PROC_PIECES), fc.constantFrom(...[...REAL_SECTIONS.values()].flat()), randomText(PROC_PIECES)),
    sample: fc.option(fc.nat(PROBE_MAX_SAMPLES + 5), { nil: undefined }),
    truncated: fc.boolean(),
  })
  .map(({ name, status, content, sample, truncated }) => {
    const s: RawSection = { name, status, content };
    if (sample !== undefined) s.sample = sample;
    if (truncated) s.truncated = true;
    return s;
  });

const recordArb: fc.Arbitrary<ProbeRecord> = fc.record({
  probeVersion: fc.oneof(fc.constant(1), fc.nat(3)),
  sections: fc.array(sectionArb, { maxLength: 40 }),
});

/** A real record with sections dropped, doubled, re-statused or replaced. */
const mutatedRecordArb: fc.Arbitrary<ProbeRecord> = fc
  .tuple(fc.constantFrom(...RECORDED_FRAMES), fc.array(fc.tuple(fc.nat(), fc.constantFrom('drop', 'double', 'status', 'replace'), sectionArb), { minLength: 1, maxLength: 8 }))
  .map(([frame, edits]) => {
    const parsed = parseProbeFrame(frame, RECORDED_BOUNDARY);
    if (!parsed.ok) throw new Error(parsed.error);
    const sections = [...parsed.record.sections];
    for (const [at, kind, other] of edits) {
      const i = at % Math.max(1, sections.length);
      if (kind === 'drop') sections.splice(i, 1);
      else if (kind === 'double' && sections[i]) sections.splice(i, 0, { ...sections[i]! });
      else if (kind === 'status' && sections[i]) sections[i] = { ...sections[i]!, status: other.status };
      else sections[i] = { ...other, name: sections[i]?.name ?? other.name };
    }
    return { probeVersion: parsed.record.probeVersion, sections };
  });

const STATES = new Set(['ok', 'missing', 'unreadable', 'invalid']);

function assertReading(r: Reading<unknown> | undefined, what: string): void {
  assert.ok(r !== undefined && STATES.has(r.state), `${what}: no reading`);
  if (r.state !== 'ok' && r.detail !== undefined) assert.ok(!CONTROL.test(r.detail) && !/[\r\n]/.test(r.detail), `${what}: control characters in the detail`);
}

function checkAssembly(record: ProbeRecord): void {
  const { snapshot, problems } = assembleSnapshot(record);
  try {
    for (const p of problems) assert.ok(!CONTROL.test(p) && !/[\r\n]/.test(p), `control characters in a problem: ${JSON.stringify(p.slice(0, 80))}`);
    for (const [k, r] of Object.entries({ uptime: snapshot.uptime, loadavg: snapshot.loadavg, sockstat: snapshot.sockstat, sockstat6: snapshot.sockstat6, netstat: snapshot.netstat, snmp: snapshot.snmp, meminfo: snapshot.meminfo, kernelLog: snapshot.kernelLog })) assertReading(r, k);
    for (const [k, r] of Object.entries(snapshot.sysctl)) assertReading(r, k);
    // Every sysctl section the host printed is an own key of its table, whatever its name.
    for (const s of record.sections) if (s.name.startsWith('sysctl/')) assert.ok(hasOwn(snapshot.sysctl, s.name.slice(7)), `${s.name} is not an own key of sysctl`);
    assert.ok(snapshot.samples.length >= 1 && snapshot.samples.length <= PROBE_MAX_SAMPLES, `${snapshot.samples.length} samples`);
    // A fact is set only from exactly one section of its name that the host ran with status 0.
    const usable = (name: string) => record.sections.filter((s) => s.name === name).length === 1 && record.sections.find((s) => s.name === name)!.status === 0;
    const facts = { kernelRelease: 'uname-r', machine: 'uname-m', hostname: 'hostname', bootId: 'boot-id', pageSize: 'pagesize', cpus: 'ncpu', netnsCount: 'netns-count' } as const;
    for (const [field, section] of Object.entries(facts)) {
      if (!usable(section)) assert.ok(!hasOwn(snapshot, field), `${field} is set without one usable ${section} section`);
    }
    for (const [field, section] of [['meminfo', 'proc/meminfo'], ['loadavg', 'proc/loadavg'], ['snmp', 'proc/net/snmp']] as const) {
      if (!record.sections.some((s) => s.name === section)) assert.equal(snapshot[field].state, 'missing', `${field} without its section`);
    }
  } finally {
    assertNoPollution();
  }
}

export function frameTargets(): FuzzTarget[] {
  const local = localProbeFrame();
  const realFrames: Array<{ text: string; boundary: string }> = [...RECORDED_FRAMES.map((text) => ({ text, boundary: RECORDED_BOUNDARY })), local];
  const withBoundary = (b: string) => [...frameLinePieces(b), ...PROC_PIECES];
  return [
    {
      name: 'probe frame: random text',
      property: () =>
        fc.property(fc.oneof(piecesText(withBoundary(RECORDED_BOUNDARY), 80), fc.string({ maxLength: 200 })), (text) => checkFrame(text, RECORDED_BOUNDARY)),
    },
    {
      name: 'probe frame: mutated real frames (recorded hosts and this machine)',
      property: () =>
        fc.property(
          fc.constantFrom(...realFrames).chain((f) => mutated([f.text], withBoundary(f.boundary)).map((text) => ({ text, boundary: f.boundary }))),
          ({ text, boundary }) => checkFrame(text, boundary),
        ),
    },
    {
      name: 'probe frame: written records read back the same',
      property: () =>
        fc.property(recordArb, (record) => {
          const sections = record.sections
            .filter((s) => !s.content.startsWith(`${RECORDED_BOUNDARY} `) && !s.content.includes(`\n${RECORDED_BOUNDARY} `) && /^\S+$/.test(s.name))
            .map(({ truncated: _, ...s }) => ({ ...s, content: s.content.replaceAll('\r', ''), ...(s.sample !== undefined && s.sample >= PROBE_MAX_SAMPLES ? { sample: 0 } : {}) }));
          const back = parseProbeFrame(formatProbeFrame({ ...record, sections }, RECORDED_BOUNDARY), RECORDED_BOUNDARY);
          assert.ok(back.ok, back.ok ? '' : back.error);
          assert.deepEqual(back.record, { probeVersion: record.probeVersion, sections });
        }),
    },
    { name: 'assembleSnapshot: random records', property: () => fc.property(recordArb, checkAssembly) },
    { name: 'assembleSnapshot: mutated recorded hosts', property: () => fc.property(mutatedRecordArb, checkAssembly) },
  ];
}

// ---------------------------------------------------------------------------------------------
// known_hosts.

const { utils } = ssh2;
const KEYS = [utils.generateKeyPairSync('ed25519').public, utils.generateKeyPairSync('ecdsa', { bits: 256 }).public].map((line) => line.trim());

const REAL_KNOWN_HOSTS = [
  [
    '# a comment',
    `web1.example.net,10.0.0.5 ${KEYS[0]}`,
    `[db.example.net]:2222 ${KEYS[1]}`,
    `|1|${Buffer.alloc(20, 1).toString('base64')}|${Buffer.alloc(20, 2).toString('base64')} ${KEYS[0]}`,
    `@revoked *.old.example.net ${KEYS[1]}`,
    `@cert-authority *.example.net,!bad.example.net ${KEYS[0]}`,
    '',
  ].join('\n'),
];

const KNOWN_HOSTS_PIECES = [...' \t\n,*?![]:|#@'.split(''), '\r\n', '@revoked ', '@cert-authority ', '@bogus ', '|1|', 'ssh-ed25519', 'ssh-rsa', 'AAAA', '==', 'web1', '.example.net', ...KEYS.map((k) => `\n${k}\n`)];

function checkKnownHosts(text: string): void {
  const lines = text.split(/\r?\n/).length;
  const db = parseKnownHosts(text, 'known_hosts');
  for (const w of db.warnings) {
    const m = /^known_hosts:(\d+): \S/.exec(w);
    assert.ok(m, `warning does not name the file and line: ${w.slice(0, 100)}`);
    assert.ok(Number(m[1]) >= 1 && Number(m[1]) <= lines, `warning line ${m[1]} outside 1..${lines}`);
  }
  for (const e of db.entries) {
    assert.equal(e.file, 'known_hosts');
    assert.ok(e.line >= 1 && e.line <= lines, `entry line ${e.line}`);
  }
  // Every line is an entry, a warning, or blank/comment: none vanishes unsaid.
  const said = new Set([...db.entries.map((e) => e.line), ...db.warnings.map((w) => Number(/^known_hosts:(\d+)/.exec(w)![1]))]);
  text.split(/\r?\n/).forEach((l, i) => {
    const t = l.trim();
    if (t !== '' && !t.startsWith('#')) assert.ok(said.has(i + 1), `line ${i + 1} neither read nor warned about`);
  });
  for (const lookup of ['web1.example.net', '[db.example.net]:2222', 'bad.example.net']) checkHostKey(db, lookup, Buffer.from('not a key'));
}

export const KNOWN_HOSTS_TARGETS: readonly FuzzTarget[] = textTargets('known_hosts', REAL_KNOWN_HOSTS, KNOWN_HOSTS_PIECES, checkKnownHosts);

// ---------------------------------------------------------------------------------------------
// ssh_config.

const REAL_SSH_CONFIG = [
  [
    '# user config',
    'Host web1 web2',
    '  HostName=10.0.0.5',
    '  Port 2222',
    '  IdentityFile "~/.ssh/web key"   # trailing',
    '  User deploy',
    'Host *.example.net !bad.example.net',
    '  ProxyJump bastion.example.net',
    '  StrictHostKeyChecking accept-new',
    'Match host db* user admin',
    '  IdentitiesOnly yes',
    'Match originalhost x exec "true"',
    '  ConnectTimeout 5',
    'Include ~/.ssh/conf.d/*',
    'Host *',
    '  UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/known_hosts2',
    '  HostKeyAlias %h-alias',
    '',
  ].join('\n'),
];

const SSH_CONFIG_PIECES = [...' \t\n=#"\'\\*?!,%'.split(''), '\r\n', 'Host ', 'Match ', 'all', 'host', 'user', 'exec', 'Include ', 'HostName ', 'Port ', 'User ', 'IdentityFile ', 'ProxyJump ', 'ProxyCommand ', '%h', '%p', '%r', '%%', '65536', '0', '22', 'web1', '__proto__', 'constructor', '\nInclude conf.d/*\n', '\nInclude config\n', '\nInclude /nonexistent/x\n'];

function checkSshConfig(text: string): void {
  const lines = text.split(/\r?\n/).length;
  const parsed = parseSshConfig(text, 'ssh_config');
  for (const e of parsed.errors) {
    assert.ok(e instanceof InputError, 'an error that is not an InputError');
    assert.equal(e.file, 'ssh_config');
    assert.ok(e.line !== undefined && e.line >= 1 && e.line <= lines, `error line ${e.line} outside 1..${lines}`);
  }
  for (const lookup of [{ host: 'web1' }, { host: 'db.example.net', user: 'admin' }, { host: 'bad.example.net' }]) {
    const warnings = new Set<string>();
    const settings = computeSshConfig(parsed.value, { ...lookup, localUser: 'me', home: '/home/me' }, warnings);
    assert.ok(Array.isArray(settings.identityFiles));
    if (settings.port !== undefined) assert.ok(Number.isInteger(settings.port) && settings.port >= 1 && settings.port <= 65535, `port ${settings.port}`);
  }
  assertNoPollution();
}

export const SSH_CONFIG_TARGETS: readonly FuzzTarget[] = textTargets('ssh_config', REAL_SSH_CONFIG, SSH_CONFIG_PIECES, checkSshConfig);

/** ssh_config text, random or a mutated real one, for the reader that follows Include lines. */
export const SSH_CONFIG_TEXT: fc.Arbitrary<string> = fc.oneof(randomText(SSH_CONFIG_PIECES), mutated(REAL_SSH_CONFIG, SSH_CONFIG_PIECES));
