/**
 * The one table of special-purpose IP ranges (after the IANA IPv4/IPv6 special-purpose registries,
 * plus multicast and the deprecated site-local block), and the one IPv6 text parser.
 *
 * Used by the SSRF guard (never connect there) and the geo lookup (never guess a location there),
 * so both always agree on what is "not a public address".
 *
 * Left out on purpose: blocks the registries mark globally reachable (AS112, AMT, the PCP/TURN
 * anycast addresses outside 192.0.0.0/24): they are ordinary public services.
 */
import { isIP } from 'node:net';

export interface ReservedRange {
  readonly family: 4 | 6;
  /** Network address and prefix length, e.g. `10.0.0.0/8`. */
  readonly cidr: string;
  /** Short human reason, shown in refusals. */
  readonly reason: string;
}

const v4 = (cidr: string, reason: string): ReservedRange => ({ family: 4, cidr, reason });
const v6 = (cidr: string, reason: string): ReservedRange => ({ family: 6, cidr, reason });

export const RESERVED_RANGES: readonly ReservedRange[] = [
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'carrier-grade NAT'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local (cloud metadata)'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'IETF protocol assignments'),
  v4('192.0.2.0/24', 'documentation'),
  v4('192.88.99.0/24', '6to4 relay'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation'),
  v4('203.0.113.0/24', 'documentation'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'), // includes the limited broadcast 255.255.255.255

  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  // Local-use translation prefix: by definition never globally routed, whatever IPv4 it carries.
  v6('64:ff9b:1::/48', 'NAT64 local-use'),
  v6('100::/64', 'discard'),
  v6('2001::/23', 'IETF protocol assignments'),
  // Teredo: the client's IPv4 is obfuscated inside, so it cannot be judged; refuse the block.
  v6('2001::/32', 'Teredo'),
  v6('2001:2::/48', 'benchmarking'),
  v6('2001:db8::/32', 'documentation'),
  v6('3fff::/20', 'documentation'),
  v6('5f00::/16', 'SRv6 SIDs'),
  v6('fc00::/7', 'unique local'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'site-local'),
  v6('ff00::/8', 'multicast'),
];
// Not in the table: ::ffff:0:0/96, ::/96, ::ffff:0:0:0/96, 64:ff9b::/96 and 2002::/16. They carry
// an IPv4 address (see embeddedIpv4) and are judged by it.

/** An IPv4 text address as an unsigned 32-bit number, or null. Strict: no leading zeros or short forms. */
export function parseIpv4(text: string): number | null {
  if (isIP(text) !== 4) return null;
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

/**
 * An IPv6 text address as its 8 16-bit groups, or null. Accepts `::`, a dotted IPv4 tail, any
 * letter case and a zone id (`fe80::1%eth0`, dropped: the zone does not change the address).
 */
export function parseIpv6(text: string): number[] | null {
  if (isIP(text) !== 6) return null; // node validates; below only has to expand
  let s = text.toLowerCase();
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s)?.[1];
  if (dotted) {
    const n = parseIpv4(dotted);
    if (n === null) return null;
    s = `${s.slice(0, -dotted.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const out = [...left, ...Array<number>(fill).fill(0), ...right];
  return out.length === 8 ? out : null;
}

const formatIpv4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export type Ipv4Embedding = 'IPv4-mapped' | 'IPv4-compatible' | 'IPv4-translated' | 'NAT64' | '6to4';

/**
 * The IPv4 address an IPv6 address stands for under a translation or tunnelling scheme: the host a
 * packet really reaches. Null when the address embeds none.
 */
export function embeddedIpv4(ip: string): { ipv4: string; via: Ipv4Embedding } | null {
  const g = parseIpv6(ip);
  if (!g) return null;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const low32 = formatIpv4(g6 * 0x10000 + g7);
  const zeros = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (zeros(5) && g5 === 0xffff) return { ipv4: low32, via: 'IPv4-mapped' }; // ::ffff:a.b.c.d
  if (zeros(4) && g4 === 0xffff && g5 === 0) return { ipv4: low32, via: 'IPv4-translated' }; // ::ffff:0:a.b.c.d
  if (zeros(6) && (g6 !== 0 || g7 > 1)) return { ipv4: low32, via: 'IPv4-compatible' }; // ::a.b.c.d, not :: or ::1
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return { ipv4: low32, via: 'NAT64' }; // 64:ff9b::/96
  if (g0 === 0x2002) return { ipv4: formatIpv4(g1 * 0x10000 + g2), via: '6to4' }; // 2002:AABB:CCDD::/48
  return null;
}

const toBigInt = (groups: readonly number[]): bigint => groups.reduce((acc, x) => (acc << 16n) | BigInt(x), 0n);

interface Compiled {
  readonly net: bigint;
  readonly mask: bigint;
  readonly prefix: number;
  readonly reason: string;
}

function compile(family: 4 | 6): Compiled[] {
  const width = family === 4 ? 32 : 128;
  return RESERVED_RANGES.filter((r) => r.family === family)
    .map(({ cidr, reason }) => {
      const [addr = '', bits = ''] = cidr.split('/');
      const prefix = Number(bits);
      const parsed = family === 4 ? parseIpv4(addr) : parseIpv6(addr);
      const net = parsed === null ? null : typeof parsed === 'number' ? BigInt(parsed) : toBigInt(parsed);
      const mask = ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix);
      // A typo in the table must fail loudly at load, not silently miss addresses.
      if (net === null || !Number.isInteger(prefix) || prefix < 0 || prefix > width || (net & mask) !== net) {
        throw new Error(`bad reserved range ${cidr}`);
      }
      return { net, mask, prefix, reason };
    })
    .sort((a, b) => b.prefix - a.prefix); // most specific first: Teredo before the whole 2001::/23
}

const compiled = { 4: compile(4), 6: compile(6) };

const match = (family: 4 | 6, value: bigint): string | null => compiled[family].find((r) => (value & r.mask) === r.net)?.reason ?? null;

/**
 * Why an address is not a public one, or null when it is. An IPv6 address embedding a reserved
 * IPv4 address is reserved too ("… (IPv4 embedded in IPv6)"); one embedding a public IPv4 address
 * is public, the IPv4-translated form (::ffff:0:a.b.c.d) included: it names that IPv4 host.
 */
export function classifyAddress(ip: string): string | null {
  const n4 = parseIpv4(ip);
  if (n4 !== null) return match(4, BigInt(n4));
  const groups = parseIpv6(ip);
  if (!groups) return 'not an IP address';
  const own = match(6, toBigInt(groups));
  if (own) return own;
  const inner = embeddedIpv4(ip);
  const innerReason = inner ? classifyAddress(inner.ipv4) : null;
  return innerReason ? `${innerReason} (IPv4 embedded in IPv6)` : null;
}

export const isReservedAddress = (ip: string): boolean => classifyAddress(ip) !== null;
