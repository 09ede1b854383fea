// The probe's output frame (documented at the end of sections.ts), read and written. Strict: the
// boundary is chosen per run, so a line that starts with it and is not what the frame expects
// means the output is broken or cut, never that a file said so. And distrustful: the host may be
// hostile, so the bounds the probe keeps (bytes per section, number of sections, sample index)
// are enforced again here rather than assumed.
import { PROBE_MAX_SAMPLES, PROBE_MAX_SECTIONS, PROBE_SECTION_MAX_BYTES, type ProbeRecord, type RawSection } from './sections.js';

export interface FrameLimits {
  /** The probe's bound on one section's content (its maxSectionBytes); default PROBE_SECTION_MAX_BYTES. */
  maxSectionBytes?: number;
}

/** A frame read whole, or the first place where it breaks (1-based line of the probe output). */
export type ProbeFrameResult = { ok: true; record: ProbeRecord } | { ok: false; error: string; line: number };

class FrameBreak extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const NAME = /^[^\s]+$/;

/** Parse one probe run's output; an error names the line where the frame breaks or a bound is passed. */
export function parseProbeFrame(text: string, boundary: string, limits: FrameLimits = {}): ProbeFrameResult {
  try {
    return { ok: true, record: readFrame(text, boundary, limits.maxSectionBytes ?? PROBE_SECTION_MAX_BYTES) };
  } catch (e) {
    if (!(e instanceof FrameBreak)) throw e;
    return { ok: false, error: `probe output line ${e.line}: ${e.reason}`, line: e.line };
  }
}

function readFrame(text: string, boundary: string, maxBytes: number): ProbeRecord {
  const mark = `${boundary} `;
  const lines = text.split('\n');
  // A complete output ends with `<B> done\n`; the empty string after that newline is not a line.
  if (lines.at(-1) === '') lines.pop();

  const header = /^sockaudit-probe (\d+)$/.exec(lines[0]?.startsWith(mark) ? lines[0].slice(mark.length) : '');
  if (!header) throw new FrameBreak(1, `expected "${boundary} sockaudit-probe <version>"`);
  const record: ProbeRecord = { probeVersion: Number(header[1]), sections: [] };

  let i = 1;
  for (;;) {
    const line = lines[i];
    if (line === undefined) throw new FrameBreak(i + 1, `output ends without "${boundary} done"`);
    if (line === `${boundary} done`) break;
    const begin = line.startsWith(mark) ? /^begin (\S+)(?: sample=(\d+))?$/.exec(line.slice(mark.length)) : null;
    if (!begin) throw new FrameBreak(i + 1, 'expected a section begin or the end of output');
    const name = ownString(begin[1]!);
    const beginLine = i + 1;
    if (record.sections.length >= PROBE_MAX_SECTIONS) throw new FrameBreak(beginLine, `more than ${PROBE_MAX_SECTIONS} sections, more than a probe prints`);
    if (begin[2] !== undefined && Number(begin[2]) >= PROBE_MAX_SAMPLES) {
      throw new FrameBreak(beginLine, `section ${name} sample ${hostNumber(begin[2])} is beyond the ${PROBE_MAX_SAMPLES} samples a probe takes`);
    }
    const content: string[] = [];
    // UTF-16 units never outnumber the bytes they were decoded from (an invalid byte becomes one
    // U+FFFD), so more units than the bound means the host printed more than the probe would.
    let units = -1;
    let status: number | undefined;
    for (i++; i < lines.length; i++) {
      const inner = lines[i]!;
      if (!inner.startsWith(mark)) {
        units += inner.length + 1;
        if (units > maxBytes) throw new FrameBreak(i + 1, `section ${name} (line ${beginLine}) holds more than ${maxBytes} bytes, more than the probe prints`);
        content.push(inner);
        continue;
      }
      const end = /^end (\S+) status=(\d+)$/.exec(inner.slice(mark.length));
      if (!end || end[1] !== name) {
        throw new FrameBreak(i + 1, `section ${name} (line ${beginLine}) is not ended before this line`);
      }
      status = Number(end[2]);
      break;
    }
    if (status === undefined) throw new FrameBreak(i + 1, `section ${name} (line ${beginLine}) is not ended`);
    // The lines between begin and end are CONTENT + "\n" split at newlines: CONTENT is their join.
    if (content.length === 0) throw new FrameBreak(i + 1, `section ${name} lacks the newline the probe adds`);
    const section: RawSection = { name, status, content: content.join('\n') };
    if (begin[2] !== undefined) section.sample = Number(begin[2]);
    // Bytes as decoded here; invalid UTF-8 from the host may have changed the count, never below the cut.
    if (Buffer.byteLength(section.content, 'utf8') >= maxBytes) section.truncated = true;
    record.sections.push(section);
    i++;
  }
  if (i !== lines.length - 1) throw new FrameBreak(i + 2, `text after "${boundary} done"`);
  return record;
}

/**
 * The boundary named by an output's first line (`<B> sockaudit-probe <version>`), for output kept
 * without the script that produced it. Only a boundary made of the characters a probe boundary
 * may hold is returned.
 */
export function probeOutputBoundary(text: string): string | undefined {
  const end = text.indexOf('\n');
  const first = end === -1 ? text : text.slice(0, end);
  return /^([A-Za-z0-9_-]{8,100}) sockaudit-probe \d+$/.exec(first)?.[1];
}

/** A number the host printed, shortened so an error message stays short. */
function hostNumber(digits: string): string {
  return digits.length > 20 ? `${digits.slice(0, 20)}…` : digits;
}

/** The frame of a record, with the given boundary; parseProbeFrame's inverse. */
export function formatProbeFrame(record: ProbeRecord, boundary: string): string {
  if (!NAME.test(boundary)) throw new Error('boundary must be one word');
  const mark = `${boundary} `;
  const out = [`${mark}sockaudit-probe ${record.probeVersion}\n`];
  for (const section of record.sections) {
    if (!NAME.test(section.name)) throw new Error(`section name "${section.name}" must be one word`);
    if (section.content.startsWith(mark) || section.content.includes(`\n${mark}`)) {
      throw new Error(`section ${section.name}: content has a line starting with the boundary`);
    }
    const sample = section.sample === undefined ? '' : ` sample=${section.sample}`;
    out.push(`${mark}begin ${section.name}${sample}\n${section.content}\n${mark}end ${section.name} status=${section.status}\n`);
  }
  out.push(`${boundary} done\n`);
  return out.join('');
}

/** Section names seen so far, each held once for the whole run; bounded, as hosts choose them. */
const NAMES = new Map<string, string>();
const MAX_NAMES = 4096;

/**
 * A section name as a string of its own, shared by every host that prints it. V8 keeps a
 * substring of 13 characters or more as a view into the string it was cut from, here the host's
 * whole output: a name cut from its begin line kept that output alive (about 10 KB a host) for as
 * long as the run kept the host. Slicing a concatenation copies it first, so a copy holds only itself.
 */
function ownString(name: string): string {
  const known = NAMES.get(name);
  if (known !== undefined) return known;
  const own = ` ${name}`.slice(1);
  if (NAMES.size < MAX_NAMES) NAMES.set(own, own);
  return own;
}
