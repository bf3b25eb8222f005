/** What the click path reads about the clicker: bot-ness and country. */
import { isbot } from 'isbot';
import { TRUSTABLE_COUNTRY_HEADERS, type TrustableCountryHeader } from '../../contracts/manifest/env';

/** HEAD requests and known crawlers / link-preview fetchers are redirected but never traced. */
export function isAutomatedClick(method: string, userAgent: string | undefined): boolean {
  if (method.toUpperCase() === 'HEAD') return true;
  if (!userAgent) return true;
  return isbot(userAgent);
}

/** The configured trusted header, checked at cold start: a typo must not silently trust nothing (or anything). */
export function parseTrustedCountryHeader(value: string | undefined): TrustableCountryHeader | undefined {
  if (!value) return undefined;
  const name = value.trim().toLowerCase();
  if (!(TRUSTABLE_COUNTRY_HEADERS as readonly string[]).includes(name)) {
    throw new Error(`trusted country header must be one of ${TRUSTABLE_COUNTRY_HEADERS.join(', ')}, not "${value}"`);
  }
  return name as TrustableCountryHeader;
}

/**
 * The clicker's country from the one header the deployment trusts, lower case; undefined when no
 * header is trusted or it names no country. Every other country header is ignored: a client can set
 * them to anything, and the country picks which of the pool's IPs a trace leases.
 */
export function trustedCountry(trusted: TrustableCountryHeader | undefined, get: (name: string) => string | undefined): string | undefined {
  if (!trusted) return undefined;
  const value = get(trusted)?.trim();
  return value && /^[A-Za-z]{2}$/.test(value) && value.toUpperCase() !== 'XX' ? value.toLowerCase() : undefined;
}
