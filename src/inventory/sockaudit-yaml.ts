// sockaudit's own inventory, a small YAML file:
//
//   defaults:                 # every host; each key optional
//     user: audit
//     port: 22
//     identityFile: ~/.ssh/audit_ed25519      # or a list
//     proxyJump: ops@bastion.example.com      # hops comma-separated, or "none"
//   groups:
//     web:
//       hosts: [web1.example.com, "alice@web2.example.com:2222"]
//       user: www-audit       # the same four keys as defaults, for the group's hosts
//       vars: { tier: front } # free-form labels, shown in reports
//   hosts:
//     - db1.example.com       # [user@]host[:port]
//     - name: db2             # the name reports use
//       address: 10.0.3.12    # where to connect, if not the name
//       port: 2222
//       user: dba
//       groups: [db]
//       proxyJump: bastion
//       identityFile: ~/.ssh/db_ed25519
//       vars: { rack: r12 }
//
// Settings merge defaults < groups (in name order) < the host's own entry. Unknown keys are errors.
// A host is given once in hosts; it may also be a member in groups, but each of its own settings
// (user, port, address, ...) comes from one place: two that differ are an error naming both lines.
import { isMap, isScalar, isSeq, keyText, parseYaml, type Node, type YamlFile } from '../yaml.js';
import { formatHostPort, parseAddress, parsePort } from './address.js';
import { parseProxyJump } from './ssh-options.js';
import { Issues, where } from './issues.js';
import type { HostSettings, InventorySource, JumpSpec, Result, SettingSources } from './types.js';

interface Layer {
  user?: string;
  port?: number;
  identityFiles?: string[];
  proxyJump?: JumpSpec[] | 'none';
}

interface HostDraft {
  name: string;
  line: number | undefined;
  address?: string;
  /** The address a `[user@]host[:port]` entry gives when it is the name itself: used when no entry gives another. */
  plainAddress?: string;
  own: Layer;
  /** Line of each setting of `own` and of `address`, to name both places when two entries disagree. */
  setAt: Map<string, number | undefined>;
  groups: Set<string>;
  vars: Record<string, string>;
}

const CONNECTION_KEYS = ['user', 'port', 'identityFile', 'proxyJump'];
const TOP_KEYS = new Set(['defaults', 'groups', 'hosts']);

export function parseSockauditYaml(text: string, file: string): Result<InventorySource> {
  const issues = new Issues(file);
  const source: InventorySource = { file, format: 'sockaudit-yaml', hosts: [] };
  const yaml = parseYaml(text, issues, { version: '1.2' });
  if (!yaml) return issues.result(source);
  const root = yaml.deref(yaml.doc.contents);
  if (!isMap(root)) {
    issues.error(yaml.lineOf(root), 'a sockaudit inventory must be a mapping with defaults, groups and hosts');
    return issues.result(source);
  }
  const reader = new Reader(yaml, issues);
  let defaults: Layer = {};
  const groupLayers = new Map<string, Layer>();
  const groupVars = new Map<string, Record<string, string>>();
  const hosts = new Map<string, HostDraft>();
  const draft = (name: string, line: number | undefined): HostDraft => {
    let host = hosts.get(name);
    if (!host) hosts.set(name, (host = { name, line, own: {}, setAt: new Map(), groups: new Set(), vars: {} }));
    return host;
  };
  // A host may be a member in groups and have an entry in hosts; each setting must come from one place.
  const settle = (host: HostDraft, layer: Layer, address: string | undefined, line: number | undefined): void => {
    const given: Array<[string, unknown]> = Object.entries(layer);
    if (address !== undefined) given.push(['address', address]);
    for (const [key, value] of given) {
      const earlier = (key === 'address' ? host.address : host.own[key as keyof Layer]) as unknown;
      if (earlier !== undefined && JSON.stringify(earlier) !== JSON.stringify(value)) {
        const at = host.setAt.get(key);
        issues.error(line, `host ${host.name} has ${key} ${show(value)} here and ${show(earlier)}${at === undefined ? ' elsewhere' : ` at line ${at}`}; give it one ${key}`);
        continue;
      }
      if (key === 'address') host.address = value as string;
      else Object.assign(host.own, { [key]: value });
      if (!host.setAt.has(key)) host.setAt.set(key, line);
    }
  };
  const listedAt = new Map<string, number | undefined>();
  /** False, after an error naming both lines, for a name the hosts list already has. */
  const once = (name: string, line: number | undefined): boolean => {
    if (!listedAt.has(name)) {
      listedAt.set(name, line);
      return true;
    }
    const at = listedAt.get(name);
    issues.error(line, `host ${name} is also at ${at === undefined ? 'another place' : `line ${at}`}; give each host once in hosts`);
    return false;
  };

  for (const pair of root.items) {
    const key = keyText(pair.key);
    const line = yaml.lineOf(pair.key as Node);
    const value = yaml.deref(pair.value);
    if (key === undefined || !TOP_KEYS.has(key)) {
      issues.error(line, `unknown key "${key ?? '?'}": the top level has defaults, groups and hosts`);
      continue;
    }
    if (value === null || (isScalar(value) && value.value === null)) continue;
    if (key === 'defaults') {
      defaults = reader.layer(value, 'defaults', new Set(CONNECTION_KEYS)).layer;
    } else if (key === 'groups') {
      if (!isMap(value)) {
        issues.error(yaml.lineOf(value), 'groups must be a mapping of group names');
        continue;
      }
      for (const groupPair of value.items) {
        const name = keyText(groupPair.key);
        const groupLine = yaml.lineOf(groupPair.key as Node);
        if (name === undefined) {
          issues.error(groupLine, 'a group name must be a plain string');
          continue;
        }
        const groupNode = yaml.deref(groupPair.value);
        if (groupNode === null || (isScalar(groupNode) && groupNode.value === null)) continue;
        const read = reader.layer(groupNode, `group ${name}`, new Set([...CONNECTION_KEYS, 'hosts', 'vars']));
        groupLayers.set(name, read.layer);
        groupVars.set(name, read.vars);
        const members = read.fields.get('hosts');
        if (members === undefined) continue;
        if (!isSeq(members)) {
          issues.error(yaml.lineOf(members), `hosts of group ${name} must be a list`);
          continue;
        }
        const listed = new Set<string>();
        for (const item of members.items) {
          const entry = reader.hostString(item as Node);
          if (entry) {
            if (listed.has(entry.name)) {
              issues.error(entry.line, `host ${entry.name} is listed twice in group ${name}`);
              continue;
            }
            listed.add(entry.name);
            const host = draft(entry.name, entry.line);
            host.groups.add(name);
            // A bare name says nothing about the address: only a name that differs from it does.
            if (entry.address === entry.name) host.plainAddress = entry.address;
            settle(host, entry.layer, entry.address === entry.name ? undefined : entry.address, entry.line);
          }
        }
      }
    } else {
      if (!isSeq(value)) {
        issues.error(yaml.lineOf(value), 'hosts must be a list');
        continue;
      }
      for (const item of value.items) {
        const node = yaml.deref(item);
        if (node !== null && isMap(node)) {
          const read = reader.layer(node, 'host', new Set([...CONNECTION_KEYS, 'name', 'address', 'groups', 'vars']));
          const nameNode = read.fields.get('name');
          const name = nameNode && isScalar(nameNode) ? keyText(nameNode) : undefined;
          if (name === undefined) {
            issues.error(yaml.lineOf(node), 'a host entry needs a name');
            continue;
          }
          const line = yaml.lineOf(node);
          if (!once(name, line)) continue;
          const host = draft(name, line);
          Object.assign(host.vars, read.vars);
          const address = read.fields.get('address');
          let text: string | undefined;
          if (address !== undefined) {
            text = isScalar(address) ? keyText(address) : undefined;
            if (text === undefined) issues.error(yaml.lineOf(address), `address of host ${name} must be a string`);
          }
          settle(host, read.layer, text, line);
          for (const group of reader.stringList(read.fields.get('groups'), `groups of host ${name}`) ?? []) host.groups.add(group);
        } else {
          const entry = reader.hostString(node);
          if (entry && once(entry.name, entry.line)) {
            const host = draft(entry.name, entry.line);
            if (entry.address === entry.name) host.plainAddress = entry.address;
            settle(host, entry.layer, entry.address === entry.name ? undefined : entry.address, entry.line);
          }
        }
      }
    }
  }

  for (const host of hosts.values()) {
    const groups = [...host.groups].sort();
    const layers = [defaults, ...groups.map((g) => groupLayers.get(g) ?? {}), host.own];
    const merged: Layer = Object.assign({}, ...layers);
    const settings: HostSettings = { identityFiles: merged.identityFiles ?? [] };
    const sources: SettingSources = {};
    for (const key of ['address', 'port', 'user', 'proxyJump'] as const) {
      const own = key === 'address' ? host.address ?? host.plainAddress : host.own[key];
      if (own !== undefined) sources[key] = where(file, host.setAt.get(key) ?? host.line);
      else if (key !== 'address' && merged[key] !== undefined) {
        const group = [...groups].reverse().find((g) => groupLayers.get(g)?.[key] !== undefined);
        sources[key] = `${file} (${group === undefined ? 'defaults' : `group ${group}`})`;
      }
    }

    const address = host.address ?? host.plainAddress;
    if (address !== undefined) settings.address = address;
    if (merged.user !== undefined) settings.user = merged.user;
    if (merged.port !== undefined) settings.port = merged.port;
    if (merged.proxyJump !== undefined) settings.proxyJump = merged.proxyJump;
    const vars: Record<string, string> = Object.assign({}, ...groups.map((g) => groupVars.get(g) ?? {}), host.vars);
    source.hosts.push({ name: host.name, groups, settings, vars, origin: where(file, host.line), sources });
  }
  return issues.result(source);
}

class Reader {
  constructor(
    private readonly yaml: YamlFile,
    private readonly issues: Issues,
  ) {}

  /** Reads a mapping whose keys must be in `allowed`; connection keys become a Layer. */
  layer(node: Node, what: string, allowed: Set<string>): { layer: Layer; vars: Record<string, string>; fields: Map<string, Node> } {
    const layer: Layer = {};
    const vars: Record<string, string> = {};
    const fields = new Map<string, Node>();
    if (!isMap(node)) {
      this.issues.error(this.yaml.lineOf(node), `${what} must be a mapping`);
      return { layer, vars, fields };
    }
    for (const pair of node.items) {
      const key = keyText(pair.key);
      const line = this.yaml.lineOf(pair.key as Node);
      const value = this.yaml.deref(pair.value);
      if (key === undefined || !allowed.has(key)) {
        this.issues.error(line, `${what}: unknown key "${key ?? '?'}" (allowed: ${[...allowed].join(', ')})`);
        continue;
      }
      if (value === null) continue;
      const scalar = isScalar(value) ? keyText(value) : undefined;
      if (key === 'user') {
        if (scalar === undefined) this.issues.error(line, `${what}: user must be a string`);
        else layer.user = scalar;
      } else if (key === 'port') {
        const port = scalar === undefined ? undefined : parsePort(scalar);
        if (port === undefined) this.issues.error(line, `${what}: port must be a number from 1 to 65535`);
        else layer.port = port;
      } else if (key === 'identityFile') {
        const files = scalar !== undefined ? [scalar] : this.stringList(value, `${what}: identityFile`);
        if (files) layer.identityFiles = files;
      } else if (key === 'proxyJump') {
        const hops = scalar !== undefined ? scalar : this.stringList(value, `${what}: proxyJump`)?.join(',');
        if (hops === undefined) continue;
        const parsed = parseProxyJump(hops);
        if ('problem' in parsed) this.issues.error(line, `${what}: ${parsed.problem}`);
        else layer.proxyJump = parsed.jumps;
      } else if (key === 'vars') {
        if (!isMap(value)) {
          this.issues.error(line, `${what}: vars must be a mapping`);
          continue;
        }
        for (const item of value.items) {
          const name = keyText(item.key);
          const text = isScalar(item.value) ? keyText(item.value) : undefined;
          if (name === undefined || text === undefined) this.issues.error(this.yaml.lineOf(item.key as Node), `${what}: vars values must be strings, numbers or booleans`);
          else vars[name] = text;
        }
      } else {
        fields.set(key, value);
      }
    }
    return { layer, vars, fields };
  }

  /** `[user@]host[:port]` as a host entry named like a host list names it. */
  hostString(node: Node | null): { name: string; line: number | undefined; address: string; layer: Layer } | undefined {
    const text = node !== null && isScalar(node) ? keyText(node) : undefined;
    const line = this.yaml.lineOf(node);
    if (text === undefined) {
      this.issues.error(line, 'a host is "[user@]host[:port]" or a mapping with a name');
      return undefined;
    }
    const address = parseAddress(text);
    if ('problem' in address) {
      this.issues.error(line, address.problem);
      return undefined;
    }
    const layer: Layer = {};
    if (address.user !== undefined) layer.user = address.user;
    if (address.port !== undefined) layer.port = address.port;
    return { name: formatHostPort(address.host, address.port), line, address: address.host, layer };
  }

  stringList(node: Node | undefined, what: string): string[] | undefined {
    if (node === undefined) return undefined;
    if (!isSeq(node)) {
      this.issues.error(this.yaml.lineOf(node), `${what} must be a string or a list of strings`);
      return undefined;
    }
    const out: string[] = [];
    for (const item of node.items) {
      const text = isScalar(item) ? keyText(item) : undefined;
      if (text === undefined) this.issues.error(this.yaml.lineOf(item as Node), `${what} must be a list of strings`);
      else out.push(text);
    }
    return out;
  }
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' && v !== null && 'host' in v ? String((v as { host: string }).host) : String(v))).join(',');
  return String(value);
}
