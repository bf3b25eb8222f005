/**
 * TraceHttp's step: HTTP first through the leased proxy, and whether the browser is needed
 * (then TraceBrowser — browser-step.ts, its own function with its own memory — continues from the
 * page HTTP could not get past, with the cookies collected so far). Kept apart from the browser
 * code so this function's bundle never carries puppeteer.
 */
import type { Cookie } from 'tough-cookie';
import { traceHttp, type HttpTraceOptions } from '../tracer/http-tracer';
import type { BrowserCookie } from '../tracer/browser-tracer';
import type { ModeMemory } from '../tracer/auto-tracer';
import type { TraceState } from './pipeline-state';

export type OfferMode = 'auto' | 'http' | 'browser';

function toBrowserCookies(cookies: Cookie[]): BrowserCookie[] {
  return cookies
    .filter((c) => c.domain)
    .map((c) => ({ name: c.key, value: c.value, domain: c.domain!, path: c.path ?? '/', secure: c.secure, httpOnly: c.httpOnly }));
}

export async function httpStep(
  url: string,
  options: HttpTraceOptions,
  offer: { offerId: string; mode: OfferMode },
  memory: ModeMemory,
): Promise<TraceState> {
  const started = performance.now();
  const learned = offer.mode === 'auto' ? await memory.get(offer.offerId).catch(() => undefined) : undefined;
  if (offer.mode === 'browser' || learned === 'browser') {
    return { needsBrowser: true, browserStartUrl: url, traceMs: 0 };
  }
  const run = await traceHttp(url, options);
  const result = run.result;
  const traceMs = Math.round(performance.now() - started);
  if (offer.mode === 'auto' && result.outcome === 'resolved' && run.needsBrowser?.needed) {
    const cookies = toBrowserCookies(await run.cookieJar.getCookies(result.finalUrl).catch(() => []));
    return { needsBrowser: true, browserStartUrl: result.finalUrl, cookies, result, traceMs };
  }
  return { needsBrowser: false, result, traceMs };
}
