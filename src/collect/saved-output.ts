// Saved probe outputs as a transport: what `sh probe.sh > host.out` wrote on a host sockaudit
// cannot reach (an air-gapped box, a support ticket's attachment), read back and judged as if
// the host had just answered. Each file is one host, named after the file.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import type { Target } from '../inventory/types.js';
import { expandGlob } from '../inventory/glob.js';
import { InputError } from '../errors.js';
import { outputBoundary, parseScriptBoundary, reframe } from './frame-boundary.js';
import { TransportFailure, cancellation, type Transport } from './transport.js';
import { parseProbeFrame } from '../procfs/frame.js';

/** One saved output, before it is judged. */
export interface SavedProbeOutput {
  /** The host's name in the run: the file's base name without its extension; `stdin` for `-`. */
  name: string;
  /** Where it was read: the file's path, or `-`. */
  source: string;
  /** The host name the probe read on the host (its `hostname` section), when the output has one. */
  probedHostname?: string;
  text: string;
}

export interface ReadProbeOutputsOptions {
  /** What `-` reads; without it, `-` is an error (collect/ never reads the process's stdin itself). */
  stdin?: NodeJS.ReadableStream;
  /** Relative paths and globs are read from here; default: the process's working directory. */
  cwd?: string;
}

export interface SavedOutputs {
  outputs: SavedProbeOutput[];
  /** One target per output, in the order given (a glob's matches sorted). */
  targets: Target[];
  /** Answers each target with its file, re-framed under the boundary the script declares. */
  transport: Transport;
}

/**
 * Reads saved probe outputs: paths, globs (`*`, `?`, `[...]` in any part) and `-` for stdin.
 * Throws InputError for a path that does not exist, a glob that matches nothing, a file that
 * cannot be read, or two files that would give one host name. Whether each is a complete probe
 * output is judged later, per host: a broken one fails at `parse` with the line where it breaks.
 */
export async function readProbeOutputs(paths: readonly string[], opts: ReadProbeOutputsOptions = {}): Promise<SavedOutputs> {
  const cwd = opts.cwd ?? process.cwd();
  const outputs: SavedProbeOutput[] = [];
  const seen = new Map<string, string>();
  for (const given of paths) {
    const files = given === '-' ? ['-'] : await expandPath(given, cwd);
    for (const file of files) {
      const name = file === '-' ? 'stdin' : basename(file, extname(file));
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        throw new InputError(file, undefined, `gives the host name "${name}" that ${earlier} already gives; rename one of them`);
      }
      seen.set(name, file);
      const text = file === '-' ? await readStdin(opts.stdin) : await readText(file, resolve(cwd, file));
      const probedHostname = hostnameIn(text);
      outputs.push({ name, source: file, ...(probedHostname === undefined ? {} : { probedHostname }), text });
    }
  }
  return { outputs, targets: outputs.map(savedTarget), transport: savedOutputTransport(outputs) };
}

/** A saved output as a target: its name from the file, the host name the probe read as its address. */
function savedTarget(o: SavedProbeOutput): Target {
  return {
    name: o.name,
    address: o.probedHostname ?? o.source,
    port: 0,
    groups: ['saved'],
    identityFiles: [],
    proxyJump: [],
    origin: o.source,
    vars: { source: o.source },
  };
}

/** The transport that answers each target with its saved output. */
export function savedOutputTransport(outputs: readonly SavedProbeOutput[]): Transport {
  const byName = new Map(outputs.map((o) => [o.name, o]));
  return {
    kind: 'saved',
    hostKey: () => ({ policy: 'none', reason: 'a saved probe output: no connection, no host key' }),
    async run(target, script, bounds) {
      if (bounds.signal?.aborted) throw cancellation(bounds.signal, 'reading the saved output');
      const saved = byName.get(target.name);
      if (!saved) throw new TransportFailure('connect', `no saved probe output for ${target.name}`);
      const want = parseScriptBoundary(script);
      if (want === undefined) throw new TransportFailure('command', 'the probe script declares no boundary');
      const have = outputBoundary(saved.text);
      if (have === undefined) {
        throw new TransportFailure('parse', `${saved.source}: probe output line 1: not a sockaudit probe output (expected "<boundary> sockaudit-probe <version>")`);
      }
      const text = reframe(saved.text, have, want);
      const limit = bounds.maxOutputBytes;
      // The same cap as a live host's: a saved file is no more trusted than the host that wrote it.
      const truncated = Buffer.byteLength(text, 'utf8') > limit;
      return { stdout: truncated ? Buffer.from(text, 'utf8').subarray(0, limit).toString('utf8') : text, stderr: '', code: 0, truncated };
    },
  };
}

/** The `hostname` section's first line, when the output parses as a frame. */
function hostnameIn(text: string): string | undefined {
  const boundary = outputBoundary(text);
  if (boundary === undefined) return undefined;
  const framed = parseProbeFrame(text, boundary);
  if (!framed.ok) return undefined;
  const section = framed.record.sections.find((s) => s.name === 'hostname' && s.status === 0);
  const line = section?.content.split('\n')[0]?.trim();
  // A name, not markup or escapes: anything else is left for the snapshot to show as data.
  return line && /^[A-Za-z0-9._-]{1,253}$/.test(line) ? line : undefined;
}

async function readText(file: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(file, undefined, `cannot read the saved probe output (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

async function readStdin(stdin: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stdin) throw new InputError('-', undefined, 'no standard input to read a probe output from');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A path as given, or a glob's matching files sorted; InputError when nothing is there. */
async function expandPath(given: string, cwd: string): Promise<string[]> {
  const absolute = isAbsolute(given) ? given : resolve(cwd, given);
  if (!/[*?[]/.test(given)) {
    try {
      if (!(await stat(absolute)).isFile()) throw new InputError(given, undefined, 'is not a file');
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(given, undefined, 'no such file');
    }
    return [given];
  }
  const matches = await expandGlob(absolute);
  if (matches.length === 0) throw new InputError(given, undefined, 'no file matches');
  // Shown as given: relative patterns give relative paths.
  return isAbsolute(given) ? matches : matches.map((m) => relativeTo(cwd, m));
}

function relativeTo(cwd: string, path: string): string {
  const prefix = cwd.endsWith('/') ? cwd : `${cwd}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

