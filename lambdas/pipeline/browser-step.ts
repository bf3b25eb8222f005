/** TraceBrowser's step: headless Chromium from where HTTP stopped, hops merged into one result. */
import { traceBrowser, type BrowserTraceOptions } from '../tracer/browser-tracer';
import { buildResult, carriedTruncation } from '../tracer/result';
import type { TraceResult } from '../tracer/types';
import type { TraceState } from './pipeline-state';

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
        params: browser.params,
        truncated: carriedTruncation(http, browser),
        ...(browser.error ? { error: browser.error } : {}),
      })
    : browser;
  return { needsBrowser: false, result, traceMs: previous.traceMs + Math.round(performance.now() - started) };
}
