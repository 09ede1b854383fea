// `[user@]host[:port]`, `[v6addr]:port` and bare IPv6 addresses, the one address syntax shared by
// host lists, Ansible host keys and ProxyJump hops. Host ranges (`web[01:20]`) pass through intact.
import { isIPv6 } from 'node:net';

export interface Address {
  host: string;
  port?: number;
  user?: string;
}

export type AddressParse = Address | { problem: string };

/** A TCP port 1..65535 from text, or undefined. */
export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

export function parseAddress(text: string): AddressParse {
  let rest = text.trim();
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (user === '') return { problem: `"${text}" has an empty user before "@"` };
  }
  if (rest === '') return { problem: `"${text}" has no host` };
  const withUser = (a: Address): Address => (user === undefined ? a : { ...a, user });

  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracketed && isIPv6(bracketed[1] as string)) {
    const portText = bracketed[2];
    if (portText === undefined) return withUser({ host: bracketed[1] as string });
    const port = parsePort(portText);
    if (port === undefined) return { problem: `"${text}" has port "${portText}": it must be a number from 1 to 65535` };
    return withUser({ host: bracketed[1] as string, port });
  }
  if (isIPv6(rest)) return withUser({ host: rest });

  // The port is after the last colon that is outside any [range].
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && rest.lastIndexOf('[', colon) <= rest.lastIndexOf(']', colon)) {
    const host = rest.slice(0, colon);
    const portText = rest.slice(colon + 1);
    const port = parsePort(portText);
    if (host === '') return { problem: `"${text}" has no host` };
    if (port === undefined) return { problem: `"${text}" has port "${portText}": it must be a number from 1 to 65535` };
    return withUser({ host, port });
  }
  return withUser({ host: rest });
}

/** The display form of an address, bracketing IPv6 when a port follows. */
export function formatHostPort(host: string, port: number | undefined): string {
  if (port === undefined) return host;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
