// SSRF guard: a trace follows URLs chosen by third parties, so it must never reach our own
// network. Checked three ways: the URL's host literal (the WHATWG parser already turned
// 2130706433, 0x7f.1 and 0177.0.0.1 into 127.0.0.1), every address a name resolves to (custom
// lookup), and the address the socket actually connected to (defeats DNS rebinding).
import { BlockList, isIP, type LookupFunction, type Socket } from 'node:net';
import dns from 'node:dns';

export class SsrfBlockedError extends Error {
  override readonly name = 'SsrfBlockedError';
  readonly code = 'ERR_SSRF_BLOCKED';
  constructor(readonly target: string, readonly reason: string) {
    super(`refused ${target}: ${reason}`);
  }
}

export interface SsrfPolicy {
  /** Allow every address (local stack and tests). */
  allowPrivate?: boolean;
  /** CIDRs or single addresses exempted from the guard, e.g. ['127.0.0.1/32']. */
  allowAddresses?: readonly string[];
}

type Family = 'ipv4' | 'ipv6';
const RANGES: ReadonlyArray<[string, number, Family, string]> = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.88.99.0', 24, 'ipv4', '6to4 relay'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['100::', 64, 'ipv6', 'discard'],
  ['2001::', 23, 'ipv6', 'IETF protocol assignments'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['fc00::', 7, 'ipv6', 'unique local'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

/** Expands an IPv6 address into its 8 16-bit groups (handles '::' and a dotted IPv4 tail). */
function ipv6Groups(ip: string): number[] | null {
  let s = ip.toLowerCase();
  const pct = s.indexOf('%');
  if (pct !== -1) s = s.slice(0, pct); // zone id
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted?.[1]) {
    const parts = dotted[1].split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => p > 255)) return null;
    const [a, b, c, d] = parts as [number, number, number, number];
    s = s.slice(0, -dotted[1].length) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0) return null;
  const groups = [...head, ...Array<string>(fill).fill('0'), ...tail].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** IPv4 embedded in an IPv6 address by a translation scheme, which a packet would really reach. */
function embeddedIpv4(ip: string): string | null {
  const g = ipv6Groups(ip);
  if (!g) return null;
  const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zero = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (zero(5) && g[5] === 0xffff) return v4(g[6]!, g[7]!); // ::ffff:a.b.c.d (IPv4-mapped)
  if (zero(6) && (g[6] !== 0 || g[7]! > 1)) return v4(g[6]!, g[7]!); // ::a.b.c.d (IPv4-compatible)
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return v4(g[6]!, g[7]!); // NAT64
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!); // 6to4
  return null;
}

const blocked = new Map<Family, Array<{ list: BlockList; reason: string }>>([
  ['ipv4', []],
  ['ipv6', []],
]);
for (const [net, prefix, family, reason] of RANGES) {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  blocked.get(family)!.push({ list, reason });
}

function allowList(policy: SsrfPolicy): BlockList | null {
  if (!policy.allowAddresses?.length) return null;
  const list = new BlockList();
  for (const entry of policy.allowAddresses) {
    const [addr = '', bits] = entry.split('/');
    const family: Family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(bits), family);
  }
  return list;
}

/** Why an IP address is forbidden, or null when it is a public address. */
export function classifyAddress(ip: string): string | null {
  const family = isIP(ip);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const v4 = embeddedIpv4(ip);
    if (v4) {
      const inner = classifyAddress(v4);
      if (inner) return `${inner} (IPv4 embedded in IPv6)`;
    }
  }
  const fam: Family = family === 4 ? 'ipv4' : 'ipv6';
  for (const { list, reason } of blocked.get(fam)!) if (list.check(ip, fam)) return reason;
  return null;
}

/** Applies a policy to one address: null when allowed. */
export function checkAddress(ip: string, policy: SsrfPolicy = {}): string | null {
  if (policy.allowPrivate) return null;
  const reason = classifyAddress(ip);
  if (!reason) return null;
  const allow = allowList(policy);
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (allow?.check(ip, family)) return null;
  return reason;
}

/** A URL hostname without IPv6 brackets and trailing dot. */
export function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

/**
 * Checks what can be known from the URL alone: IP literals (already normalized by the URL parser)
 * and names that always mean this machine. Throws SsrfBlockedError.
 */
export function assertUrlAllowed(url: URL, policy: SsrfPolicy = {}): void {
  if (policy.allowPrivate) return;
  const host = bareHost(url.hostname);
  if (isIP(host)) {
    const reason = checkAddress(host, policy);
    if (reason) throw new SsrfBlockedError(url.host, reason);
    return;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    // Resolves to loopback by definition (RFC 6761); allowed only if loopback itself is allowed.
    if (checkAddress('127.0.0.1', policy) && checkAddress('::1', policy)) throw new SsrfBlockedError(url.host, 'loopback name');
  }
}

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;
export const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** Resolves a name and refuses it when any of its addresses is forbidden. */
export async function assertHostResolvesAllowed(hostname: string, policy: SsrfPolicy = {}, resolve: Resolver = systemResolver): Promise<void> {
  if (policy.allowPrivate) return;
  const host = bareHost(hostname);
  if (isIP(host)) {
    const reason = checkAddress(host, policy);
    if (reason) throw new SsrfBlockedError(host, reason);
    return;
  }
  const addresses = await resolve(host);
  for (const { address } of addresses) {
    const reason = checkAddress(address, policy);
    if (reason) throw new SsrfBlockedError(host, `resolves to ${address} (${reason})`);
  }
}

/** A `lookup` for net/tls.connect that refuses names resolving to forbidden addresses. */
export function guardedLookup(policy: SsrfPolicy = {}): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as unknown as dns.LookupAddress[];
      for (const { address } of list) {
        const reason = checkAddress(address, policy);
        if (reason) return callback(new SsrfBlockedError(hostname, `resolves to ${address} (${reason})`) as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      else {
        const first = list[0];
        if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        callback(null, first.address, first.family);
      }
    });
  };
}

/** The post-connect check: the peer address the socket really reached. */
export function assertSocketAllowed(socket: Socket, policy: SsrfPolicy = {}): void {
  if (policy.allowPrivate) return;
  const ip = socket.remoteAddress;
  if (!ip) return;
  const reason = checkAddress(ip, policy);
  if (reason) throw new SsrfBlockedError(ip, `connected to ${reason} address`);
}
