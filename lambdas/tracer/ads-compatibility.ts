// Google Ads parallel tracking sends the user straight to the landing page and fetches the
// tracking URL in the background, where no page is rendered: only HTTPS server redirects
// (3xx) are followed. Any other hop (refresh, meta, script, browser-only navigation) or any
// plain-HTTP URL breaks tracking.
import { urlForMessage } from './limits';
import type { AdsCompatibility, Hop } from './types';

export function adsCompatibility(hops: readonly Hop[]): AdsCompatibility {
  const reasons: string[] = [];
  hops.forEach((hop, i) => {
    const url = urlForMessage(hop.url);
    let protocol = '';
    try {
      protocol = new URL(hop.url).protocol;
    } catch {
      reasons.push(`hop ${i} (${url}) is not a valid URL`);
      return;
    }
    const isWeb = protocol === 'http:' || protocol === 'https:';
    if (isWeb && protocol !== 'https:') reasons.push(`hop ${i} (${url}) is not HTTPS`);
    if (i > 0 && hop.kind !== 'http') reasons.push(`hop ${i} (${url}) is reached by a ${hop.kind} redirect, not an HTTP 3xx`);
  });
  if (hops.length === 0) reasons.push('no hops');
  return { ok: reasons.length === 0, reasons };
}
