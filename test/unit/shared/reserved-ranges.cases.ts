// Address → expected classification (the reason, or null for a public address). Plain data, kept
// apart from the test so the same table can be replayed against another implementation.
export type Case = readonly [ip: string, expected: string | null];

const EMB = ' (IPv4 embedded in IPv6)';

// Per range: first, last and a middle address, then the neighbours just outside.
export const IPV4_CASES: readonly Case[] = [
  ['0.0.0.0', 'unspecified'], ['0.255.255.255', 'unspecified'], ['0.128.0.1', 'unspecified'], ['1.0.0.0', null],
  ['10.0.0.0', 'private'], ['10.255.255.255', 'private'], ['10.128.0.1', 'private'], ['9.255.255.255', null], ['11.0.0.0', null],
  ['100.64.0.0', 'carrier-grade NAT'], ['100.127.255.255', 'carrier-grade NAT'], ['100.96.0.1', 'carrier-grade NAT'],
  ['100.63.255.255', null], ['100.128.0.0', null],
  ['127.0.0.0', 'loopback'], ['127.255.255.255', 'loopback'], ['127.0.0.1', 'loopback'], ['126.255.255.255', null], ['128.0.0.0', null],
  ['169.254.0.0', 'link-local (cloud metadata)'], ['169.254.255.255', 'link-local (cloud metadata)'],
  ['169.254.169.254', 'link-local (cloud metadata)'], ['169.253.255.255', null], ['169.255.0.0', null],
  ['172.16.0.0', 'private'], ['172.31.255.255', 'private'], ['172.24.0.1', 'private'], ['172.15.255.255', null], ['172.32.0.0', null],
  ['192.0.0.0', 'IETF protocol assignments'], ['192.0.0.255', 'IETF protocol assignments'],
  ['192.0.0.170', 'IETF protocol assignments'], ['191.255.255.255', null], ['192.0.1.0', null],
  ['192.0.2.0', 'documentation'], ['192.0.2.255', 'documentation'], ['192.0.2.128', 'documentation'],
  ['192.0.1.255', null], ['192.0.3.0', null],
  ['192.88.99.0', '6to4 relay'], ['192.88.99.255', '6to4 relay'], ['192.88.99.1', '6to4 relay'],
  ['192.88.98.255', null], ['192.88.100.0', null],
  ['192.168.0.0', 'private'], ['192.168.255.255', 'private'], ['192.168.1.1', 'private'],
  ['192.167.255.255', null], ['192.169.0.0', null],
  ['198.18.0.0', 'benchmarking'], ['198.19.255.255', 'benchmarking'], ['198.19.0.1', 'benchmarking'],
  ['198.17.255.255', null], ['198.20.0.0', null],
  ['198.51.100.0', 'documentation'], ['198.51.100.255', 'documentation'], ['198.51.100.7', 'documentation'],
  ['198.51.99.255', null], ['198.51.101.0', null],
  ['203.0.113.0', 'documentation'], ['203.0.113.255', 'documentation'], ['203.0.113.9', 'documentation'],
  ['203.0.112.255', null], ['203.0.114.0', null],
  // 224/4 and 240/4 are adjacent: each one's outer neighbour is the other.
  ['224.0.0.0', 'multicast'], ['239.255.255.255', 'multicast'], ['232.0.0.1', 'multicast'], ['223.255.255.255', null],
  ['240.0.0.0', 'reserved'], ['255.255.255.255', 'reserved'], ['248.0.0.1', 'reserved'],
  ['8.8.8.8', null], ['1.1.1.1', null], ['93.184.215.14', null],
];

export const IPV6_CASES: readonly Case[] = [
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['::2', `unspecified${EMB}`], // IPv4-compatible 0.0.0.2
  // NAT64 local-use: the whole /48, whatever it carries.
  ['64:ff9b:1::', 'NAT64 local-use'], ['64:ff9b:1:ffff:ffff:ffff:ffff:ffff', 'NAT64 local-use'],
  ['64:ff9b:1:8000::1', 'NAT64 local-use'], ['64:ff9b:1::1', 'NAT64 local-use'],
  ['64:ff9b:1:ffff::8.8.8.8', 'NAT64 local-use'], ['64:ff9b:1::a00:1', 'NAT64 local-use'],
  ['64:ff9b:0:ffff:ffff:ffff:ffff:ffff', null], ['64:ff9b:2::', null],
  // NAT64 well-known prefix: judged by the IPv4 in the last 32 bits.
  ['64:ff9b::10.0.0.1', `private${EMB}`], ['64:ff9b::a9fe:a9fe', `link-local (cloud metadata)${EMB}`],
  ['64:ff9b::8.8.8.8', null], ['64:ff9b::808:808', null],
  ['100::', 'discard'], ['100::ffff:ffff:ffff:ffff', 'discard'], ['100::8000:0:0:1', 'discard'],
  ['ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null], ['100:0:0:1::', null],
  // 2001::/23 with its more specific Teredo and benchmarking blocks.
  ['2001::', 'Teredo'], ['2001:0:ffff:ffff:ffff:ffff:ffff:ffff', 'Teredo'], ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['2001:1::', 'IETF protocol assignments'], ['2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff', 'IETF protocol assignments'],
  ['2001:100::1', 'IETF protocol assignments'], ['2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null], ['2001:200::', null],
  ['2001:2::', 'benchmarking'], ['2001:2:0:ffff:ffff:ffff:ffff:ffff', 'benchmarking'], ['2001:2:0:8000::1', 'benchmarking'],
  ['2001:1:ffff:ffff:ffff:ffff:ffff:ffff', 'IETF protocol assignments'], ['2001:2:1::', 'IETF protocol assignments'],
  ['2001:db8::', 'documentation'], ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation'], ['2001:db8:8000::1', 'documentation'],
  ['2001:db7:ffff:ffff:ffff:ffff:ffff:ffff', null], ['2001:db9::', null],
  ['3fff::', 'documentation'], ['3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation'], ['3fff:800::1', 'documentation'],
  ['3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null], ['3fff:1000::', null],
  ['5f00::', 'SRv6 SIDs'], ['5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'SRv6 SIDs'], ['5f00:8000::1', 'SRv6 SIDs'],
  ['5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null], ['5f01::', null],
  ['fc00::', 'unique local'], ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'unique local'], ['fd00:ec2::254', 'unique local'],
  ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null], ['fe00::', null],
  ['fe80::', 'link-local'], ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'link-local'], ['fe80::1', 'link-local'],
  ['fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff', null],
  // fe80::/10, fec0::/10 and ff00::/8 are adjacent.
  ['fec0::', 'site-local'], ['feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'site-local'], ['fed0::1', 'site-local'],
  ['ff00::', 'multicast'], ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'multicast'], ['ff02::1', 'multicast'],
  // IPv4-mapped, dotted and hex.
  ['::ffff:127.0.0.1', `loopback${EMB}`], ['::ffff:7f00:1', `loopback${EMB}`], ['0:0:0:0:0:ffff:a00:1', `private${EMB}`],
  ['::ffff:169.254.169.254', `link-local (cloud metadata)${EMB}`], ['::ffff:0.0.0.0', `unspecified${EMB}`],
  ['::ffff:8.8.8.8', null], ['::ffff:808:808', null],
  // IPv4-translated (::ffff:0:0:0/96). Although the block is special-purpose, such an address names
  // the IPv4 host it carries (a translator delivers it there), so it is judged by that IPv4 address
  // like the mapped form: private inside is refused, a public host is public.
  ['::ffff:0:10.0.0.1', `private${EMB}`], ['::ffff:0:7f00:1', `loopback${EMB}`], ['::ffff:0:8.8.8.8', null],
  // IPv4-compatible (deprecated) and 6to4 (IPv4 in bits 16..47).
  ['::127.0.0.1', `loopback${EMB}`], ['::a00:1', `private${EMB}`], ['::8.8.8.8', null],
  ['2002:7f00:1::', `loopback${EMB}`], ['2002:c0a8:101::1', `private${EMB}`], ['2002:a9fe:a9fe::', `link-local (cloud metadata)${EMB}`],
  ['2002:808:808::1', null],
  // Zone ids do not change the address; letter case does not either.
  ['fe80::1%eth0', 'link-local'], ['FE80::1%ETH0', 'link-local'], ['2606:4700::1%eth0', null],
  ['FC00::1', 'unique local'], ['2001:DB8::1', 'documentation'], ['::FFFF:7F00:1', `loopback${EMB}`],
  ['64:FF9B::A00:1', `private${EMB}`], ['64:FF9B:1::1', 'NAT64 local-use'],
  ['2606:4700:4700::1111', null], ['2001:4860:4860::8888', null], ['2a00:1450:4001:80b::200e', null],
];

export const MALFORMED_CASES: readonly Case[] = [
  '', 'localhost', '1.2.3', '256.1.1.1', '1.2.3.4.5', '08.8.8.8', '::g', '1::2::3', ':::', '1:2:3:4:5:6:7:8:9',
  '12345::', 'fe80::1%', '::ffff:1.2.3.04', '::1.2.3', '[::1]', 'x'.repeat(100),
].map((ip) => [ip, 'not an IP address'] as const);

export const ALL_CASES: readonly Case[] = [...IPV4_CASES, ...IPV6_CASES, ...MALFORMED_CASES];
