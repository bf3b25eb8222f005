// Click ids (ad-network identifiers appended to the landing URL) must survive the redirect chain
// for conversions to be attributed. We record which tracked parameters each hop carried and which
// reached the final URL.
import type { ClickIdReport, Hop } from './types';

export const STANDARD_CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid'] as const;

function queryNames(url: string): Set<string> {
  try {
    const u = new URL(url);
    const names = new Set(u.searchParams.keys());
    // Deep links such as intent://…#Intent;… or SPA routes carry parameters in the fragment too.
    const hashQuery = u.hash.indexOf('?');
    if (hashQuery !== -1) for (const k of new URLSearchParams(u.hash.slice(hashQuery + 1)).keys()) names.add(k);
    return names;
  } catch {
    return new Set();
  }
}

export function trackClickIds(hops: readonly Pick<Hop, 'url'>[], finalUrl: string, extraParams: readonly string[] = []): ClickIdReport {
  const tracked = [...new Set([...STANDARD_CLICK_IDS, ...extraParams.filter((p) => p.length > 0)])];
  const perHop = hops.map((h) => {
    const names = queryNames(h.url);
    return tracked.filter((p) => names.has(p));
  });
  const finalNames = queryNames(finalUrl);
  const survived = tracked.filter((p) => finalNames.has(p));
  const seen = new Set(perHop.flat());
  const lost = tracked.filter((p) => seen.has(p) && !finalNames.has(p));
  return { tracked, perHop, survived, lost };
}

/** The final URL's query parameters (first value of each name). */
export function finalParams(finalUrl: string): Record<string, string> {
  const params: Record<string, string> = {};
  try {
    for (const [k, v] of new URL(finalUrl).searchParams) if (!(k in params)) params[k] = v;
  } catch {
    // not a URL: no params
  }
  return params;
}
