import { existsSync } from 'node:fs';
import {
  GEO_ATTRIBUTION,
  cityGeoLookup,
  countryGeoLookup,
  defaultCityDbPaths,
  defaultCountryDbPaths,
  geoLookupFromFiles,
  locationOf,
  normalizePublicIp,
} from '../../../lambdas/geo/geo-lookup';

// Figures below are what the shipped DB-IP Lite build (@ip-location-db 2.3.2026060x) says; a newer
// monthly build may move a city, rarely a country.
const city = cityGeoLookup();
const country = countryGeoLookup();

test('default paths point at the installed mmdb files', () => {
  const paths = [defaultCountryDbPaths().combined, defaultCityDbPaths().ipv4, defaultCityDbPaths().ipv6];
  for (const p of paths) expect(p && existsSync(p)).toBe(true);
});

test.each([
  ['8.8.8.8', { country: 'us', region: 'California', city: 'Mountain View' }],
  ['1.1.1.1', { country: 'au', region: 'New South Wales', city: 'Sydney' }],
  ['81.2.69.142', { country: 'gb', region: 'England', city: 'London' }],
  ['2a00:1450:4001:80b::200e', { country: 'de', region: 'Hesse', city: 'Frankfurt am Main' }],
  ['2001:4860:4860::8888', { country: 'ca', region: 'Quebec', city: 'Montreal' }],
])('city DB: %s', (ip, want) => {
  expect(city.lookup(ip)).toEqual(want);
});

test.each([
  ['8.8.8.8', 'us'],
  ['1.1.1.1', 'au'],
  ['81.2.69.142', 'gb'],
  ['213.180.204.3', 'ru'],
  ['2a00:1450:4001:80b::200e', 'de'],
])('country DB: %s → %s, country only', (ip, cc) => {
  expect(country.lookup(ip)).toEqual({ country: cc });
});

test.each([
  ['::ffff:8.8.8.8', 'us'],
  ['::ffff:808:808', 'us'],
  ['::FFFF:1.1.1.1', 'au'],
  ['64:ff9b::808:808', 'us'],
  [' 8.8.8.8 ', 'us'],
  ['[2a00:1450:4001:80b::200e]', 'de'],
])('IPv4-mapped, NAT64 and decorated forms: %s → %s', (ip, cc) => {
  expect(country.lookup(ip)?.country).toBe(cc);
  expect(city.lookup(ip)?.country).toBe(cc);
});

test.each([
  '10.1.2.3',
  '172.16.0.1',
  '192.168.1.1',
  '127.0.0.1',
  '169.254.169.254',
  '100.64.0.1',
  '0.0.0.0',
  '224.0.0.1',
  '255.255.255.255',
  '192.0.2.10',
  '198.51.100.7',
  '203.0.113.9',
  '::1',
  '::',
  'fe80::1',
  'fe80::1%eth0',
  'fd00::1',
  'ff02::1',
  '2001:db8::1',
  '::ffff:10.0.0.1',
  '::ffff:7f00:1',
])('private / reserved %s → undefined', (ip) => {
  expect(city.lookup(ip)).toBeUndefined();
  expect(country.lookup(ip)).toBeUndefined();
});

test.each([undefined, null, '', 'unknown', 'not-an-ip', '1.2.3', '256.1.1.1', '1.2.3.4.5', '08.8.8.8', '::g', '1::2::3', 'x'.repeat(500)])(
  'invalid %p → undefined, no throw',
  (ip) => {
    expect(city.lookup(ip)).toBeUndefined();
    expect(country.lookup(ip)).toBeUndefined();
  },
);

test('normalizePublicIp unwraps IPv4-mapped addresses', () => {
  expect(normalizePublicIp('::ffff:1.1.1.1')).toEqual({ ip: '1.1.1.1', family: 4 });
  expect(normalizePublicIp('2a00:1450::1')).toEqual({ ip: '2a00:1450::1', family: 6 });
});

test('a missing DB file answers undefined and reports once', () => {
  const errors: Error[] = [];
  const geo = geoLookupFromFiles({ combined: '/nonexistent/geo.mmdb' }, (e) => errors.push(e));
  expect(geo.lookup('8.8.8.8')).toBeUndefined();
  expect(geo.lookup('1.1.1.1')).toBeUndefined();
  expect(errors).toHaveLength(1);
  expect(errors[0]?.name).toBe('GeoDbLoadError');
});

test('a family without a file answers undefined', () => {
  const v4only = geoLookupFromFiles({ ipv4: defaultCityDbPaths().ipv4! });
  expect(v4only.lookup('8.8.8.8')?.country).toBe('us');
  expect(v4only.lookup('2a00:1450:4001:80b::200e')).toBeUndefined();
});

test('attribution names DB-IP and the licence', () => {
  expect(GEO_ATTRIBUTION).toMatch(/DB-IP/);
  expect(GEO_ATTRIBUTION).toMatch(/https:\/\/db-ip\.com/);
  expect(GEO_ATTRIBUTION).toMatch(/CC BY 4\.0/);
});

test('postal codes: mapped when a record has one; the bundled DB-IP Lite city data has none, so the field stays absent', () => {
  expect(locationOf({ country_code: 'US', city: 'Mountain View', state1: 'California', postcode: '94043' })).toEqual({
    country: 'us',
    region: 'California',
    city: 'Mountain View',
    postalCode: '94043',
  });
  expect(locationOf({ country_code: 'US', postcode: '' })).toEqual({ country: 'us' });
  for (const ip of ['8.8.8.8', '81.2.69.142', '1.1.1.1', '2a00:1450:4001:800::200e']) {
    const found = city.lookup(ip);
    expect(found?.country).toMatch(/^[a-z]{2}$/);
    expect(found).not.toHaveProperty('postalCode');
  }
});
