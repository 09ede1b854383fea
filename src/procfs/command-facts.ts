// The command sections of the probe: uname -r / -m, hostname, boot id, getconf PAGESIZE, nproc, netns.
import { parseError, parsed, splitLines, tokens, type ParseResult } from './parse-result.js';

/** A one-line fact (kernel release, machine, hostname, boot id). Control characters are refused. */
export function parseSingleLine(text: string, file: string): ParseResult<string> {
  const lines = splitLines(text).filter((line) => line.trim() !== '');
  if (lines.length === 0) return parseError(file, undefined, 'empty');
  if (lines.length > 1) return parseError(file, 2, 'expected one line');
  const value = lines[0]!.trim();
  // A host-supplied name must not carry terminal escapes or other control bytes.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) return parseError(file, 1, 'contains control characters');
  return parsed(value);
}

/** A positive integer (page size, CPU count). */
export function parsePositiveInteger(text: string, file: string): ParseResult<number> {
  const line = parseSingleLine(text, file);
  if (!line.ok) return line;
  const value = Number(line.value);
  if (!/^\d+$/.test(line.value) || !Number.isSafeInteger(value) || value <= 0) {
    return parseError(file, 1, `"${line.value}" is not a positive integer`);
  }
  return parsed(value);
}

export interface Netns {
  /** readlink /proc/self/ns/net, e.g. `net:[4026531840]`. */
  self?: string;
  /** readlink /proc/1/ns/net; often unreadable without privileges. */
  init?: string;
  /** Same namespace as PID 1: true; different: false; unknown when either link is missing. */
  initNetns?: boolean;
}

/** Lines `self <link>` and `init <link>`, either possibly absent. */
export function parseNetns(text: string, file = 'netns'): ParseResult<Netns> {
  const netns: Netns = {};
  for (const [index, line] of splitLines(text).entries()) {
    const fields = tokens(line);
    if (fields.length === 0) continue;
    const [key, link] = fields;
    if ((key !== 'self' && key !== 'init') || link === undefined || fields.length !== 2 || !/^net:\[\d+\]$/.test(link)) {
      return parseError(file, index + 1, 'expected "self net:[N]" or "init net:[N]"');
    }
    netns[key] = link;
  }
  if (netns.self !== undefined && netns.init !== undefined) netns.initNetns = netns.self === netns.init;
  return parsed(netns);
}
