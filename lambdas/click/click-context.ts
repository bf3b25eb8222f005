/** What the click path reads about the clicker: bot-ness and country. */
import { isbot } from 'isbot';

/** HEAD requests and known crawlers / link-preview fetchers are redirected but never traced. */
export function isAutomatedClick(method: string, userAgent: string | undefined): boolean {
  if (method.toUpperCase() === 'HEAD') return true;
  if (!userAgent) return true;
  return isbot(userAgent);
}

export const COUNTRY_HEADERS = ['cloudfront-viewer-country', 'x-viewer-country', 'cf-ipcountry'] as const;

/** A two-letter country from the first viewer-country header present, lower case. */
export function countryFromHeaders(get: (name: string) => string | undefined): string | undefined {
  for (const name of COUNTRY_HEADERS) {
    const value = get(name);
    if (value && /^[A-Za-z]{2}$/.test(value) && value.toUpperCase() !== 'XX') return value.toLowerCase();
  }
  return undefined;
}
