// A plain list of hosts: `[user@]host[:port]` one a line (`[v6addr]:port` for IPv6), `#` comments
// and blank lines; and the same syntax comma-separated, as `-H host1,host2` gives it.
import { formatHostPort, parseAddress } from './address.js';
import { Issues, where } from './issues.js';
import type { InventoryHost, InventorySource, Result, SettingSources } from './types.js';

export function parseHostList(text: string, file: string): Result<InventorySource> {
  const issues = new Issues(file);
  const entries: Array<{ text: string; line: number }> = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line !== '') entries.push({ text: line, line: index + 1 });
  });
  return issues.result({ file, format: 'host-list', hosts: hostsFrom(entries, issues) });
}

/** The value of one `-H` option: hosts separated by commas. */
export function parseHostArgument(text: string): Result<InventorySource> {
  const issues = new Issues('-H');
  const entries = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => ({ text: part }));
  if (entries.length === 0) issues.error(undefined, 'no host given');
  return issues.result({ file: '-H', format: 'host-list', hosts: hostsFrom(entries, issues) });
}

function hostsFrom(entries: Array<{ text: string; line?: number }>, issues: Issues): InventoryHost[] {
  const hosts = new Map<string, InventoryHost>();
  for (const entry of entries) {
    if (/\s/.test(entry.text)) {
      issues.error(entry.line, `"${entry.text}" is not one host: write [user@]host[:port], one a line`);
      continue;
    }
    const address = parseAddress(entry.text);
    if ('problem' in address) {
      issues.error(entry.line, address.problem);
      continue;
    }
    const name = formatHostPort(address.host, address.port);
    if (hosts.has(name)) issues.warn(entry.line, `host ${name} is listed twice; the later entry is used`);
    const source = entry.line === undefined ? 'command line (-H)' : where(issues.file, entry.line);
    const sources: SettingSources = { address: source };
    if (address.port !== undefined) sources.port = source;
    if (address.user !== undefined) sources.user = source;
    hosts.set(name, {
      name,
      groups: [],
      sources,
      settings: {
        address: address.host,
        identityFiles: [],
        ...(address.port === undefined ? {} : { port: address.port }),
        ...(address.user === undefined ? {} : { user: address.user }),
      },
      vars: {},
      origin: where(issues.file, entry.line),
    });
  }
  return [...hosts.values()];
}
