/**
 * The tracer split across two Step Functions tasks: TraceHttp runs HTTP first and says whether
 * the browser is needed; TraceBrowser (its own memory and timeout) continues from the page HTTP
 * could not get past, with the cookies collected so far. Together they do what the tracer's auto
 * mode does in one process.
 */
import type { Cookie } from 'tough-cookie';
import { traceHttp, type HttpTraceOptions } from '../tracer/http-tracer';
import { traceBrowser, type BrowserCookie, type BrowserTraceOptions } from '../tracer/browser-tracer';
import { buildResult } from '../tracer/result';
import type { ModeMemory } from '../tracer/auto-tracer';
import type { TraceResult } from '../tracer/types';
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

export async function browserStep(previous: TraceState, options: BrowserTraceOptions): Promise<TraceState> {
  const started = performance.now();
  const startUrl = previous.browserStartUrl;
  if (!startUrl) throw new Error('TraceBrowser needs browserStartUrl from TraceHttp');
  const browser = await traceBrowser(startUrl, { ...options, cookies: previous.cookies });
  const http = previous.result;
  const result: TraceResult = http
    ? buildResult({
        outcome: browser.outcome,
        finalUrl: browser.finalUrl,
        mode: 'browser',
        hops: [...http.hops, ...browser.hops.slice(1)],
        proxyBytes: http.proxyBytes + browser.proxyBytes,
        ms: http.ms + browser.ms,
        clickIdParams: options.clickIdParams,
        ...(browser.error ? { error: browser.error } : {}),
      })
    : browser;
  return { needsBrowser: false, result, traceMs: previous.traceMs + Math.round(performance.now() - started) };
}
