// Auto mode: HTTP first (fast, cheap); the browser only when the page the HTTP trace stopped on
// needs one. What resolved an offer is remembered so later traces of it go straight to the browser.
import type { Cookie } from 'tough-cookie';
import { traceBrowser, type BrowserCookie, type BrowserTraceOptions } from './browser-tracer';
import { traceHttp, type HttpTraceOptions } from './http-tracer';
import { buildResult, carriedTruncation } from './result';
import { DEFAULTS, systemClock, type TraceMode, type TraceResult } from './types';

/** Per-offer memory of the mode that resolved it (the pipeline keeps its own: lambdas/pipeline/tracer-memory.ts). */
export interface ModeMemory {
  get(offerId: string): Promise<TraceMode | undefined>;
  record(offerId: string, mode: TraceMode): Promise<void>;
}

export class InMemoryModeMemory implements ModeMemory {
  private readonly modes = new Map<string, TraceMode>();
  async get(offerId: string): Promise<TraceMode | undefined> {
    return this.modes.get(offerId);
  }
  async record(offerId: string, mode: TraceMode): Promise<void> {
    this.modes.set(offerId, mode);
  }
}

export interface AutoTraceOptions extends HttpTraceOptions, BrowserTraceOptions {
  modeMemory?: ModeMemory;
  offerId?: string;
}

/** Below this, a browser run cannot finish; return what HTTP found instead. */
const MIN_BROWSER_BUDGET_MS = 1_500;

function toBrowserCookies(cookies: Cookie[]): BrowserCookie[] {
  return cookies.filter((c) => c.domain).map((c) => ({ name: c.key, value: c.value, domain: c.domain!, path: c.path ?? '/', secure: c.secure, httpOnly: c.httpOnly }));
}

export async function traceAuto(url: string, options: AutoTraceOptions = {}): Promise<TraceResult> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const deadlineMs = options.deadlineMs ?? DEFAULTS.deadlineMs;
  const memory = options.modeMemory;
  const offerId = options.offerId;
  const remember = async (mode: TraceMode): Promise<void> => {
    if (memory && offerId) await memory.record(offerId, mode).catch(() => undefined);
  };

  const known = memory && offerId ? await memory.get(offerId).catch(() => undefined) : undefined;
  if (known === 'browser') {
    const result = await traceBrowser(url, options);
    if (result.outcome === 'resolved') await remember('browser');
    return result;
  }

  const run = await traceHttp(url, options);
  const http = run.result;
  // HTTP mode either read the chain to its end as a browser would, or handed over the page it
  // could not read (a 4xx/5xx page included: a browser still runs its scripts).
  if (!run.needsBrowser?.needed) {
    if (http.outcome === 'resolved') await remember('http');
    return http;
  }
  const budget = deadlineMs - (clock.now() - started);
  if (budget < MIN_BROWSER_BUDGET_MS) return http;

  // Continue in the browser from the page HTTP could not get past, with the cookies collected so far.
  const cookies = toBrowserCookies(await run.cookieJar.getCookies(http.finalUrl).catch(() => []));
  const browser = await traceBrowser(http.finalUrl, { ...options, deadlineMs: budget, cookies });
  const result = buildResult({
    outcome: browser.outcome,
    finalUrl: browser.finalUrl,
    mode: 'browser',
    hops: [...http.hops, ...browser.hops.slice(1)],
    proxyBytes: http.proxyBytes + browser.proxyBytes,
    ms: clock.now() - started,
    clickIdParams: options.clickIdParams,
    params: browser.params,
    truncated: carriedTruncation(http, browser),
    ...(browser.error ? { error: browser.error } : {}),
  });
  if (result.outcome === 'resolved') await remember('browser');
  return result;
}
