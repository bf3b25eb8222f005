/**
 * The demo: a local affiliate-style redirect chain and landing page (served by the local stack
 * under /demo/*, never in AWS) and a demo offer pointing at them.
 */
import type http from 'node:http';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { validateOffer } from '../lambdas/offers/offer-schema';
import { DynamoOfferRepository } from '../lambdas/offers/offer-repository';
import { escapeHtml } from '../lambdas/shared/http';
import { BROWSER_USER_AGENT } from '../lambdas/traces/bot-skip-hint';

export const DEMO_OFFER_ID = 'demo';

/**
 * The commands `npm start` prints (and the README shows). The click sends a desktop browser's
 * User-Agent because curl's own (`curl/8.x`) is a bot to isbot: such a click is redirected but,
 * as for any crawler or link preview, never traced, and the trace list would stay empty.
 */
export function demoCommands(baseUrl: string, adminToken: string, offerId = DEMO_OFFER_ID): { click: string; traces: string } {
  return {
    click: `curl -i -A '${BROWSER_USER_AGENT}' "${baseUrl}/c/${offerId}?gclid=test-gclid-123&utm_source=google"`,
    traces: `curl -H "Authorization: Bearer ${adminToken}" "${baseUrl}/admin/traces?offerId=${offerId}&limit=1"`,
  };
}

/**
 * `exitCountry`: where the local "geo database" places an address — the echo's answer, as a public
 * echo service places a proxy's exit address.
 */
export function demoRoutes(baseUrl: () => string, exitCountry: (address: string) => string | undefined = () => undefined) {
  return (req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean => {
    if (!url.pathname.startsWith('/demo/')) return false;
    const base = baseUrl();
    const qs = url.search;
    switch (url.pathname) {
      case '/demo/aff/click': {
        // Hop 1: a tracker's server redirect that sets a cookie, as affiliate networks do.
        res.writeHead(302, { location: `${base}/demo/aff/route${qs}`, 'set-cookie': 'aff_session=demo; Path=/' });
        res.end();
        return true;
      }
      case '/demo/aff/route': {
        // Hop 2: a meta refresh that adds the network's own sub-ids.
        const next = new URL(`${base}/demo/landing${qs}`);
        next.searchParams.set('aff_sub', 'demo-sub');
        next.searchParams.set('clickref', 'cr-1234');
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<!doctype html><meta http-equiv="refresh" content="0; url=${next.toString().replace(/&/g, '&amp;')}"><p>Redirecting…</p>`);
        return true;
      }
      case '/demo/landing': {
        const params = [...url.searchParams].map(([k, v]) => `<li><code>${escapeHtml(k)}</code> = <code>${escapeHtml(v)}</code></li>`).join('');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><title>Demo landing page</title><h1>Demo landing page</h1><p>Parameters that arrived:</p><ul>${params}</ul>`);
        return true;
      }
      case '/demo/echo': {
        // What `tracepool ips test` probes each IP with: the address the request came from (the
        // proxy's exit) and its country, as public echo services answer (ipinfo.io's field names).
        const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
        const country = exitCountry(ip);
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ ip, ...(country ? { country: country.toUpperCase() } : {}) }));
        return true;
      }
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('unknown demo page');
        return true;
    }
  };
}

export async function seedDemo(db: DynamoDBDocumentClient, catalogTable: string, baseUrl: string): Promise<void> {
  const validation = validateOffer(DEMO_OFFER_ID, {
    name: 'Demo offer (local)',
    redirectUrl: `${baseUrl}/demo/landing`,
    trackingUrl: `${baseUrl}/demo/aff/click`,
    country: 'us',
  });
  if (!validation.ok) throw new Error(`demo offer invalid: ${JSON.stringify(validation.issues)}`);
  await new DynamoOfferRepository(db, catalogTable).put(validation.offer, Date.now());
  // A marker so operators can tell seeded data apart.
  await db.send(new PutCommand({ TableName: catalogTable, Item: { pk: 'meta', sk: 'demo', seededAt: Date.now() } }));
}
