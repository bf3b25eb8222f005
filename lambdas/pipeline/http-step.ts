/**
 * TraceHttp's step: HTTP first through the leased proxy, and whether the browser is needed
 * (then TraceBrowser — browser-step.ts, its own function with its own memory — continues from the
 * page HTTP could not get past, with the cookies collected so far). Kept apart from the browser
 * code so this function's bundle never carries puppeteer.
 */
import type { Cookie } from 'tough-cookie';
import { traceHttp, type HttpTraceOptions } from '../tracer/http-tracer';
import type { BrowserCookie } from '../tracer/browser-tracer';
import { boundCookies } from '../tracer/limits';
import type { TraceState, TraceTarget } from './pipeline-state';

function toBrowserCookies(cookies: Cookie[]): BrowserCookie[] {
  return cookies.filter((c) => c.domain).map((c) => ({ name: c.key, value: c.value, domain: c.domain!, path: c.path ?? '/', secure: c.secure, httpOnly: c.httpOnly }));
}

/** `target`: the offer's mode, and the mode learned for it (AcquireLease read both). */
export async function httpStep(url: string, options: HttpTraceOptions, target: Pick<TraceTarget, 'mode' | 'learnedMode'>): Promise<TraceState> {
  const started = performance.now();
  if (target.mode === 'browser' || (target.mode === 'auto' && target.learnedMode === 'browser')) {
    return { needsBrowser: true, browserStartUrl: url, traceMs: 0 };
  }
  const run = await traceHttp(url, options);
  const result = run.result;
  const traceMs = Math.round(performance.now() - started);
  // Whatever HTTP's outcome: an error page a browser would still run (a refresh or a script on a
  // 4xx/5xx) is handed over, as traceAuto does, rather than reported as HTTP saw it.
  if (target.mode === 'auto' && run.needsBrowser?.needed) {
    // The cookies travel in the state: a chain can set thousands (every hop its 16 KB of headers).
    const { cookies, dropped } = boundCookies(toBrowserCookies(await run.cookieJar.getCookies(result.finalUrl).catch(() => [])));
    const marked = dropped ? { ...result, truncated: { ...result.truncated, cookies: dropped } } : result;
    return { needsBrowser: true, browserStartUrl: result.finalUrl, cookies, result: marked, traceMs };
  }
  return { needsBrowser: false, result, traceMs };
}
