// Request headers a current Chrome sends for a top-level navigation, per device, with an
// Accept-Language derived from the country (via ICU's likely-subtags data, no hand table).
import zlib from 'node:zlib';
import type { Device } from './types';

const CHROME_MAJOR = 153; // matches the bundled @sparticuz/chromium

export const USER_AGENTS: Record<Device, string> = {
  desktop: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME_MAJOR}.0.0.0 Safari/537.36`,
  mobile: `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME_MAJOR}.0.0.0 Mobile Safari/537.36`,
};

export function acceptLanguage(country?: string): string {
  const cc = country?.trim().toUpperCase();
  if (!cc || !/^[A-Z]{2}$/.test(cc)) return 'en-US,en;q=0.9';
  let lang = 'en';
  try {
    lang = new Intl.Locale('und', { region: cc }).maximize().language;
  } catch {
    // unknown region: keep English
  }
  return lang === 'en' ? `en-${cc},en;q=0.9` : `${lang}-${cc},${lang};q=0.9,en;q=0.8`;
}

/** zstd is only advertised when this Node can decode it. */
export const ACCEPT_ENCODING = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === 'function' ? 'gzip, deflate, br, zstd' : 'gzip, deflate, br';

export interface NavigationContext {
  device: Device;
  country?: string;
  /** Referer for script/meta navigations; 3xx keep the original (none for the first request). */
  referer?: string;
  /** none for the first request, otherwise same-origin / same-site / cross-site. */
  fetchSite: 'none' | 'same-origin' | 'same-site' | 'cross-site';
  cookie?: string;
}

export function navigationHeaders(ctx: NavigationContext): Record<string, string> {
  const mobile = ctx.device === 'mobile';
  const headers: Record<string, string> = {
    'sec-ch-ua': `"Chromium";v="${CHROME_MAJOR}", "Google Chrome";v="${CHROME_MAJOR}", "Not.A/Brand";v="99"`,
    'sec-ch-ua-mobile': mobile ? '?1' : '?0',
    'sec-ch-ua-platform': mobile ? '"Android"' : '"Windows"',
    'upgrade-insecure-requests': '1',
    'user-agent': USER_AGENTS[ctx.device],
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
    'sec-fetch-site': ctx.fetchSite,
    'sec-fetch-mode': 'navigate',
    'sec-fetch-user': '?1',
    'sec-fetch-dest': 'document',
    'accept-encoding': ACCEPT_ENCODING,
    'accept-language': acceptLanguage(ctx.country),
  };
  if (ctx.referer) headers.referer = ctx.referer;
  if (ctx.cookie) headers.cookie = ctx.cookie;
  return headers;
}

/** Chrome's default referrer policy (strict-origin-when-cross-origin). */
export function refererFor(from: URL, to: URL): string | undefined {
  if (from.protocol === 'https:' && to.protocol !== 'https:') return undefined;
  if (from.origin === to.origin) return from.href.replace(/#.*$/, '');
  return `${from.origin}/`;
}

function site(u: URL): string {
  // Registrable domain approximated by the last two labels; good enough for Sec-Fetch-Site.
  return u.hostname.split('.').slice(-2).join('.');
}

export function fetchSite(from: URL | undefined, to: URL): NavigationContext['fetchSite'] {
  if (!from) return 'none';
  if (from.origin === to.origin) return 'same-origin';
  return site(from) === site(to) && from.protocol === to.protocol ? 'same-site' : 'cross-site';
}
