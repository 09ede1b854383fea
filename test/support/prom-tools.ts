// The real Prometheus parts the prom tests use: promtool and node_exporter from Debian, started on
// loopback with a port picked free, and a reader for the text format they speak.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it } from 'vitest';

export interface Tool {
  path: string;
  /** Why the tool cannot be used; undefined when it is there. */
  missing?: string;
}

/** A binary the tests need: missing under CI=true fails the file, elsewhere it skips with the reason. */
export function tool(path: string, debianPackage: string): Tool {
  if (existsSync(path)) return { path };
  const missing = `${path} is not installed (Debian package ${debianPackage}: apt-get install -y ${debianPackage})`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${missing}`);
  return { path, missing };
}

export const PROMTOOL = tool('/usr/bin/promtool', 'prometheus');
export const NODE_EXPORTER = tool('/usr/bin/prometheus-node-exporter', 'prometheus-node-exporter');

/** describe() when every tool is there; else one skipped test whose name says what is missing. */
export function describeWith(tools: readonly Tool[], name: string, body: () => void): void {
  const missing = tools.flatMap((t) => (t.missing === undefined ? [] : [t.missing]));
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const reason = `skipped: ${missing.join('; ')}`;
  console.warn(`${name}: ${reason}`);
  describe(name, () => {
    it.skip(reason, () => undefined);
  });
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a binary to its end; a non-zero exit is a result, not an exception. */
export function run(path: string, args: readonly string[], stdin?: string, cwd?: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = execFile(path, [...args], { cwd, timeout: 20_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface Exporter {
  url: string;
  stop(): Promise<void>;
}

/**
 * node_exporter on 127.0.0.1 with only the collectors in `flags` (defaults disabled). The port is
 * picked free just before; if another process takes it first, the exporter exits and is retried.
 */
export async function startNodeExporter(flags: readonly string[]): Promise<Exporter> {
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    const child = spawn(NODE_EXPORTER.path, ['--collector.disable-defaults', ...flags, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const stop = () => stopProcess(child);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        const res = await fetch(url);
        if (res.ok) return { url, stop };
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
    lastError = log.trim().split('\n').slice(-3).join('\n');
  }
  throw new Error(`node_exporter did not start: ${lastError}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text-format exposition (comments skipped), label values unescaped. */
export function parseExposition(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name === undefined) throw new Error(`not a sample line: ${line}`);
    let i = name.length;
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
        if (key === undefined || line.slice(i + key.length, i + key.length + 2) !== '="') throw new Error(`bad label at ${i}: ${line}`);
        i += key.length + 2;
        let value = '';
        for (; line[i] !== '"'; i++) {
          if (i >= line.length) throw new Error(`unterminated label value: ${line}`);
          if (line[i] === '\\') {
            i++;
            const c = line[i];
            value += c === 'n' ? '\n' : c === '\\' ? '\\' : c === '"' ? '"' : `\\${c ?? ''}`;
          } else value += line[i];
        }
        i++;
        labels[key] = value;
        if (line[i] === ',') i++;
      }
      i++;
    }
    const [valueText] = line.slice(i).trim().split(/\s+/);
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    out.push({ name, labels, value });
  }
  return out;
}

/** The one sample of `name` whose labels include `labels`; throws when there is none or several. */
export function sampleOf(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): PromSample {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0] as PromSample;
}
