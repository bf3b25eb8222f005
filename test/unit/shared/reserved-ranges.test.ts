import { normalizePublicIp } from '../../../lambdas/geo/geo-lookup';
import { classifyAddress, embeddedIpv4, isReservedAddress, parseIpv6, RESERVED_RANGES } from '../../../lambdas/shared/reserved-ranges';
import { checkAddress, classifyAddress as guardClassify } from '../../../lambdas/tracer/ssrf-guard';
import { ALL_CASES, IPV4_CASES, IPV6_CASES, MALFORMED_CASES } from './reserved-ranges.cases';

describe('classifyAddress', () => {
  test.each(IPV4_CASES)('IPv4 %s → %p', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  test.each(IPV6_CASES)('IPv6 %s → %p', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  test.each(MALFORMED_CASES)('malformed %p → %p', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  test('every range in the table has its first address among the cases', () => {
    const listed = new Set(ALL_CASES.filter(([, want]) => want !== null).map(([ip]) => ip));
    const missing = RESERVED_RANGES.map((r) => r.cidr.split('/')[0]).filter((net) => !listed.has(net ?? ''));
    expect(missing).toEqual([]);
  });

  test('isReservedAddress is classifyAddress !== null', () => {
    for (const [ip, want] of ALL_CASES) expect(isReservedAddress(ip)).toBe(want !== null);
  });
});

describe('parseIpv6', () => {
  test.each([
    ['::', [0, 0, 0, 0, 0, 0, 0, 0]],
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['1::', [1, 0, 0, 0, 0, 0, 0, 0]],
    ['2001:DB8::8:800:200C:417A', [0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a]],
    ['::ffff:192.168.1.1', [0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x101]],
    ['fe80::1%eth0', [0xfe80, 0, 0, 0, 0, 0, 0, 1]],
    ['1:2:3:4:5:6:7:8', [1, 2, 3, 4, 5, 6, 7, 8]],
    ['1:2:3:4:5:6:1.2.3.4', [1, 2, 3, 4, 5, 6, 0x102, 0x304]],
  ])('%s', (ip, groups) => {
    expect(parseIpv6(ip)).toEqual(groups);
  });

  test.each(['1.2.3.4', '1::2::3', '1:2:3:4:5:6:7', '::ffff:1.2.3.256', 'fe80::1%', 'g::', ''])('%p is not IPv6', (ip) => {
    expect(parseIpv6(ip)).toBeNull();
  });
});

describe('embeddedIpv4', () => {
  test.each([
    ['::ffff:8.8.8.8', '8.8.8.8', 'IPv4-mapped'],
    ['::ffff:7f00:1', '127.0.0.1', 'IPv4-mapped'],
    ['::ffff:0:8.8.8.8', '8.8.8.8', 'IPv4-translated'],
    ['::8.8.8.8', '8.8.8.8', 'IPv4-compatible'],
    ['64:ff9b::808:808', '8.8.8.8', 'NAT64'],
    ['2002:808:808:1::1', '8.8.8.8', '6to4'],
  ])('%s carries %s (%s)', (ip, ipv4, via) => {
    expect(embeddedIpv4(ip)).toEqual({ ipv4, via });
  });

  // :: and ::1 are their own addresses, not IPv4-compatible 0.0.0.0 / 0.0.0.1; the local-use NAT64
  // prefix has no fixed layout and is refused as a whole instead.
  test.each(['::', '::1', '64:ff9b:1::808:808', '2606:4700::1', '8.8.8.8', 'nope'])('%s carries none', (ip) => {
    expect(embeddedIpv4(ip)).toBeNull();
  });
});

// The SSRF guard and the geo lookup must refuse exactly the same addresses: geo answers undefined
// where the guard refuses, and looks up everything the guard lets through.
describe('SSRF guard and geo lookup agree', () => {
  test.each(ALL_CASES)('%s', (ip, expected) => {
    const reserved = expected !== null;
    expect(guardClassify(ip) !== null).toBe(reserved);
    expect(checkAddress(ip) !== null).toBe(reserved);
    expect(normalizePublicIp(ip) === undefined).toBe(reserved);
  });
});
